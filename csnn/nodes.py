"""NodeCollection, NodeId and SynapseCollection: handles on nodes and connections.

A :class:`NodeCollection` is what ``Create`` returns, as in NEST 3: ``len``, iteration,
indexing and slicing, ``+``, ``get``/``set``, attribute access (``nodes.V_m``) and
``tolist()``.  It also works where NEST 2 scripts used tuples of ids: ``nodes[0]`` is a
:class:`NodeId`, an ``int`` that still offers ``get``/``set``, and plain lists of ids are
accepted wherever a collection is.
"""
import numbers

import numpy as np

from .errors import BadTypeError, UnknownNodeError, UnknownParameterError, shown


def _kernel():
    from . import kernel
    return kernel.current()


def as_ids(nodes, what="nodes"):
    """Global ids (int64 array, order kept) of a NodeCollection, NodeId, int or sequence of ids."""
    if isinstance(nodes, NodeCollection):
        nodes._check_alive()
        return nodes._ids
    if isinstance(nodes, (numbers.Integral, np.integer)) and not isinstance(nodes, bool):
        ids = _id_array([nodes], what)
    elif isinstance(nodes, SynapseCollection):
        raise BadTypeError(f"{what} must be nodes, got a SynapseCollection (connections)")
    else:
        try:
            ids = np.asarray(list(nodes) if not isinstance(nodes, np.ndarray) else nodes)
        except TypeError:
            raise BadTypeError(f"{what} must be a NodeCollection, a node id or a list of ids, got "
                               f"{nodes!r} of type {type(nodes).__name__}") from None
        if ids.size == 0:
            return np.zeros(0, dtype=np.int64)
        if ids.dtype == object or not np.issubdtype(ids.dtype, np.integer):
            flat = ids.ravel().tolist()
            if not all(isinstance(v, (numbers.Integral, np.integer)) and not isinstance(v, bool) for v in flat):
                raise BadTypeError(f"{what} must contain node ids (integers), got {nodes!r}")
            ids = _id_array(flat, what)
        ids = ids.astype(np.int64).ravel()
    _kernel().check_ids(ids, what)
    return ids


def _check_index(collection, key, item):
    """IndexError (Python's sequence protocol) for an integer index beyond ``collection``,
    whose elements are ``item``s."""
    n = len(collection)
    if not -n <= key < n:
        raise IndexError(f"{item} index {shown(key)} out of range for a {type(collection).__name__} of {n} {item}s")


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
        try:
            return self.get(name)
        except UnknownParameterError as err:
            raise AttributeError(str(err)) from None

    def __setattr__(self, name, value):
        if name.startswith("_"):
            raise AttributeError(f"cannot set {name!r} on a {type(self).__name__}")
        self.set({name: value})


