"""Stimulus generators measured exactly: noise, Ornstein-Uhlenbeck, step, sinusoidal and DC
currents, pulse packets, inhomogeneous Poisson counts and piecewise-constant rates of continuous
Poisson trains.

Currents are measured with an ``iaf_psc_delta`` turned into a perfect integrator (C_m = 1 pF,
tau_m = 1e12 ms, threshold out of reach): its V_m is the integral of the current it receives.
With a voltmeter sampling every h = 0.1 ms, the mean current over each interval
(k h, (k + 1) h] follows exactly from two samples (``currents``: the closed form of the
membrane equation inverted, so even the 1e-13 leak per step is accounted for).  A current
emitted over (a, b] by a generator reaches the neuron over (a + d, b + d] for a delay d.
Spike generators are measured through parrot neurons, whose spikes are the arrivals.

Statistical checks use fixed seeds or few hypothesis examples; every tolerance is a stated
number (4 or 5) of standard errors of the statistic under the generator's specification, the
standard error being worked out in the comment next to it.  A correct generator fails a check
with probability ~6e-5 (4 standard errors, two-sided) or ~6e-7 (5).
"""
import math
import os
import pathlib
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import csnn
from conftest import parrot_trains as driven_parrots

ROOT = pathlib.Path(__file__).resolve().parent.parent
H = 0.1                 # ms: the resolution and the voltmeter interval
TAU = 1e12              # ms: membrane time constant of the integrator
INTEGRATOR = {"C_m": 1.0, "tau_m": TAU, "E_L": 0.0, "V_m": 0.0, "V_reset": 0.0, "V_th": 1e12}
# For cross-checks with NEST the integrator leaks a little (tau_m = 1e3 ms): NEST's grid
# propagator of a current into V_m loses about eps * tau_m / h in relative precision (with
# tau_m = 1e12 ms its traces are off by ~3e-4 relative), while with 1e3 ms both simulators agree
# to ~1e-12 mV.  ``currents`` inverts the leak exactly, so the measurement stays exact.
NEST_TAU = 1e3
NEST_INTEGRATOR = dict(INTEGRATOR, tau_m=NEST_TAU)


# -- measuring currents ----------------------------------------------------------------------

def build(sim, model, params, n=1, delay=1.0, weight=1.0, seed=12345, neuron=INTEGRATOR):
    """One generator driving ``n`` integrators, all sampled every h; returns (gen, neurons, meter)."""
    sim.ResetKernel()
    if seed is not None:
        sim.SetKernelStatus({"rng_seed": seed})
    gen = sim.Create(model, params=params)
    nrn = sim.Create("iaf_psc_delta", n, params=neuron)
    vm = sim.Create("voltmeter", params={"interval": H})
    sim.Connect(gen, nrn, syn_spec={"weight": weight, "delay": delay})
    sim.Connect(vm, nrn)
    return gen, nrn, vm


def trace(vm, nrn):
    """Sample times from 0 (V(0) = 0 prepended) and V_m as an array (neuron, sample)."""
    ev = vm.get("events")
    senders = np.asarray(ev["senders"])
    times = np.asarray(ev["times"], dtype=float)
    values = np.asarray(ev["V_m"], dtype=float)
    rows = []
    for gid in nrn.tolist():
        sel = senders == gid
        order = np.argsort(times[sel], kind="stable")
        t = times[sel][order]
        rows.append(values[sel][order])
    n = min(r.size for r in rows)
    V = np.vstack([r[:n] for r in rows])
    return np.concatenate([[0.0], t[:n]]), np.hstack([np.zeros((len(rows), 1)), V])


def record_v(model, params, n=1, t_sim=100.0, splits=None, sim=csnn, **kwargs):
    _, nrn, vm = build(sim, model, params, n, **kwargs)
    for t in splits or [t_sim]:
        sim.Simulate(t)
    return trace(vm, nrn)


def currents(V, tau=TAU):
    """Mean current (pA) over each sampling interval (k h, (k + 1) h] of an integrator with
    C_m = 1 pF: V(t + h) = V(t) e^{-h/tau} + I tau (1 - e^{-h/tau}), solved for I."""
    return (V[:, 1:] - V[:, :-1] * np.exp(-H / tau)) / (-tau * np.expm1(-H / tau))


def rounding(V):
    """Bound on the rounding error of ``currents``: a few ulps of V over h."""
    return 1e-13 * (1.0 + np.max(np.abs(V))) / H


def step_blocks(I, dt, delay, n_steps):
    """The intervals of the emission steps (j dt, (j + 1) dt], j < n_steps, as they arrive:
    an array (neuron, step, interval within the step)."""
    m = int(round(dt / H))
    k0 = int(round(delay / H))
    return I[:, k0:k0 + n_steps * m].reshape(I.shape[0], n_steps, m)


def exact_v(t_samples, breaks, values, tau=TAU):
    """V(t) of the integrator for a current equal to values[i] over (breaks[i], breaks[i + 1]]
    (0 before breaks[0]), by the closed form between consecutive points."""
    points = sorted([(b, 0, i) for i, b in enumerate(breaks)] + [(t, 1, i) for i, t in enumerate(t_samples)])
    out = np.empty(len(t_samples))
    v, t_prev, current = 0.0, 0.0, 0.0
    for t, kind, i in points:
        dt = t - t_prev
        v = v * math.exp(-dt / tau) - current * tau * math.expm1(-dt / tau)
        t_prev = t
        if kind == 0:
            current = values[i]
        else:
            out[i] = v
    return out


