"""NodeCollection and SynapseCollection: handles on nodes and connections.

A :class:`NodeCollection` is what ``Create`` returns, as in NEST 3: ``len``, iteration,
indexing and slicing (with a step of at least 1, as NEST 3's; bounds beyond the collection
are clipped, as Python's, where NEST 3 raises), ``+``, ``in``, ``index``, ``==``, ``get``/``set``, attribute
access (``nodes.V_m``, ``nodes.V_m = -60.0``), ``tolist()``, ``global_id`` and numpy
conversion.  What ``get`` returns is shaped as NEST's by csnn/network/results.py.
``nodes[i]`` and iteration give one-node NodeCollections, as in NEST 3, so ``nodes[2].V_m =
-50.0`` sets the node's parameter (exactly as ``nodes[2].set(V_m=-50.0)``), and
``nodes[0] + nodes[1]`` joins the two nodes.  ``+`` is NEST 3's: the union of two collections
in id order (``a[3] + a[1]`` holds ids 2 and 4, in that order); collections that share a node
cannot be joined; ``nodes + 0`` and ``0 + nodes`` give the nodes (so that ``sum()`` works);
anything else added is refused with a BadTypeError that says how to do id arithmetic
(``nodes[0].global_id + 1``).  ``-`` is refused the same way.

Where NEST 3 raises but NEST 2 scripts relied on ids being ints, csnn keeps the NEST 2
meaning (NEST 3 has no meaning there to conflict with):

* a one-node collection equals its id and hashes as it: ``sender == nodes[0]``,
  ``nodes[0] in [3, 4]`` and ``{n: ... for n in nodes}[sender]`` find the node (NEST 3 raises
  on comparing a collection with an int and cannot hash collections).  Collections compare
  equal when they hold the same ids of the same kernel; a collection of several nodes equals
  no int;
* ``int(nodes[0])`` and ``operator.index(nodes[0])`` give the id (so a single node can index
  a list or bound a ``range``); for any other size they raise a BadTypeError naming the size;
* lists and tuples of ids, single ids, and lists mixing ids and single nodes
  (``Connect([noise[0]], neuron)``) are accepted wherever NEST 2 took ids; ``nodes[0] in
  nodes`` and ``nodes.index(nodes[0])`` take a single node or an id.

Ordering (``<``) and other arithmetic are not defined, as in NEST 3: use ``.global_id``,
``tolist()`` or ``int()``.
"""
import numbers
import reprlib

import numpy as np

from ..errors import (BadParameterError, BadTypeError, UnknownAttributeError, UnknownNodeError,
                     UnknownParameterError, shown, unknown_name)
from . import session
from .results import check_output, plain, shaped


def _kernel():
    return session.current()


def as_ids(nodes, what="nodes"):
    """Global ids (int64 array, order kept) of a NodeCollection, an int or a sequence of ids
    and single nodes (``nodes[i]``), checked to exist in the current kernel."""
    if isinstance(nodes, NodeCollection):
        nodes._check_alive()
        return nodes._ids
    if _is_integer(nodes):
        ids = _id_array([nodes], what)
    elif isinstance(nodes, SynapseCollection):
        raise BadTypeError(f"{what} must be nodes, got a SynapseCollection (connections)")
    else:
        try:
            items = nodes if isinstance(nodes, np.ndarray) else list(nodes)
        except TypeError:
            raise BadTypeError(f"{what} must be a NodeCollection, a node id or a list of ids, got "
                               f"{reprlib.repr(nodes)} of type {type(nodes).__name__}") from None
        try:
            ids = np.asarray(plain_ids(items, what))
        except ValueError:                          # ragged nesting
            raise _not_ids(nodes, what) from None
        if ids.size == 0:
            return np.zeros(0, dtype=np.int64)
        if ids.dtype == object or not np.issubdtype(ids.dtype, np.integer):
            flat = ids.ravel().tolist()
            if not all(_is_integer(v) for v in flat):
                raise _not_ids(nodes, what)
            ids = _id_array(flat, what)
        ids = ids.astype(np.int64).ravel()
    _kernel().nodes.check_ids(ids, what)
    return ids


def status_keys(keys, what):
    """The ``keys`` of a status query (None, a name, or a list, tuple or set of names: NEST takes
    any iterable) as None or a list of names (a set's in its iteration order, as NEST's)."""
    if keys is None:
        return None
    names = [keys] if isinstance(keys, str) else list(keys) if isinstance(keys, (list, tuple, set, frozenset)) \
        else None
    if names is None or not all(isinstance(name, str) for name in names):
        raise BadTypeError(f"{what}: keys = {keys!r} is invalid; give a parameter name or a list of names")
    return names


