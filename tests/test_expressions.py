"""Brian-style connection expressions (rule 'expression', expression weights and delays) and
csnn.spatial positions.

Pairs are read back with ``GetConnections(pre, post).get([...])`` and compared with sets built
independently with numpy or plain Python loops.
"""
import collections
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import csnn
from csnn.network import blocks as cblocks
from csnn import expressions as cexpr
from csnn.errors import CSNNError, IllegalConnectionError

pytestmark = pytest.mark.usefixtures("fresh_kernel")

BAND = "abs(i - j) < 4 and i != j"


def neurons(n, **kwargs):
    return csnn.Create("iaf_psc_delta", n, **kwargs)


def built(pre, post):
    """The connections from pre to post: (i, j, weight, delay) arrays, i and j indices in pre and post."""
    conns = csnn.GetConnections(pre, post)
    table = conns.get(["source", "target", "weight", "delay"]) if len(conns) else {}     # NEST's () for none
    source, target, weight, delay = (np.atleast_1d(table.get(k, [])) for k in ("source", "target", "weight", "delay"))
    return np.searchsorted(pre.tolist(), source), np.searchsorted(post.tolist(), target), weight, delay


def index_pairs(pre, post):
    i, j, _, _ = built(pre, post)
    return sorted(zip(i.tolist(), j.tolist()))


def band_pairs(n_pre, n_post):
    i, j = np.meshgrid(np.arange(n_pre), np.arange(n_post), indexing="ij")
    band = (np.abs(i - j) < 4) & (i != j)
    return sorted(zip(i[band].tolist(), j[band].tolist()))


# -- condition and p -----------------------------------------------------------------------------

def test_condition_gives_exactly_the_band_pairs():
    pre, post = neurons(25), neurons(30)
    csnn.Connect(pre, post, {"rule": "expression", "condition": BAND, "p": 1.0})
    table = csnn.GetConnections(pre, post).get(["source", "target", "weight"])
    assert set(table) == {"source", "target", "weight"}
    assert all(isinstance(column, list) for column in table.values())      # NEST's lists
    assert index_pairs(pre, post) == band_pairs(25, 30)


def test_p_keeps_each_band_pair_with_probability_p():
    csnn.SetKernelStatus({"rng_seed": 11})
    n, p = 300, 0.2
    nodes = neurons(n)
    csnn.Connect(nodes, nodes, {"rule": "expression", "condition": BAND, "p": p})
    kept = index_pairs(nodes, nodes)
    band = set(band_pairs(n, n))
    assert set(kept) <= band and len(set(kept)) == len(kept)
    # the count is Binomial(M, p), M = 1788 band pairs: sd = sqrt(M p (1 - p)) ~ 17; 5 sd
    # would be exceeded with probability < 1e-6, so the bound holds for any seed
    sd = math.sqrt(len(band) * p * (1 - p))
    assert abs(len(kept) - p * len(band)) < 5 * sd


def test_p_expression_is_a_probability_per_pair():
    csnn.SetKernelStatus({"rng_seed": 5})
    n = 120
    nodes = neurons(n)
    csnn.Connect(nodes, nodes, {"rule": "expression", "condition": "i != j", "p": "0.8 if i < j else 0.1"})
    i, j, _, _ = built(nodes, nodes)
    above = n * (n - 1) // 2                 # pairs with i < j, as many as with i > j
    for count, p in ((np.sum(i < j), 0.8), (np.sum(i > j), 0.1)):
        # Binomial(above, p): 5 sd (chance < 1e-6 to exceed)
        assert abs(count - p * above) < 5 * math.sqrt(above * p * (1 - p))
    assert not np.any(i == j)


@settings(max_examples=40, deadline=None)
@given(n_pre=st.integers(1, 12), n_post=st.integers(1, 12), same=st.booleans(), autapses=st.booleans(),
       a=st.integers(1, 5), b=st.integers(1, 5), form=st.integers(0, 3))