def piecewise(times, values, t_on=-np.inf, t_off=np.inf, changes=()):
    """Breakpoints and values of an emitted schedule: values[i] after times[i] (0 before),
    only inside (t_on, t_off]; ``changes`` = [(T, times, values)] replaces the schedule for
    emission times after T.  Returns (breaks, value after each break)."""
    epochs = [(-np.inf, np.asarray(times, float), np.asarray(values, float))]
    epochs += [(T, np.asarray(t, float), np.asarray(v, float)) for T, t, v in changes]
    points = {t_on, t_off}
    for _, t, _ in epochs:
        points.update(t.tolist())
    points.update(T for T, _, _ in epochs[1:])
    points = sorted(p for p in points if np.isfinite(p))

    def value(s):                                      # current emitted just after s
        if not (t_on <= s < t_off):
            return 0.0
        _, t, v = [e for e in epochs if e[0] <= s][-1]
        i = np.searchsorted(t, s, side="right") - 1
        return float(v[i]) if i >= 0 else 0.0
    return np.array(points), np.array([value(p) for p in points])


# -- spikes ----------------------------------------------------------------------------------

def parrot_trains(model, params, n=1, t_sim=100.0, splits=None, seed=12345, delay=1.0):
    """Spike trains (arrival times) of ``n`` parrot neurons driven by one generator."""
    return driven_parrots(csnn, model, params, n, delay, seed, splits or [t_sim])


@pytest.fixture
def nest():
    nest = pytest.importorskip("nest")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # NEST 3.10 flags set_verbosity as legacy
        nest.set_verbosity("M_ERROR")
    return nest


# =============================================================================================
# noise_generator
# =============================================================================================

@settings(max_examples=6, deadline=None)
@given(mean=st.floats(-50.0, 50.0), std=st.floats(0.5, 30.0), dt_steps=st.integers(1, 20),
       seed=st.integers(1, 2 ** 31))
def test_noise_generator_step_values(mean, std, dt_steps, seed):
    dt = dt_steps / 10                      # a multiple of the resolution
    n, n_steps, delay = 4, 3000, 1.0
    t, V = record_v("noise_generator", {"mean": mean, "std": std, "dt": dt}, n=n,
                    t_sim=n_steps * dt + delay + 1.0, delay=delay, seed=seed)
    I = currents(V)
    tol = rounding(V)
    # nothing arrives before the delay; then the current is constant over each step
    assert np.all(np.abs(I[:, :int(round(delay / H))]) < tol)
    blocks = step_blocks(I, dt, delay, n_steps)
    assert np.max(np.abs(blocks - blocks[..., :1])) < tol
    x = blocks[..., 0]                      # one value per target and step
    N = x.size
    # mean of N independent N(mean, std^2) values: standard error std / sqrt(N)
    assert abs(x.mean() - mean) < 5 * std / math.sqrt(N)
    # with the known mean, mean((x - mean)^2) estimates std^2 with standard error std^2 sqrt(2 / N)
    z = (x - mean) / std
    assert abs(np.mean(z ** 2) - 1.0) < 5 * math.sqrt(2.0 / N)
    # lag-1 products z_j z_{j+1} of independent standard normals have mean 0, variance 1 and are
    # uncorrelated with each other: the mean of M of them has standard error 1 / sqrt(M)
    lag1 = z[:, 1:] * z[:, :-1]
    assert abs(lag1.mean()) < 5 / math.sqrt(lag1.size)
    # across targets: the same for z_a z_b, per pair of targets
    cross = (z @ z.T) / n_steps
    assert np.all(np.abs(cross[~np.eye(n, dtype=bool)]) < 5 / math.sqrt(n_steps))


@pytest.mark.parametrize("phase, silent_parity", [(0.0, 0), (90.0, 1), (180.0, 0), (270.0, 1)])
def test_noise_generator_std_mod_phase_is_exact(phase, silent_parity):
    # std = 0, std_mod = 2 pA, frequency = 250 Hz, dt = 1 ms: step j (emitted over (j, j + 1])
    # has sd 2 sin(2 pi 0.25 j + phase) = 2 sin(pi j / 2 + phase), which vanishes (up to
    # rounding of sin(k pi) ~ 1e-14) for even j at phase 0 or 180 degrees and for odd j at 90
    # or 270.  This pins the time of the modulation (the step's start in emission time, in ms;
    # not its arrival time, which is 1.5 ms later), the units (Hz, degrees) and the phase.
    mean, n, n_steps, delay = 3.0, 3, 200, 1.5
    t, V = record_v("noise_generator", {"mean": mean, "std": 0.0, "std_mod": 2.0, "frequency": 250.0,
                                        "phase": phase, "dt": 1.0}, n=n, t_sim=n_steps + 3.0, delay=delay)
    I = currents(V)
    x = step_blocks(I, 1.0, delay, n_steps)[..., 0]
    j = np.arange(n_steps)
    silent, noisy = x[:, j % 2 == silent_parity], x[:, j % 2 != silent_parity]
    assert np.max(np.abs(silent - mean)) < 1e-9
    # the others have sd 2: none is within 1e-8 of the mean (P ~ 4e-9 each)
    assert np.min(np.abs(noisy - mean)) > 1e-8
    # mean((x - mean)^2) over M = 300 values estimates 4 with standard error 4 sqrt(2 / M)
    assert abs(np.mean((noisy - mean) ** 2) - 4.0) < 5 * 4.0 * math.sqrt(2.0 / noisy.size)


