"""srm_psc_exp (Masquelier, Guyonneau & Thorpe 2008) against references computed here from the
model's definition, independently of csnn's code.

Model (csnn/_core/srm_psc_exp.pyx): the potential V (arbitrary units, 0 at rest) is

    V(t) = eta(t - t_hat) + sum over inputs j arriving at a_j >= t_hat of  w_j eps(t - a_j),

t_hat the last output spike (eta = 0 and all inputs count before the first one), with

    eps(s) = K (e^{-s/tau_m} - e^{-s/tau_s}),       K such that max eps = 1,
    eta(s) = V_th (K1 e^{-s/tau_m} - K2 (e^{-s/tau_m} - e^{-s/tau_s})).

Below both are written with D(s) = (e^{-s/tau_m} - e^{-s/tau_s}) / y, y = 1/tau_s - 1/tau_m,
evaluated as e^{-s/tau_m} (-expm1(-y s)) / y (D(s) = s e^{-s/tau} when y = 0), so that tau_s close
to tau_m does not cancel: eps(s) = D(s) / D(s*) with the peak time

    s* = tau_m tau_s ln(tau_m / tau_s) / (tau_m - tau_s)          (s* = tau when they are equal),

and eta(s) = V_th (K1 e^{-s/tau_m} - K2 y D(s)).  D solves D' = e^{-s/tau_s} - D / tau_m, which
gives the slopes without cancellation either.

Spike-time reference (``reference_spikes``): between two input arrivals V is a combination
A e^{-t/tau_m} + B e^{-t/tau_s} (or (A + B t) e^{-t/tau}), whose derivative vanishes at most once.
Each such segment therefore splits into at most two monotone pieces, separated by the zero of the
slope (found by brentq): the first piece reaching V_th holds exactly one crossing, refined by
brentq to ~1e-13 ms.  No sampling step can skip an excursion above threshold.  After a spike at
t_hat, all earlier inputs are dropped, eta starts, and the search resumes at t_hat + t_ref; if V is
already >= V_th there (input during t_ref), the spike is at the first double after t_hat + t_ref.
"""
import math

import numpy as np
import pytest
from hypothesis import Phase, assume, given, settings, strategies as st
from scipy.optimize import brentq

import csnn
from csnn.errors import BadParameterError, IllegalConnectionError

from conftest import grid_arrivals, resolve_tau, tau_syn_strategy

pytestmark = pytest.mark.usefixtures("fresh_kernel")

MODEL = "srm_psc_exp"
DEFAULTS = {"tau_m": 10.0, "tau_s": 2.5, "V_th": 500.0, "K1": 2.0, "K2": 4.0, "t_ref": 1.0}

# -- tolerances ------------------------------------------------------------------------------------
# csnn integrates V with exact propagators: each event (input, sample, spike) costs a few ulp of the
# magnitudes involved, i.e. of the weights, of V_th and of the synaptic "current" behind them (a few
# times larger: an input of weight w adds w / D(s*) to a current that tau_m turns into potential).
# The references below are closed forms in double precision with errors of the same kind.  For a
# few dozen events this stays at a few 1e-15 of the scale (largest |w|, |V_0|, or V_th; measured:
# <= 4e-15); 1e-12 of the scale leaves a margin of ~300, while any modelling error (a wrong kernel
# or normalisation, a lost or misplaced input, a missing flush) is >= 1e-4 of it.
V_REL = 1e-12
# csnn reports the right end of a 2**-40 ms (~1e-12 ms) leaf of its crossing search, and its V
# differs from the closed form by ~1e-13 V_th, i.e. ~1e-14 ms at the slopes of non-grazing crossings
# (>~ 10 V_th/s = 0.01 V_th/ms).  brentq places the reference crossing to ~1e-13 ms (relative 4 ulp
# of t <= 200 ms).  1e-9 ms is far above both (and covers the few-ulp drift of later spikes, which
# inherit the earlier ones' errors through eta) and far below any error of substance (a missed input
# or a wrong kernel moves a spike by >= 1e-4 ms).
T_TOL = 1e-9          # ms
# Voltage resolution of the crossing decision.  csnn's bound on V carries a rounding allowance of
# 16 ulp times the magnitudes of its terms (V, and tau_m times the current: after a spike
# K2 V_th (tau_m / tau_s - 1) = 12 V_th for the defaults): ~5e-14 V_th.  Grazing margins are drawn
# from 1e-11 V_th up, so every case is decided ~200x beyond it, and ~1e3x beyond the reference's
# rounding (~1e-14 V_th).
MARGIN_MIN_EXP = -11

# Hypothesis without its shrink phase: a failing example is reported as found (shrinking only costs
# time here: each example is one small simulation).
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)


# -- closed-form kernels ---------------------------------------------------------------------------

def rate_gap(tau_m, tau_s):
    """y = 1/tau_s - 1/tau_m, computed from the exact difference tau_m - tau_s (Sterbenz)."""
    return (tau_m - tau_s) / (tau_m * tau_s)


def dfun(s, tau_m, tau_s):
    """D(s) = (e^{-s/tau_m} - e^{-s/tau_s}) / y = int_0^s e^{-x/tau_s} e^{-(s-x)/tau_m} dx, s >= 0."""
    s = np.asarray(s, dtype=float)
    y = rate_gap(tau_m, tau_s)
    em = np.exp(-s / tau_m)
    if y == 0.0:
        return s * em
    return em * -np.expm1(-y * s) / y


def dfun_slope(s, tau_m, tau_s):
    return np.exp(-np.asarray(s, dtype=float) / tau_s) - dfun(s, tau_m, tau_s) / tau_m


def peak_time(tau_m, tau_s):
    """s* = tau_m tau_s ln(tau_m / tau_s) / (tau_m - tau_s), tau when equal (log1p: accurate when
    they nearly are)."""
    if tau_m == tau_s:
        return tau_m
    d = tau_m - tau_s
    return tau_m * tau_s * math.log1p(d / tau_s) / d


