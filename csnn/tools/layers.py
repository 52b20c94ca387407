"""NEST's functions on layers (nodes created with positions): displacements and distances,
nearest and centre nodes, the targets and sources of connections and their positions, the nodes
inside a mask, and text dumps of a layer's nodes and connections.

Displacements and distances are wrapped around the extent of a layer whose edges wrap, as in
NEST.  Return types are NEST 3.10's: lists of displacements and distances, a NodeCollection
or a list of them for nearest nodes, a tuple of NodeCollections for targets and sources.
"""
import numpy as np

from .. import spatial as cspatial
from ..errors import BadParameterError, BadTypeError, file_access, file_path
from ..network import processes, session
from ..network.nodes import NodeCollection

__all__ = ["Displacement", "Distance", "FindNearestElement", "FindCenterElement", "GetTargetNodes", "GetSourceNodes",
           "GetTargetPositions", "GetSourcePositions", "SelectNodesByMask", "DumpLayerNodes",
           "DumpLayerConnections"]


def collection(nodes, what):
    """``nodes``, checked to be a NodeCollection of the present kernel (``what`` names it)."""
    if not isinstance(nodes, NodeCollection):
        raise BadTypeError(f"{what} must be a NodeCollection, got {nodes!r}")
    nodes._check_alive()
    return nodes


def layer_of(nodes, what):
    """(Layer, rows) of ``nodes`` (a NodeCollection of one layer); ``what`` names the argument."""
    found = collection(nodes, what)._kernel_ref.nodes.layer_of(nodes._ids)
    if found is None:
        raise BadParameterError(f"{what} must be nodes created with positions, all by one Create call (a layer); "
                                f"got {nodes!r}")
    return found


def _ends(from_arg, to_arg):
    """(the layer that measures, from positions, to positions) of Displacement and Distance,
    broadcast to pairs as NEST pairs them."""
    to_layer, to_rows = layer_of(to_arg, "to_arg")
    to_pos = to_layer.positions[to_rows]
    if isinstance(from_arg, NodeCollection):
        # NEST measures node to node in from_arg's layer, from the to_arg node to the from_arg node
        from_layer, from_rows = layer_of(from_arg, "from_arg")
        from_pos = from_layer.positions[from_rows]
        _check_sizes(len(from_pos), len(to_pos))
        return from_layer, to_pos, from_pos
    points = np.asarray(from_arg, dtype=float)
    points = points[None, :] if points.ndim == 1 else points
    if points.ndim != 2 or points.shape[1] != to_layer.dimensions:
        raise BadParameterError(f"from_arg = {from_arg!r} is invalid: give a NodeCollection or positions of "
                                f"{to_layer.dimensions} coordinates")
    _check_sizes(len(points), len(to_pos))
    return to_layer, points, to_pos


def _check_sizes(n_from, n_to):
    if n_from > 1 and n_to > 1 and n_from != n_to:
        raise BadParameterError(f"from_arg has {n_from} elements and to_arg {n_to}: they must have the same size "
                                "unless one has size 1")


def Displacement(from_arg, to_arg):
    """Displacement vectors (a list, one per pair) between ``from_arg`` (a NodeCollection, or
    positions) and the nodes ``to_arg``, shortest under periodic boundaries: from each position
    to its node, and, between nodes, NEST's: from the ``to_arg`` node to the ``from_arg`` node,
    in ``from_arg``'s layer.  One element on either side pairs with every element of the other."""
    layer, start, end = _ends(from_arg, to_arg)
    return layer.displacement(start, end).tolist()


def Distance(from_arg, to_arg):
    """Lengths of :func:`Displacement` (a list of floats)."""
    layer, start, end = _ends(from_arg, to_arg)
    return layer.distance(start, end).tolist()


def FindNearestElement(layer, locations, find_all=False):
    """The node of ``layer`` nearest to a location (a NodeCollection of one node), or for a
    list of locations a list of them; with ``find_all``, a list of all the nodes equally near
    (within 1e-14 relative, as NEST) for each location."""
    layer_of(layer, "layer")
    points = np.asarray(locations, dtype=float)
    points = points[None, :] if points.ndim == 1 else points
    result = []
    for point in points:
        d = np.asarray(Distance(point, layer))
        if not find_all:
            result.append(layer[int(np.argmin(d))])
        else:
            nearest = d.min()
            result.append([layer[int(k)] for k in np.flatnonzero(np.abs(d - nearest) <= 1e-14 * nearest)])
    return result[0] if len(result) == 1 else result


def FindCenterElement(layer):
    """The node of ``layer`` nearest to the centre of its layer (a NodeCollection of one node)."""
    return FindNearestElement(layer, layer.spatial["center"])


def _connections(sources, targets, syn_model):
    conns = session.current().connections.get_connections(sources, targets, syn_model)
    table = session.current().connections.connection_table(conns, ["source", "target"])
    return table["source"], table["target"]


def _grouped(keys, values, by):
    """For each id of ``by``, the ``values`` whose ``keys`` are that id (in connection order)."""
    order = np.argsort(keys, kind="stable")
    keys, values = keys[order], values[order]
    first, last = np.searchsorted(keys, by, "left"), np.searchsorted(keys, by, "right")
    return [values[a:b] for a, b in zip(first, last)]


