"""csnn's spatial module against NEST 3.10's: the same layers, masks, parameters and rules built
in both.

What is deterministic is compared exactly: the pairs a mask admits (pairwise_bernoulli with p =
1, and degree rules that must take every candidate), layer metadata, positions, displacements
and distances with and without periodic boundaries, the nearest and centre nodes, the nodes a
mask selects, the values of spatial parameters.  Masks here have no node exactly on their
edges: there NEST's answer depends on rounding inside its search tree (a node at distance 0.2
from a circle of radius 0.2 may or may not be taken), which csnn does not copy.

What is drawn is compared in distribution: connection counts per distance bin, for csnn and for
NEST, against the expectation computed from the kernel (see :func:`check_counts`).
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

nest = pytest.importorskip("nest")
import csnn  # noqa: E402

from conftest import fresh_nest  # noqa: E402

pytestmark = pytest.mark.nest

#: the two-sided tail of a normal deviate beyond Z: 1e-7 per bin, so that a test of 10 bins and
#: two simulators fails by chance with probability below 2e-6 (for the seeds used, the tests
#: are deterministic; the bound says they do not hang on a lucky seed)
Z = 5.33


@pytest.fixture(autouse=True)
def fresh_kernels(fresh_kernel):
    fresh_nest()


def grid(sim, edge_wrap, shape=(7, 5), extent=(1.4, 1.0), center=(0.1, -0.2)):
    return sim.Create("iaf_psc_alpha", positions=sim.spatial.grid(shape=list(shape), extent=list(extent),
                                                                  center=list(center), edge_wrap=edge_wrap))


#: free positions on a 1e-3 lattice, so that no node lies on the edge of a mask below (their
#: edges are off the lattice)
FREE = np.random.default_rng(3).uniform(-0.5, 0.5, (40, 2)).round(3)


def free(sim, edge_wrap):
    return sim.Create("iaf_psc_alpha", positions=sim.spatial.free(FREE.tolist(), extent=[1.0, 1.0],
                                                                  edge_wrap=edge_wrap))


def pairs(pre, post):
    c = nest.GetConnections(pre, post) if isinstance(pre, nest.NodeCollection) else csnn.GetConnections(pre, post)
    source = np.asarray(c.get("source"), dtype=int) - pre[0].global_id
    target = np.asarray(c.get("target"), dtype=int) - post[0].global_id
    return source, target


def pair_set(pre, post):
    return set(zip(*(x.tolist() for x in pairs(pre, post))))


def both(build):
    """``build(sim)`` in NEST and in csnn (fresh kernels, seed 1 each)."""
    results = []
    for sim in (nest, csnn):
        sim.ResetKernel()
        sim.SetKernelStatus({"rng_seed": 1})
        results.append(build(sim))
    return results


MASKS = [
    {"circular": {"radius": 0.3005}},
    {"rectangular": {"lower_left": [-0.2105, -0.1105], "upper_right": [0.3105, 0.2505]}},
    {"rectangular": {"lower_left": [-0.2105, -0.1105], "upper_right": [0.3105, 0.2505], "azimuth_angle": 30.0}},
    {"doughnut": {"inner_radius": 0.1105, "outer_radius": 0.3505}},
    {"elliptical": {"major_axis": 0.601, "minor_axis": 0.301, "azimuth_angle": 45.0}},
    {"circular": {"radius": 0.2505}, "anchor": [0.2, -0.1]},
    {"elliptical": {"major_axis": 0.601, "minor_axis": 0.301, "anchor": [0.1, 0.1]}},
    {"grid": {"shape": [3, 2]}, "anchor": [1, 1]},
]


@pytest.mark.parametrize("mask, layout", [pytest.param(mask, layout, id=f"{'-'.join(mask)}-{layout.__name__}")
                                          for mask in MASKS for layout in (grid, free)
                                          if "grid" not in mask or layout is grid])   # grid masks: grid layers
@pytest.mark.parametrize("edge_wrap", [False, True])
@pytest.mark.parametrize("use_on_source", [False, True])
def test_a_mask_admits_the_pairs_nest_admits(mask, layout, edge_wrap, use_on_source):
    def build(sim):
        pre, post = layout(sim, edge_wrap), layout(sim, edge_wrap)
        sim.Connect(pre, post, {"rule": "pairwise_bernoulli", "p": 1.0, "mask": mask, "use_on_source": use_on_source})
        return pair_set(pre, post)
    in_nest, in_csnn = both(build)
    assert in_csnn == in_nest and in_nest


@pytest.mark.parametrize("rule", ["fixed_indegree", "fixed_outdegree"])
def test_degree_rules_take_their_candidates_where_nest_finds_them(rule):
    """On a periodic grid every node has the same number of candidates (12 inside the
    rectangle); with that degree and no multapses each takes them all."""
    mask = {"rectangular": {"lower_left": [-0.05, -0.25], "upper_right": [0.65, 0.25]}}
    degree = "indegree" if rule == "fixed_indegree" else "outdegree"

    def build(sim):
        nodes = grid(sim, True, shape=(8, 8), extent=(1.6, 1.6))
        sim.Connect(nodes, nodes, {"rule": rule, degree: 12, "allow_multapses": False, "mask": mask})
        return pair_set(nodes, nodes)
    in_nest, in_csnn = both(build)
    assert in_csnn == in_nest and len(in_nest) == 64 * 12


@pytest.mark.parametrize("edge_wrap", [False, True])
def test_layers_positions_and_distances_are_nests(edge_wrap):
    def build(sim):
        nodes = grid(sim, edge_wrap)
        scattered = free(sim, edge_wrap)
        mask = sim.CreateMask("elliptical", {"major_axis": 0.8, "minor_axis": 0.4, "azimuth_angle": 20.0})
        return dict(spatial=(nodes.spatial, scattered[3:9].spatial), position=np.array(sim.GetPosition(nodes)),
                    displacement=[sim.Displacement(nodes[4], nodes), sim.Displacement(nodes, nodes[4]),
                                  sim.Displacement(nodes[:5], nodes[5:10]), sim.Displacement([[0.3, 0.4]], nodes),
                                  sim.Displacement(scattered[0], scattered)],
                    distance=[sim.Distance(nodes[4], nodes), sim.Distance([[0.3, 0.4]], nodes),
                              sim.Distance(scattered, scattered[7])],
                    center=sim.FindCenterElement(nodes).global_id,
                    nearest=[n.global_id for n in sim.FindNearestElement(scattered, [[0.1, 0.1], [-0.4, 0.45]])],
                    selected=sim.SelectNodesByMask(scattered, [0.45, -0.45], mask).tolist())
    in_nest, in_csnn = both(build)
    for a, b in zip(in_nest["spatial"], in_csnn["spatial"]):
        assert a.keys() == b.keys()
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])
    np.testing.assert_array_equal(in_csnn["position"], in_nest["position"])
    for a, b in zip(in_nest["displacement"] + in_nest["distance"], in_csnn["displacement"] + in_csnn["distance"]):
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-15)
    for key in ("center", "nearest", "selected"):
        assert in_csnn[key] == in_nest[key]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(-500, 499), st.integers(-500, 499)), min_size=2, max_size=12, unique=True),
       st.booleans())
def test_displacements_and_distances_of_any_positions_are_nests(points, edge_wrap):
    """Free positions on a 1e-3 lattice in a periodic or open unit square: Displacement and
    Distance between nodes and from a position, to the last bit."""
    positions = (np.array(points) / 1000.0).tolist()

    def build(sim):
        nodes = sim.Create("iaf_psc_alpha", positions=sim.spatial.free(positions, extent=[1.0, 1.0],
                                                                       edge_wrap=edge_wrap))
        return [sim.Displacement(nodes[0], nodes), sim.Distance(nodes[1], nodes),
                sim.Displacement([[0.25, -0.375]], nodes), sim.Distance([[0.25, -0.375]], nodes)]
    for a, b in zip(*both(build)):
        np.testing.assert_array_equal(np.array(b), np.array(a))


def spatial_parameters(sim):
    d, s, t = sim.spatial.distance, sim.spatial.source_pos, sim.spatial.target_pos
    dist = sim.spatial_distributions
    return [d, d.x, d.y, s.x + 2 * t.y, dist.gaussian(d, mean=0.1, std=0.2), dist.exponential(d.x, beta=0.3),
            dist.gaussian2D(d.x, d.y, mean_x=0.05, std_x=0.2, std_y=0.3, rho=0.4), dist.gamma(d, kappa=2.0, theta=0.1),
            dist.gabor(s.x - t.x, s.y - t.y, theta=30.0, gamma=0.8, std=0.3, lam=0.5, psi=10.0),
            sim.math.exp(-d * 3.0), sim.math.max(sim.math.min(d, 0.3), 0.1),
            sim.logic.conditional(d < 0.25, 1.0, 0.5 * d)]


@pytest.mark.parametrize("edge_wrap", [False, True])
def test_spatial_parameters_have_nests_values(edge_wrap):
    targets = [[x, y] for x in np.linspace(-0.7, 0.7, 9) for y in np.linspace(-0.5, 0.5, 7)]

    def build(sim):
        nodes = grid(sim, edge_wrap)
        values = [np.array(p.apply(nodes[3], targets)) for p in spatial_parameters(sim)]
        made = sim.Create("iaf_psc_alpha", positions=sim.spatial.grid(shape=[4, 3]),
                          params={"V_m": -60.0 + 10.0 * sim.spatial.pos.x - sim.spatial.pos.y})
        return values + [np.asarray(made.get("V_m"))]
    for a, b in zip(*both(build)):
        np.testing.assert_allclose(b, a, rtol=1e-14, atol=1e-15)


def test_spatial_weights_and_delays_are_nests():
    def build(sim):
        nodes = grid(sim, True)
        sim.Connect(nodes, nodes, {"rule": "pairwise_bernoulli", "p": 1.0, "mask": {"circular": {"radius": 0.33}}},
                    {"weight": 1.0 + sim.spatial.distance, "delay": 1.0 + sim.spatial.distance.x})
        c = sim.GetConnections(nodes, nodes)
        order = np.lexsort((np.asarray(c.get("target")), np.asarray(c.get("source"))))
        return [np.asarray(c.get(key))[order] for key in ("source", "target", "weight")] + [
            np.asarray(c.get("delay"))[order]]
    in_nest, in_csnn = both(build)
    for key, a, b in zip(("source", "target", "weight"), in_nest[:3], in_csnn[:3]):
        np.testing.assert_allclose(b, a, rtol=1e-14, err_msg=key)
    # NEST rounds delays to its 0.1 ms grid; csnn's are continuous
    np.testing.assert_allclose(in_csnn[3], in_nest[3], atol=0.05 + 1e-12)


# -- statistics ------------------------------------------------------------------------------------

SIDE = 30
BINS = np.linspace(0.0, 0.5, 11)


def distance_matrix(positions):
    """Periodic distances between the nodes of the unit grid, [source, target]."""
    d = positions[None, :, :] - positions[:, None, :]
    d -= np.round(d)
    return np.sqrt((d ** 2).sum(axis=-1))


def check_counts(counts, mean, var, what):
    """Counts per distance bin within Z standard deviations of their expectation (bins whose
    expectation is below 10 are merged into the last bin with more, so the normal
    approximation holds)."""
    big = mean >= 10
    keep = np.flatnonzero(big)
    merged = lambda x: np.append(x[keep[:-1]], x[keep[-1]:].sum())  # noqa: E731
    counts, mean, var = merged(counts), merged(mean), merged(var)
    z = (counts - mean) / np.sqrt(var)
    assert np.all(np.abs(z) < Z), f"{what}: counts {counts.tolist()}, expected {mean.round(1).tolist()}, z {z.round(2)}"


def connect_distances(sim, conn_spec):
    sim.SetKernelStatus({"rng_seed": 7})
    nodes = sim.Create("iaf_psc_alpha", positions=sim.spatial.grid(shape=[SIDE, SIDE], edge_wrap=True))
    sim.Connect(nodes, nodes, conn_spec(sim))
    source, target = pairs(nodes, nodes)
    positions = np.array(sim.GetPosition(nodes))
    return distance_matrix(positions)[source, target], distance_matrix(positions)


def kernel(d):
    return np.exp(-d ** 2 / (2 * 0.1 ** 2))


def spec(rule, **keys):
    return lambda sim: dict(rule=rule, p=sim.spatial_distributions.gaussian(sim.spatial.distance, std=0.1),
                            mask={"circular": {"radius": 0.45}}, **keys)


def test_pairwise_bernoulli_counts_per_distance_are_nests():
    """Each pair inside the mask is an independent Bernoulli trial of probability kernel(d): a
    bin's count has mean sum(p) and variance sum(p (1 - p))."""
    for sim in (nest, csnn):
        drawn, d = connect_distances(sim, spec("pairwise_bernoulli"))
        p = np.where(d <= 0.45, kernel(d), 0.0).ravel()
        which = np.digitize(d.ravel(), BINS) - 1
        mean = np.bincount(which, p, len(BINS))[:-1]
        var = np.bincount(which, p * (1 - p), len(BINS))[:-1]
        check_counts(np.histogram(drawn, BINS)[0], mean, var, sim.__name__)


