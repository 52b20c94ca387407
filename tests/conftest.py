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


def pytest_report_header(config):
    """Which csnn the tests import: the installed wheel, or a tree built in place."""
    from csnn._core import engine
    return f"csnn {csnn.__version__} imported from {os.path.dirname(csnn.__file__)} (OpenMP: {engine.OPENMP})"


def quiet(sim):
    """csnn's or NEST's messages below errors off (NEST 3.10 flags set_verbosity as legacy)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sim.set_verbosity("M_ERROR")


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
