"""NEST 3's rules ``pairwise_poisson`` and ``symmetric_pairwise_bernoulli``: the conditions NEST
puts on their flags, the statistics of their counts (exact distributions, hypothesis over sizes,
means and seeds) and, marker ``nest``, their counts' distribution against NEST's."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import stats

import csnn
from csnn.errors import BadParameterError, IllegalConnectionError, UnknownParameterError
from conftest import chi_square_p, fresh_nest

pytestmark = pytest.mark.usefixtures("fresh_kernel")

#: a test of a distribution fails below this p-value: over the few dozen examples a run draws,
#: a correct rule fails one of them about once in 10^4 runs, while a wrong distribution of these
#: sizes (thousands of pairs) gives p-values far below it
ALPHA = 1e-6
#: a total count must lie within this many standard deviations of its mean (two-sided tail
#: 6e-7 for a normal total; the totals here sum thousands of independent counts)
SDS = 5.0


def count_matrix(sim, pre, post):
    """How many connections run from each node of pre + post to each (square, by position)."""
    nodes = np.concatenate([np.asarray(pre.tolist()), np.asarray(post.tolist())])
    ids, position = np.unique(nodes, return_inverse=True)
    conns = sim.GetConnections()
    counts = np.zeros((ids.size, ids.size), np.int64)
    if len(conns):
        src = np.searchsorted(ids, np.atleast_1d(conns.get("source")))
        tgt = np.searchsorted(ids, np.atleast_1d(conns.get("target")))
        np.add.at(counts, (src, tgt), 1)
    return counts, position


def symmetric_spec(p):
    return {"rule": "symmetric_pairwise_bernoulli", "p": p, "allow_autapses": False, "make_symmetric": True}


def test_the_flags_nest_requires_are_required():
    n = csnn.Create("iaf_psc_delta", 4)
    for spec, message in (
            ({"rule": "pairwise_poisson", "pairwise_avg_num_conns": 1.0, "allow_multapses": False},
             "needs conn_spec\\['allow_multapses'\\] = True"),
            ({"rule": "pairwise_poisson", "pairwise_avg_num_conns": -0.5}, "mean number of connections >= 0"),
            ({"rule": "pairwise_poisson"}, "needs 'pairwise_avg_num_conns'"),
            ({"rule": "symmetric_pairwise_bernoulli", "p": 0.5, "make_symmetric": True},
             "needs conn_spec\\['allow_autapses'\\] = False"),
            (dict(symmetric_spec(0.5), make_symmetric=False), "needs conn_spec\\['make_symmetric'\\] = True"),
            (dict(symmetric_spec(0.5), allow_multapses=False), "needs conn_spec\\['allow_multapses'\\] = True"),
            (symmetric_spec(1.0), "needs 0 <= p < 1")):
        with pytest.raises(BadParameterError, match=message):
            csnn.Connect(n, n, spec)
    with pytest.raises(UnknownParameterError, match="unknown conn_spec key for rule 'pairwise_bernoulli' "
                                                    "'make_symmetric'"):
        csnn.Connect(n, n, {"rule": "pairwise_bernoulli", "p": 0.5, "make_symmetric": True})
    with pytest.raises(BadParameterError, match="both connections of a pair take one value"):
        csnn.Connect(n, n, symmetric_spec(0.5), {"weight": csnn.random.uniform(0.0, 1.0)})
    with pytest.raises(BadParameterError, match="arrays are not accepted for rule 'pairwise_poisson'"):
        csnn.Connect(n, n, {"rule": "pairwise_poisson", "pairwise_avg_num_conns": 1.0}, {"weight": np.ones(16)})
    with pytest.raises(IllegalConnectionError, match="connects neurons only"):
        csnn.Connect(csnn.Create("poisson_generator"), n, symmetric_spec(0.5))


@settings(max_examples=12, deadline=None)
@given(n=st.integers(20, 60), mean=st.floats(0.05, 4.0), autapses=st.booleans(), seed=st.integers(1, 2 ** 31))
def test_pairwise_poisson_counts_are_poisson_and_independent_of_the_pair(n, mean, autapses, seed):
    csnn.ResetKernel()
    csnn.SetKernelStatus({"rng_seed": seed})
    nodes = csnn.Create("iaf_psc_delta", n)
    csnn.Connect(nodes, nodes, {"rule": "pairwise_poisson", "pairwise_avg_num_conns": mean,
                                "allow_autapses": autapses})
    counts, _ = count_matrix(csnn, nodes, nodes[:0])
    off_diagonal = counts[~np.eye(n, dtype=bool)]
    if not autapses:
        assert not np.diagonal(counts).any()
    pairs = counts if autapses else off_diagonal
    # every pair's count is an independent Poisson(mean) draw: Pearson's test of their frequencies
    assert chi_square_p(np.bincount(pairs.ravel()), stats.poisson(mean)) > ALPHA
    # the total is Poisson(pairs * mean)
    total_mean = pairs.size * mean
    assert abs(pairs.sum() - total_mean) <= SDS * np.sqrt(total_mean)
    # and the pair's place does not matter: the upper and lower triangles have one distribution
    upper, lower = counts[np.triu_indices(n, 1)], counts[np.tril_indices(n, -1)]
    assert abs(upper.sum() - lower.sum()) <= SDS * np.sqrt(2 * upper.size * mean)


def truncated_binomial(n, p):
    """Mean and variance of Binomial(n, p) drawn again while it equals n (NEST's in-degree)."""
    k = np.arange(n)
    pmf = stats.binom(n, p).pmf(k)
    pmf /= pmf.sum()
    mean = (k * pmf).sum()
    return mean, ((k - mean) ** 2 * pmf).sum()


@settings(max_examples=12, deadline=None)
@given(n=st.integers(10, 60), p=st.floats(0.02, 0.95), seed=st.integers(1, 2 ** 31))
def test_symmetric_pairwise_bernoulli_on_one_population(n, p, seed):
    csnn.ResetKernel()
    csnn.SetKernelStatus({"rng_seed": seed})
    nodes = csnn.Create("iaf_psc_delta", n)
    csnn.Connect(nodes, nodes, symmetric_spec(p), {"weight": 2.5, "delay": 1.5})
    counts, _ = count_matrix(csnn, nodes, nodes[:0])
    assert np.array_equal(counts, counts.T)              # both directions, as often
    assert not np.diagonal(counts).any() and counts.max() <= 2
    # each node chose k ~ Binomial(n, p) | k < n others: the connections are twice their sum
    mean, var = truncated_binomial(n, p)
    assert counts.sum() % 2 == 0
    assert abs(counts.sum() / 2 - n * mean) <= SDS * np.sqrt(n * var) + 1e-9
    # a pair is chosen by each of its nodes with probability mean / (n - 1), independently
    q = mean / (n - 1)
    upper = counts[np.triu_indices(n, 1)]
    assert abs((upper == 2).mean() - q * q) <= SDS * np.sqrt(q * q * (1 - q * q) / upper.size) + 1e-9
    conns = csnn.GetConnections()
    assert set(np.atleast_1d(conns.get("weight")).tolist()) <= {2.5}
    assert set(np.atleast_1d(conns.get("delay")).tolist()) <= {1.5}


def test_symmetric_pairwise_bernoulli_between_two_populations():
    csnn.SetKernelStatus({"rng_seed": 5})
    pre, post = csnn.Create("iaf_psc_delta", 40), csnn.Create("iaf_psc_delta", 30)
    csnn.Connect(pre, post, symmetric_spec(0.3))
    counts, _ = count_matrix(csnn, pre, post)
    # only post's nodes choose (from pre); every choice connects both ways, once
    assert np.array_equal(counts, counts.T) and counts.max() == 1
    assert not counts[:40, :40].any() and not counts[40:, 40:].any()
    mean, var = truncated_binomial(40, 0.3)
    assert abs(counts[:40, 40:].sum() - 30 * mean) <= SDS * np.sqrt(30 * var)


def pair_count_frequencies(sim, spec, n, seeds):
    """How often a pair of distinct nodes got 0, 1, 2, ... connections, over networks of n nodes
    connected by ``spec`` with each of ``seeds``."""
    total = np.zeros(0, np.int64)
    for seed in seeds:
        sim.ResetKernel()
        sim.SetKernelStatus({"rng_seed": seed})
        nodes = sim.Create("iaf_psc_delta", n)
        sim.Connect(nodes, nodes, spec)
        counts, _ = count_matrix(sim, nodes, nodes[:0])
        frequencies = np.bincount(counts[~np.eye(n, dtype=bool)])
        total = np.pad(total, (0, max(0, frequencies.size - total.size)))
        total[:frequencies.size] += frequencies
    return total


@pytest.mark.nest
@pytest.mark.parametrize("spec", [{"rule": "pairwise_poisson", "pairwise_avg_num_conns": 0.7, "allow_autapses": False},
                                  symmetric_spec(0.2)], ids=["pairwise_poisson", "symmetric_pairwise_bernoulli"])
def test_the_counts_distribution_is_nests(spec):
    nest = fresh_nest()
    ours = pair_count_frequencies(csnn, spec, 60, range(1, 6))
    theirs = pair_count_frequencies(nest, spec, 60, range(1, 6))
    size = max(ours.size, theirs.size)
    table = np.array([np.pad(ours, (0, size - ours.size)), np.pad(theirs, (0, size - theirs.size))])
    table = table[:, table.sum(axis=0) >= 10]        # the contingency test needs filled cells
    # the same distribution of a pair's count (17 700 pairs each; a symmetric network's pairs
    # of one node are chosen without replacement, alike in both, so the test is approximate)
    assert stats.chi2_contingency(table).pvalue > ALPHA