def eps(s, tau_m, tau_s):
    """The postsynaptic potential of unit weight (0 before the arrival), peak exactly 1."""
    s = np.asarray(s, dtype=float)
    return np.where(s >= 0, dfun(np.maximum(s, 0.0), tau_m, tau_s), 0.0) / dfun(peak_time(tau_m, tau_s), tau_m, tau_s)


def eps_slope(s, tau_m, tau_s):
    """Right derivative of eps (jumps from 0 to 1 / D(s*) at the arrival)."""
    s = np.asarray(s, dtype=float)
    return (np.where(s >= 0, dfun_slope(np.maximum(s, 0.0), tau_m, tau_s), 0.0)
            / dfun(peak_time(tau_m, tau_s), tau_m, tau_s))


def eta(s, p):
    """The after-potential V_th (K1 e^{-s/tau_m} - K2 (e^{-s/tau_m} - e^{-s/tau_s})), s >= 0."""
    s = np.asarray(s, dtype=float)
    y = rate_gap(p["tau_m"], p["tau_s"])
    return p["V_th"] * (p["K1"] * np.exp(-s / p["tau_m"]) - p["K2"] * y * dfun(s, p["tau_m"], p["tau_s"]))


def eta_slope(s, p):
    s = np.asarray(s, dtype=float)
    y = rate_gap(p["tau_m"], p["tau_s"])
    return p["V_th"] * (-p["K1"] / p["tau_m"] * np.exp(-s / p["tau_m"])
                        - p["K2"] * y * dfun_slope(s, p["tau_m"], p["tau_s"]))


def shortest_t_ref(p):
    """The time at which eta falls below V_th for good (0 if it starts below), for tau_s <= tau_m or
    nearly equal, where eta / V_th = e^{-s/tau_m} (K1 - K2 (1 - e^{-y s})) only decreases while >= 1."""
    if eta(0.0, p) < p["V_th"]:
        return 0.0
    hi = 1.0
    while eta(hi, p) >= p["V_th"]:
        hi *= 2.0
    return brentq(lambda s: float(eta(s, p)) - p["V_th"], 0.0, hi, xtol=1e-15, rtol=1e-15)


# -- the reference trajectory and spike train ------------------------------------------------------

class Reference:
    """V(t) of the model for given inputs and a given (past) output spike t_hat."""

    def __init__(self, p, arrivals, weights, v0=0.0):
        order = np.argsort(arrivals, kind="stable")
        self.p = p
        self.a = np.asarray(arrivals, dtype=float)[order]
        self.w = np.asarray(weights, dtype=float)[order]
        self.v0 = v0

    def v(self, t, t_hat=None, upto=np.inf):
        """V at the times t (> t_hat) counting the inputs arriving in [t_hat, upto]."""
        t = np.atleast_1d(np.asarray(t, dtype=float))
        tm, ts = self.p["tau_m"], self.p["tau_s"]
        if t_hat is None:
            sel = self.a <= upto
            out = self.v0 * np.exp(-t / tm)
        else:
            sel = (self.a >= t_hat) & (self.a <= upto)
            out = eta(t - t_hat, self.p)
        a, w = self.a[sel], self.w[sel]
        if a.size:
            out = out + (w[:, None] * eps(t[None, :] - a[:, None], tm, ts)).sum(axis=0)
        return out

    def slope(self, t, t_hat=None, upto=np.inf):
        t = np.atleast_1d(np.asarray(t, dtype=float))
        tm, ts = self.p["tau_m"], self.p["tau_s"]
        if t_hat is None:
            sel = self.a <= upto
            out = -self.v0 / tm * np.exp(-t / tm)
        else:
            sel = (self.a >= t_hat) & (self.a <= upto)
            out = eta_slope(t - t_hat, self.p)
        a, w = self.a[sel], self.w[sel]
        if a.size:
            out = out + (w[:, None] * eps_slope(t[None, :] - a[:, None], tm, ts)).sum(axis=0)
        return out

    def segments(self, start, stop):
        """[lo, hi] pieces of (start, stop) between arrivals: V is a two-exponential sum on each."""
        inner = self.a[(self.a > start) & (self.a < stop)]
        edges = np.concatenate([[start], inner, [stop]])
        return [(lo, hi) for lo, hi in zip(edges[:-1], edges[1:]) if hi > lo]

    def segment_max(self, lo, hi, t_hat):
        """(time, value) of the maximum of V on [lo, hi] (inputs up to lo)."""
        def f(t):
            return float(self.v(t, t_hat, lo)[0])

        def df(t):
            return float(self.slope(t, t_hat, lo)[0])
        cands = [(f(lo), lo), (f(hi), hi)]
        if df(lo) > 0.0 > df(hi):
            c = brentq(df, lo, hi, xtol=1e-15, rtol=1e-15)
            cands.append((f(c), c))
        value, time = max(cands)
        return time, value

    def first_crossing(self, start, stop, t_hat):
        """First t in (start, stop] with V(t) >= V_th (V(start) < V_th), or None."""
        theta = self.p["V_th"]
        for lo, hi in self.segments(start, stop):
            def g(t, lo=lo):
                return float(self.v(t, t_hat, lo)[0]) - theta
            if g(hi) >= 0.0:
                # V(lo) < theta <= V(hi): with at most one extremum, exactly one crossing
                return brentq(g, lo, hi, xtol=1e-15, rtol=1e-15)
            tc, vc = self.segment_max(lo, hi, t_hat)
            if vc >= theta:
                return brentq(g, lo, tc, xtol=1e-15, rtol=1e-15)
        return None

    def spikes(self, t_end):
        out, t_hat, start = [], None, 0.0
        while start < t_end:
            if t_hat is not None and self.v(start, t_hat)[0] >= self.p["V_th"]:
                ts = float(np.nextafter(start, np.inf))       # pushed above V_th during t_ref
            else:
                ts = self.first_crossing(start, t_end, t_hat)
                if ts is None:
                    break
            out.append(ts)
            t_hat, start = ts, ts + self.p["t_ref"]
        return np.array(out)

    def trace(self, t, spikes):
        """V at the times t given the output spikes."""
        t = np.asarray(t, dtype=float)
        out = np.empty_like(t)
        last = np.searchsorted(spikes, t, side="left") - 1     # spikes strictly before t
        for k in np.unique(last):
            sel = last == k
            out[sel] = self.v(t[sel], None if k < 0 else spikes[k])
        return out


