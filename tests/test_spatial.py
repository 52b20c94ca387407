"""NEST 3's spatial module in csnn, against analytic expectations: layers and their metadata,
periodic displacements, masks, spatial parameters, the spatial connection rules and the layer
functions (tests/test_spatial_nest.py compares the same with NEST 3.10)."""
import io
import contextlib

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import csnn
from csnn.errors import BadParameterError, IllegalConnectionError

pytestmark = pytest.mark.usefixtures("fresh_kernel")


def layer(shape=(5, 5), extent=(1.0, 1.0), edge_wrap=False, model="iaf_psc_alpha", **kwargs):
    return csnn.Create(model, positions=csnn.spatial.grid(shape=list(shape), extent=list(extent),
                                                          edge_wrap=edge_wrap, **kwargs))


def connected_pairs(pre, post):
    c = csnn.GetConnections(pre, post)
    return (np.atleast_1d(c.get("source")) - pre[0].global_id, np.atleast_1d(c.get("target")) - post[0].global_id)


def wrapped(d, extent):
    """The shortest periodic displacement: d - extent * round(d / extent), in [-extent/2, extent/2]."""
    return d - extent * np.round(d / extent)


# -- layers ----------------------------------------------------------------------------------------

def test_spatial_metadata_is_nests():
    grid = layer(shape=(3, 2), extent=(3.0, 2.0), center=[1.0, -1.0], edge_wrap=True)
    status = grid.spatial
    assert set(status) == {"center", "edge_wrap", "extent", "network_size", "shape"}
    assert status["center"].tolist() == [1.0, -1.0] and status["extent"].tolist() == [3.0, 2.0]
    assert status["edge_wrap"] is True and status["network_size"] == 6 and status["shape"].tolist() == [3, 2]
    assert grid[1:3].spatial["network_size"] == 2
    free = csnn.Create("iaf_psc_alpha", positions=csnn.spatial.free([[0.1, 0.2], [0.3, -0.4]]))
    # NEST's free layer: the bounding box's centre, its size rounded up to whole units
    assert free.spatial["center"].tolist() == pytest.approx([0.2, -0.1])
    assert free.spatial["extent"].tolist() == [1.0, 1.0]
    assert free.spatial["positions"].tolist() == [[0.1, 0.2], [0.3, -0.4]]
    assert csnn.Create("iaf_psc_alpha", 2).spatial is None
    assert (grid + free).spatial is None and "metadata=spatial" in repr(grid)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(-1.0, 1.0), st.floats(-0.5, 0.5)), min_size=2, max_size=8),
       st.booleans())
def test_displacement_and_distance_wrap_around_the_extent(points, edge_wrap):
    csnn.ResetKernel()
    nodes = csnn.Create("iaf_psc_alpha", positions=csnn.spatial.free(points, extent=[2.0, 1.0], edge_wrap=edge_wrap))
    positions = np.array(points)
    displacement = np.array(csnn.Displacement(nodes[0], nodes))
    distance = np.array(csnn.Distance(nodes[0], nodes))
    # NEST 3.10 measures node to node from the to_arg node to the from_arg node
    plain = positions[0] - positions
    if edge_wrap:
        extent = np.array([2.0, 1.0])
        assert np.all((displacement >= -extent / 2) & (displacement < extent / 2))
        np.testing.assert_allclose(np.abs(displacement), np.abs(wrapped(plain, extent)), atol=1e-12)
    else:
        np.testing.assert_array_equal(displacement, plain)
    np.testing.assert_allclose(distance, np.sqrt((displacement ** 2).sum(axis=1)), rtol=1e-15)
    # from positions: to each node from the position
    np.testing.assert_allclose(np.abs(csnn.Displacement([[0.0, 0.0]], nodes)), np.abs(
        wrapped(positions, np.array([2.0, 1.0])) if edge_wrap else positions), atol=1e-12)