def test_condition_pairs_equal_brute_force(n_pre, n_post, same, autapses, a, b, form):
    """Conditions with and/or/not, chained comparisons, // and %, against Python loops."""
    text, test = [
        (f"abs(i - j) < {a} and i != j", lambda i, j: abs(i - j) < a and i != j),
        (f"(i * {a} + j) % {b} == 0 or not j < {b}", lambda i, j: (i * a + j) % b == 0 or not j < b),
        (f"0 < j - i <= {a}", lambda i, j: 0 < j - i <= a),
        (f"i // {a} == j // {b}", lambda i, j: i // a == j // b),
    ][form]
    csnn.ResetKernel()
    pre = neurons(n_pre)
    post = pre if same else neurons(n_post)
    csnn.Connect(pre, post, {"rule": "expression", "condition": text, "allow_autapses": autapses})
    expected = [(i, j) for i in range(len(pre)) for j in range(len(post))
                if test(i, j) and (autapses or pre[i] != post[j])]
    assert index_pairs(pre, post) == expected


# -- generated targets j -------------------------------------------------------------------------

def test_generator_range_skips_targets_out_of_range():
    pre, post = neurons(10), neurons(8)
    csnn.Connect(pre, post, {"rule": "expression", "j": "k for k in range(i-3, i+4) if i != k",
                             "skip_if_invalid": True})
    assert index_pairs(pre, post) == [(i, k) for i in range(10) for k in range(i - 3, i + 4)
                                      if k != i and 0 <= k < 8]


def test_generator_out_of_range_target_is_an_error_without_skip_if_invalid():
    pre, post = neurons(10), neurons(8)
    with pytest.raises(IllegalConnectionError, match=r"gives j = -3 for i = 0, outside the post "
                                                     r"collection \(j from 0 to 7\)"):
        csnn.Connect(pre, post, {"rule": "expression", "j": "k for k in range(i-3, i+4) if i != k"})
    assert csnn.GetKernelStatus("num_connections") == 0


def test_generator_condition_is_tested_before_the_range_check():
    """As in Brian 2, a condition that reads no post position can exclude targets out of range;
    one that reads post positions needs a valid j, so the range is checked first."""
    pre = neurons(10, positions=np.column_stack([np.arange(10.0), np.zeros(10)]))
    post = neurons(8, positions=np.column_stack([np.arange(8.0), np.zeros(8)]))
    in_range = [(i, k) for i in range(10) for k in range(i - 3, i + 4) if 0 <= k < 8]
    csnn.Connect(pre, post, {"rule": "expression", "j": "k for k in range(i-3, i+4) if k >= 0 and k < N_post"})
    assert index_pairs(pre, post) == in_range
    near = {"rule": "expression", "j": "k for k in range(i-3, i+4) if abs(x_pre - x_post) < 2"}
    with pytest.raises(IllegalConnectionError, match=r"gives j = -3 for i = 0"):
        csnn.Connect(pre, post, near)
    csnn.Connect(pre, post, dict(near, skip_if_invalid=True))
    assert index_pairs(pre, post) == sorted(in_range + [(i, k) for i, k in in_range if abs(i - k) < 2])


@settings(max_examples=40, deadline=None)
@given(n_pre=st.integers(1, 10), n_post=st.integers(1, 10), low=st.integers(-4, 4), width=st.integers(-6, 10),
       step=st.sampled_from([-3, -2, -1, 1, 2, 3]), m=st.integers(2, 4))
def test_generator_pairs_equal_python_loops(n_pre, n_post, low, width, step, m):
    """range() with any sign of step and an if clause, against Python's range."""
    csnn.ResetKernel()
    pre, post = neurons(n_pre), neurons(n_post)
    text = f"2 * k - i for k in range(i + {low}, i + {low + width}, {step}) if k % {m} != 0"
    csnn.Connect(pre, post, {"rule": "expression", "j": text, "skip_if_invalid": True})
    expected = [(i, 2 * k - i) for i in range(n_pre) for k in range(i + low, i + low + width, step)
                if k % m != 0 and 0 <= 2 * k - i < n_post]
    assert index_pairs(pre, post) == sorted(expected)


def test_plain_j_expression_gives_one_target_per_i():
    pre, post = neurons(6), neurons(6)
    csnn.Connect(pre, post, {"rule": "expression", "j": "N_post - 1 - i"})
    assert index_pairs(pre, post) == [(i, 5 - i) for i in range(6)]


def test_sample_with_p_keeps_each_target_with_probability_p():
    csnn.SetKernelStatus({"rng_seed": 2})
    pre, post = neurons(100), neurons(50)
    csnn.Connect(pre, post, {"rule": "expression", "j": "k for k in sample(N_post, p=0.3)"})
    pairs = index_pairs(pre, post)
    assert len(set(pairs)) == len(pairs)
    # Binomial(5000, 0.3): sd ~ 32; 5 sd (chance < 1e-6 to exceed)
    assert abs(len(pairs) - 0.3 * 5000) < 5 * math.sqrt(5000 * 0.3 * 0.7)


def test_sample_with_size_draws_that_many_distinct_targets_per_i():
    pre, post = neurons(30), neurons(20)
    csnn.Connect(pre, post, {"rule": "expression", "j": "k for k in sample(2, N_post, 3, size=1 + i % 4)"})
    by_i = collections.defaultdict(list)
    for i, j in index_pairs(pre, post):
        by_i[i].append(j)
    assert sorted(by_i) == list(range(30))
    for i, targets in by_i.items():
        assert len(targets) == len(set(targets)) == 1 + i % 4
        assert set(targets) <= set(range(2, 20, 3))


def test_n_makes_several_connections_per_pair():
    pre, post = neurons(6), neurons(6)
    csnn.Connect(pre, post, {"rule": "expression", "condition": "i == j", "n": "1 + i % 3"})
    assert collections.Counter(index_pairs(pre, post)) == {(i, i): 1 + i % 3 for i in range(6)}


# -- weights and delays --------------------------------------------------------------------------

def test_distance_dependent_weight_and_delay_equal_the_numpy_formula():
    csnn.SetKernelStatus({"rng_seed": 3})
    width = 0.3
    pre = neurons(40, positions=csnn.spatial.free(csnn.random.uniform(-1.0, 1.0), num_dimensions=2))
    post = neurons(30, positions=csnn.spatial.free(csnn.random.uniform(-1.0, 1.0), num_dimensions=3))
    csnn.Connect(pre, post, {"rule": "fixed_indegree", "indegree": 5},
                 {"weight": "exp(-(x_pre - x_post)**2 / (2*width**2))",
                  "delay": "0.5 + sqrt((x_pre - x_post)**2 + (y_pre - y_post)**2)", "namespace": {"width": width}})
    i, j, weight, delay = built(pre, post)
    at_pre, at_post = np.array(csnn.GetPosition(pre)), np.array(csnn.GetPosition(post))
    dx, dy = at_pre[i, 0] - at_post[j, 0], at_pre[i, 1] - at_post[j, 1]
    assert i.size == 150
    np.testing.assert_allclose(weight, np.exp(-dx ** 2 / (2 * width ** 2)), rtol=1e-12)
    np.testing.assert_allclose(delay, 0.5 + np.hypot(dx, dy), rtol=1e-12)


@pytest.mark.parametrize("conn_spec", ["one_to_one", "all_to_all", {"rule": "fixed_indegree", "indegree": 3},
                                       {"rule": "fixed_outdegree", "outdegree": 3},
                                       {"rule": "fixed_total_number", "N": 20},
                                       {"rule": "pairwise_bernoulli", "p": 0.5},
                                       {"rule": "expression", "condition": "i <= j"}])
def test_weight_expression_is_evaluated_for_the_pairs_of_any_rule(conn_spec):
    pre, post = neurons(7), neurons(7)
    csnn.Connect(pre, post, conn_spec, {"weight": "i + 1000 * j", "delay": "1 + 0.25 * (i % 2)"})
    i, j, weight, delay = built(pre, post)
    assert i.size > 0
    np.testing.assert_array_equal(weight, i + 1000.0 * j)
    np.testing.assert_array_equal(delay, 1 + 0.25 * (i % 2))


def test_weight_expression_for_a_generator_uses_target_indices():
    generator, targets = csnn.Create("poisson_generator", params={"rate": 10.0}), neurons(4)
    csnn.Connect(generator, targets, "all_to_all", {"weight": "1.0 + j"})
    _, j, weight, _ = built(generator, targets)
    np.testing.assert_array_equal(weight, 1.0 + j)


# -- reproducibility and blocks ------------------------------------------------------------------

SPECS = {
    "condition_and_p": ({"rule": "expression", "condition": "i != j", "p": 0.3}, {"weight": "rand()"}),
    "p_expression": ({"rule": "expression", "condition": "abs(i - j) < 9", "p": "exp(-abs(i - j) / 4)"},
                     {"weight": "randn()"}),
    "sample_p": ({"rule": "expression", "j": "k for k in sample(N_post, p=0.2) if k != i"}, None),
    "sample_size": ({"rule": "expression", "j": "k for k in sample(i, N_post, size=maximum(N_post - i, 0) // 2)"},
                    None),
    "multiplicity": ({"rule": "expression", "p": 0.4, "n": "1 + (i + j) % 3"}, {"weight": "i - j"}),
}


def build(seed, conn_spec, syn_spec):
    csnn.ResetKernel()
    csnn.SetKernelStatus({"rng_seed": seed})
    pre, post = neurons(40), neurons(35)
    csnn.Connect(pre, post, conn_spec, syn_spec)
    return built(pre, post)


@pytest.mark.parametrize("case", list(SPECS))
def test_equal_rng_seed_gives_equal_connections(case):
    first, again, other = build(7, *SPECS[case]), build(7, *SPECS[case]), build(8, *SPECS[case])
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))


