"""A reference for csnn's conductance-based models (iaf_cond_exp, iaf_cond_alpha,
iaf_cond_beta), written from their documented equations (the docstrings of
csnn/_core/iaf_cond_*.pyx and NEST's), not from csnn's code: scipy's solve_ivp with DOP853 at
rtol = atol = 1e-12 on the whole state (V, and each conductance with its derivative term),
piecewise between inputs.

* An input of weight w at t adds w to g_ex (w > 0) or -w to g_in (w <= 0) for iaf_cond_exp; to
  the derivative term dg instead, times e / tau_syn (alpha) or the beta normalisation, for the
  others.  Inputs of one time are summed.
* The threshold V_th is detected on each piece's dense output (7th order) between the solver's
  steps by sampling it finely and refining with brentq; V is then reset to V_reset and held
  over (t_spike, t_spike + t_ref] while the conductances run on (the membrane's derivative is 0
  there).  With ``follow`` (the spike times of the simulation under test), the reference
  still reports its own crossings but resets at the simulation's (within 1e-3 ms of its
  own): a spike time off by dt moves the release from reset by dt, which the steep rise after
  it turns into an error of V that grows from spike to spike; following the simulation's
  resets compares the integration between spikes and each crossing on its own.  Grazing crossings are not this reference's business: tests of those compute the
  trajectory's maximum instead.

Its own error is below 1e-9 mV on these problems (1e-12 tolerances; checked against
rtol = atol = 1e-13 in test_cond.py), far below every tolerance the tests use.
"""
import math

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

#: NEST's defaults of the iaf_cond models (tau_rise/tau_decay for beta)
DEFAULTS = dict(V_th=-55.0, V_reset=-60.0, t_ref=2.0, g_L=16.6667, C_m=250.0, E_ex=0.0, E_in=-85.0,
                E_L=-70.0, I_e=0.0, tau_syn_ex=0.2, tau_syn_in=2.0)
RTOL = ATOL = 1e-12
#: DOP853's steps stay well inside its stability region for the fastest conductance (0.1 ms):
#: longer steps, which its error control takes where the conductances have decayed, leave them
#: oscillating at ~1e-7 nS around 0 (measured), far above the tolerance
MAX_STEP = 0.05


def kernel(model, p):
    """(tau_g, tau_d, jump into g, jump into dg) per synapse type for ``model`` with params p:
    dg/dt = -dg/tau_d, dg_/dt = dg - g/tau_g."""
    out = {}
    for kind in ("ex", "in"):
        if model == "iaf_cond_beta":
            tau_g, tau_d = p[f"tau_rise_{kind}"], p[f"tau_decay_{kind}"]
            out[kind] = (tau_g, tau_d, 0.0, beta_normalisation(tau_g, tau_d))
        else:
            tau = p[f"tau_syn_{kind}"]
            out[kind] = (tau, tau, 1.0, 0.0) if model == "iaf_cond_exp" else (tau, tau, 0.0, math.e / tau)
    return out


def beta_normalisation(tau_rise, tau_decay):
    """1 / peak of the response g to dg(0) = 1 (NEST's formula; e / tau when equal)."""
    if tau_rise == tau_decay:
        return math.e / tau_decay
    t_peak = tau_decay * tau_rise * math.log(tau_decay / tau_rise) / (tau_decay - tau_rise)
    peak = (math.exp(-t_peak / tau_decay) - math.exp(-t_peak / tau_rise)) / (1.0 / tau_rise - 1.0 / tau_decay)
    return 1.0 / peak