def test_nearest_and_center_elements():
    grid = layer(shape=(5, 5), extent=(5.0, 5.0))
    assert csnn.FindCenterElement(grid) == grid[12]
    assert csnn.FindNearestElement(grid, [1.1, 1.9]) == grid[15]       # column 3, row 0
    # two locations: a list; find_all: every node at the smallest distance
    assert csnn.FindNearestElement(grid, [[0.0, 0.0], [-2.0, 2.0]]) == [grid[12], grid[0]]
    assert csnn.FindNearestElement(grid, [0.5, 0.0], find_all=True) == [grid[12], grid[17]]


# -- masks -----------------------------------------------------------------------------------------

points = st.tuples(st.floats(-2.0, 2.0), st.floats(-2.0, 2.0))


@given(points)
def test_mask_shapes_hold_what_their_formulas_hold(p):
    x, y = p
    assert csnn.CreateMask("circular", {"radius": 1.0}).Inside(p) == (np.hypot(x, y) <= 1.0)
    assert csnn.CreateMask("rectangular", {"lower_left": [-1.0, -0.5], "upper_right": [0.5, 1.0]}).Inside(p) == (
        -1.0 <= x <= 0.5 and -0.5 <= y <= 1.0)
    assert csnn.CreateMask("doughnut", {"inner_radius": 0.5, "outer_radius": 1.5}).Inside(p) == (
        0.5 < np.hypot(x, y) <= 1.5)
    # an ellipse turned by 90 degrees: its major axis along y
    turned = csnn.CreateMask("elliptical", {"major_axis": 3.0, "minor_axis": 1.0, "azimuth_angle": 90.0})
    value = (y / 1.5) ** 2 + (x / 0.5) ** 2
    if abs(value - 1) > 1e-9:
        assert turned.Inside(p) == (value <= 1)
    anchored = csnn.CreateMask("circular", {"radius": 1.0}, anchor=[0.5, 0.0])
    assert anchored.Inside(p) == (np.hypot(x - 0.5, y) <= 1.0)


@given(points, points)
def test_mask_operators_are_set_operations(p, anchor):
    a = csnn.CreateMask("circular", {"radius": 1.0})
    b = csnn.CreateMask("rectangular", {"lower_left": [-0.5, -0.5], "upper_right": [1.5, 1.5]}, anchor=list(anchor))
    assert (a & b).Inside(p) == (a.Inside(p) and b.Inside(p))
    assert (a | b).Inside(p) == (a.Inside(p) or b.Inside(p))
    assert (a - b).Inside(p) == (a.Inside(p) and not b.Inside(p))


def test_three_dimensional_masks():
    box = csnn.CreateMask("box", {"lower_left": [-1.0, -1.0, -1.0], "upper_right": [1.0, 1.0, 1.0]})
    ball = csnn.CreateMask("spherical", {"radius": 1.0})
    ellipsoid = csnn.CreateMask("ellipsoidal", {"major_axis": 2.0, "minor_axis": 1.0, "polar_axis": 1.0,
                                                "polar_angle": 90.0})
    assert box.Inside([1.0, -1.0, 0.5]) and not box.Inside([1.0, -1.0, 1.5])
    assert ball.Inside([0.6, 0.6, 0.5]) and not ball.Inside([0.6, 0.6, 0.6])
    # turned by 90 degrees about y: the major axis lies along z
    assert ellipsoid.Inside([0.0, 0.0, 0.9]) and not ellipsoid.Inside([0.9, 0.0, 0.0])


@pytest.mark.parametrize("make, message", [
    (lambda: csnn.CreateMask("circle", {"radius": 1.0}), r"unknown mask type 'circle'\. Did you mean 'circular'"),
    (lambda: csnn.CreateMask("circular", {"radius": -1.0}), r"mask 'circular': radius = -1\.0 is invalid: must be a "
                                                             r"finite number > 0"),
    (lambda: csnn.CreateMask("circular", {"raduis": 1.0}), r"mask 'circular' needs 'radius'"),
    (lambda: csnn.CreateMask("rectangular", {"lower_left": [0.0, 0.0], "upper_right": [1.0, 0.0]}),
     r"upper_right = \[1\.0, 0\.0\] must lie above lower_left = \[0\.0, 0\.0\]"),
    (lambda: csnn.CreateMask("doughnut", {"inner_radius": 2.0, "outer_radius": 1.0}),
     r"inner_radius = 2\.0 must be smaller than outer_radius = 1\.0"),
    (lambda: csnn.CreateMask("circular", {"radius": 1.0}) & csnn.CreateMask("spherical", {"radius": 1.0}),
     r"masks of 2 and 3 dimensions cannot be combined"),
    (lambda: csnn.CreateMask("grid", {"shape": [2, 2]}) | csnn.CreateMask("circular", {"radius": 1.0}),
     r"grid masks cannot be combined"),
])
def test_bad_masks_are_refused_with_what_is_wrong(make, message):
    with pytest.raises(BadParameterError, match=message):
        make()


