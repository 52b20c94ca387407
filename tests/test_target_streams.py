"""Random streams keyed by target (csnn.target_streams, csnn/_core/philox.pyx): Philox4x64-10
as numpy computes it, exactly uniform bounded integers, and the property that lets every MPI
process draw its own targets' connections alone: a connection's random numbers do not depend
on which other connections are drawn with it."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import csnn
from csnn._core import philox
from csnn.network import connect as cconnect
from csnn.target_streams import TargetStreams

WORD = st.integers(0, 2 ** 64 - 1)


@given(st.lists(WORD, min_size=4, max_size=4), st.lists(WORD, min_size=2, max_size=2))
def test_blocks_are_numpys_philox(counter, key):
    """numpy's Philox increments its counter (word 0, carrying) before each block."""
    reference = np.random.Philox(counter=np.array(counter, np.uint64), key=np.array(key, np.uint64)).random_raw(4)
    c = counter[0] + 1 + (counter[1] << 64) + (counter[2] << 128) + (counter[3] << 192)
    words = [(c >> (64 * i)) % 2 ** 64 for i in range(4)]
    assert philox.blocks(words[0], words[1], words[2], words[3], *key)[0].tolist() == reference.tolist()


@given(st.lists(WORD, min_size=1, max_size=20), st.integers(1, 2 ** 63))
def test_bounded_integers_are_lemires(words, bound):
    """The value is the high word of w * bound; a word is rejected exactly when its low word
    falls in the 2^64 mod bound values that would make some results more likely."""
    values, rejected = philox.below(np.array(words, np.uint64), bound)
    for w, v, r in zip(words, values.tolist(), rejected.tolist()):
        assert v == (w * bound) >> 64
        assert r == ((w * bound) % 2 ** 64 < (2 ** 64 - bound) % bound)


def test_row_words_are_the_blocks_of_each_stream():
    rows = philox.row_words([7, 9], 6, 3, 11, 12)
    for r, stream in enumerate((7, 9)):
        blocks = philox.blocks([0, 1], stream, 3, 0, 11, 12).ravel()
        assert rows[r].tolist() == blocks[:6].tolist()


SUBSETS = st.lists(st.booleans(), min_size=40, max_size=40).filter(any)
DRAWS = {
    "random": lambda rng, n: rng.random(n),
    "uniform": lambda rng, n: rng.uniform(-2.0, 3.0, n),
    "normal": lambda rng, n: rng.normal(1.0, 2.0, n),
    "lognormal": lambda rng, n: rng.lognormal(0.5, 0.3, n),
    "exponential": lambda rng, n: rng.exponential(2.0, n),
    "integers": lambda rng, n: rng.integers(3, 17, n),
    "gamma": lambda rng, n: rng.gamma(2.5, 1.5, n),
    "poisson": lambda rng, n: rng.poisson(4.0, n),
    "binomial": lambda rng, n: rng.binomial(10, 0.3, n),
    "parameters": lambda rng, n: (csnn.random.normal(0.0, 1.0) * csnn.random.uniform(1.0, 2.0)).sample(rng, n),
    "clipped": lambda rng, n: csnn.math.redraw(csnn.random.normal(0.0, 1.0), min=-0.2, max=0.3).sample(rng, n),
}


@settings(max_examples=30, deadline=None)
@given(SUBSETS, st.sampled_from(sorted(DRAWS)), st.integers(0, 2 ** 32 - 1))
def test_a_connections_values_do_not_depend_on_the_others_drawn(subset, name, seed):
    """40 connections of 8 targets (5 each); drawing for a subset of them (what one process
    holds) gives the subset of what drawing for all gives, draw after draw, also when the
    values are redrawn until accepted or come from numpy's algorithms per stream."""
    stream = np.repeat(np.arange(8), 5) * 3 + 1
    index = np.tile(np.arange(5), 8)
    keep = np.array(subset)
    every = TargetStreams(seed, 4).elements(stream, index)
    part = TargetStreams(seed, 4).elements(stream[keep], index[keep])
    for _ in range(2):
        np.testing.assert_array_equal(DRAWS[name](every, keep.size)[keep], DRAWS[name](part, int(keep.sum())))