@pytest.mark.parametrize("case", list(SPECS))
def test_blocks_give_the_result_of_one_block(case, monkeypatch):
    whole = build(7, *SPECS[case])
    monkeypatch.setattr(cblocks, "BLOCK_PAIRS", 7)    # 200 blocks and more
    for a, b in zip(whole, build(7, *SPECS[case])):
        np.testing.assert_array_equal(a, b)


# -- what expressions may not do -----------------------------------------------------------------

MALICIOUS = [
    "__import__('os').system('touch {marker}')",
    "open('{marker}', 'w')",
    "i.__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "(lambda: __import__('os'))()",
    "[c for c in range(3)]",
    "exp.__globals__",
    "eval('1')",
    "getattr(i, 'real')",
    "globals()",
    "__builtins__",
    "N_pre[0]",
    "'text'",
    "f'{{i}}'",
    "(k := 1)",
    "i if i else open('{marker}', 'w')",
    "exp(*[1])",
]


@pytest.mark.parametrize("where", ["condition", "p", "n", "j", "j range", "weight", "delay"])
@pytest.mark.parametrize("text", MALICIOUS)
def test_unsafe_expressions_are_rejected_before_evaluation(text, where, tmp_path, monkeypatch):
    marker = tmp_path / "evaluated"
    text = text.format(marker=marker)

    def evaluated(*args):
        raise AssertionError("an unsafe expression was evaluated")
    monkeypatch.setattr(cexpr.Endpoints, "evaluate", evaluated)
    conn_spec, syn_spec = {"rule": "expression"}, {}
    if where in ("weight", "delay"):
        syn_spec[where] = text
    elif where == "j range":
        conn_spec["j"] = f"k for k in range({text})"
    else:
        conn_spec[where] = text
    nodes = neurons(3)
    with pytest.raises(CSNNError):
        csnn.Connect(nodes, nodes, conn_spec, syn_spec)
    assert not marker.exists()
    assert csnn.GetKernelStatus("num_connections") == 0