class NodeCollection(_Attributes):
    """An ordered set of node ids of one kernel."""

    __slots__ = ("_ids", "_kernel_ref")

    def __init__(self, ids=None):
        ids = np.zeros(0, dtype=np.int64) if ids is None else np.asarray(as_ids(ids), dtype=np.int64)
        if np.unique(ids).size != ids.size:
            raise BadTypeError(f"a NodeCollection cannot contain an id twice, got {ids.tolist()}")
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

    # sequence protocol ------------------------------------------------------------------------

    def __len__(self):
        return int(self._ids.size)

    def __iter__(self):
        for gid in self._ids.tolist():
            yield NodeId(gid)

    def __getitem__(self, key):
        if isinstance(key, (numbers.Integral, np.integer)) and not isinstance(key, bool):
            _check_index(self, key, "node")
            return NodeId(int(self._ids[key]))
        if isinstance(key, slice):
            return NodeCollection._from_ids(self._kernel_ref, self._ids[key])
        try:
            index = np.asarray(key)
        except Exception:
            raise BadTypeError(f"NodeCollection indices must be integers, slices or lists of "
                               f"integers, got {key!r}") from None
        if index.dtype == bool:
            if index.size != len(self):
                raise IndexError(f"boolean index of length {index.size} for {len(self)} nodes")
            return NodeCollection._from_ids(self._kernel_ref, self._ids[index])
        if not np.issubdtype(index.dtype, np.integer):
            raise BadTypeError(f"NodeCollection indices must be integers, slices or lists of "
                               f"integers, got {key!r}")
        if index.size and (index.max() >= len(self) or index.min() < -len(self)):
            raise IndexError(f"node index out of range for a NodeCollection of {len(self)} nodes")
        return NodeCollection._from_ids(self._kernel_ref, self._ids[index])

    def __add__(self, other):
        other_ids = as_ids(other, "the NodeCollection to add")
        ids = np.concatenate([self._ids, other_ids])
        if np.unique(ids).size != ids.size:
            raise BadTypeError("cannot add NodeCollections that share nodes")
        return NodeCollection._from_ids(self._kernel_ref, ids)

    def __radd__(self, other):
        return NodeCollection._from_ids(self._kernel_ref, as_ids(other)) + self

    def __eq__(self, other):
        if isinstance(other, NodeCollection):
            return self._kernel_ref is other._kernel_ref and np.array_equal(self._ids, other._ids)
        return NotImplemented

    def __hash__(self):
        return hash(tuple(self._ids.tolist()))

    def __contains__(self, gid):
        return int(gid) in set(self._ids.tolist())

    def __array__(self, dtype=None, copy=None):
        return self._ids.astype(dtype) if dtype is not None else self._ids.copy()

    def index(self, gid):
        """Position of node ``gid`` in the collection."""
        where = np.flatnonzero(self._ids == int(gid))
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
            return f"NodeCollection(metadata=None, model={self._models()}, size={ids.size}, first={ids[0]}, last={ids[-1]})"
        return f"NodeCollection({ids.tolist()})"

    def _models(self):
        # the models in this collection's own kernel (ResetKernel may have replaced the current one)
        models = {m.name for m in self._kernel_ref.models_of(self._ids)} if self._ids.size else set()
        return models.pop() if len(models) == 1 else "<mixed>"

    # parameters -----------------------------------------------------------------------------

    def get(self, *keys, output=""):
        """Parameters as in NEST 3.

        ``get()``: a dict of every parameter; ``get('V_m')``: one value per node (an array, a
        scalar for one node); ``get('V_m', 'V_th')`` or ``get(['V_m', 'V_th'])``: a dict.
        """
        self._check_alive()
        if output not in ("", "json", "pandas"):
            raise BadTypeError(f"get(output={output!r}): accepted: '' (default), 'json', 'pandas'")
        single = len(keys) == 1 and isinstance(keys[0], str)
        if len(keys) == 1 and isinstance(keys[0], (list, tuple)):
            keys = tuple(keys[0])
        from .kernel import status_keys
        statuses = _kernel().get_status(self._ids, status_keys(list(keys), "get") if keys else None)
        if single:
            return _collapse([s[keys[0]] for s in statuses])
        names = list(keys) if keys else list(statuses[0]) if statuses else []
        if not keys and len({tuple(s) for s in statuses}) > 1:
            names = sorted(set.intersection(*(set(s) for s in statuses)))
        result = {k: _collapse([s[k] for s in statuses]) for k in names}
        if output == "pandas":
            import pandas
            return pandas.DataFrame({k: [s[k] for s in statuses] for k in names}, index=self._ids)
        return result

    def set(self, params=None, **kwargs):
        """Set parameters: ``set(V_m=-60.)``, ``set({'V_m': -60.})``, per node with a list or
        array, a list of dicts (one per node), or a csnn.random parameter (drawn per node)."""
        self._check_alive()
        if params is not None and kwargs:
            raise BadTypeError("set() takes either a dict (or list of dicts) or keyword arguments, not both")
        _kernel().set_status(self._ids, params if params is not None else kwargs)