# -- connections -----------------------------------------------------------------------------------

def admitted(pre_pos, post_pos, inside, extent=None, around="source"):
    """Every (source, target) pair whose displacement (target - source, or source - target
    around the target) ``inside`` holds, wrapped when ``extent`` is given."""
    d = post_pos[None, :, :] - pre_pos[:, None, :]
    if around == "target":
        d = -d
    if extent is not None:
        d = wrapped(d, extent)
    s, t = np.nonzero(inside(d.reshape(-1, d.shape[-1])).reshape(d.shape[:2]))
    return set(zip(s.tolist(), t.tolist()))


@pytest.mark.parametrize("edge_wrap", [False, True])
@pytest.mark.parametrize("use_on_source", [False, True])
def test_pairwise_bernoulli_with_p_1_connects_every_pair_the_mask_admits(edge_wrap, use_on_source):
    pre = layer(shape=(9, 7), extent=(1.8, 1.4), edge_wrap=edge_wrap)
    post = layer(shape=(6, 5), extent=(1.8, 1.4), edge_wrap=edge_wrap)
    # an anchored ellipse: not symmetric, so the side it is centred on shows
    mask = {"elliptical": {"major_axis": 0.9, "minor_axis": 0.5, "azimuth_angle": 30.0}, "anchor": [0.13, 0.07]}
    csnn.Connect(pre, post, {"rule": "pairwise_bernoulli", "p": 1.0, "mask": mask, "use_on_source": use_on_source})
    region = csnn.CreateMask("elliptical", mask["elliptical"], anchor=mask["anchor"])
    expected = admitted(np.array(csnn.GetPosition(pre)), np.array(csnn.GetPosition(post)), region.inside,
                        np.array([1.8, 1.4]) if edge_wrap else None, "target" if use_on_source else "source")
    assert set(zip(*(x.tolist() for x in connected_pairs(pre, post)))) == expected


def test_grid_mask_connects_a_block_of_nodes():
    grid = layer(shape=(6, 6), extent=(6.0, 6.0))
    csnn.Connect(grid, grid, {"rule": "pairwise_bernoulli", "p": 1.0,
                              "mask": {"grid": {"shape": [3, 2]}, "anchor": [1, 0]}})
    targets = csnn.GetTargetNodes(grid[14], grid)[0]
    # node 14: column 2, row 2; the block of 3 columns from column 1, 2 rows from row 2
    assert targets.tolist() == [grid[k].global_id for k in (8, 9, 14, 15, 20, 21)]


@pytest.mark.parametrize("multapses", [False, True])
def test_fixed_indegree_draws_its_sources_inside_the_mask(multapses):
    grid = layer(shape=(10, 10), edge_wrap=True)
    csnn.Connect(grid, grid, {"rule": "fixed_indegree", "indegree": 6, "allow_multapses": multapses,
                              "allow_autapses": False, "p": csnn.spatial_distributions.gaussian(csnn.spatial.distance,
                                                                                                  std=0.1),
                              "mask": {"circular": {"radius": 0.25}}})
    source, target = connected_pairs(grid, grid)
    assert np.all(np.bincount(target, minlength=100) == 6) and np.all(source != target)
    positions = np.array(csnn.GetPosition(grid))
    d = np.hypot(*wrapped(positions[target] - positions[source], 1.0).T)
    assert np.all(d <= 0.25 + 1e-12)
    if not multapses:
        assert len(set(zip(source.tolist(), target.tolist()))) == source.size


