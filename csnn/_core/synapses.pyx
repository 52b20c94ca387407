# cython: language_level=3
"""Synapses in a CSR by source: per-slot columns owned by one thin class.

Every table has the routing columns ``target`` (engine index, int32), ``weight`` and ``delay``
(float64), ``model`` (synapse model id) and ``port`` (receptor, uint16); a table of plastic
synapses adds its state columns.  A table may keep columns *coded*: a 16-bit code per synapse
into a table of the distinct values, as long as there are at most 65536 of them.  A coded group
is one column (``weight``, ``delay``: their float64 bit patterns, so -0.0 stays -0.0) or several
small integer columns coded jointly (``model`` and ``port``: one code per distinct pair).
Networks give weights and delays as a few scalars and use a few synapse models and receptors,
so a static synapse then takes 10 bytes instead of 28; the first block of values that would
overflow a group's codes turns its columns into plain ones for good.  Read and write coded
columns with ``column``, ``gather`` and ``scatter``, never through ``columns``.  ``add`` queues
a block of synapses; ``build`` merges the queue with a counting sort by source.  A source's
older synapses keep their rank in its row and new ones are appended after them, so a synapse is
identified for good by (source, rank): that is what SynapseCollections and the batches of
spikes in flight hold.
"""
import numpy as np

cimport numpy as cnp

from csnn._core.events cimport INFINITY

cnp.import_array()

ROUTING = {"target": np.int32, "weight": np.float64, "delay": np.float64, "model": np.uint16,
           "port": np.uint16}
#: distinct values (or tuples of values) a coded group can hold (its codes are uint16)
MAX_CODES = 65536


def _group_name(names):
    """The name of a coded group of columns (its code column is this name + "_code")."""
    return "_".join(names)