class NodeId(int):
    """A node id: an ``int`` (NEST 2 style) that also offers ``get``/``set`` (NEST 3 style)."""

    def _collection(self):
        return NodeCollection._from_ids(_kernel(), [int(self)])

    def get(self, *keys, **kwargs):
        return self._collection().get(*keys, **kwargs)

    def set(self, params=None, **kwargs):
        return self._collection().set(params, **kwargs)

    @property
    def global_id(self):
        return int(self)

    def tolist(self):
        return [int(self)]

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._collection(), name)

    def __repr__(self):
        return int.__repr__(self)


def _collapse(values):
    """One node: its value; several: an array for numbers, a tuple otherwise."""
    if len(values) == 1:
        return values[0]
    if all(isinstance(v, (numbers.Real, np.number)) and not isinstance(v, (bool, np.bool_)) for v in values):
        return np.asarray(values, dtype=float)
    if all(isinstance(v, (bool, np.bool_)) for v in values):
        return np.asarray(values, dtype=bool)
    return tuple(values)


def _restore_collection(kernel, ids):
    """A NodeCollection of ``kernel`` from the state its ``__reduce__`` gave (csnn.load)."""
    return NodeCollection._from_ids(kernel, ids)


class SynapseCollection(_Attributes):
    """Connections, as returned by ``GetConnections``: ``get``/``set`` and NEST 2 ``GetStatus``.

    Held as (kind, a, b) triples that stay valid when more connections are made later:
    static synapses are (0, source engine index, rank in the source's row), generator streams
    (1, stream id, 0), recorder and multimeter attachments (2, pair id, 0).
    """

    __slots__ = ("_kernel_ref", "_kind", "_a", "_b")

    def __init__(self, kernel, kind, a, b):
        object.__setattr__(self, "_kernel_ref", kernel)
        object.__setattr__(self, "_kind", np.asarray(kind, dtype=np.int8))
        object.__setattr__(self, "_a", np.asarray(a, dtype=np.int64))
        object.__setattr__(self, "_b", np.asarray(b, dtype=np.int64))

    def _check_alive(self):
        if self._kernel_ref is not _kernel():
            raise UnknownNodeError("this SynapseCollection belongs to a kernel that has been replaced (by "
                                   "ResetKernel or csnn.load); get the connections again with GetConnections")

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
        return SynapseCollection(self._kernel_ref, self._kind[key], self._a[key], self._b[key])

    def __add__(self, other):
        if not isinstance(other, SynapseCollection):
            return NotImplemented
        return SynapseCollection(self._kernel_ref, np.concatenate([self._kind, other._kind]),
                                 np.concatenate([self._a, other._a]), np.concatenate([self._b, other._b]))

    def __repr__(self):
        return f"SynapseCollection of {len(self)} connections"

    def get(self, *keys, output=""):
        """Connection properties: ``get('weight')`` (array, scalar for one connection),
        ``get(['source', 'target', 'weight'])`` (dict of arrays), ``get()`` (dict of all)."""
        self._check_alive()
        single = len(keys) == 1 and isinstance(keys[0], str)
        if len(keys) == 1 and isinstance(keys[0], (list, tuple)):
            keys = tuple(keys[0])
        table = _kernel().connection_table(self, list(keys) if keys else None)
        if single:
            column = table[keys[0]]
            return column[0] if len(self) == 1 else column
        if output == "pandas":
            import pandas
            return pandas.DataFrame(table)
        return {k: (v[0] if len(self) == 1 else v) for k, v in table.items()}

    def set(self, params=None, **kwargs):
        """Change connection properties (``weight``, ``delay``): scalars, arrays (one value per
        connection) or csnn.random parameters."""
        self._check_alive()
        if params is not None and kwargs:
            raise BadTypeError("set() takes either a dict or keyword arguments, not both")
        _kernel().set_connections(self, params if params is not None else kwargs)