def test_numbers_are_numpy_scalars_so_powers_cannot_build_huge_integers():
    nodes = neurons(3)
    csnn.Connect(nodes, nodes, {"rule": "expression", "condition": "9**9**9**9 > 0"})   # inf, at once
    assert csnn.GetKernelStatus("num_connections") == 9


# -- spatial -------------------------------------------------------------------------------------

#: GetPosition of NEST 3.10 for these grids (column by column, each from the top)
NEST_GRIDS = [
    ({"shape": [3, 2]}, [[-1 / 3, 0.25], [-1 / 3, -0.25], [0.0, 0.25], [0.0, -0.25], [1 / 3, 0.25], [1 / 3, -0.25]]),
    ({"shape": [3, 2], "extent": [6.0, 1.0], "center": [1.0, 1.0]},
     [[-1.0, 1.25], [-1.0, 0.75], [1.0, 1.25], [1.0, 0.75], [3.0, 1.25], [3.0, 0.75]]),
    ({"shape": [2, 2, 2]}, [[-0.25, 0.25, -0.25], [-0.25, 0.25, 0.25], [-0.25, -0.25, -0.25], [-0.25, -0.25, 0.25],
                            [0.25, 0.25, -0.25], [0.25, 0.25, 0.25], [0.25, -0.25, -0.25], [0.25, -0.25, 0.25]]),
]


@pytest.mark.parametrize("kwargs, positions", NEST_GRIDS)
def test_grid_positions_are_nests(kwargs, positions):
    nodes = neurons(1, positions=csnn.spatial.grid(**kwargs))
    assert len(nodes) == len(positions)
    np.testing.assert_allclose(csnn.GetPosition(nodes), positions, atol=1e-15)


def test_free_positions_from_an_array_or_parameters():
    given_positions = [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]
    nodes = neurons(1, positions=csnn.spatial.free(given_positions))
    assert csnn.GetPosition(nodes) == tuple(map(tuple, given_positions))
    drawn = neurons(50, positions=csnn.spatial.free(csnn.random.uniform(2.0, 3.0), num_dimensions=3))
    at = np.array(csnn.GetPosition(drawn))
    assert at.shape == (50, 3) and np.all((at >= 2.0) & (at < 3.0))
    per_axis = neurons(50, positions=csnn.spatial.free([csnn.random.uniform(0.0, 1.0),
                                                        csnn.random.uniform(10.0, 11.0)]))
    at = np.array(csnn.GetPosition(per_axis))
    assert np.all(at[:, 0] < 1.0) and np.all(at[:, 1] >= 10.0)