def GetTargetNodes(sources, tgt_layer, syn_model=None):
    """For each node of ``sources``, its targets in ``tgt_layer`` (a NodeCollection, each target
    once; only those of synapse model ``syn_model`` when given): a tuple."""
    layer_of(tgt_layer, "tgt_layer")
    source, target = _connections(collection(sources, "sources"), tgt_layer, syn_model)
    kernel = session.current()
    return tuple(NodeCollection._from_ids(kernel, np.unique(t)) for t in _grouped(source, target, sources.tolist()))


def GetSourceNodes(src_layer, targets, syn_model=None):
    """For each node of ``targets``, its sources in ``src_layer`` (a NodeCollection): a tuple."""
    layer_of(src_layer, "src_layer")
    source, target = _connections(src_layer, collection(targets, "targets"), syn_model)
    kernel = session.current()
    return tuple(NodeCollection._from_ids(kernel, np.unique(s)) for s in _grouped(target, source, targets.tolist()))


def _positions(ids):
    return [tuple(p) for p in session.current().nodes.position_array(ids)[:, :_dims(ids)].tolist()]


def _dims(ids):
    found = session.current().nodes.layer_of(ids) if ids.size else None
    return 3 if found is None else found[0].dimensions


def GetTargetPositions(sources, tgt_layer, syn_model=None):
    """For each node of ``sources``, the positions of its targets in ``tgt_layer``, one per
    connection (a list of lists of positions)."""
    layer_of(tgt_layer, "tgt_layer")
    source, target = _connections(collection(sources, "sources"), tgt_layer, syn_model)
    return [_positions(t) for t in _grouped(source, target, sources.tolist())]


def GetSourcePositions(src_layer, targets, syn_model=None):
    """For each node of ``targets``, the positions of its sources in ``src_layer``, one per
    connection (a list of lists of positions)."""
    layer_of(src_layer, "src_layer")
    source, target = _connections(src_layer, collection(targets, "targets"), syn_model)
    return [_positions(s) for s in _grouped(target, source, targets.tolist())]


def SelectNodesByMask(layer, anchor, mask_obj):
    """The nodes of ``layer`` inside mask ``mask_obj`` centred on position ``anchor`` (a
    NodeCollection in id order), seen through periodic boundaries when the layer's edges wrap."""
    geometry, rows = layer_of(layer, "layer")
    mask = cspatial.as_mask(mask_obj, "SelectNodesByMask: mask_obj").for_layer(geometry)
    center = np.asarray(anchor, dtype=float)
    if center.shape != (geometry.dimensions,):
        raise BadParameterError(f"SelectNodesByMask: anchor = {anchor!r} is invalid: give {geometry.dimensions} "
                                "coordinates")
    positions = geometry.positions[rows]
    inside = geometry.mask_holds(mask, np.broadcast_to(center, positions.shape), positions)
    return NodeCollection._from_ids(layer._kernel_ref, np.sort(layer._ids[inside]))


def _rank_file(outname):
    """NEST's name of one process's file: ``outname`` on one process, else the rank before the
    suffix, zero-padded (``conns-01.txt``)."""
    name = file_path(outname, "file name")
    k = processes.num_processes()
    if k == 1:
        return name
    rank = f"{processes.rank():0{len(str(k - 1))}d}"
    dot = name.find(".")
    return f"{name}-{rank}" if dot < 0 else f"{name[:dot]}-{rank}{name[dot:]}"


def _line(*values):
    return " ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in values)


def DumpLayerNodes(layer, outname):
    """Write one line per node of ``layer`` to file ``outname`` (overwritten): ``id x y [z]``."""
    geometry, rows = layer_of(layer, "layer")
    path = _rank_file(outname)
    with file_access("DumpLayerNodes", path), open(path, "w") as out:
        for gid, position in zip(layer.tolist(), geometry.positions[rows].tolist()):
            out.write(_line(gid, *position) + "\n")


def DumpLayerConnections(source_layer, target_layer, synapse_model, outname):
    """Write one line per connection of ``synapse_model`` from ``source_layer`` to
    ``target_layer`` to file ``outname``: ``source target weight delay dx dy [dz]``, the
    displacement from source to target in the target layer."""
    src_geometry, src_rows = layer_of(source_layer, "source_layer")
    tgt_geometry, _ = layer_of(target_layer, "target_layer")
    kernel = session.current()
    conns = kernel.connections.get_connections(source_layer, target_layer, synapse_model)
    table = kernel.connections.connection_table(conns, ["source", "target", "weight", "delay"])
    positions = kernel.nodes.position_array
    start = positions(table["source"])[:, :src_geometry.dimensions]
    end = positions(table["target"])[:, :tgt_geometry.dimensions]
    displacement = tgt_geometry.displacement(start, end)
    path = _rank_file(outname)
    with file_access("DumpLayerConnections", path), open(path, "w") as out:
        for row, d in zip(zip(table["source"].tolist(), table["target"].tolist(), table["weight"].tolist(),
                              table["delay"].tolist()), displacement.tolist()):
            out.write(_line(*row, *d) + "\n")