cdef class SynapseTable:
    """Synapses in a CSR by source; ``extra``: name -> (dtype, default) of further per-synapse
    columns (the routing columns have no default: every ``add`` gives them); ``coded``: the
    routing columns to keep coded while they can be, each a column name (a float64 column) or a
    tuple of integer columns coded jointly (at most 63 bits together).

    ``columns`` holds the stored arrays: a coded group is stored as its name + "_code".
    """

    def __init__(self, extra=None, coded=()):
        self._dtypes = dict(ROUTING)
        self._defaults = {}
        self._coded = {}
        self._lookup = {}
        self._values = {}
        for names in coded:
            names = (names,) if isinstance(names, str) else tuple(names)
            dtypes = [np.dtype(ROUTING.get(name, np.void)) for name in names]
            floats = [dtype == np.float64 for dtype in dtypes]
            if (any(floats) and len(names) > 1) or not all(floats[k] or dtypes[k].kind in "iu"
                                                          for k in range(len(names))) \
                    or sum(8 * dtype.itemsize for dtype in dtypes if dtype.kind in "iu") > 63:
                raise ValueError(f"csnn: cannot code the routing columns {names!r} (one float64 column, "
                                 "or integer columns of at most 63 bits together)")
            group = _group_name(names)
            self._coded[group] = names
            self._lookup[group] = {}
            for name, dtype in zip(names, dtypes):
                self._values[name] = np.zeros(0, dtype=dtype)
        self.columns = {name: np.zeros(0, dtype=dtype) for name, dtype in self._stored().items()}
        self.offsets = np.zeros(1, dtype=np.int64)
        self._pending = []
        self.min_delay = INFINITY
        self.max_delay = 0.0
        self.rank = 0
        self.n_ranks = 1
        self.add_columns(extra or {})

    def __reduce__(self):
        # a checkpoint (csnn.save) pickles the table's arrays; unpickling rebinds the pointers
        return (_restore_table, (self._state(),))

    def _state(self):
        """Everything the table holds, as :func:`_restore_table` takes it."""
        return {"columns": self.columns, "offsets": self.offsets, "pending": self._pending,
                "dtypes": self._dtypes, "defaults": self._defaults, "coded": self._coded,
                "lookup": self._lookup, "values": self._values, "min_delay": self.min_delay,
                "max_delay": self.max_delay, "ownership": (self.rank, self.n_ranks)}

    def _stored(self):
        """Name -> dtype of the stored arrays: the plain columns and the coded groups' codes."""
        coded = {name for names in self._coded.values() for name in names}
        stored = {name: dtype for name, dtype in self._dtypes.items() if name not in coded}
        stored.update({group + "_code": np.uint16 for group in self._coded})
        return stored

    def _group_of(self, name):
        """The coded group column ``name`` belongs to, or None when it is plain."""
        for group, names in self._coded.items():
            if name in names:
                return group
        return None

    def add_columns(self, extra):
        """New per-synapse columns (name -> (dtype, default)); synapses made or queued before
        take the default."""
        for name, (dtype, default) in extra.items():
            if name in self._dtypes:
                continue
            self._dtypes[name] = dtype
            self._defaults[name] = default
            self.columns[name] = np.full(self.columns["target"].shape[0], default, dtype=dtype)
            for source, block in self._pending:
                block[name] = np.full(source.shape[0], default, dtype=dtype)
        self._changed()

    def drop_column(self, name):
        """Remove the plain per-synapse column ``name`` (its values are kept elsewhere now)."""
        del self._dtypes[name]
        self._defaults.pop(name, None)
        del self.columns[name]
        for _, block in self._pending:
            del block[name]
        self._changed()

    def has_column(self, name):
        return name in self._dtypes

    cdef void _bind(self):
        self.off = <const int64_t*> cnp.PyArray_DATA(self.offsets)
        self.target = <const int32_t*> cnp.PyArray_DATA(self.columns["target"])
        self._bind_coded("weight", &self.weight)
        self._bind_coded("delay", &self.delay)
        group = self._group_of("port")
        if group is None:
            self.port.plain = <const uint16_t*> cnp.PyArray_DATA(self.columns["port"])
            self.port.code = NULL
            self.port.values = NULL
        else:
            self.port.plain = NULL
            self.port.code = <const uint16_t*> cnp.PyArray_DATA(self.columns[group + "_code"])
            self.port.values = <const uint16_t*> cnp.PyArray_DATA(self._values["port"])

    cdef void _bind_coded(self, str name, CodedColumn* column):
        group = self._group_of(name)
        if group is not None:
            column.plain = NULL
            column.code = <const uint16_t*> cnp.PyArray_DATA(self.columns[group + "_code"])
            column.values = <const double*> cnp.PyArray_DATA(self._values[name])
        else:
            column.plain = <double*> cnp.PyArray_DATA(self.columns[name])
            column.code = NULL
            column.values = NULL

    def is_coded(self, name):
        return self._group_of(name) is not None

    def code_values(self, name):
        """The value of each code of column ``name``, in code order (None when it is plain)."""
        return self._values[name] if self.is_coded(name) else None

    def _keys(self, group, values):
        """One int64 key per synapse (or one for all) of a coded group's values (one value, or
        one per synapse, for each of its columns): a float64's bit pattern, or the integer
        columns side by side."""
        names = self._coded[group]
        if len(names) == 1 and self._dtypes[names[0]] == np.float64:
            return np.ascontiguousarray(values[0], dtype=np.float64).view(np.int64)
        keys = np.zeros(1, dtype=np.int64)
        for name, value in zip(names, values):
            dtype = np.dtype(self._dtypes[name])
            keys = (keys << (8 * dtype.itemsize)) | np.asarray(value).astype(dtype).astype(np.int64)
        return np.ascontiguousarray(keys)

    def _unpack(self, group, keys):
        """Each column's value per code from the group's keys in code order."""
        names = self._coded[group]
        if len(names) == 1 and self._dtypes[names[0]] == np.float64:
            self._values[names[0]] = keys.view(np.float64)
            return
        shift = 0
        for name in reversed(names):
            dtype = np.dtype(self._dtypes[name])
            self._values[name] = ((keys >> shift) & ((1 << (8 * dtype.itemsize)) - 1)).astype(dtype)
            shift += 8 * dtype.itemsize

    def _encode(self, group, values, int64_t n):
        """Codes of ``n`` synapses of coded group ``group`` (``values``: one value, or one per
        synapse, for each of its columns), adding the new ones to its table; None when the
        table would exceed MAX_CODES."""
        lookup = self._lookup[group]
        bits = self._keys(group, values)
        inverse = None
        if bits.size == 0 or np.all(bits == bits.flat[0]):
            unique = bits.reshape(-1)[:1]
        elif np.unique(bits[:2 * MAX_CODES]).size > MAX_CODES:
            return None                      # the first values alone overflow: skip the full sort
        else:
            unique, inverse = np.unique(bits, return_inverse=True)
        new = [b for b in unique.tolist() if b not in lookup]
        if len(lookup) + len(new) > MAX_CODES:
            return None
        if new:
            for b in new:
                lookup[b] = len(lookup)
            self._unpack(group, np.array(list(lookup), dtype=np.int64))
        codes = np.array([lookup[b] for b in unique.tolist()], dtype=np.uint16)
        if inverse is None:
            return np.full(n, codes[0] if codes.size else 0, dtype=np.uint16)
        return codes[inverse.reshape(-1)]

    def _decode(self, group):
        """Turn the columns of coded group ``group`` into plain ones, for good."""
        names = self._coded.pop(group)
        del self._lookup[group]
        values = {name: self._values.pop(name) for name in names}
        stored = group + "_code"
        codes = self.columns.pop(stored)
        for name in names:
            self.columns[name] = values[name][codes]
        for _, block in self._pending:
            codes = block.pop(stored)
            for name in names:
                block[name] = values[name][codes]
        self._changed()

    def column(self, name):
        """Every slot's value of column ``name`` (a new array for coded columns)."""
        group = self._group_of(name)
        if group is not None:
            return self._values[name][self.columns[group + "_code"]]
        return self.columns[name]

    def identity(self, name):
        """Per synapse, an array in which synapses with equal entries have equal values of column
        ``name``: its group's codes when it is coded, else the column itself (no copy)."""
        group = self._group_of(name)
        return self.columns[group + "_code"] if group is not None else self.columns[name]

    def gather(self, name, slots):
        """The values of column ``name`` at ``slots`` (a new array)."""
        group = self._group_of(name)
        if group is not None:
            return self._values[name][self.columns[group + "_code"][slots]]
        return self.columns[name][slots]

    def scatter(self, name, slots, values):
        """Write ``values`` (one, or one per slot) into column ``name`` at ``slots``."""
        slots = np.asarray(slots, dtype=np.int64)
        group = self._group_of(name)
        if group is not None:
            # the group's other columns keep their values
            codes = self._encode(group, [values if other == name else self.gather(other, slots)
                                         for other in self._coded[group]], slots.shape[0])
            if codes is not None:
                self.columns[group + "_code"][slots] = codes
                self._changed()
                return
            self._decode(group)
        self.columns[name][slots] = values
        self._changed()

    @property
    def nbytes(self):
        """Bytes held by the table: offsets, columns and the tables of coded values."""
        return (self.offsets.nbytes + sum(column.nbytes for column in self.columns.values())
                + sum(values.nbytes for values in self._values.values()))

    def own(self, int rank, int n_ranks):
        """Keep only the synapses onto the targets of MPI process ``rank`` of ``n_ranks`` (engine
        indices i with i % n_ranks == rank) from now on.  The delay range covers the synapses
        kept: the processes agree on the windows at Prepare."""
        if self.size > 0:
            raise ValueError("csnn: a synapse table's ownership is set before its first synapse")
        self.rank = rank
        self.n_ranks = n_ranks

    def add(self, source, **columns):
        """Queue synapses from engine indices ``source``; ``columns``: one value or one array
        entry per synapse for every column of the table (columns with a default may be left
        out).  On several MPI processes only those onto this process's targets are kept."""
        n = len(source)
        if n == 0:
            return
        for name, default in self._defaults.items():
            columns.setdefault(name, default)
        missing = set(self._dtypes) - set(columns)
        if missing:
            raise ValueError(f"csnn: synapse columns {sorted(missing)} are missing")
        keep = np.asarray(columns["target"]) % self.n_ranks == self.rank if self.n_ranks > 1 else None
        if keep is not None and not keep.all():     # (rules drawn per target give only this process's)
            source = np.asarray(source)[keep]
            columns = {name: np.broadcast_to(value, (n,))[keep] if np.ndim(value) else value
                       for name, value in columns.items()}
            n = len(source)
            if n == 0:
                return
        delay = np.asarray(columns["delay"], dtype=np.float64)
        self.min_delay = min(self.min_delay, float(delay.min()))
        self.max_delay = max(self.max_delay, float(delay.max()))
        block = {}
        for group, names in list(self._coded.items()):
            codes = self._encode(group, [columns[name] for name in names], n)
            if codes is None:
                self._decode(group)
            else:
                block[group + "_code"] = codes
        for name, dtype in self._stored().items():
            if name not in block:
                block[name] = np.ascontiguousarray(np.broadcast_to(columns[name], (n,)), dtype=dtype)
        self._pending.append((np.ascontiguousarray(source, dtype=np.int32), block))
        self._changed()

    @property
    def size(self):
        """Number of synapses, queued ones included."""
        return int(self.columns["target"].shape[0]) + sum(int(s.shape[0]) for s, _ in self._pending)

    def refresh_delays(self):
        """Recompute the delay range after delays were changed in place (table built)."""
        delays = self.column("delay")
        self.min_delay = float(delays.min()) if delays.size else INFINITY
        self.max_delay = float(delays.max()) if delays.size else 0.0

    def built(self, int64_t n_sources):
        """Whether the CSR holds every synapse, with rows for ``n_sources`` sources."""
        return not self._pending and self.offsets.shape[0] >= n_sources + 1

    def build(self, int64_t n_sources):
        """Merge the queue into the CSR; rows are extended to ``n_sources`` sources (the merge
        a :meth:`view` made of the same queue is taken as it is).  Returns True when the table
        changed."""
        if self.built(n_sources):
            return False
        merged = self._cached_view(n_sources)
        if merged is not None:
            self.offsets, columns = merged.offsets, merged.columns
        else:
            self.offsets, columns = self._merged(n_sources)
        self.columns.update(columns)
        self._pending = []
        self._changed()
        return True

    def view(self, int64_t n_sources):
        """The table as :meth:`build` would make it, to read (``rows``, ``slots``, ``gather``,
        ``column``, ``columns``) without changing this one: the table itself when it is built,
        else a table holding the queue merged (which shares the tables of coded values, so it
        must not be written).  The merge is kept until the table changes, so that queries
        before the first Simulate (GetConnections of each neuron in turn, say) merge the queue
        once, and build takes it over."""
        if self.built(n_sources):
            return self
        merged = self._cached_view(n_sources)
        if merged is None:
            offsets, columns = self._merged(n_sources)
            merged = _restore_table(dict(self._state(), offsets=offsets, columns=columns, pending=[]))
            self._view = (n_sources, merged)
        return merged

    def _cached_view(self, int64_t n_sources):
        """The merge view() made of the present queue for ``n_sources`` sources, or None."""
        if self._view is not None and self._view[0] == n_sources:
            return self._view[1]
        return None

    def _changed(self):
        """The columns or the queue changed: rebind the pointers, forget view()'s merge."""
        self._view = None
        self._bind()

    def _merged(self, int64_t n_sources):
        """(offsets, columns) of the CSR with the queue merged (new arrays where they change;
        the table is left as it is)."""
        cdef int64_t i, k, p, total
        cdef cnp.int32_t[::1] src
        old_offsets = self.offsets
        if old_offsets.shape[0] < n_sources + 1:
            old_offsets = np.concatenate([old_offsets, np.full(n_sources + 1 - old_offsets.shape[0],
                                                               old_offsets[old_offsets.shape[0] - 1])])
        if not self._pending:
            return old_offsets, self.columns
        counts = np.diff(old_offsets)
        for source, _ in self._pending:
            counts += np.bincount(source, minlength=n_sources)
        offsets = np.zeros(n_sources + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        total = offsets[n_sources]
        cdef cnp.int64_t[::1] old_off = old_offsets
        cdef cnp.int64_t[::1] off = offsets
        cursor = np.empty(n_sources, dtype=np.int64)
        cdef cnp.int64_t[::1] cur = cursor
        n_old = int(old_offsets[n_sources])
        old_pos = np.empty(n_old, dtype=np.int64)
        cdef cnp.int64_t[::1] op = old_pos
        with nogil:
            for i in range(n_sources):
                p = off[i]
                for k in range(old_off[i], old_off[i + 1]):
                    op[k] = p
                    p += 1
                cur[i] = p
        new_pos = []
        cdef cnp.int64_t[::1] np_view
        for source, _ in self._pending:
            src = source
            positions = np.empty(src.shape[0], dtype=np.int64)
            np_view = positions
            with nogil:
                for k in range(src.shape[0]):
                    p = cur[src[k]]
                    cur[src[k]] = p + 1
                    np_view[k] = p
            new_pos.append(positions)
        new_pos = np.concatenate(new_pos)
        columns = {}
        for name, dtype in self._stored().items():
            column = np.empty(total, dtype=dtype)
            if n_old:
                column[old_pos] = self.columns[name]
            column[new_pos] = np.concatenate([block[name] for _, block in self._pending])
            columns[name] = column
        return offsets, columns

    def remove(self, slots):
        """Remove the synapses at ``slots`` (of the built table): each row keeps its other
        synapses in their order, so a kept synapse's rank drops by the removed ones before it.
        Returns ``kept_before`` (int64, one entry per slot and one more): how many kept
        synapses precede each slot, from which the new rank of old rank r in the row of
        source s is ``kept_before[off[s] + r] - kept_before[off[s]]`` (with the old offsets)."""
        keep = np.ones(self.columns["target"].shape[0], dtype=bool)
        keep[np.asarray(slots, dtype=np.int64)] = False
        kept_before = np.zeros(keep.size + 1, dtype=np.int64)
        np.cumsum(keep, out=kept_before[1:])
        self.offsets = kept_before[self.offsets]
        for name in list(self.columns):
            self.columns[name] = self.columns[name][keep]
        self.refresh_delays()
        self._changed()
        return kept_before

    def rows(self):
        """Source engine index and rank in its row of every slot (for GetConnections)."""
        source, rank, _ = self.row_slots()
        return source, rank

    def row_slots(self, sources=None):
        """Source engine index, rank in its row and slot of every synapse, or of the synapses
        of the rows of ``sources`` (engine indices; those without a row have none), for
        GetConnections: a query about a few sources reads their rows, not the table."""
        if sources is None:
            counts = np.diff(self.offsets)
            source = np.repeat(np.arange(counts.size), counts)
            slot = np.arange(int(self.offsets[-1]))
            return source, slot - self.offsets[source], slot
        sources = np.unique(np.asarray(sources, dtype=np.int64))
        sources = sources[(sources >= 0) & (sources < self.offsets.shape[0] - 1)]
        counts = self.offsets[sources + 1] - self.offsets[sources]
        source = np.repeat(sources, counts)
        rank = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        return source, rank, self.offsets[source] + rank

    def slots(self, source, rank):
        """Slots of synapses identified by (source engine index, rank)."""
        return self.offsets[np.asarray(source, dtype=np.int64)] + np.asarray(rank, dtype=np.int64)


def _restore_table(state):
    """A SynapseTable from the state its ``__reduce__`` gave (csnn.load)."""
    cdef SynapseTable table = SynapseTable.__new__(SynapseTable)
    table.columns = state["columns"]
    table.offsets = state["offsets"]
    table._pending = state["pending"]
    table._dtypes = state["dtypes"]
    table._defaults = state["defaults"]
    table._coded = state["coded"]
    table._lookup = state["lookup"]
    table._values = state["values"]
    table.min_delay = state["min_delay"]
    table.max_delay = state["max_delay"]
    table.rank, table.n_ranks = state["ownership"]
    table._bind()
    return table