def test_noise_generator_modulated_variance_follows_phase():
    # sd_j = std + std_mod sin(2 pi f t_j + phase) with t_j = j dt; 40 Hz and dt = 0.5 ms give
    # 50 phases per period, grouped into 8 bins.  In each bin mean((x - mean)^2) estimates
    # mean(sd_j^2) with standard error sqrt(sum 2 sd_j^4) / n_bin.
    mean, std, std_mod, f, phase, dt = -2.0, 1.5, 2.5, 40.0, 30.0, 0.5
    n, n_steps, delay = 4, 20000, 1.0
    t, V = record_v("noise_generator", {"mean": mean, "std": std, "std_mod": std_mod, "frequency": f,
                                        "phase": phase, "dt": dt}, n=n, t_sim=n_steps * dt + 2.0, delay=delay)
    x = step_blocks(currents(V), dt, delay, n_steps)[..., 0]
    angle = 2e-3 * np.pi * f * np.arange(n_steps) * dt + np.deg2rad(phase)
    sd = std + std_mod * np.sin(angle)
    bins = np.floor((angle % (2 * np.pi)) / (2 * np.pi) * 8).astype(int)
    sq = (x - mean) ** 2
    expected_by_bin = []
    for b in range(8):
        sel = bins == b
        n_bin = n * sel.sum()
        expected = np.mean(sd[sel] ** 2)
        se = math.sqrt(n * np.sum(2 * sd[sel] ** 4)) / n_bin
        assert abs(sq[:, sel].mean() - expected) < 5 * se, (b, sq[:, sel].mean(), expected, se)
        expected_by_bin.append(expected)
    # the modulation is strong: the bins' variances range over a factor > 10
    assert max(expected_by_bin) > 10 * min(expected_by_bin)


# =============================================================================================
# ou_noise_generator
# =============================================================================================

def ou_values(tau, dt, n, n_steps, mean=3.0, std=2.0, seed=7, delay=1.0):
    t, V = record_v("ou_noise_generator", {"mean": mean, "std": std, "tau": tau, "dt": dt}, n=n,
                    t_sim=n_steps * dt + delay + 1.0, delay=delay, seed=seed)
    I = currents(V)
    blocks = step_blocks(I, dt, delay, n_steps)
    assert np.max(np.abs(blocks - blocks[..., :1])) < rounding(V)       # constant over each step
    return blocks[..., 0]


def autocov(z, k):
    """mean of z_t z_{t+k} over targets and t."""
    return np.mean(z[:, k:] * z[:, :z.shape[1] - k]) if k else np.mean(z * z)


def autocov_se(phi, k, count):
    """Standard error of ``autocov`` of a standardized Gaussian AR(1) (coefficient phi) from
    ``count`` products: var = (1/N) sum_m (rho_m^2 + rho_{m+k} rho_{m-k}) (Bartlett) with
    rho_m = phi^|m|, which sums to the expression below."""
    q = phi * phi
    return math.sqrt(((1 + q) / (1 - q) + (2 * k + 1) * q ** k + 2 * q ** (k + 1) / (1 - q)) / count)


@pytest.mark.parametrize("tau, dt", [(2.0, 0.1), (10.0, 0.1), (5.0, 0.5), (1.0, 0.3)])
def test_ou_noise_generator_statistics(tau, dt):
    mean, std, n = 3.0, 2.0, 6
    n_steps = int(round(2000 * tau / dt))           # 2000 correlation times per target
    x = ou_values(tau, dt, n, n_steps, mean, std)
    phi = math.exp(-dt / tau)
    z = (x - mean) / std
    N = x.size
    # mean of an AR(1) series: standard error std sqrt((1 + phi) / ((1 - phi) N))
    assert abs(x.mean() - mean) < 5 * std * math.sqrt((1 + phi) / ((1 - phi) * N))
    lags = sorted({0, 1, 2, int(round(tau / dt / 2)), int(round(tau / dt)), int(round(2 * tau / dt))})
    for k in lags:
        # stationary variance (k = 0) and autocorrelation exp(-k dt / tau) at the steps
        c = autocov(z, k)
        se = autocov_se(phi, k, n * (n_steps - k))
        assert abs(c - phi ** k) < 5 * se, (k, c, phi ** k, se)
    # independent across targets: the cross-covariance at lag 0 has variance
    # (1/N) sum_m rho_m^2 = (1 + phi^2) / ((1 - phi^2) N) per pair
    cross = (z @ z.T) / n_steps
    se = math.sqrt((1 + phi ** 2) / ((1 - phi ** 2) * n_steps))
    assert np.all(np.abs(cross[~np.eye(n, dtype=bool)]) < 5 * se)


def test_ou_noise_generator_transition_is_exact_for_any_dt():
    # The same process sampled with dt = 0.1 and dt = 0.5 ms (tau = 2 ms): the autocorrelations
    # at the common lags 0.5, 1, 2, 4 ms agree with each other and with exp(-lag / tau).  An
    # Euler step (phi = 1 - dt / tau) would give 0.75 instead of exp(-0.25) = 0.779 at 0.5 ms.
    tau, n, t_total = 2.0, 6, 40000.0
    measured = {}
    for dt in (0.1, 0.5):
        n_steps = int(round(t_total / dt))
        z = (ou_values(tau, dt, n, n_steps, seed=11 if dt == 0.1 else 12) - 3.0) / 2.0
        phi = math.exp(-dt / tau)
        for lag in (0.5, 1.0, 2.0, 4.0):
            k = int(round(lag / dt))
            measured[dt, lag] = autocov(z, k), autocov_se(phi, k, n * (n_steps - k))
    for lag in (0.5, 1.0, 2.0, 4.0):
        (c1, se1), (c5, se5) = measured[0.1, lag], measured[0.5, lag]
        assert abs(c1 - c5) < 5 * math.hypot(se1, se5), (lag, c1, c5)
        assert abs(c5 - math.exp(-lag / tau)) < 5 * se5
    # the check has the power to reject the Euler step
    assert abs((1 - 0.5 / tau) - math.exp(-0.5 / tau)) > 5 * measured[0.5, 0.5][1]