# -- csnn helpers ----------------------------------------------------------------------------------

def run_srm(p, times, weights, delay, t_sim, interval=0.1, record=True, chunks=None):
    """One srm_psc_exp driven by one spike_generator (weights as spike_weights, synaptic weight 1):
    (spike times, multimeter events or None, neuron)."""
    nrn = csnn.Create(MODEL, params=p)
    if len(times):
        gen = csnn.Create("spike_generator", params={"spike_times": np.asarray(times, dtype=float),
                                                     "spike_weights": np.asarray(weights, dtype=float)})
        csnn.Connect(gen, nrn, syn_spec={"weight": 1.0, "delay": delay})
    sr = csnn.Create("spike_recorder")
    csnn.Connect(nrn, sr)
    mm = None
    if record:
        mm = csnn.Create("multimeter", params={"interval": interval, "record_from": ["V_m"]})
        csnn.Connect(mm, nrn)
    for chunk in (chunks or [t_sim]):
        csnn.Simulate(chunk)
    return (np.asarray(sr.get("events")["times"], dtype=float), mm.get("events") if mm else None, nrn)


# -- 1. subthreshold trajectories ------------------------------------------------------------------

@settings(max_examples=40, deadline=None, phases=NO_SHRINK)
@given(tau_m=st.floats(2.0, 30.0), tau_s=tau_syn_strategy(0.2, 30.0), v0=st.floats(-200.0, 200.0),
       inputs=st.lists(st.tuples(st.floats(0.05, 50.0), st.floats(-300.0, 300.0).filter(lambda w: w != 0.0)),
                       max_size=30),
       delay=st.floats(0.1, 5.0))
def test_subthreshold_trajectory_is_the_sum_of_kernels(tau_m, tau_s, v0, inputs, delay):
    """Without output spikes V is v0 e^{-t/tau_m} (the set V_m decays like the membrane the kernels
    belong to) plus w eps(t - a) for each input, at every multimeter sample."""
    csnn.ResetKernel()
    tau_s = resolve_tau(tau_s, tau_m)
    inputs = sorted(inputs)
    times = np.array([s for s, _ in inputs])
    weights = np.array([w for _, w in inputs])
    scale = max(np.abs(weights).sum(), abs(v0), 1.0)
    # V stays below sum |w| + |v0|; t_ref is long enough for eta whatever the time constants
    p = {"tau_m": tau_m, "tau_s": tau_s, "V_th": 10.0 * scale, "t_ref": 20.0 * max(tau_m, tau_s), "V_m": v0}
    spikes, ev, _ = run_srm(p, times, weights, delay, 70.0)
    assert spikes.size == 0
    t = ev["times"]
    assert t.size == 699 and t[0] == pytest.approx(0.1)
    ref = Reference(dict(DEFAULTS, **p), grid_arrivals(times, delay), weights, v0=v0)
    expected = ref.v(t)
    np.testing.assert_allclose(ev["V_m"], expected, rtol=0, atol=V_REL * max(np.abs(weights).max(initial=0.0), abs(v0), 1.0))


def test_reference_kernels_agree_with_the_textbook_forms():
    """Sanity of the references: for well-separated time constants the expm1 forms equal the plain
    formulas of the docstring, eps peaks at 1 at s*, and the equal-tau limit is (s/tau) e^{1-s/tau}."""
    s = np.linspace(0.0, 60.0, 601)
    for tm, ts in [(10.0, 2.5), (20.0, 5.0), (3.0, 7.0)]:
        k = 1.0 / (math.exp(-peak_time(tm, ts) / tm) - math.exp(-peak_time(tm, ts) / ts))
        np.testing.assert_allclose(eps(s, tm, ts), k * (np.exp(-s / tm) - np.exp(-s / ts)), rtol=0, atol=1e-14)
        fine = peak_time(tm, ts) + np.linspace(-1e-3, 1e-3, 2001)
        assert np.max(eps(fine, tm, ts)) == pytest.approx(1.0, abs=1e-15)
        assert eps(peak_time(tm, ts), tm, ts) == pytest.approx(1.0, abs=1e-15)
        p = dict(DEFAULTS, tau_m=tm, tau_s=ts)
        np.testing.assert_allclose(eta(s, p), p["V_th"] * (p["K1"] * np.exp(-s / tm) - p["K2"] * (np.exp(-s / tm) - np.exp(-s / ts))),
                                   rtol=0, atol=1e-12)
    np.testing.assert_allclose(eps(s, 7.0, 7.0), s / 7.0 * np.exp(1.0 - s / 7.0), rtol=0, atol=1e-15)
    # 1e-9 away from equal: within ~1e-9 of the equal-tau kernel
    np.testing.assert_allclose(eps(s, 7.0, 7.0 * (1 + 1e-9)), s / 7.0 * np.exp(1.0 - s / 7.0), rtol=0, atol=1e-8)


# -- 2. the PSP peak -------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None, phases=NO_SHRINK)
@given(tau_m=st.floats(2.0, 30.0), tau_s=tau_syn_strategy(0.2, 30.0),
       w=st.one_of(st.floats(1.0, 1000.0), st.floats(-1000.0, -1.0)),
       t_gen=st.floats(0.1, 10.0), delay=st.floats(0.1, 3.0))