class Reference:
    """One neuron of ``model`` with parameters ``params`` (DEFAULTS otherwise) and state
    ``V_m`` (mV), driven by ``inputs`` [(time, weight)] and a constant ``I_e``, from 0 to t_end.
    ``spikes``: the spike times; ``at(t)``: the state (V, g_ex, g_in, dg_ex, dg_in) at times t
    (at an input's time: after it; the value at a spike time is V_reset)."""

    def __init__(self, model, params=None, inputs=(), t_end=100.0, V_m=None, detect=True, follow=None):
        p = dict(DEFAULTS)
        if model == "iaf_cond_beta":
            p.pop("tau_syn_ex")
            p.pop("tau_syn_in")
            p.update(tau_rise_ex=0.2, tau_decay_ex=0.2, tau_rise_in=2.0, tau_decay_in=2.0)
        p.update(params or {})
        self.p = p
        self.k = kernel(model, p)
        v0 = p["E_L"] if V_m is None else V_m
        summed = {}                               # time -> [excitatory weight, inhibitory weight]
        for t, w in inputs:
            part = summed.setdefault(float(t), [0.0, 0.0])
            if w > 0:
                part[0] += w
            else:
                part[1] -= w
        # state: V, g_ex, dg_ex, g_in, dg_in
        y = np.array([v0, 0.0, 0.0, 0.0, 0.0])
        t = 0.0
        refr_end = -math.inf
        self.pieces, self.spikes = [], []
        marks = [(ti, summed[ti]) for ti in sorted(summed) if ti <= t_end] + [(t_end, None)]
        for t_mark, weights in marks:
            while t < t_mark:
                held = t < refr_end
                t_stop = min(t_mark, refr_end) if held else t_mark
                sol = solve_ivp(self._rhs, (t, t_stop), y, args=(held,), method="DOP853", rtol=RTOL,
                                atol=ATOL, dense_output=True, max_step=MAX_STEP)
                crossing = None if (held or not detect) else self._first_crossing(sol, t, t_stop)
                if crossing is None:
                    self.pieces.append((t, t_stop, sol.sol, held))
                    y = sol.sol(t_stop)
                    t = t_stop
                    continue
                self.spikes.append(crossing)
                if follow is not None and len(follow) >= len(self.spikes):
                    # reset where the simulator under test did (when that lies in this piece)
                    theirs = follow[len(self.spikes) - 1]
                    if t < theirs <= t_stop and abs(theirs - crossing) < 1e-3:
                        crossing = theirs
                self.pieces.append((t, crossing, sol.sol, held))
                y = sol.sol(crossing)
                y[0] = p["V_reset"]
                t = crossing
                refr_end = crossing + p["t_ref"]
            if weights is not None:
                w_ex, w_in = weights
                y[1] += w_ex * self.k["ex"][2]
                y[2] += w_ex * self.k["ex"][3]
                y[3] += w_in * self.k["in"][2]
                y[4] += w_in * self.k["in"][3]
            self.pieces.append((t, t, (lambda yy: (lambda _t: yy))(y.copy()), t <= refr_end))
        self.refr_ends = [s + p["t_ref"] for s in self.spikes]
        self.spikes = np.array(self.spikes)

    def _rhs(self, t, y, held):
        p = self.p
        v, g_ex, dg_ex, g_in, dg_in = y
        tg_ex, td_ex, _, _ = self.k["ex"]
        tg_in, td_in, _, _ = self.k["in"]
        dv = 0.0 if held else (-p["g_L"] * (v - p["E_L"]) - g_ex * (v - p["E_ex"]) - g_in * (v - p["E_in"])
                               + p["I_e"]) / p["C_m"]
        return [dv, dg_ex - g_ex / tg_ex, -dg_ex / td_ex, dg_in - g_in / tg_in, -dg_in / td_in]

    def _first_crossing(self, sol, t0, t1):
        """The first time in (t0, t1] where V reaches V_th on the piece's dense output."""
        theta = self.p["V_th"]
        grid = np.linspace(t0, t1, max(3, int((t1 - t0) / 0.001) + 2))
        v = sol.sol(grid)[0] - theta
        above = np.flatnonzero(v[1:] >= 0.0)
        if above.size == 0:
            return None
        k = above[0]
        if v[k] >= 0.0:
            return grid[k]
        return brentq(lambda s: sol.sol(s)[0] - theta, grid[k], grid[k + 1], xtol=1e-15, rtol=1e-15)

    def slope(self, t):
        """dV/dt just before t (mV/ms), the membrane not held."""
        a, b, f, held = next(piece for piece in self.pieces if piece[0] < t <= piece[1])
        return self._rhs(t, f(t), False)[0]

    def at(self, times):
        """(V, g_ex, g_in, dg_ex, dg_in) at each of ``times``: rows."""
        out = []
        for t in np.atleast_1d(times):
            for a, b, f, held in reversed(self.pieces):
                if a <= t <= b:
                    y = f(t)
                    break
            else:
                raise ValueError(f"t = {t} outside the reference's span")
            out.append([y[0], y[1], y[3], y[2], y[4]])
        return np.array(out)