def test_ou_noise_generator_starts_stationary():
    # 2000 targets: the first step of the activity window (emission (2.0, 2.5]) is drawn from the
    # stationary distribution N(mean, std^2), and the second follows with correlation phi.
    mean, std, tau, dt, M, delay = 1.0, 2.0, 3.0, 0.5, 2000, 1.0
    t, V = record_v("ou_noise_generator", {"mean": mean, "std": std, "tau": tau, "dt": dt, "start": 2.0},
                    n=M, t_sim=5.0, delay=delay)
    I = currents(V)
    k_on = int(round((2.0 + delay) / H))
    assert np.all(np.abs(I[:, :k_on]) < rounding(V))        # nothing before start + delay
    x0, x1 = I[:, k_on], I[:, k_on + 5]
    # sample mean: se std / sqrt(M); sample variance: se std^2 sqrt(2 / (M - 1))
    assert abs(x0.mean() - mean) < 5 * std / math.sqrt(M)
    assert abs(x0.var(ddof=1) - std ** 2) < 5 * std ** 2 * math.sqrt(2.0 / (M - 1))
    assert abs(x1.var(ddof=1) - std ** 2) < 5 * std ** 2 * math.sqrt(2.0 / (M - 1))
    # sample correlation of a bivariate normal: standard error (1 - rho^2) / sqrt(M)
    phi = math.exp(-dt / tau)
    assert abs(np.corrcoef(x0, x1)[0, 1] - phi) < 5 * (1 - phi ** 2) / math.sqrt(M)


# =============================================================================================
# step_current_generator, dc_generator, activity windows, changes mid-run
# =============================================================================================

def test_step_current_generator_switches_exactly():
    # off-grid times and delay: V is piecewise linear with breakpoints at amplitude_times + delay
    times, values, delay = [2.37, 5.0, 7.123, 9.5], [10.0, -5.0, 3.0, 0.5], 1.3
    t, V = record_v("step_current_generator", {"amplitude_times": times, "amplitude_values": values},
                    t_sim=15.0, delay=delay)
    breaks, after = piecewise(times, values)
    expected = exact_v(t, breaks + delay, after)
    # a breakpoint off by 1e-8 ms would move V by >= 0.5 pA * 1e-8 ms = 5e-9 mV
    np.testing.assert_allclose(V[0], expected, rtol=0, atol=1e-9)
    # the values themselves: the intervals wholly inside each segment carry its amplitude
    I = currents(V)[0]
    for (a, b), value in zip(zip(times, times[1:] + [13.0]), values):
        k = np.arange(int(math.ceil((a + delay) / H)), int(math.floor((b + delay) / H)))
        np.testing.assert_allclose(I[k], value, rtol=0, atol=rounding(V))
    assert np.all(np.abs(I[:int((2.37 + delay) / H)]) < rounding(V))


@pytest.mark.parametrize("model, params", [
    ("step_current_generator", {"amplitude_times": [1.0, 4.0, 6.0, 9.0], "amplitude_values": [7.0, -2.0, 4.0, 100.0]}),
    ("dc_generator", {"amplitude": 3.5}),
])
def test_step_and_dc_activity_window(model, params):
    # active for emission times in (origin + start, origin + stop] = (3.5, 8.27]
    window = {"origin": 2.0, "start": 1.5, "stop": 6.27}
    delay = 0.7
    t, V = record_v(model, dict(params, **window), t_sim=15.0, delay=delay)
    if model == "dc_generator":
        times, values = [-np.inf], [params["amplitude"]]
    else:
        times, values = params["amplitude_times"], params["amplitude_values"]
    breaks, after = piecewise(times, values, 3.5, 8.27)
    np.testing.assert_allclose(V[0], exact_v(t, breaks + delay, after), rtol=0, atol=1e-9)
    assert np.all(np.abs(V[0][t <= 3.5 + delay]) < 1e-12)
    assert np.ptp(V[0][t >= 8.27 + delay]) < 1e-9


@pytest.mark.parametrize("model, params", [
    ("noise_generator", {"mean": 1.0, "std": 5.0, "dt": 0.5}),
    ("ou_noise_generator", {"mean": 1.0, "std": 5.0, "tau": 2.0, "dt": 0.3}),
    ("ac_generator", {"offset": 4.0, "amplitude": 3.0, "frequency": 30.0}),
])
def test_step_currents_activity_window(model, params):
    # active for emission times in (origin + start, origin + stop] = (5.0, 12.0], delay 1 ms
    t, V = record_v(model, dict(params, origin=3.0, start=2.0, stop=9.0), n=3, t_sim=20.0)
    I = currents(V)
    k_on, k_off = int(round(6.0 / H)), int(round(13.0 / H))
    tol = rounding(V)
    assert np.all(np.abs(I[:, :k_on]) < tol) and np.all(np.abs(I[:, k_off:]) < tol)
    assert np.all(np.abs(I[:, k_on:k_off]) > 1e-6)


def test_step_current_generator_change_mid_run_affects_only_later_times():
    times, values, delay = [2.0, 6.0, 12.0, 16.0], [5.0, -3.0, 8.0, 2.0], 2.5
    gen, nrn, vm = build(csnn, "step_current_generator", {"amplitude_times": times, "amplitude_values": values},
                         delay=delay)
    csnn.Simulate(10.0)
    gen.set(amplitude_values=[1.0, 2.0, 3.0, 4.0])       # for emission times after 10 ms
    csnn.Simulate(10.0)
    gen.set(amplitude_times=[1.0, 22.0], amplitude_values=[9.0, -1.0])   # after 20 ms
    csnn.Simulate(15.0)
    t, V = trace(vm, nrn)
    breaks, after = piecewise(times, values, changes=[(10.0, times, [1.0, 2.0, 3.0, 4.0]),
                                                      (20.0, [1.0, 22.0], [9.0, -1.0])])
    # currents emitted before each change (in flight for 2.5 ms after it) arrive unchanged
    np.testing.assert_allclose(V[0], exact_v(t, breaks + delay, after), rtol=0, atol=1e-9)
    I = currents(V)[0]
    np.testing.assert_allclose(I[[115, 124, 126, 130, 150, 200, 230, 250]],
                               [-3.0, -3.0, 2.0, 2.0, 3.0, 4.0, 9.0, -1.0], rtol=0, atol=rounding(V))