def test_psp_of_weight_w_peaks_at_w_at_s_star(tau_m, tau_s, w, t_gen, delay):
    """A single input of weight w: V(a + s*) = w exactly (the state read with GetStatus after
    simulating to exactly a + s*), and V is |w|-smaller a little before and after."""
    csnn.ResetKernel()
    tau_s = resolve_tau(tau_s, tau_m)
    s_star = peak_time(tau_m, tau_s)
    p = {"tau_m": tau_m, "tau_s": tau_s, "V_th": 10.0 * abs(w), "t_ref": 20.0 * max(tau_m, tau_s)}
    _, _, nrn = run_srm(p, [t_gen], [w], delay, 0.0, record=False, chunks=[])
    a = t_gen + delay
    values = {}
    for s in (s_star - 0.05 * s_star, s_star, s_star + 0.05 * s_star):
        csnn.Simulate(a + s - csnn.GetKernelStatus("biological_time"))
        now = csnn.GetKernelStatus("biological_time")
        # the simulation ends within rounding of a + s, or on the 0.1 ms grid when that is within
        # 1e-10 ms (csnn snaps such ends); V is compared at the actual time, and at the peak that
        # offset changes V by ~|w| 1e-20: nothing
        assert now == pytest.approx(a + s, abs=1e-10)
        values[s] = nrn.get("V_m")
        assert values[s] == pytest.approx(w * float(eps(now - a, tau_m, tau_s)), abs=V_REL * abs(w))
    # the peak itself, to ~1e-13 |w| (the kernel normalisation and a few propagator steps)
    assert values[s_star] == pytest.approx(w, abs=V_REL * abs(w))
    # and it is the extremum: 5 % of s* away V is short of w by ~|w| (0.05 s*)^2 |eps''| / 2 >~ 1e-4 |w|
    for s, v in values.items():
        if s != s_star:
            assert abs(v) < abs(w) * (1.0 - 1e-5)


@pytest.mark.parametrize("tau_m, tau_s", [(10.0, 2.5), (10.0, 10.0)])
def test_psp_peak_on_the_sample_grid(tau_m, tau_s):
    """An input placed so that a + s* = 20.0 ms, a multimeter sample: that sample is w, the largest
    recorded; the defaults' s* = 25 ln(4) / 7.5 = 4.62 ms."""
    s_star = peak_time(tau_m, tau_s)
    if (tau_m, tau_s) == (10.0, 2.5):
        assert s_star == pytest.approx(10.0 * math.log(4.0) / 3.0, rel=1e-15)
    w, delay = 321.0, 1.0
    t_gen = 20.0 - s_star - delay
    p = {"tau_m": tau_m, "tau_s": tau_s, "V_th": 1e4, "t_ref": 200.0}
    spikes, ev, _ = run_srm(p, [t_gen], [w], delay, 40.0)
    t, v = ev["times"], ev["V_m"]
    k = int(np.flatnonzero(t == 20.0)[0])
    assert v[k] == pytest.approx(w, abs=V_REL * w)
    assert np.argmax(v) == k
    assert np.all(v <= w * (1.0 + V_REL))
    np.testing.assert_allclose(v, w * eps(t - (t_gen + delay), tau_m, tau_s), rtol=0, atol=V_REL * w)


# -- 3. spike times ---------------------------------------------------------------------------------

def spiking_params(draw):
    """Parameters with tau_s <= tau_m (or nearly equal) and a valid t_ref (0-3 ms beyond the
    shortest, which is 0 when K1 < 1)."""
    tau_m = draw(st.floats(4.0, 25.0), label="tau_m")
    tau_s = resolve_tau(draw(st.one_of(st.floats(0.3, 1.0).map(lambda r: r * tau_m), st.just("equal"),
                                   st.tuples(st.just("near"), st.sampled_from([-1.0, 1.0]), st.floats(-12.0, -2.0)))),
                    tau_m)
    p = {"tau_m": tau_m, "tau_s": tau_s, "V_th": draw(st.floats(10.0, 1000.0), label="V_th"),
         "K1": draw(st.floats(0.5, 3.0), label="K1"), "K2": draw(st.floats(0.0, 6.0), label="K2")}
    # 1e-6 beyond the shortest, relative, and 1e-9 ms absolute for a shortest of 0 at K1 = 1
    # exactly (eta starts at V_th, so t_ref = 0 would not cover it and the model refuses it)
    p["t_ref"] = shortest_t_ref(p) * (1.0 + 1e-6) + 1e-9 + draw(st.floats(0.0, 3.0), label="t_ref extra")
    return p


@settings(max_examples=30, deadline=None, phases=NO_SHRINK)
@given(data=st.data())
def test_spike_times_match_brute_force_reference(data):
    """Random suprathreshold input (both signs, continuous times): every output spike, with its
    flush and after-potential, where the reference puts it; and the whole recorded trajectory."""
    csnn.ResetKernel()
    p = spiking_params(data.draw)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    t_end = 120.0
    # ~0.6 inputs per ms, mostly excitatory, each moving V by up to 0.7 V_th at its peak: the
    # neuron fires a few to a few dozen times
    n = rng.poisson(0.6 * t_end)
    times = np.sort(rng.uniform(0.1, t_end - 10.0, n))
    weights = p["V_th"] * np.where(rng.random(n) < 0.8, rng.uniform(0.05, 0.7, n), -rng.uniform(0.05, 0.5, n))
    delay = data.draw(st.floats(0.1, 3.0), label="delay")
    ours, ev, _ = run_srm(p, times, weights, delay, t_end)
    ref = Reference(dict(DEFAULTS, **p), times + delay, weights)
    expected = ref.spikes(t_end)
    assume(expected.size >= 2)
    assert ours.size == expected.size, f"{ours.size} spikes, reference {expected.size}: {ours} vs {expected}"
    np.testing.assert_allclose(ours, expected, rtol=0, atol=T_TOL)
    # the trajectory through flushes and after-potentials; a sample within T_TOL of a spike may
    # fall on either side of the reset, so samples within 1e-6 ms of one are left out (random
    # times put one there now and then: a spike 2.2e-7 ms before the sample at 8.7 ms)
    t = ev["times"]
    clear = np.min(np.abs(t[:, None] - ours[None, :]), axis=1) > 1e-6
    assert clear.sum() >= t.size - 2 * ours.size
    np.testing.assert_allclose(ev["V_m"][clear], ref.trace(t[clear], ours), rtol=0, atol=V_REL * p["V_th"])