def test_values_have_their_distributions():
    """Kolmogorov-Smirnov against scipy's distributions for 20 000 connections of 200
    targets; the seed is fixed, so the test is deterministic; p > 0.001 would fail about once in
    a thousand seeds for correct draws."""
    draws = TargetStreams(143202461, 0).elements(np.repeat(np.arange(200), 100), np.tile(np.arange(100), 200))
    n = 20000
    for values, cdf in ((draws.uniform(-1.0, 3.0, n), stats.uniform(-1.0, 4.0).cdf),
                        (draws.normal(2.0, 0.5, n), stats.norm(2.0, 0.5).cdf),
                        (draws.lognormal(0.0, 0.4, n), stats.lognorm(0.4).cdf),
                        (draws.exponential(3.0, n), stats.expon(scale=3.0).cdf),
                        (draws.gamma(2.0, 1.0, n), stats.gamma(2.0).cdf)):
        assert stats.kstest(values, cdf).pvalue > 1e-3
    counts = np.bincount(draws.integers(0, 7, n), minlength=7)
    assert stats.chisquare(counts).pvalue > 1e-3


RULES = [{"rule": "fixed_indegree", "indegree": 4},
         {"rule": "fixed_indegree", "indegree": 9, "allow_multapses": False},
         {"rule": "fixed_indegree", "indegree": 3, "allow_multapses": False, "allow_autapses": False},
         {"rule": "fixed_indegree", "indegree": 5, "allow_autapses": False},
         {"rule": "pairwise_bernoulli", "p": 0.3, "allow_autapses": False},
         {"rule": "all_to_all", "allow_autapses": False},
         {"rule": "one_to_one"}]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(range(len(RULES))), st.lists(st.booleans(), min_size=12, max_size=12),
       st.integers(0, 2 ** 32 - 1))
def test_a_targets_connections_do_not_depend_on_the_other_targets_drawn(rule, subset, seed):
    """The pairs of the targets one process owns (a subset of rows) and their values are the
    one-process pairs and values of those targets, for every rule drawn target by target."""
    spec = cconnect.parse_conn_spec(RULES[rule])
    ids = np.arange(1, 13)
    rows = np.flatnonzero(subset)

    def drawn(rows):
        streams = TargetStreams(seed, 2)
        i_pre, i_post, shape, select, index = cconnect.target_pairs(spec, ids, ids, streams, rows)
        weight = streams.elements(i_post, index).normal(0.0, 1.0, i_pre.size)
        return i_pre, i_post, weight

    every, part = drawn(np.arange(12)), drawn(rows)
    mine = np.isin(every[1], rows)
    for whole, share in zip(every, part):
        np.testing.assert_array_equal(whole[mine], share)


@pytest.mark.parametrize("multapses, autapses", [(True, True), (True, False), (False, True), (False, False)])
@pytest.mark.parametrize("indegree", [3, 40])
def test_fixed_indegree_draws_every_source_alike_and_keeps_the_rules(multapses, autapses, indegree):
    """Each target gets ``indegree`` sources, none itself without autapses, no repetition
    without multapses; over 2000 targets every source is drawn as often within the statistics
    (chi-square, fixed seed: deterministic; p > 0.001).  40 of 50 takes the branch that sorts a
    key per candidate, 3 the branch that redraws refused sources."""
    spec = cconnect.parse_conn_spec({"rule": "fixed_indegree", "indegree": indegree,
                                     "allow_multapses": multapses, "allow_autapses": autapses})
    pre = np.arange(1, 51)
    post = np.tile(pre, 40)
    i_pre, i_post, *_ = cconnect.target_pairs(spec, pre, post, TargetStreams(7, 0), np.arange(post.size))
    sources = pre[i_pre].reshape(post.size, indegree)
    if not autapses:
        assert not np.any(sources == post[:, None])
    if not multapses:
        assert all(np.unique(row).size == indegree for row in sources)
    counts = np.bincount(i_pre, minlength=pre.size)
    assert stats.chisquare(counts).pvalue > 1e-3