@pytest.mark.parametrize("delay", [0.2, 3.0])
@pytest.mark.parametrize("model", ["noise_generator", "ou_noise_generator", "ac_generator"])
def test_step_current_parameter_change_applies_to_steps_emitted_after_it(model, delay):
    # std = 0 (amplitude 0 for ac): the current is deterministic.  The mean (offset) changes
    # from 0 to 100 pA in the middle of a step: at T = 50.5 ms for dt = 1 ms (noise, OU), at
    # T = 50.05 ms for ac (dt = h = 0.1 ms).  The step under way at T was emitted with the old
    # parameters and keeps them; every step starting after T is emitted after the change and
    # must follow the new ones, whatever the delay.  (NEST 3.10's noise_generator does so: see
    # test_parameter_changes_mid_run_match_nest.)
    if model == "ac_generator":
        params, change, dt, T = {"offset": 0.0, "amplitude": 0.0}, {"offset": 100.0}, H, 50.05
    else:
        params, change, dt, T = {"mean": 0.0, "std": 0.0, "dt": 1.0}, {"mean": 100.0}, 1.0, 50.5
        if model == "ou_noise_generator":
            params["tau"] = 5.0
    gen, nrn, vm = build(csnn, model, params, delay=delay)
    csnn.Simulate(T)
    gen.set(change)
    csnn.Simulate(10.0)
    t, V = trace(vm, nrn)
    I = currents(V)[0]
    n_steps = (I.size - int(round(delay / H))) // int(round(dt / H))
    x = step_blocks(I[None, :], dt, delay, n_steps)[0, :, 0]      # value of each emitted step
    first_new = int(math.floor(T / dt)) + 1                        # the first step starting after T
    expected = np.zeros(n_steps)
    if model == "ou_noise_generator":
        # with std = 0 the exact transition relaxes to the new mean: 100 (1 - e^{-(j - j0 + 1) dt / tau})
        expected[first_new:] = 100.0 * -np.expm1(-(np.arange(first_new, n_steps) - first_new + 1) * dt / 5.0)
    else:
        expected[first_new:] = 100.0
    changed = np.flatnonzero(np.abs(x) > 1.0)
    assert changed[0] * dt == pytest.approx(first_new * dt), (
        f"{model}: parameters changed at {T} ms; the first step with the new ones starts at "
        f"{changed[0] * dt:.2f} ms (expected {first_new * dt:.2f} ms, the first step emitted after the change)")
    np.testing.assert_allclose(x, expected, rtol=0, atol=1e-9)


# =============================================================================================
# ac_generator
# =============================================================================================

def test_ac_generator_step_values_are_exact():
    amp, offset, f, phase, delay = 17.0, 2.5, 73.0, 41.0, 1.0
    t, V = record_v("ac_generator", {"amplitude": amp, "offset": offset, "frequency": f, "phase": phase},
                    t_sim=60.0, delay=delay)
    I = currents(V)[0]
    k0 = int(round(delay / H))
    assert np.all(np.abs(I[:k0]) < rounding(V))
    j = np.arange(I.size - k0)
    # over (j h, (j + 1) h] of emission time: offset + amplitude sin(2 pi f j h + phase)
    expected = offset + amp * np.sin(2e-3 * np.pi * f * (j * H) + np.deg2rad(phase))
    np.testing.assert_allclose(I[k0:], expected, rtol=0, atol=1e-9)


# =============================================================================================
# cross-checks against NEST
# =============================================================================================

NEST_CASES = {
    "ac": ("ac_generator", {"amplitude": 20.0, "offset": 3.0, "frequency": 37.0, "phase": 30.0,
                            "start": 5.0, "stop": 40.0}),
    "ac_origin": ("ac_generator", {"amplitude": 8.0, "offset": -1.0, "frequency": 123.0, "phase": -70.0,
                                   "origin": 2.0, "start": 5.3, "stop": 31.7}),
    "step_current": ("step_current_generator", {"amplitude_times": [7.0, 12.3, 20.0],
                                                "amplitude_values": [5.0, -3.0, 2.0], "start": 5.0, "stop": 40.0}),
    "step_current_before_start": ("step_current_generator", {"amplitude_times": [2.0, 8.0, 33.3],
                                                             "amplitude_values": [4.0, -6.0, 1.5],
                                                             "origin": 1.0, "start": 5.0, "stop": 35.0}),
    "dc": ("dc_generator", {"amplitude": 7.0, "start": 5.0, "stop": 40.0}),
    "dc_origin": ("dc_generator", {"amplitude": -4.5, "origin": 3.0, "start": 5.5, "stop": 21.2}),
}


@pytest.mark.nest
@pytest.mark.parametrize("case", sorted(NEST_CASES))
def test_deterministic_currents_match_nest(nest, case):
    model, params = NEST_CASES[case]
    t_ours, v_ours = record_v(model, params, t_sim=60.0, neuron=NEST_INTEGRATOR)
    t_nest, v_nest = record_v(model, params, t_sim=60.0, neuron=NEST_INTEGRATOR, sim=nest)
    n = t_nest.size
    assert n > 500
    np.testing.assert_allclose(t_ours[:n], t_nest, rtol=0, atol=1e-12)
    # the current is really there (V rises by tens of mV) and both traces agree to 1e-9 mV,
    # far below what one step of current (>= 0.1 mV) moved early or late would change
    assert np.max(np.abs(v_nest)) > 10.0
    np.testing.assert_allclose(v_ours[0, :n], v_nest[0], rtol=0, atol=1e-9)