def test_spike_times_defaults_regression_many_spikes():
    """The paper's parameters, a dense random train: tens of spikes, all where the reference puts them."""
    rng = np.random.default_rng(2008)
    n = 400
    times = np.sort(rng.uniform(0.1, 290.0, n))
    weights = np.where(rng.random(n) < 0.85, rng.uniform(20.0, 350.0, n), -rng.uniform(20.0, 250.0, n))
    ours, _, _ = run_srm({}, times, weights, 1.0, 300.0, record=False)
    expected = Reference(DEFAULTS, times + 1.0, weights).spikes(300.0)
    assert 20 <= expected.size <= 100
    assert ours.size == expected.size
    np.testing.assert_allclose(ours, expected, rtol=0, atol=T_TOL)


margin_strategy = st.floats(MARGIN_MIN_EXP, -4.0).map(lambda x: 10.0 ** x)     # relative to V_th


@settings(max_examples=40, deadline=None, phases=NO_SHRINK)
@given(tau_m=st.floats(2.0, 30.0), tau_s=tau_syn_strategy(0.2, 30.0), v_th=st.floats(10.0, 1000.0),
       arrival=st.floats(0.5, 5.0), margin=margin_strategy, above=st.booleans())
def test_grazing_single_psp(tau_m, tau_s, v_th, arrival, margin, above):
    """One PSP of weight w = V_th (1 +/- margin): its peak exceeds V_th by a hair (fires at the
    reference crossing) or falls short by one (no spike)."""
    csnn.ResetKernel()
    tau_s = resolve_tau(tau_s, tau_m)
    p = dict(DEFAULTS, tau_m=tau_m, tau_s=tau_s, V_th=v_th, K1=0.5, K2=0.0, t_ref=0.0)
    w = v_th * (1.0 + margin if above else 1.0 - margin)
    t_end = arrival + 12.0 * max(tau_m, tau_s)
    spikes, _, _ = run_srm(p, [arrival - 0.2], [w], 0.2, t_end, record=False)
    if not above:
        assert spikes.size == 0, f"spike at {spikes[0]!r} ms although the PSP peaks {margin} V_th below V_th"
        return
    assert spikes.size >= 1, f"missed a crossing: PSP peak - V_th = {margin} V_th"
    ref = Reference(p, [arrival], [w])
    check_grazing_time(ref, spikes[0], 0.0, t_end, None)


def check_grazing_time(ref, spike, start, stop, t_hat):
    """Near a grazing maximum the crossing time is ill-conditioned (the slope there is only
    sqrt(2 margin V_th |V''|)): csnn's spike must lie between the crossings of V_th -/+ 1e-12 V_th
    (20x its rounding allowance, see MARGIN_MIN_EXP), up to T_TOL (its leaf is 1e-12 ms), or
    within T_TOL of the reference crossing."""
    p = ref.p
    t_cross = ref.first_crossing(start, stop, t_hat)
    assert t_cross is not None
    v_res = 1e-12 * p["V_th"]
    early = Reference(dict(p, V_th=p["V_th"] - v_res), ref.a, ref.w, ref.v0).first_crossing(start, stop, t_hat)
    late = Reference(dict(p, V_th=p["V_th"] + v_res), ref.a, ref.w, ref.v0).first_crossing(start, stop, t_hat)
    late = stop if late is None else late
    assert early - T_TOL <= spike <= late + T_TOL or abs(spike - t_cross) <= T_TOL, (
        f"spike at {spike!r} ms, reference crossing at {t_cross!r} ms (window {early!r} .. {late!r})")


@settings(max_examples=30, deadline=None, phases=NO_SHRINK)
@given(gap=st.floats(2.0, 12.0), w_inh=st.floats(0.1, 2.0), inh_delay=st.floats(0.5, 8.0),
       margin=margin_strategy, above=st.booleans())
def test_grazing_crossing_in_the_after_potential(gap, w_inh, inh_delay, margin, above):
    """After a first spike, an excitatory input ``gap`` ms later and an inhibitory one after it, with
    the excitatory weight scaled (by brentq on the reference's maximum) so that eta plus the PSPs
    peaks at V_th (1 +/- margin): the maximum lies in the undershoot of eta, between the inputs or in
    the kink at the inhibitory arrival.  csnn fires a second time exactly when above."""
    csnn.ResetKernel()
    p = dict(DEFAULTS)
    first = (2.0, 1.5 * p["V_th"])                   # fires ~2-3 ms after arriving
    t_hat = Reference(p, [first[0]], [first[1]]).spikes(50.0)
    assert t_hat.size == 1
    t_hat = float(t_hat[0])
    a_exc = t_hat + p["t_ref"] + gap - 1.0 + 1e-3
    a_inh = a_exc + inh_delay
    t_end = a_inh + 80.0

    def peak(c):
        ref = Reference(p, [first[0], a_exc, a_inh], [first[1], c, -w_inh * p["V_th"]])
        return max((ref.segment_max(lo, hi, t_hat) for lo, hi in ref.segments(t_hat + p["t_ref"], t_end)),
                   key=lambda tv: tv[1])

    # the scaled weight making the maximum exactly V_th; peak(c) grows with c
    c0 = brentq(lambda c: peak(c)[1] - p["V_th"], 0.0, 20.0 * p["V_th"], xtol=1e-13, rtol=1e-15)
    target = p["V_th"] * (1.0 + margin if above else 1.0 - margin)
    c = brentq(lambda c: peak(c)[1] - target, c0 * 0.5, c0 * 2.0, xtol=1e-13, rtol=1e-15)
    t_peak, v_peak = peak(c)
    assert abs(v_peak - target) <= 1e-13 * p["V_th"]
    assert eta(t_peak - t_hat, p) < 0.0                          # in the undershoot
    arrivals = np.array([first[0], a_exc, a_inh])
    weights = np.array([first[1], c, -w_inh * p["V_th"]])
    delay = 0.5
    spikes, _, _ = run_srm({}, arrivals - delay, weights, delay, t_end, record=False)
    assert spikes.size >= 1 and abs(spikes[0] - t_hat) <= T_TOL
    if not above:
        assert spikes.size == 1, f"second spike at {spikes[1]!r} ms although max V is {margin} V_th below V_th"
        return
    assert spikes.size >= 2, f"missed a crossing {margin} V_th above threshold"
    ref = Reference(p, arrivals, weights)
    check_grazing_time(ref, spikes[1], t_hat + p["t_ref"], t_end, t_hat)