def test_fixed_outdegree_draws_its_targets_inside_the_mask():
    pre = layer(shape=(4, 4), extent=(2.0, 2.0), edge_wrap=True)
    post = layer(shape=(10, 10), extent=(2.0, 2.0), edge_wrap=True)
    csnn.Connect(pre, post, {"rule": "fixed_outdegree", "outdegree": 4, "allow_multapses": False,
                             "mask": {"rectangular": {"lower_left": [0.0, 0.0], "upper_right": [0.5, 0.5]}}})
    source, target = connected_pairs(pre, post)
    assert np.all(np.bincount(source, minlength=16) == 4)
    d = wrapped(np.array(csnn.GetPosition(post))[target] - np.array(csnn.GetPosition(pre))[source], 2.0)
    assert np.all((d >= 0.0) & (d <= 0.5)) and len(set(zip(source.tolist(), target.tolist()))) == source.size


def test_spatial_parameters_give_weights_delays_and_node_parameters():
    grid = layer(shape=(4, 3), extent=(4.0, 3.0), edge_wrap=True)
    csnn.Connect(grid, grid, {"rule": "pairwise_bernoulli", "p": 1.0, "mask": {"circular": {"radius": 1.5}}},
                 {"weight": csnn.spatial.distance * 2.0 + 1.0,
                  "delay": 5.0 + csnn.spatial.source_pos.x - csnn.spatial.target_pos.y + 2.0 * csnn.spatial.distance.y})
    conns = csnn.GetConnections(grid, grid)
    positions = np.array(csnn.GetPosition(grid))
    s, t = np.asarray(conns.get("source")) - 1, np.asarray(conns.get("target")) - 1
    d = wrapped(positions[t] - positions[s], np.array([4.0, 3.0]))
    np.testing.assert_allclose(conns.get("weight"), 2.0 * np.hypot(*d.T) + 1.0, rtol=1e-14)
    np.testing.assert_allclose(conns.get("delay"), 5.0 + positions[s, 0] - positions[t, 1] + 2.0 * np.abs(d[:, 1]),
                               rtol=1e-14)
    nodes = csnn.Create("iaf_psc_alpha", positions=csnn.spatial.grid(shape=[3, 2]),
                        params={"V_m": -60.0 + 10.0 * csnn.spatial.pos.x})
    np.testing.assert_allclose(nodes.V_m, -60.0 + 10.0 * np.array(csnn.GetPosition(nodes))[:, 0])
    nodes.set(V_th=csnn.logic.conditional(csnn.spatial.pos.y > 0.0, -50.0, -55.0))
    assert nodes.V_th == (-50.0, -55.0) * 3
    assert csnn.spatial.distance.apply(grid[0], [[-1.5, 1.0], [0.5, 1.0]]) == pytest.approx((0.0, 2.0))


def test_spatial_connections_are_the_same_on_any_number_of_threads():
    def pairs(threads):
        csnn.ResetKernel()
        csnn.SetKernelStatus({"local_num_threads": threads, "rng_seed": 5})
        grid = layer(shape=(12, 12), edge_wrap=True)
        csnn.Connect(grid, grid, {"rule": "pairwise_bernoulli", "p": csnn.math.exp(-csnn.spatial.distance / 0.2)
                                  * csnn.random.uniform(0.5, 1.0), "mask": {"circular": {"radius": 0.4}}},
                     {"weight": csnn.random.normal(1.0, 0.1) * csnn.spatial.distance})
        csnn.Connect(grid, grid, {"rule": "fixed_indegree", "indegree": 3, "mask": {"circular": {"radius": 0.3}}})
        c = csnn.GetConnections(grid, grid)
        return tuple(np.asarray(c.get(key)) for key in ("source", "target", "weight"))
    for a, b in zip(pairs(1), pairs(2)):
        np.testing.assert_array_equal(a, b)