@pytest.mark.parametrize("rule", ["fixed_indegree", "fixed_outdegree"])
def test_degree_rule_counts_per_distance_are_nests(rule):
    """With multapses, each of a node's k partners is an independent draw among the candidates
    inside the mask with probabilities kernel(d) / sum(kernel): a bin's count is a sum of
    multinomial counts, mean sum(k q) and variance sum(k q (1 - q)) over the nodes (q: the
    bin's probability for the node)."""
    k = 40
    for sim in (nest, csnn):
        degree = "indegree" if rule == "fixed_indegree" else "outdegree"
        drawn, d = connect_distances(sim, spec(rule, **{degree: k}))
        w = np.where(d <= 0.45, kernel(d), 0.0)
        q = w / w.sum(axis=0 if rule == "fixed_indegree" else 1, keepdims=True)
        which = np.digitize(d, BINS) - 1
        # per node (a column for targets, a row for sources), the probability of each bin
        per_node = np.stack([np.where(which == b, q, 0.0).sum(axis=0 if rule == "fixed_indegree" else 1)
                             for b in range(len(BINS) - 1)])
        check_counts(np.histogram(drawn, BINS)[0], k * per_node.sum(axis=1),
                     k * (per_node * (1 - per_node)).sum(axis=1), f"{sim.__name__} {rule}")


def test_degree_rules_without_multapses_draw_as_nest():
    """Without multapses the draws are successive, each among the candidates not drawn yet;
    csnn's and NEST's counts per bin differ by less than Z standard deviations of a difference
    of two such counts (bounded by the multinomial variance of the rule with multapses, which
    sampling without replacement does not exceed for these kernels)."""
    k = 40
    counts = []
    for sim in (nest, csnn):
        drawn, d = connect_distances(sim, spec("fixed_indegree", indegree=k, allow_multapses=False))
        counts.append(np.histogram(drawn, BINS)[0])
    w = np.where(d <= 0.45, kernel(d), 0.0)
    q = w / w.sum(axis=0, keepdims=True)
    which = np.digitize(d, BINS) - 1
    per_node = np.stack([np.where(which == b, q, 0.0).sum(axis=0) for b in range(len(BINS) - 1)])
    var = 2 * k * (per_node * (1 - per_node)).sum(axis=1)
    big = counts[0] >= 10
    z = (counts[1] - counts[0])[big] / np.sqrt(var[big])
    assert np.all(np.abs(z) < Z), f"NEST {counts[0].tolist()}, csnn {counts[1].tolist()}"