# -- 4. flush and after-potential ------------------------------------------------------------------

def test_after_spike_v_is_eta_alone():
    """Two inputs fire the neuron at t_hat; with no later input V(t_hat + s) = eta(s) at every sample
    (the PSPs, still hundreds of units high, are flushed), with its minimum -0.75 V_th at
    s = ln(8)/0.3 ms (eta' = V_th (0.2 e^{-s/10} - 1.6 e^{-s/2.5}) = 0 where e^{0.3 s} = 8, and then
    e^{-s/10} = 1/2, e^{-s/2.5} = 1/16, eta = 500 (2/2 - 4 (1/2 - 1/16)) = -375)."""
    p = dict(DEFAULTS)
    arrivals, weights = [2.0, 2.7], [400.0, 350.0]
    delay = 1.0
    spikes, ev, nrn = run_srm({}, np.array(arrivals) - delay, weights, delay, 40.0)
    assert spikes.size == 1
    t_hat = spikes[0]
    ref = Reference(p, arrivals, weights)
    assert t_hat == pytest.approx(ref.spikes(40.0)[0], abs=T_TOL)
    assert nrn.get("t_spike") == t_hat
    t, v = ev["times"], ev["V_m"]
    after = t > t_hat
    np.testing.assert_allclose(v[after], eta(t[after] - t_hat, p), rtol=0, atol=V_REL * p["V_th"])
    # the unflushed sum would differ by the PSPs (>= 50 over the next 10 ms)
    psps = (np.array(weights)[:, None] * eps(t[after][None, :] - np.array(arrivals)[:, None], 10.0, 2.5)).sum(axis=0)
    assert np.all(psps[t[after] < t_hat + 10.0] > 50.0)
    # before the spike: the plain sum of the PSPs
    np.testing.assert_allclose(v[~after], ref.v(t[~after]), rtol=0, atol=V_REL * p["V_th"])
    # the minimum, read exactly there (a second run, simulated to t_hat + s_min)
    s_min = math.log(8.0) / 0.3
    assert float(eta(s_min, p)) == pytest.approx(-375.0, abs=1e-12)
    assert np.min(v[after]) > -375.0 and np.min(v[after]) < -375.0 + 0.01
    csnn.ResetKernel()
    _, _, nrn = run_srm({}, np.array(arrivals) - delay, weights, delay, t_hat + s_min, record=False)
    assert csnn.GetKernelStatus("biological_time") == pytest.approx(t_hat + s_min, abs=1e-12)
    assert nrn.get("t_spike") == t_hat
    assert nrn.get("V_m") == pytest.approx(-0.75 * p["V_th"], abs=V_REL * p["V_th"])
    # V is not held: it is above V_th right after the spike (eta(0) = K1 V_th = 1000), yet no spike
    early = after & (t < t_hat + 0.8)
    assert early.sum() >= 7 and np.all(v[early] > p["V_th"])


@pytest.mark.parametrize("k1, k2, tau_s", [(2.0, 4.0, 2.5), (0.7, 0.0, 2.5), (1.5, 3.0, 10.0)])
def test_after_potential_with_other_constants(k1, k2, tau_s):
    """V set above threshold at t = 0 fires at the first instant after 0; then V = eta for any K1, K2
    (K2 = 0: a pure exponential; tau_s == tau_m: the K2 term vanishes, V = K1 V_th e^{-s/tau_m})."""
    p = dict(DEFAULTS, K1=k1, K2=k2, tau_s=tau_s, V_th=200.0)
    p["t_ref"] = shortest_t_ref(p) + 0.5
    spikes, ev, nrn = run_srm(dict(p, V_m=250.0), [], [], 1.0, 30.0)
    assert spikes.size == 1 and 0.0 < spikes[0] <= 1e-300
    np.testing.assert_allclose(ev["V_m"], eta(ev["times"] - spikes[0], p), rtol=0, atol=V_REL * p["V_th"])
    if tau_s == p["tau_m"]:
        np.testing.assert_allclose(ev["V_m"], k1 * 200.0 * np.exp(-ev["times"] / 10.0), rtol=0, atol=V_REL * 200.0)


@pytest.mark.parametrize("w_extra", [100.0, 200.0])
def test_input_at_the_spike_time_is_added_after_the_flush(w_extra):
    """An input arriving exactly when the neuron fires survives the flush: afterwards V = eta + its PSP
    (flushed, V would be eta alone).  With weight 200 the PSP lifts V above V_th by the end of t_ref
    (eta(1) + 200 eps(1) = 436 + 99), so the surviving input even fires the neuron again, at the
    first double after t_hat + t_ref; with 100 it stays below."""
    p = dict(DEFAULTS)
    spikes, _, _ = run_srm({}, [1.0], [700.0], 1.0, 20.0, record=False)
    assert spikes.size == 1
    t_hat = spikes[0]
    csnn.ResetKernel()
    delay = 1.0
    t_gen = t_hat - delay
    assert t_gen + delay == t_hat                      # the extra input arrives exactly at t_hat
    spikes2, ev, _ = run_srm({}, [1.0, t_gen], [700.0, w_extra], delay, 20.0)
    assert spikes2[0] == t_hat                         # the input cannot move the crossing
    ref = Reference(p, [2.0, t_hat], [700.0, w_extra])
    if w_extra == 200.0:
        assert spikes2.size == 2 and spikes2[1] == np.nextafter(t_hat + p["t_ref"], np.inf)
    else:
        assert spikes2.size == 1
    np.testing.assert_allclose(spikes2, ref.spikes(20.0), rtol=0, atol=T_TOL)
    t, v = ev["times"], ev["V_m"]
    after = (t > t_hat) & (t <= t_hat + 1.0)
    expected = eta(t[after] - t_hat, p) + w_extra * eps(t[after] - t_hat, 10.0, 2.5)
    np.testing.assert_allclose(v[after], expected, rtol=0, atol=V_REL * p["V_th"])
    np.testing.assert_allclose(v, ref.trace(t, spikes2), rtol=0, atol=V_REL * p["V_th"])
    assert np.max(np.abs(v[after] - eta(t[after] - t_hat, p))) > 0.4 * w_extra