def test_a_random_p_connects_nodes_without_positions_as_in_nest():
    """NEST draws p per pair when it is a (non-spatial) parameter; the pairs are Bernoulli
    trials of mean probability 0.1 (the count within 6 standard deviations of 40000 * 0.1)."""
    def pairs(threads):
        csnn.ResetKernel()
        csnn.SetKernelStatus({"local_num_threads": threads, "rng_seed": 3})
        nodes = csnn.Create("iaf_psc_delta", 200)
        csnn.Connect(nodes, nodes, {"rule": "pairwise_bernoulli", "p": csnn.random.uniform(0.0, 0.2)},
                     {"weight": csnn.random.normal(1.0, 0.1)})
        c = csnn.GetConnections(nodes, nodes)
        return tuple(np.asarray(c.get(key)) for key in ("source", "target", "weight"))
    one, two = pairs(1), pairs(2)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)
    assert abs(one[0].size - 4000) < 6 * np.sqrt(40000 * 0.1 * 0.9)


@pytest.mark.parametrize("conn_spec, message", [
    ({"rule": "pairwise_bernoulli", "p": 1.0, "kernel": 0.5},
     r"conn_spec key 'kernel' is NEST 2's .* NEST 3 calls the connection probability 'p'"),
    ({"rule": "fixed_indegree", "indegree": 2, "use_on_source": True},
     r"conn_spec\['use_on_source'\] applies to rule 'pairwise_bernoulli' only"),
    ({"rule": "pairwise_bernoulli", "p": 1.0, "mask": {"circular": {"radius": 0.8}}},
     r"spans \[1\.6, 1\.6\], more than the periodic layer's extent \[1\.0, 1\.0\]"),
    ({"rule": "pairwise_bernoulli", "p": 1.0, "mask": {"spherical": {"radius": 0.1}}},
     r"a 3-d mask cannot be used with 2-d positions"),
    ({"rule": "fixed_indegree", "indegree": 30, "allow_multapses": False, "mask": {"circular": {"radius": 0.21}}},
     r"rule 'fixed_indegree': node \d+ has 5 sources inside the mask .* too few for indegree = 30 without multapses"),
])
def test_bad_spatial_connections_say_what_is_wrong(conn_spec, message):
    grid = layer(edge_wrap=True)
    with pytest.raises(csnn.CSNNError, match=message):
        csnn.Connect(grid, grid, conn_spec)


def test_spatial_connections_need_layers_and_spatial_parameters_need_positions():
    plain = csnn.Create("iaf_psc_alpha", 4)
    grid = layer()
    with pytest.raises(IllegalConnectionError, match=r"Connect: pre must be nodes created with positions"):
        csnn.Connect(plain, grid, {"rule": "pairwise_bernoulli", "p": 1.0, "mask": {"circular": {"radius": 0.3}}})
    with pytest.raises(IllegalConnectionError, match=r"Connect: pre must be nodes created with positions"):
        csnn.Connect(plain, grid, syn_spec={"weight": csnn.spatial.distance})
    with pytest.raises(BadParameterError, match=r"csnn\.spatial\.distance depends on the positions of a connection"):
        csnn.Create("iaf_psc_alpha", positions=csnn.spatial.grid([2, 2]), params={"V_m": csnn.spatial.distance})
    with pytest.raises(BadParameterError, match=r"csnn\.spatial\.pos\.x is the position of a node"):
        csnn.Create("iaf_psc_alpha", 2, params={"V_m": csnn.spatial.pos.x})
    with pytest.raises(IllegalConnectionError, match=r"spatial parameters as weight or delay need one of the spatial "
                                                     r"rules pairwise_bernoulli, fixed_indegree, fixed_outdegree .* "
                                                     r"not 'all_to_all'"):
        csnn.Connect(grid, grid, syn_spec={"weight": csnn.spatial.distance})
    with pytest.raises(csnn.CSNNError, match=r"sources must be a NodeCollection, got \[1, 2\]"):
        csnn.GetTargetNodes([1, 2], grid)
    with pytest.raises(IllegalConnectionError, match=r"grid masks can only be used with grid layers"):
        free = csnn.Create("iaf_psc_alpha", positions=csnn.spatial.free([[0.0, 0.0], [0.5, 0.5]]))
        csnn.Connect(free, free, {"rule": "pairwise_bernoulli", "p": 1.0, "mask": {"grid": {"shape": [2, 2]}}})