def _not_ids(nodes, what):
    return BadTypeError(f"{what} must contain node ids (integers), got {reprlib.repr(nodes)}")


def plain_ids(nodes, what="nodes"):
    """``nodes`` with NodeCollections read as ids, nothing else checked: a collection gives its
    id array, a list or tuple holding single nodes (``[noise[0], 5]``, NEST 2 style) the list
    with their ids in their places; anything else comes back as it is."""
    if isinstance(nodes, NodeCollection):
        return nodes._ids
    if isinstance(nodes, (list, tuple)) and any(issubclass(t, NodeCollection) for t in set(map(type, nodes))):
        return [_node_id(v, f"{what}[{i}]") if isinstance(v, NodeCollection) else v for i, v in enumerate(nodes)]
    return nodes


def _node_id(node, what):
    """The id (an int) of ``node``: an integer id or a NodeCollection of one node."""
    if isinstance(node, NodeCollection):
        if len(node) != 1:
            raise BadTypeError(f"{what} takes one node (nodes[i]), got a NodeCollection of {len(node)} "
                               "nodes; use .tolist() for the ids of several")
        return int(node._ids[0])
    if not _is_integer(node):
        raise BadTypeError(f"{what} takes a node id (an integer) or one node (nodes[i]), got {shown(node)} "
                           f"of type {type(node).__name__}")
    return int(node)


def _repeated(ids):
    """The ids that occur more than once in the 1-D array ``ids``, in increasing order."""
    unique, counts = np.unique(ids, return_counts=True)
    return unique[counts > 1]


def _is_integer(value):
    """Whether ``value`` is a Python or numpy integer (bools are not ids)."""
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool)


def _check_index(collection, key, item):
    """IndexError (Python's sequence protocol) for an integer index beyond ``collection``,
    whose elements are ``item``s."""
    n = len(collection)
    if not -n <= key < n:
        raise IndexError(f"{item} index {shown(key)} out of range for a {type(collection).__name__} of {n} {item}s")


def _checked_slice(key):
    """``key``, a slice of a NodeCollection, with a step of at least 1, as NEST 3 requires
    (IndexError otherwise).  Bounds beyond the collection are clipped, as Python's are (NEST 3
    raises there instead)."""
    step = 1 if key.step is None else key.step
    if not _is_integer(step) or step < 1:
        raise IndexError(f"NodeCollection slice step {step!r} is invalid: it must be an integer >= 1 (NEST 3's "
                         "NodeCollections are in id order)")
    return key


def _id_array(values, what):
    """Integers ``values`` as int64 ids; one beyond int64 is no node's id."""
    try:
        return np.array(values, dtype=np.int64)
    except OverflowError:
        bad = next(v for v in values if not -2 ** 63 <= v < 2 ** 63)
        raise UnknownNodeError(f"{what}: node id {shown(bad)} does not exist") from None


class _Attributes:
    """Parameters as attributes: ``x.V_m`` is ``x.get('V_m')``, ``x.V_m = v`` is ``x.set(V_m=v)``."""

    __slots__ = ()

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if isinstance(self, NodeCollection) and not len(self):
            raise UnknownAttributeError(f"cannot get {name!r} of an empty NodeCollection: it has no nodes (as in NEST)")
        try:
            return self.get(name)
        except UnknownParameterError as err:
            raise UnknownAttributeError(str(err)) from None

    def __setattr__(self, name, value):
        if name.startswith("_"):
            raise AttributeError(f"cannot set {name!r} on a {type(self).__name__}")
        self.set({name: value})