# -- 5. refractoriness ------------------------------------------------------------------------------

def test_no_spike_within_t_ref_without_input():
    """eta starts at 2 V_th and stays above V_th for 0.86 ms: with t_ref = 1 ms a single big input
    gives one spike; with t_ref = 3 ms, too."""
    for t_ref in (1.0, 3.0):
        csnn.ResetKernel()
        spikes, ev, _ = run_srm({"t_ref": t_ref}, [1.0], [900.0], 1.0, 60.0)
        assert spikes.size == 1


@pytest.mark.parametrize("t_ref", [1.0, 2.5])
def test_input_during_t_ref_fires_exactly_when_t_ref_ends(t_ref):
    """A large input during t_ref pushes V above V_th before t_ref ends and keeps it there: the
    neuron fires at the first double after t_hat + t_ref, not earlier; inputs during t_ref that have
    decayed below V_th by then fire later, at the reference crossing, or not at all."""
    p = dict(DEFAULTS, t_ref=t_ref)
    spikes, _, _ = run_srm({"t_ref": t_ref}, [1.0], [900.0], 1.0, 30.0, record=False)
    t_hat = spikes[0]
    cases = {
        # input 0.3 ms after the spike, weight 2 V_th: V >> V_th at t_hat + t_ref
        "above at the end": ([1.0, t_hat + 0.3 - 1.0], [900.0, 1000.0]),
        # a big input 0.05 ms before t_ref ends: V is still below V_th then, and crosses soon after
        "crosses later": ([1.0, t_hat + t_ref - 0.05 - 1.0], [900.0, 1200.0]),
        # inhibition early in t_ref, then nothing: one spike only
        "no second spike": ([1.0, t_hat + 0.1 - 1.0], [900.0, -300.0]),
    }
    out = {}
    for name, (times, weights) in cases.items():
        csnn.ResetKernel()
        ours, ev, _ = run_srm({"t_ref": t_ref}, times, weights, 1.0, 40.0)
        assert ours[0] == t_hat
        ref = Reference(p, np.array(times) + 1.0, weights)
        expected = ref.spikes(40.0)
        assert ours.size == expected.size
        np.testing.assert_allclose(ours, expected, rtol=0, atol=T_TOL)
        out[name] = (ours, ev, ref)
    ours, ev, ref = out["above at the end"]
    # V above V_th at the end of t_ref (so the neuron was held back during it) ...
    assert ref.v(t_hat + t_ref, t_hat)[0] > 1.2 * p["V_th"]
    # ... and it fires at the first representable instant after t_hat + t_ref
    assert ours[1] == np.nextafter(t_hat + t_ref, np.inf)
    # V evolved freely during t_ref (the input's PSP, on top of eta: no value was held)
    t, v = ev["times"], ev["V_m"]
    during = (t > t_hat + 0.3) & (t <= t_hat + t_ref)
    np.testing.assert_allclose(v[during], ref.v(t[during], t_hat), rtol=0, atol=V_REL * p["V_th"])
    ours, ev, ref = out["crosses later"]
    assert ref.v(t_hat + t_ref, t_hat)[0] < 0.98 * p["V_th"]
    assert ours.size >= 2 and t_hat + t_ref + 1e-3 < ours[1] < t_hat + t_ref + 3.0
    assert out["no second spike"][0].size == 1


def test_too_short_t_ref_is_refused():
    """eta(t_ref) must be < V_th: for the defaults eta falls below V_th at 0.86 ms.  Create, SetStatus
    and SetDefaults refuse shorter values with a message naming t_ref and the value; the boundary
    itself is where eta(t_ref) = V_th."""
    p = dict(DEFAULTS)
    boundary = shortest_t_ref(p)
    assert 0.85 < boundary < 0.87
    with pytest.raises(BadParameterError, match=r"t_ref = 0\.5 ms is too short"):
        csnn.Create(MODEL, params={"t_ref": 0.5})
    nrn = csnn.Create(MODEL)
    with pytest.raises(BadParameterError, match=r"t_ref = 0\.8 ms is too short"):
        nrn.set({"t_ref": 0.8})
    assert nrn.get("t_ref") == 1.0                     # unchanged
    with pytest.raises(BadParameterError, match=r"t_ref = 0\.5 ms is too short"):
        csnn.SetStatus(nrn, {"t_ref": 0.5})
    with pytest.raises(BadParameterError, match=r"t_ref = 0\.7 ms is too short"):
        csnn.SetDefaults(MODEL, {"t_ref": 0.7})
    assert csnn.GetDefaults(MODEL)["t_ref"] == 1.0
    # other parameters can make the default t_ref too short: K1 = 3 gives eta(1) = 888 > 500
    with pytest.raises(BadParameterError, match=r"t_ref = 1\.0 ms is too short"):
        csnn.Create(MODEL, params={"K1": 3.0})
    with pytest.raises(BadParameterError, match=r"t_ref = 1\.0 ms is too short"):
        nrn.set({"K1": 3.0})
    assert nrn.get("K1") == 2.0
    # just beyond the boundary is accepted, just short of it refused
    csnn.Create(MODEL, params={"t_ref": boundary * (1.0 + 1e-9)})
    with pytest.raises(BadParameterError, match=r"t_ref"):
        csnn.Create(MODEL, params={"t_ref": boundary * (1.0 - 1e-9)})
    # together with a compensating change the same SetStatus is fine
    nrn.set({"K1": 3.0, "t_ref": 5.0})
    assert nrn.get("K1") == 3.0 and nrn.get("t_ref") == 5.0