@pytest.mark.nest
def test_noise_generator_statistics_match_nest(nest):
    # NEST draws other random numbers: compare the statistics of the per-interval currents of
    # both simulators with the specification.  Active for emission times in (5, ...], delay 1.
    mean, std, dt, n = 20.0, 50.0, 1.0, 100
    params = {"mean": mean, "std": std, "dt": dt, "start": 5.0}
    m = int(round(dt / H))
    for sim in (csnn, nest):
        t, V = record_v("noise_generator", params, n=n, t_sim=1000.0, neuron=NEST_INTEGRATOR, sim=sim)
        I = currents(V, NEST_TAU)
        k_on = int(round(6.0 / H))
        assert np.all(np.abs(I[:, :k_on]) < 1e-6), sim.__name__
        k_end = k_on + m * ((I.shape[1] - k_on - m) // m)
        z = (I[:, k_on + m:k_end] - mean) / std          # whole steps only, m intervals each
        n_steps = z.size // m
        # one value per step: mean se 1 / sqrt(n_steps), mean(z^2) se sqrt(2 / n_steps) (standardized)
        assert abs(z.mean()) < 5 / math.sqrt(n_steps), sim.__name__
        assert abs(np.mean(z ** 2) - 1.0) < 5 * math.sqrt(2.0 / n_steps), sim.__name__
        # steps of dt: correlation 1 - L / dt at lag L < dt (whatever the alignment of the steps),
        # 0 at lag dt; standard errors below sqrt(2 / n_steps) and 1 / sqrt(n_steps)
        assert abs(autocov(z, m // 2) - 0.5) < 5 * math.sqrt(2.0 / n_steps), sim.__name__
        assert abs(autocov(z, m)) < 5 / math.sqrt(n_steps), sim.__name__


# Parameter changes between Simulate calls, compared with NEST where both simulators mean the
# same thing (std = 0: the noise current is its mean, deterministic).  Left out on purpose: a
# dc_generator's amplitude change (NEST applies it one resolution step after the change, csnn at
# the change itself, as its step_current_generator does) and step_current_generator values
# (NEST keeps the present value until the next amplitude time; csnn switches at the change).
NEST_CHANGES = {
    "noise_mean_mid_step": ("noise_generator", {"mean": 5.0, "std": 0.0, "dt": 1.0, "start": 5.0},
                            50.5, {"mean": 100.0}),
    "noise_mean_and_dt_mid_step": ("noise_generator", {"mean": 5.0, "std": 0.0, "dt": 0.5, "start": 5.0},
                                   50.3, {"mean": 100.0, "dt": 1.0}),
    "noise_mean_at_step_boundary": ("noise_generator", {"mean": 5.0, "std": 0.0, "dt": 1.0, "start": 5.0},
                                    50.0, {"mean": 100.0}),
    "noise_stop": ("noise_generator", {"mean": 5.0, "std": 0.0, "dt": 1.0, "start": 5.0}, 50.5, {"stop": 55.5}),
    "ac_offset": ("ac_generator", {"amplitude": 5.0, "offset": 1.0, "frequency": 40.0, "start": 5.0},
                  50.1, {"offset": 100.0}),
    "ac_sinusoid": ("ac_generator", {"amplitude": 5.0, "offset": 1.0, "frequency": 40.0, "start": 5.0},
                    50.1, {"amplitude": 20.0, "frequency": 70.0, "phase": 45.0}),
    "dc_stop": ("dc_generator", {"amplitude": 5.0, "start": 5.0}, 50.5, {"stop": 55.5}),
}


@pytest.mark.nest
@pytest.mark.parametrize("case", sorted(NEST_CHANGES))
def test_parameter_changes_mid_run_match_nest(nest, case):
    model, params, T, change = NEST_CHANGES[case]
    traces = []
    for sim in (csnn, nest):
        gen, nrn, vm = build(sim, model, params, neuron=NEST_INTEGRATOR)
        sim.Simulate(T)
        gen.set(change)
        sim.Simulate(15.0)
        traces.append(trace(vm, nrn))
    (t_ours, v_ours), (t_nest, v_nest) = traces
    n = t_nest.size
    assert n > 600
    I_ours, I_nest = currents(v_ours[:, :n], NEST_TAU)[0], currents(v_nest, NEST_TAU)[0]
    differ = np.flatnonzero(np.abs(I_ours - I_nest) > 1e-6)
    assert differ.size == 0, (
        f"{case}: parameters changed at {T} ms; csnn's current first differs from NEST's over "
        f"({t_nest[differ[0]]:.1f}, {t_nest[differ[0]] + H:.1f}] ms (arrival; delay 1 ms): "
        f"csnn {I_ours[differ[0]]:.3f} pA, NEST {I_nest[differ[0]]:.3f} pA")
    np.testing.assert_allclose(v_ours[0, :n], v_nest[0], rtol=0, atol=1e-9)


# =============================================================================================
# pulsepacket_generator
# =============================================================================================

def test_pulsepacket_generator_packets():
    pulses, activity, sdev, delay, n = [50.0, 150.0, 300.0], 200, 5.0, 1.0, 5
    params = {"pulse_times": pulses, "activity": activity, "sdev": sdev}
    trains = parrot_trains("pulsepacket_generator", params, n=n, t_sim=400.0, seed=3, delay=delay)
    # the same spikes to every target
    for train in trains[1:]:
        np.testing.assert_array_equal(train, trains[0])
    emitted = trains[0] - delay
    nearest = np.argmin(np.abs(emitted[:, None] - np.array(pulses)[None, :]), axis=1)
    for p, centre in enumerate(pulses):
        s = emitted[nearest == p]
        # packets 20 sdev apart: every spike is nearest to its own centre
        assert s.size == activity
        # sample mean: se sdev / sqrt(A); sample sd: se ~ sdev / sqrt(2 (A - 1))
        assert abs(s.mean() - centre) < 5 * sdev / math.sqrt(activity)
        assert abs(s.std(ddof=1) - sdev) < 5 * sdev / math.sqrt(2 * (activity - 1))
    # reproducible with the same seed, different with another
    again = parrot_trains("pulsepacket_generator", params, n=2, t_sim=400.0, seed=3, delay=delay)
    np.testing.assert_array_equal(again[0], trains[0])
    other = parrot_trains("pulsepacket_generator", params, n=2, t_sim=400.0, seed=4, delay=delay)
    assert other[0].size == trains[0].size and not np.array_equal(other[0], trains[0])


def test_pulsepacket_generator_zero_sdev_and_window():
    # sdev = 0: all spikes of a packet at the pulse time exactly; origin shifts the pulses and
    # only those in (origin + start, origin + stop] = (200, 300] are emitted
    trains = parrot_trains("pulsepacket_generator", {"pulse_times": [50.0, 150.0, 250.0], "activity": 7, "sdev": 0.0,
                                                     "origin": 100.0, "start": 100.0, "stop": 200.0},
                           n=2, t_sim=400.0, delay=1.5)
    for train in trains:
        np.testing.assert_array_equal(train, np.full(7, 251.5))


# =============================================================================================
# inhomogeneous_poisson_generator, and piecewise-constant rates of poisson_generator_ps
# =============================================================================================

def test_inhomogeneous_poisson_generator():
    # rate 40, 200, 0, 80 Hz from 0.1, 2000, 5000, 6000 ms on; active steps s with s h in
    # (origin + start, origin + stop] = (500, 9100]; 10 targets, delay 1 ms (10 steps)
    rate_times, rate_values = [0.1, 2000.0, 5000.0, 6000.0], [40.0, 200.0, 0.0, 80.0]
    n = 10
    trains = parrot_trains("inhomogeneous_poisson_generator",
                           {"rate_times": rate_times, "rate_values": rate_values,
                            "origin": 100.0, "start": 400.0, "stop": 9000.0},
                           n=n, t_sim=10000.0, seed=21, delay=1.0)
    # every arrival is the time of a step, k / 10; the spike was stamped 10 steps earlier
    stamps = [np.round(tr / H).astype(np.int64) - 10 for tr in trains]
    for train, k in zip(trains, stamps):
        np.testing.assert_array_equal(train, (k + 10) / 10)
    everything = np.concatenate(stamps)
    # nothing outside the activity window: stamps s + 1 of the steps s = 5001 ... 91000
    assert everything.min() >= 5002 and everything.max() <= 91001
    # the rate of a rate time applies to the step stamped with it and later ones
    segments = [(5002, 20000, 40.0), (20000, 50000, 200.0), (50000, 60000, 0.0), (60000, 91002, 80.0)]
    for a, b, rate in segments:
        count = sum(int(((k >= a) & (k < b)).sum()) for k in stamps)
        expected = n * rate * (b - a) * H / 1000.0
        # Poisson count: sd sqrt(expected)
        assert abs(count - expected) <= 4 * math.sqrt(expected), (a, b, count, expected)
    # independent across targets: counts in 5 ms bins of the 200 Hz segment (600 bins) have
    # pairwise correlations with standard error 1 / sqrt(600)
    bins = np.arange(20000, 50001, 50)
    counts = np.array([np.histogram(k, bins)[0] for k in stamps])
    corr = np.corrcoef(counts)[~np.eye(n, dtype=bool)]
    assert np.all(np.abs(corr) < 5 / math.sqrt(bins.size - 1))


def test_poisson_generator_ps_piecewise_rate():
    # rate 40, 200, 0, 80 Hz, set at 2000, 5000 and 6000 ms; window (origin + start, origin +
    # stop] = (500, 9100]; 10 targets, delay 1 ms
    changes = [(2000.0, 200.0), (5000.0, 0.0), (6000.0, 80.0)]
    n, delay = 10, 1.0
    csnn.ResetKernel()
    csnn.SetKernelStatus({"rng_seed": 21})
    gen = csnn.Create("poisson_generator_ps", params={"rate": 40.0, "origin": 100.0, "start": 400.0, "stop": 9000.0})
    parrots = csnn.Create("parrot_neuron", n)
    csnn.Connect(gen, parrots, syn_spec={"delay": delay})
    sr = csnn.Create("spike_recorder")
    csnn.Connect(parrots, sr)
    for t, rate in changes:
        csnn.Simulate(t - csnn.GetKernelStatus("biological_time"))
        gen.set(rate=rate)
    csnn.Simulate(10000.0 - csnn.GetKernelStatus("biological_time"))
    ev = sr.get("events")
    emitted = [np.sort(ev["times"][ev["senders"] == p]) - delay for p in parrots.tolist()]
    everything = np.concatenate(emitted)
    # nothing outside the activity window
    assert everything.min() > 500.0 and everything.max() <= 9100.0
    segments = [(500.0, 2000.0, 40.0), (2000.0, 5000.0, 200.0), (5000.0, 6000.0, 0.0), (6000.0, 9100.0, 80.0)]
    for a, b, rate in segments:
        inside = [e[(e > a) & (e <= b)] for e in emitted]
        count = sum(s.size for s in inside)
        expected = n * rate * (b - a) / 1000.0
        # Poisson count: sd sqrt(expected)
        assert abs(count - expected) <= 4 * math.sqrt(expected), (a, b, count, expected)
        if rate == 0:
            continue
        # ISIs within the segment: CV of exponential intervals is 1 with standard error
        # 1 / sqrt(#ISI) (delta method: var(CV) = (var(s^2)/4 + var(m) - cov(m, s^2)) / n
        # = (2 + 1 - 2) / n).  Intervals cut by the segment's ends are left out, which biases the
        # CV by about -1/N for N ~ 60-600 spikes per train and segment (spacings of N uniform
        # points have CV sqrt(N / (N + 2))): at most 0.017, within the tolerance.
        isi = np.concatenate([np.diff(s) for s in inside])
        cv = isi.std() / isi.mean()
        assert abs(cv - 1.0) < 5 / math.sqrt(isi.size) + 1.0 / (rate * (b - a) / 1000.0), (a, b, cv)
    # independent across targets: counts in 5 ms bins of the 200 Hz segment (600 bins) have
    # pairwise correlations with standard error 1 / sqrt(600)
    bins = np.arange(2000.0, 5000.0 + 1e-9, 5.0)
    counts = np.array([np.histogram(e, bins)[0] for e in emitted])
    corr = np.corrcoef(counts)[~np.eye(n, dtype=bool)]
    assert np.all(np.abs(corr) < 5 / math.sqrt(bins.size - 1))
    # exact, continuous times: fractions of t / 0.1 ms are uniform (a grid would put them all at
    # 0); Kolmogorov-Smirnov distance below 2.5 / sqrt(N) (p ~ 1e-5)
    frac = np.sort(np.mod(everything / H, 1.0))
    ecdf_hi = np.arange(1, frac.size + 1) / frac.size
    ks = max(np.max(ecdf_hi - frac), np.max(frac - (ecdf_hi - 1.0 / frac.size)))
    assert ks < 2.5 / math.sqrt(frac.size)
    assert np.unique(everything).size == everything.size


# =============================================================================================
# reproducibility
# =============================================================================================

STOCHASTIC = [
    ("noise_generator", {"mean": 1.0, "std": 3.0, "dt": 1.0}, "current"),
    ("noise_generator", {"mean": 0.0, "std": 2.0, "dt": 0.1, "std_mod": 1.0, "frequency": 50.0}, "current"),
    ("ou_noise_generator", {"mean": 1.0, "std": 3.0, "tau": 4.0, "dt": 0.5}, "current"),
    ("poisson_generator", {"rate": 400.0}, "spikes"),
    ("poisson_generator_ps", {"rate": 400.0, "dead_time": 1.0}, "spikes"),
    ("inhomogeneous_poisson_generator", {"rate_times": [10.0, 41.0, 70.0], "rate_values": [300.0, 900.0, 100.0]},
     "spikes"),
    ("pulsepacket_generator", {"pulse_times": [20.0, 41.7, 80.0], "activity": 30, "sdev": 4.0}, "spikes"),
]


@pytest.mark.parametrize("model, params, kind", STOCHASTIC, ids=lambda v: v if isinstance(v, str) else "")
def test_stochastic_generators_are_reproducible(model, params, kind):
    def run(splits, seed):
        if kind == "current":
            return record_v(model, params, n=3, splits=splits, seed=seed)[1]
        return np.concatenate(parrot_trains(model, params, n=3, splits=splits, seed=seed))
    whole = run([100.0], 5)
    assert np.array_equal(whole, run([100.0], 5))                   # same seed: bit-identical
    assert np.array_equal(whole, run([41.7, 58.3], 5))              # Simulate split mid-step
    assert np.array_equal(whole, run([12.3, 0.05, 50.0, 37.65], 5))
    other = run([100.0], 6)
    assert not np.array_equal(whole, other)                         # another seed: other values
    if kind == "spikes":
        assert whole.size > 20


# =============================================================================================
# examples/lif_noise_input.py
# =============================================================================================

@pytest.mark.source_tree
def test_lif_noise_example(tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg")
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "lif_noise_input.py"), "--duration", "1000",
                             "--out-prefix", str(tmp_path / "lif")],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for name in ("traces", "fi", "isi"):
        assert (tmp_path / f"lif_{name}.png").stat().st_size > 10000
    # the neuron the example uses
    p = dict(re.findall(r"(\w+)\s*=\s*(-?[0-9.]+)", re.search(r"^neuron:(.*)$", out, re.M).group(1)))
    tau_m, C_m, E_L, V_th = float(p["tau_m"]), float(p["C_m"]), float(p["E_L"]), float(p["V_th"])
    V_reset, t_ref = float(p["V_reset"]), float(p["t_ref"])
    # F-I table: first column the mean current, second the rate at zero noise (DC)
    block = out.split("F-I curves")[1].split("\n\n")[0].splitlines()[2:]
    rows = np.array([[float(v) for v in line.split()] for line in block if line.strip()])
    assert rows.shape[0] >= 10 and rows.shape[1] >= 4
    checked = 0
    for I, rate in rows[:, :2]:
        V_inf = E_L + I * tau_m / C_m
        if V_inf > V_th:
            analytic = 1000.0 / (t_ref + tau_m * math.log((V_inf - V_reset) / (V_inf - V_th)))
            checked += 1
        else:
            analytic = 0.0
        # exact spike times: the rate agrees to the printed precision (1e-4 Hz)
        assert rate == pytest.approx(analytic, abs=2e-4), (I, rate, analytic)
    assert checked >= 5
    # noise smooths the F-I curve: below rheobase noisy neurons fire, DC ones do not
    below = rows[:, 0] < C_m / tau_m * (V_th - E_L) - 20.0
    assert np.all(rows[below, 1] == 0.0) and np.any(rows[below, 2:] > 0.0)
    # CV of the ISIs at a fixed mean current near rheobase grows with the white-noise level
    white_rows = re.findall(r"^white\s+([0-9.]+)\s+[0-9.]+\s+[0-9.]+\s+([0-9.]+)\s*$", out, re.M)
    cv = [(float(s), float(c)) for s, c in white_rows]
    assert len(cv) >= 3 and cv[0][0] == 0.0
    stds, cvs = zip(*sorted(cv))
    assert cvs[0] < 1e-6                                      # DC: regular firing
    assert all(b > a + 0.02 for a, b in zip(cvs, cvs[1:])), cv
