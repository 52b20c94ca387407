"""Fixtures and helpers shared by the test modules (import helpers with ``from conftest import``)."""
import os
import warnings

import numpy as np
import pytest
from hypothesis import strategies as st

import csnn


def pytest_configure(config):
    config.addinivalue_line("markers", "nest: cross-checks against NEST 3 (skipped when NEST is not installed)")
    config.addinivalue_line("markers", "source_tree: reads files of the source tree that the installed package "
                                       "does not ship (README.md, examples/, docs/, bench/, .ci/); the wheel's "
                                       "tests (.ci/wheel, cibuildwheel) deselect these")
    config.addinivalue_line("markers", "mpi: starts scripts with mpiexec (the test extra installs mpi4py and "
                                       "MPICH); the wheel's tests, whose environment has no MPI, deselect these")


def pytest_report_header(config):
    """Which csnn the tests import: the installed wheel, or a tree built in place."""
    from csnn._core import engine
    return f"csnn {csnn.__version__} imported from {os.path.dirname(csnn.__file__)} (OpenMP: {engine.OPENMP})"


def quiet(sim):
    """csnn's or NEST's messages below errors off (NEST 3.10 flags set_verbosity as legacy)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sim.set_verbosity("M_ERROR")


def fresh_nest():
    """NEST, quiet and with a new kernel, for a cross-check (the test is skipped without NEST)."""
    nest = pytest.importorskip("nest")
    quiet(nest)
    nest.ResetKernel()
    return nest


@pytest.fixture
def fresh_kernel():
    """A quiet, new csnn kernel for each test (``pytestmark = pytest.mark.usefixtures(...)``)."""
    quiet(csnn)
    csnn.ResetKernel()
    yield


def tau_syn_strategy(low, high):
    """A synaptic time constant: any in [low, high] (ms), "equal" (exactly tau_m, the singular
    case of the propagators), or ("near", sign, x): tau_m (1 + sign 10^x), 1e-12 <= 10^x <= 1e-2,
    where the textbook formulas cancel catastrophically.  ``resolve_tau`` turns it into ms."""
    near = st.tuples(st.just("near"), st.sampled_from([-1.0, 1.0]), st.floats(-12.0, -2.0))
    return st.one_of(st.floats(low, high), st.just("equal"), near)


def resolve_tau(tau, tau_m):
    if tau == "equal":
        return tau_m
    if isinstance(tau, tuple):
        return tau_m * (1.0 + tau[1] * 10.0 ** tau[2])
    return tau


def grid_arrival(t, delay, resolution=0.1):
    """When a spike emitted at t (ms) arrives through ``delay`` (ms), by the rule of
    csnn/_core/gridtime.pxd written out here: at the time of step k + m when t is exactly the
    time of step k, k / (1 / resolution), and the delay is within 1e-9 (relative) of m >= 1
    steps; else at t + delay.  (For resolutions whose inverse is a whole number.)"""
    per_ms = round(1 / resolution)
    k, m = round(t * per_ms), round(delay * per_ms)
    whole_steps = m >= 1 and abs(delay * per_ms - m) <= 1e-9 * max(1.0, delay * per_ms)
    return (k + m) / per_ms if k / per_ms == t and whole_steps else t + delay


def grid_arrivals(times, delay, resolution=0.1):
    """``grid_arrival`` of each of ``times`` (an array)."""
    return np.array([grid_arrival(t, delay, resolution) for t in np.asarray(times, dtype=float).tolist()])


def parrot_trains(sim, model, params, n=1, delay=1.0, seed=12345, runs=(100.0,), changes=(),
                  parrot="parrot_neuron"):
    """The sorted spike trains (arrival times, ms) of ``n`` ``parrot`` neurons driven by one
    generator ``model`` with ``params`` through ``delay``, in simulator ``sim`` (csnn or nest):
    Simulate for each of ``runs`` (ms), setting ``changes[i]`` on the generator after run i."""
    sim.ResetKernel()
    sim.SetKernelStatus({"rng_seed": seed})
    generator = sim.Create(model, params=params)
    parrots = sim.Create(parrot, n)
    sim.Connect(generator, parrots, syn_spec={"delay": delay})
    recorder = sim.Create("spike_recorder")
    sim.Connect(parrots, recorder)
    for k, t in enumerate(runs):
        sim.Simulate(t)
        if k < len(changes):
            generator.set(changes[k])
    events = recorder.get("events")
    times, senders = np.asarray(events["times"]), np.asarray(events["senders"])
    return [np.sort(times[senders == p]) for p in parrots.tolist()]


def chi_square_p(frequencies, distribution, least=5.0):
    """p-value of Pearson's chi-square test of ``frequencies`` (how often each value 0, 1, ...
    occurred) against a frozen scipy discrete ``distribution``: one bin per value, neighbours
    pooled until each bin expects at least ``least`` (the test's usual validity condition), the
    tail beyond the largest value in the last bin."""
    from scipy import stats
    frequencies = np.asarray(frequencies, dtype=float)
    probabilities = distribution.pmf(np.arange(frequencies.size))
    probabilities[-1] += distribution.sf(frequencies.size - 1)
    observed, expected = pooled(frequencies, frequencies.sum() * probabilities, least)
    return stats.chisquare(observed, expected * observed.sum() / expected.sum()).pvalue


def pooled(observed, expected, least):
    """Neighbouring bins merged from the left until each expects at least ``least``; what is
    left at the end joins the last bin."""
    bins_observed, bins_expected = [], []
    o = e = 0.0
    for oi, ei in zip(observed.tolist(), expected.tolist()):
        o, e = o + oi, e + ei
        if e >= least:
            bins_observed.append(o)
            bins_expected.append(e)
            o = e = 0.0
    bins_observed[-1] += o
    bins_expected[-1] += e
    return np.array(bins_observed), np.array(bins_expected)