# -- 6. errors -------------------------------------------------------------------------------------

def test_current_generators_and_other_receptors_are_refused():
    nrn = csnn.Create(MODEL)
    with pytest.raises(IllegalConnectionError, match=r"srm_psc_exp does not accept currents.*dc_generator"):
        csnn.Connect(csnn.Create("dc_generator"), nrn)
    gen = csnn.Create("spike_generator", params={"spike_times": [1.0]})
    with pytest.raises(IllegalConnectionError, match=r"receptor_type 1 .*srm_psc_exp"):
        csnn.Connect(gen, nrn, syn_spec={"receptor_type": 1})
    # the neuron is unchanged and usable
    csnn.Connect(gen, nrn, syn_spec={"weight": 600.0, "delay": 1.0})
    sr = csnn.Create("spike_recorder")
    csnn.Connect(nrn, sr)
    csnn.Simulate(20.0)
    assert sr.get("events")["times"].size == 1
    assert "I_syn_ex" not in csnn.GetDefaults(MODEL)["recordables"]
    assert csnn.GetDefaults(MODEL)["recordables"] == ["V_m"]


@pytest.mark.parametrize("key, value, accepted", [
    ("V_th", 0.0, "> 0"), ("V_th", -5.0, "> 0"), ("tau_m", 0.0, "> 0"), ("tau_s", -1.0, "> 0"),
    ("K1", -0.1, ">= 0"), ("K2", -1.0, ">= 0"), ("t_ref", -1.0, ">= 0"), ("V_th", math.nan, "finite"),
])
def test_bad_parameter_values_are_named(key, value, accepted):
    with pytest.raises(BadParameterError, match=rf"'{key}' = {value!r} is invalid: must be .*{accepted}"
                       if accepted != "finite" else rf"'{key}' = nan is invalid: must be a finite"):
        csnn.Create(MODEL, params={key: value})
    nrn = csnn.Create(MODEL)
    with pytest.raises(BadParameterError, match=rf"'{key}'"):
        nrn.set({key: value})
    assert nrn.get(key) == DEFAULTS[key]


def test_t_spike_is_read_only_and_defaults_are_the_papers():
    d = csnn.GetDefaults(MODEL)
    for k, v in DEFAULTS.items():
        assert d[k] == v
    assert d["V_m"] == 0.0 and d["t_spike"] == -1.0
    nrn = csnn.Create(MODEL)
    with pytest.raises(csnn.errors.CSNNError, match="t_spike"):
        nrn.set({"t_spike": 3.0})


# -- 7. STDP onto the SRM neuron -------------------------------------------------------------------

def test_stdp_nn_restr_onto_srm_follows_its_spike_times():
    """A parrot (pre, spikes at t1 and t2) -> srm_psc_exp through stdp_nn_restr_synapse (additive,
    mu = 0, delay d); a static input makes the SRM fire twice between the pre spikes.  With NEST's
    dendritic delay the post spikes reach the synapse at t_post + d, and the restricted nearest-
    neighbour rule pairs the first of them with t1 and the latest with t2 (applied at t2):

        w = w0 + lambda Wmax (e^{-(t_post,1 + d - t1)/tau_plus} - alpha e^{-(t2 - t_post,2 - d)/tau_minus}),

    tau_minus being the SRM's own parameter.  The post spikes are the reference's, which includes
    the PSP of the plastic synapse itself (weight w0 at t1 + d)."""
    syn = {"tau_plus": 15.0, "lambda": 0.02, "alpha": 0.7, "mu_plus": 0.0, "mu_minus": 0.0, "Wmax": 200.0}
    w0, d, d0 = 120.0, 1.7, 1.0
    t1, t2 = 10.0, 60.0                                # somatic pre spike times
    drive = [(12.4, 420.0), (30.2, 450.0), (31.0, 300.0)]   # static input arrivals (t, w)
    tau_minus = 12.0
    pre = csnn.Create("parrot_neuron")
    csnn.Connect(csnn.Create("spike_generator", params={"spike_times": [t1 - d0, t2 - d0]}), pre,
                 syn_spec={"delay": d0})
    post = csnn.Create(MODEL, params={"tau_minus": tau_minus})
    csnn.Connect(csnn.Create("spike_generator", params={"spike_times": [t - 0.5 for t, _ in drive],
                                                        "spike_weights": [w for _, w in drive]}), post,
                 syn_spec={"weight": 1.0, "delay": 0.5})
    csnn.Connect(pre, post, syn_spec=dict(syn, synapse_model="stdp_nn_restr_synapse", weight=w0, delay=d))
    sr = csnn.Create("spike_recorder")
    csnn.Connect(post, sr)
    csnn.Simulate(t2 + d + 5.0)
    post_spikes = np.asarray(sr.get("events")["times"], dtype=float)
    ref = Reference(DEFAULTS, [t1 + d] + [t for t, _ in drive], [w0] + [w for _, w in drive])
    expected = ref.spikes(t2 + d + 5.0)
    # the second pre spike arrives at t2 + d with the updated weight: no spike from it
    assert post_spikes.size == expected.size >= 2
    np.testing.assert_allclose(post_spikes, expected, rtol=0, atol=T_TOL)
    before = post_spikes[post_spikes + d < t2]
    assert before.size >= 2 and before[0] + d > t1
    w_expected = w0 + syn["lambda"] * syn["Wmax"] * (math.exp(-(before[0] + d - t1) / syn["tau_plus"])
                                                     - syn["alpha"] * math.exp(-(t2 - before[-1] - d) / tau_minus))
    w = csnn.GetConnections(source=pre, target=post).get("weight")
    # the update is a few operations on w / Wmax ~ 1: ~1e-16 Wmax; spike times enter through
    # e^{-dt/tau} with dt exact to ~1e-12 ms (csnn's leaf): 1e-12 Wmax covers both
    assert w == pytest.approx(w_expected, abs=1e-12 * syn["Wmax"])
    # all-pairs (the first post with t2, or the second with t1) would give a different weight
    assert abs(w - w0) > 1.0