class NodeCollection(_Attributes):
    """An ordered set of node ids of one kernel, as NEST 3's NodeCollection.

    ``nodes[i]`` and iteration give one-node collections (``nodes[2].V_m = -50.0`` sets that
    node's parameter); ``+`` joins collections into one in id order.  For NEST 2 scripts a
    one-node collection also equals its id, hashes as it and converts to it with ``int()``,
    and lists may mix ids and single nodes (the full rules: the docstring of csnn/network/nodes.py).
    """

    __slots__ = ("_ids", "_kernel_ref")

    def __init__(self, ids=None):
        ids = np.zeros(0, dtype=np.int64) if ids is None else np.asarray(as_ids(ids), dtype=np.int64)
        if _repeated(ids).size:
            raise BadTypeError(f"a NodeCollection cannot contain an id twice, got {reprlib.repr(ids.tolist())} "
                               f"(repeated: {reprlib.repr(_repeated(ids).tolist())})")
        object.__setattr__(self, "_ids", ids)
        object.__setattr__(self, "_kernel_ref", _kernel())

    @classmethod
    def _from_ids(cls, kernel, ids):
        nc = cls.__new__(cls)
        object.__setattr__(nc, "_ids", np.asarray(ids, dtype=np.int64))
        object.__setattr__(nc, "_kernel_ref", kernel)
        return nc

    def __reduce__(self):
        # in a checkpoint (csnn.save), e.g. a weight_recorder in a synapse model's defaults
        return (_restore_collection, (self._kernel_ref, self._ids))

    def _check_alive(self):
        if self._kernel_ref is not _kernel():
            raise UnknownNodeError("this NodeCollection belongs to a kernel that has been replaced (by "
                                   "ResetKernel or csnn.load); create the nodes again, or after a load "
                                   "re-obtain them with GetNodes(properties) or NodeCollection(ids)")

    @property
    def spatial(self):
        """NEST's spatial metadata of nodes created with positions (all of one Create call's
        layer, or part of it): a dict with center, extent, edge_wrap, network_size (these
        nodes' number) and a grid's shape or free positions; None for other nodes."""
        self._check_alive()
        found = self._kernel_ref.nodes.layer_of(self._ids)
        return None if found is None else found[0].status(found[1])

    def _spatial_context(self, positions=None):
        """What Parameter.apply draws with: (the kernel's generator, the
        :class:`csnn.spatial.Where` of these nodes, or of connections from this one node to
        each of ``positions``, the number of values)."""
        self._check_alive()
        return self._kernel_ref.nodes.spatial_context(self._ids, positions)

    # sequence protocol ------------------------------------------------------------------------

    def __len__(self):
        return int(self._ids.size)

    def __iter__(self):
        for k in range(len(self)):
            yield self._single(k)

    def _single(self, k):
        """The one-node collection at position ``k`` (0 <= k < len)."""
        return NodeCollection._from_ids(self._kernel_ref, self._ids[k:k + 1])

    def __getitem__(self, key):
        if _is_integer(key):
            _check_index(self, key, "node")
            return self._single(int(key) % len(self))
        if isinstance(key, slice):
            return NodeCollection._from_ids(self._kernel_ref, self._ids[_checked_slice(key)])
        try:
            index = np.asarray(key)
        except Exception:
            raise BadTypeError(f"NodeCollection indices must be integers, slices or lists of "
                               f"integers, got {key!r}") from None
        if index.size == 0:
            return NodeCollection._from_ids(self._kernel_ref, self._ids[:0])
        if index.dtype == bool:
            if index.size != len(self):
                raise IndexError(f"boolean index of length {index.size} for {len(self)} nodes")
            return NodeCollection._from_ids(self._kernel_ref, self._ids[index])
        if not np.issubdtype(index.dtype, np.integer):
            raise BadTypeError(f"NodeCollection indices must be integers, slices or lists of "
                               f"integers, got {key!r}")
        if index.max() >= len(self) or index.min() < -len(self):
            raise IndexError(f"node index out of range for a NodeCollection of {len(self)} nodes")
        ids = self._ids[index]
        if _repeated(ids).size:
            raise BadParameterError(f"NodeCollection indices {reprlib.repr(key)} select nodes "
                                    f"{reprlib.repr(_repeated(ids).tolist())} twice; a NodeCollection holds each "
                                    "node once")
        return NodeCollection._from_ids(self._kernel_ref, ids)

    def __add__(self, other):
        """The union of two collections in id order (NEST 3); ``+ 0`` for ``sum()``."""
        if not isinstance(other, NodeCollection):
            if isinstance(other, numbers.Number) and other == 0:
                return NodeCollection._from_ids(self._kernel_ref, self._ids)
            raise _arithmetic_error("+", other)
        self._check_alive()
        other._check_alive()
        shared = np.intersect1d(self._ids, other._ids)
        if shared.size:
            raise BadParameterError(f"cannot join NodeCollections that share nodes "
                                    f"{reprlib.repr(shared.tolist())}: a NodeCollection holds each node once")
        return NodeCollection._from_ids(self._kernel_ref, np.union1d(self._ids, other._ids))

    __radd__ = __add__

    def __sub__(self, other):
        raise _arithmetic_error("-", other)

    __rsub__ = __sub__

    def __eq__(self, other):
        if isinstance(other, NodeCollection):
            return self._kernel_ref is other._kernel_ref and np.array_equal(self._ids, other._ids)
        if _is_integer(other):
            return self._ids.size == 1 and int(self._ids[0]) == other
        return NotImplemented

    def __hash__(self):
        # a single node hashes as its id, which it equals
        return hash(int(self._ids[0])) if self._ids.size == 1 else hash(tuple(self._ids.tolist()))

    def __index__(self):
        """The id of a one-node collection: ``int(nodes[0])``, ``operator.index(nodes[0])``."""
        return _node_id(self, "int() of a NodeCollection")

    __int__ = __index__

    def __contains__(self, node):
        return bool(np.any(self._ids == _node_id(node, "'in' a NodeCollection")))

    def __array__(self, dtype=None, copy=None):
        return self._ids.astype(dtype) if dtype is not None else self._ids.copy()

    def index(self, node):
        """Position of ``node`` (an id or a one-node collection) in the collection."""
        gid = _node_id(node, "NodeCollection.index")
        where = np.flatnonzero(self._ids == gid)
        if where.size == 0:
            raise ValueError(f"node {gid} is not in this NodeCollection")
        return int(where[0])

    def tolist(self):
        return self._ids.tolist()

    @property
    def global_id(self):
        """The ids: an int for one node, else a tuple (NEST 3)."""
        return self.tolist()[0] if len(self) == 1 else tuple(self.tolist())

    def __repr__(self):
        ids = self._ids
        if ids.size and np.all(np.diff(ids) == 1):
            last = f", last={ids[-1]}" if ids.size > 1 else ""
            metadata = "spatial" if self._kernel_ref.nodes.layer_of(ids) is not None else "None"
            return (f"NodeCollection(metadata={metadata}, model={self._models()}, size={ids.size}, "
                    f"first={ids[0]}{last})")
        return f"NodeCollection({ids.tolist()})"

    def _models(self):
        # the models in this collection's own kernel (ResetKernel may have replaced the current one)
        models = {m.name for m in self._kernel_ref.nodes.models_of(self._ids)} if self._ids.size else set()
        return models.pop() if len(models) == 1 else "<mixed>"

    # parameters -----------------------------------------------------------------------------

    def get(self, *keys, output=""):
        """Parameters as in NEST 3 (shaped by csnn/network/results.py).

        ``get('V_m')``: a tuple with one value per node (the value itself for one node);
        ``get(['V_m', 'V_th'])`` (or ``get('V_m', 'V_th')``): a dict of such; ``get()``: a dict
        of every parameter, keys sorted (a parameter that some of the nodes lack is None for
        them).  NEST's hierarchical addressing: ``get('events', 'senders')``, a key into a
        dict-valued parameter (a recorder's events), gives that entry (a list of one per node
        for several nodes); ``get('events', ['senders', 'times'])`` a dict of them.
        ``output='json'``: a JSON string; ``output='pandas'``: a DataFrame indexed by node id.
        """
        self._check_alive()
        check_output(output, "get")
        if not len(self):
            raise BadParameterError("get: the NodeCollection is empty: there are no nodes to get parameters of "
                                    "(as in NEST)")
        table, single, sequence = self._lookup(keys)
        return shaped(table, single, sequence, output, index=self._ids.tolist())

    def _lookup(self, keys):
        """What ``get(*keys)`` asks for: (name -> one value per node, the name asked for alone
        or None, the sequence type of several nodes' values)."""
        if len(keys) == 2 and isinstance(keys[0], str) and isinstance(keys[1], (str, list, tuple)):
            inner = self._entries_of(keys[0], keys[1])
            if inner is not None:
                return inner, keys[1] if isinstance(keys[1], str) else None, list
        names = status_keys(keys[0] if len(keys) == 1 else list(keys), "get") if keys else None
        return self._table(names), keys[0] if len(keys) == 1 and isinstance(keys[0], str) else None, tuple

    def _table(self, names):
        """Parameters ``names`` (all, sorted, when None): name -> one plain value per node
        (None where a node's model lacks it)."""
        status = _kernel().node_status
        rows = status.get_status(self._ids, names)
        if names is None:
            names = sorted(set().union(*rows))
        return {name: [row.get(name) for row in rows] for name in names}

    def _entries_of(self, key, entries):
        """``get(key, entries)`` when parameter ``key`` is a dict on every node (NEST's
        hierarchical addressing): the table of entry ``entries`` (a name, or a list of names)
        of each node's dict (None where a node's dict lacks it); None when ``key`` is no such
        parameter."""
        statuses = _kernel().node_status.get_status(self._ids, status_keys([key], "get"))
        if not all(isinstance(s[key], dict) for s in statuses):
            return None
        names = status_keys(entries, "get")
        present = set().union(*(s[key] for s in statuses))
        for name in names:
            if name not in present:
                raise unknown_name(f"entry of {key!r}", name, present)
        return {name: [s[key].get(name) for s in statuses] for name in names}

    def _json_value(self):
        # NEST's serialize_data writes a NodeCollection as its ids
        return self.tolist()

    def set(self, params=None, **kwargs):
        """Set parameters: ``set(V_m=-60.)``, ``set({'V_m': -60.})``, per node with a list or
        array, a list of dicts (one per node), or a csnn.random parameter (drawn per node)."""
        self._check_alive()
        if params is not None and kwargs:
            raise BadTypeError("set() takes either a dict (or list of dicts) or keyword arguments, not both")
        _kernel().node_status.set_status(self._ids, params if params is not None else kwargs)