# -- layer functions -------------------------------------------------------------------------------

def test_targets_sources_and_their_positions_are_the_connections():
    grid = layer(shape=(6, 6), extent=(6.0, 6.0))
    csnn.Connect(grid, grid, {"rule": "pairwise_bernoulli", "p": 0.5, "mask": {"circular": {"radius": 2.0}}})
    conns = csnn.GetConnections(grid, grid)
    source, target = np.asarray(conns.get("source")), np.asarray(conns.get("target"))
    positions = dict(zip(grid.tolist(), csnn.GetPosition(grid)))
    nodes = grid[[3, 14]]
    targets = csnn.GetTargetNodes(nodes, grid)
    sources = csnn.GetSourceNodes(grid, nodes)
    assert isinstance(targets, tuple) and len(targets) == 2
    for k, node in enumerate(nodes.tolist()):
        assert targets[k].tolist() == sorted(set(target[source == node].tolist()))
        assert sources[k].tolist() == sorted(set(source[target == node].tolist()))
        assert csnn.GetTargetPositions(nodes, grid)[k] == [positions[t] for t in target[source == node].tolist()]
        assert csnn.GetSourcePositions(grid, nodes)[k] == [positions[s] for s in source[target == node].tolist()]


def test_select_nodes_by_mask_is_the_mask_around_the_anchor():
    grid = layer(shape=(5, 5), extent=(5.0, 5.0), edge_wrap=True)
    mask = csnn.CreateMask("rectangular", {"lower_left": [-0.5, -0.5], "upper_right": [1.5, 0.5]})
    selected = csnn.SelectNodesByMask(grid, [2.0, 0.0], mask)
    # around x = 2: x = 2 and, across the periodic edge, x = -2 (= 3); y = 0
    assert np.array(csnn.GetPosition(selected)).tolist() == [[-2.0, 0.0], [2.0, 0.0]]


def test_dumps_and_print_nodes(tmp_path):
    grid = layer(shape=(2, 2), extent=(2.0, 2.0))
    csnn.Create("parrot_neuron")
    csnn.Connect(grid[0], grid[3], syn_spec={"weight": 2.5, "delay": 1.5})
    csnn.DumpLayerNodes(grid, tmp_path / "nodes.txt")
    csnn.DumpLayerConnections(grid, grid, "static_synapse", tmp_path / "conns.txt")
    assert (tmp_path / "nodes.txt").read_text() == "1 -0.5 0.5\n2 -0.5 -0.5\n3 0.5 0.5\n4 0.5 -0.5\n"
    assert (tmp_path / "conns.txt").read_text() == "1 4 2.5 1.5 1 -1\n"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        csnn.PrintNodes()
    # NEST's layout: ids as wide as the largest, ranges padded to one width
    assert out.getvalue() == "1 .. 4 iaf_psc_alpha\n5      parrot_neuron\n"


def test_plots_draw_layers_targets_sources_masks_and_probabilities():
    plt = pytest.importorskip("matplotlib.pyplot")
    grid = layer(shape=(7, 7), edge_wrap=True)
    mask = {"doughnut": {"inner_radius": 0.1, "outer_radius": 0.3}}
    p = csnn.spatial_distributions.gaussian(csnn.spatial.distance, std=0.2)
    csnn.Connect(grid, grid, {"rule": "pairwise_bernoulli", "p": p, "mask": mask})
    center = csnn.FindCenterElement(grid)
    for fig in (csnn.PlotLayer(grid), csnn.PlotTargets(center, grid, mask=mask, probability_parameter=p),
                csnn.PlotSources(grid, center, mask=csnn.CreateMask("circular", {"radius": 0.3}))):
        assert len(fig.axes) >= 1
    ax = csnn.PlotProbabilityParameter(center, p, mask=mask)
    assert ax.images and ax.collections
    plt.close("all")
    cube = csnn.Create("iaf_psc_alpha", positions=csnn.spatial.grid(shape=[2, 2, 2]))
    assert csnn.PlotLayer(cube).axes[0].name == "3d"
    plt.close("all")