def _arithmetic_error(op, other):
    """The BadTypeError for ``nodes op other`` or ``other op nodes`` (``other`` not a collection)."""
    return BadTypeError(f"a NodeCollection and {reprlib.repr(other)} (of type {type(other).__name__}) cannot "
                        f"be combined with {op}: + joins NodeCollections (nodes[0] + nodes[1], as in NEST 3) "
                        "and there is no other arithmetic on nodes; for arithmetic on node ids use the ids: "
                        "nodes[0].global_id + 1, int(nodes[0]) or nodes.tolist(); to add nodes by id use "
                        "csnn.NodeCollection([ids])")


def _restore_collection(kernel, ids):
    """A NodeCollection of ``kernel`` from the state its ``__reduce__`` gave (csnn.load)."""
    return NodeCollection._from_ids(kernel, ids)


class SynapseCollection(_Attributes):
    """Connections, as returned by ``GetConnections``: ``get``/``set`` and NEST 2 ``GetStatus``,
    indexing and slicing, iteration, ``==`` (the same connections in the same order, as NEST 3's;
    unhashable, as NEST's) and ``+`` (csnn's: the connections of both).

    Held as (kind, a, b) triples that stay valid when more connections are made later, with kind
    a :class:`csnn.network.kinds.ConnectionKind`: static and plastic synapses are (STATIC or PLASTIC,
    source engine index, rank in the source's row), generator streams (STREAM, stream id, 0),
    recorder and multimeter attachments (ATTACHMENT, pair id, 0).
    """

    __slots__ = ("_kernel_ref", "_kind", "_a", "_b", "_generation")

    def __init__(self, kernel, kind, a, b):
        object.__setattr__(self, "_kernel_ref", kernel)
        object.__setattr__(self, "_kind", np.asarray(kind, dtype=np.int8))
        object.__setattr__(self, "_a", np.asarray(a, dtype=np.int64))
        object.__setattr__(self, "_b", np.asarray(b, dtype=np.int64))
        # the Disconnect calls so far: ranks in rows change with later ones (csnn.network.disconnect)
        object.__setattr__(self, "_generation", kernel.connections.removals.generation)

    def _check_alive(self):
        """Check that the kernel is the present one and that every connection is still there."""
        self._renumber()
        self._kernel_ref.connections.check_present(self)

    def _renumber(self):
        """Check the kernel and renumber the connections past the Disconnect calls since they
        were got (csnn.network.disconnect), so that a part of them can be taken."""
        if self._kernel_ref is not _kernel():
            raise UnknownNodeError("this SynapseCollection belongs to a kernel that has been replaced (by "
                                   "ResetKernel or csnn.load); get the connections again with GetConnections")
        connections = self._kernel_ref.connections
        if self._generation != connections.removals.generation:
            object.__setattr__(self, "_b", connections.current(self))
            object.__setattr__(self, "_generation", connections.removals.generation)

    def __len__(self):
        return int(self._kind.size)

    def __iter__(self):
        for k in range(len(self)):
            yield self[k]

    def __getitem__(self, key):
        if isinstance(key, (numbers.Integral, np.integer)) and not isinstance(key, bool):
            _check_index(self, key, "connection")
            key = slice(key, key + 1 if key != -1 else None)
        elif not isinstance(key, slice):
            raise BadTypeError(f"SynapseCollection indices must be integers or slices, got {key!r}")
        self._renumber()
        return SynapseCollection(self._kernel_ref, self._kind[key], self._a[key], self._b[key])

    def __eq__(self, other):
        """The same connections, in the same order (NEST 3's ``==``)."""
        if not isinstance(other, SynapseCollection):
            return NotImplemented
        self._renumber()
        other._renumber()
        return self._kernel_ref is other._kernel_ref and all(
            np.array_equal(mine, theirs) for mine, theirs in ((self._kind, other._kind), (self._a, other._a),
                                                              (self._b, other._b)))

    __hash__ = None                   # a SynapseCollection can change (Disconnect), as NEST's: unhashable

    def __add__(self, other):
        if not isinstance(other, SynapseCollection):
            return NotImplemented
        self._renumber()
        other._renumber()
        return SynapseCollection(self._kernel_ref, np.concatenate([self._kind, other._kind]),
                                 np.concatenate([self._a, other._a]), np.concatenate([self._b, other._b]))

    def __repr__(self):
        return f"SynapseCollection of {len(self)} connections"

    def get(self, *keys, output=""):
        """Connection properties as in NEST 3 (shaped by csnn/network/results.py):
        ``get('weight')`` a list with one value per connection (the value itself for one),
        ``get(['source', 'target', 'weight'])`` a dict of such, ``get()`` a dict of every
        property, keys sorted (a property that some of the connections lack, such as a plastic
        synapse's parameters, is None for the others); ``output='json'``: a JSON string,
        ``output='pandas'``: a DataFrame indexed by the sources.  No connections: ``{}``
        (``()`` for keys), as in NEST."""
        self._check_alive()
        check_output(output, "get")
        names = status_keys(keys[0] if len(keys) == 1 else list(keys), "get") if keys else None
        single = keys[0] if len(keys) == 1 and isinstance(keys[0], str) else None
        if not len(self):
            return shaped({}, None, list, output, index=[]) if output else {} if names is None else ()
        index = self._columns(["source"])["source"].tolist() if output == "pandas" else None
        return shaped(self._table(names), single, list, output, index=index)

    def _table(self, names):
        """Connection properties ``names`` (all when None, sorted): name -> one plain value per
        connection."""
        columns = self._columns(names)
        return {name: plain(columns[name].tolist()) for name in (names or sorted(columns))}

    def _columns(self, names):
        """Connection properties ``names`` (all when None) as arrays, one entry per connection."""
        return _kernel().connections.connection_table(self, names)

    def _json_value(self):
        # NEST's serialize_data writes a SynapseCollection as its get()
        return self.get()

    def sources(self):
        """An iterator over the connections' source ids (NEST's)."""
        return iter(self._columns(["source"])["source"].tolist())

    def targets(self):
        """An iterator over the connections' target ids (NEST's)."""
        return iter(self._columns(["target"])["target"].tolist())

    def disconnect(self):
        """Remove these connections (NEST 3's; csnn.Disconnect(collection) does the same)."""
        _kernel().connections.disconnect_collection(self)

    def set(self, params=None, **kwargs):
        """Change connection properties (``weight``, ``delay``): scalars, arrays (one value per
        connection) or csnn.random parameters; or, as in NEST, a list of dicts, one per
        connection, all with the same keys."""
        self._check_alive()
        if params is not None and kwargs:
            raise BadTypeError("set() takes either a dict (or a list of dicts) or keyword arguments, not both")
        if isinstance(params, (list, tuple)):
            params = self._columns_of(params)
        _kernel().connections.set_connections(self, params if params is not None else kwargs)

    def _columns_of(self, rows):
        """A list of dicts, one per connection, as one dict of per-connection values."""
        if len(rows) != len(self) or not all(isinstance(row, dict) for row in rows):
            raise BadTypeError(f"set(): a list of params must hold one dict per connection ({len(self)}), got "
                               f"{reprlib.repr(rows)}")
        keys = list(rows[0]) if rows else []
        for k, row in enumerate(rows):
            if sorted(row) != sorted(keys):
                raise BadParameterError(f"set(): the dicts of a list must have the same keys: dict 0 has "
                                        f"{sorted(keys)}, dict {k} has {sorted(row)}")
        return {key: [row[key] for row in rows] for key in keys}

