# cython: language_level=3
"""Trace groups: the presynaptic traces that plastic synapses of one source share.

A plastic synapse's presynaptic state (the time of the last presynaptic spike, K+ and the
triplet rule's slow trace) depends only on its source's spikes, its trace time constants and
the value it started from.  Synapses of a source that share these and their delay (so that
every spike reaches them at one time) keep it once, in a *trace group*: the plastic table holds
a group index per synapse (uint32) instead of 8 bytes per trace, and an stdp_synapse takes 22
bytes instead of 36.  A group is keyed by (source, delay, parameter set, traces): synapses made
by one ``Connect`` call share one group per source (and with earlier calls' groups made since
the last run began, when their keys are equal); synapses made after their source has spiked
start from other traces and get groups of their own; ``SynapseCollection.set`` of a trace, a
delay or a parameter moves the synapses to the group of their new key (copy on write).  The
rules that change K+ at postsynaptic spikes (stdp_nn_pre_centered_synapse, and the facetshw
accumulations) keep it per synapse and share only the time of the last spike.

A group is advanced by the first of its synapses that a spike reaches (``TraceGroup.now``);
the others read the traces it had before that spike (``TraceGroup.before``).  Every thread
keeps its own copy of every group (copies of groups it has no synapse of stay behind, unread),
so the threads write no common memory and the traces are the same whatever their number.
The first synapse applies the rule to a copy of ``before`` exactly as the others do, so the
group gets the values each of them computes.  Between runs ``state`` holds each group's traces
(the most advanced copy: every synapse of a group has received the same spikes, since they
arrive at one time), which is what ``GetConnections`` reads and checkpoints keep.

Groups pay when they are shared: a group of one synapse (continuous random delays give each
synapse its own) costs its index and 24 bytes of traces, plus 48 per thread for the copies,
where the synapse's own traces take 8 to 24 bytes.  So when a run begins and the groups would
take more bytes than per-synapse traces, the traces go back to the plastic table's columns
(``OWN_COLUMNS``, as before trace groups: ``t_last``, and ``Kplus``/``Kplus_triplet`` where a
rule shares them) and the group column is dropped; the table keeps per-synapse traces from then
on (``per_synapse``), since regrouping would mean keying every synapse again.  Tables of fewer
than ``MIN_SPREAD`` synapses keep their groups: a few kilobytes either way.
"""
from libc.stdlib cimport free, malloc

import numpy as np

cimport numpy as cnp

cnp.import_array()

#: the fields of a group's traces (the columns of ``TraceGroups.state``), as in ``Traces``
FIELDS = ("t_last", "kplus", "kplus_triplet")
assert sizeof(Traces) == len(FIELDS) * sizeof(double)
#: the plastic table's column of each field once the traces are kept per synapse
OWN_COLUMNS = {"t_last": "t_last", "kplus": "Kplus", "kplus_triplet": "Kplus_triplet"}
#: tables with fewer synapses keep their groups whatever the bytes
MIN_SPREAD = 1024


def _bits(values):
    """The int64 bit patterns of float64 values (so that -0.0 and 0.0 differ as keys)."""
    return np.ascontiguousarray(values, dtype=np.float64).view(np.int64)


def _distinct(values):
    """(distinct values, each value's index among them) of an int64 array: by counting when the
    values are small non-negative integers (sources, codes), else by sorting."""
    if values.size and values.min() >= 0 and values.max() < 4 * values.size + 1024:
        present = np.zeros(int(values.max()) + 1, dtype=bool)
        present[values] = True
        return np.flatnonzero(present), np.cumsum(present)[values] - 1
    distinct, inverse = np.unique(values, return_inverse=True)
    return distinct, inverse.reshape(-1)


cdef class TraceGroups:
    """The trace groups of the plastic synapses (see the module docstring)."""

    def __cinit__(self):
        self.state = np.zeros((0, len(FIELDS)))
        self._fresh = {}
        self._orphans = False
        self.copies = NULL
        self.n_copies = 0
        self.n_parts = 0
        self.per_synapse = False

    def __dealloc__(self):
        free(self.copies)

    def __reduce__(self):
        # a checkpoint keeps the groups' traces; the threads' copies are made when a run begins
        return (_restore_groups, (self.state, self._orphans, self.per_synapse))

    def __len__(self):
        return self.state.shape[0]

    @property
    def nbytes(self):
        """Bytes held: every group's traces and the threads' copies of them."""
        return self.state.nbytes + self.n_copies * self.n_parts * sizeof(TraceGroup)

    def values(self, str name, table, slots):
        """The values of trace ``name`` (one of FIELDS) of the synapses at ``slots`` of the
        plastic ``table``."""
        if self.per_synapse:
            return table.columns[OWN_COLUMNS[name]][slots]
        return self.state[table.columns["group"][slots].astype(np.int64), FIELDS.index(name)]

    def block_columns(self, table, source, delay, set, traces):
        """The plastic ``table``'s trace columns (name -> values) of a block of synapses from
        ``source`` (engine indices), with their ``delay`` (ms), parameter ``set`` and the traces
        their rule shares (``traces``: field -> one value or one per synapse)."""
        if self.per_synapse:
            names = ["t_last"] + [OWN_COLUMNS[name] for name in traces]
            table.add_columns({name: (np.float64, 0.0) for name in names})
            return {OWN_COLUMNS[name]: values for name, values in traces.items()}
        return {"group": self.assign(source, delay, set, 0.0, traces.get("kplus", 0.0),
                                     traces.get("kplus_triplet", 0.0))}

    def rewrite(self, table, slots, source, delay, set, changes):
        """The synapses at ``slots`` of the plastic ``table`` (from ``source``) have a new
        ``delay``, parameter ``set`` or new traces (``changes``: field -> values)."""
        if self.per_synapse:
            for name, values in changes.items():
                table.columns[OWN_COLUMNS[name]][slots] = values
            return
        groups = table.columns["group"]
        groups[slots] = self.regroup(groups[slots], source, delay, set, changes)

    def assign(self, source, delay, set, t_last, kplus, kplus_triplet):
        """The group of each synapse of a block (uint32): ``source`` (engine indices), its
        ``delay`` (ms), parameter ``set`` and traces (one value, or one per synapse, each).
        Synapses with equal keys share a group, found among those made since the last run
        began or made here."""
        source = np.asarray(source, dtype=np.int64)
        cdef int64_t n = source.shape[0]
        columns = [np.broadcast_to(column, (n,)) for column in
                   (source, _bits(delay), np.asarray(set, dtype=np.int64), _bits(t_last), _bits(kplus),
                    _bits(kplus_triplet))]
        # each synapse's key as one code, digit by digit (a column of one value adds none)
        code = np.zeros(n, dtype=np.int64)
        radix = 1
        digits = 0
        for column in columns:
            if n == 0 or np.all(column == column[0]):
                continue
            values, inverse = _distinct(column)
            if radix > (1 << 62) // values.size:
                code = _distinct(code)[1]            # too many digits: renumber the codes so far
                radix = int(code.max()) + 1
            code = code * values.size + inverse
            radix *= values.size
            digits += 1
        # one digit (the usual case: only sources differ) numbers the keys already
        codes, inverse = (np.arange(radix), code) if digits <= 1 else _distinct(code)
        first = np.empty(codes.size, dtype=np.int64)
        first[inverse] = np.arange(n)                # a synapse of each key (any: they agree)
        group_of = np.empty(codes.size, dtype=np.int64)
        made = []
        for k, key in enumerate(zip(*(column[first].tolist() for column in columns))):
            group = self._fresh.get(key)
            if group is None:
                group = self.state.shape[0] + len(made)
                self._fresh[key] = group
                made.append(key[3:])
            group_of[k] = group
        if made:
            self.state = np.concatenate([self.state, np.array(made, dtype=np.int64).view(np.float64)])
        return group_of[inverse].astype(np.uint32)

    def regroup(self, groups, source, delay, set, changes):
        """The groups of synapses of ``groups`` whose delay, parameter set or traces (``changes``:
        field -> new values) changed: their old group's traces with the changes, keyed anew."""
        traces = self.state[np.asarray(groups, dtype=np.int64)]
        for name, values in changes.items():
            traces[:, FIELDS.index(name)] = values
        self._orphans = True
        return self.assign(source, delay, set, traces[:, 0], traces[:, 1], traces[:, 2])

    def synapses_left(self):
        """Synapses were removed: groups may have lost their last one (dropped at ``begin``)."""
        self._orphans = True

    def begin(self, int n_parts, table, sharers):
        """A run begins with ``n_parts`` threads' parts: each gets a copy of every group.  The
        groups no synapse uses any more (after ``regroup``) are dropped first, renumbering the
        plastic ``table``'s group column; then the traces go to the table's columns if that
        takes fewer bytes (``sharers()``: field -> which slots' rules share it, see the module
        docstring)."""
        cdef int64_t g, n
        cdef int k
        if self.per_synapse:
            return
        group_column = table.columns["group"]
        if self._orphans:
            used = np.bincount(group_column, minlength=self.state.shape[0]) > 0
            group_column[...] = (np.cumsum(used) - 1)[group_column]
            self.state = self.state[used]
            self._orphans = False
        if self._spread(n_parts, table, sharers):
            return
        n = self.state.shape[0]
        free(self.copies)
        self.copies = NULL
        self.n_copies = 0
        self.copies = <TraceGroup*> malloc(max(n * n_parts, 1) * sizeof(TraceGroup))
        if self.copies == NULL:
            raise MemoryError("csnn: out of memory for the trace groups")
        self.n_copies = n
        self.n_parts = n_parts
        state = np.ascontiguousarray(self.state)
        cdef const Traces* traces = <const Traces*> cnp.PyArray_DATA(state)
        for k in range(n_parts):
            for g in range(n):
                self.copies[k * n + g].now = traces[g]
                self.copies[k * n + g].before = traces[g]
        self._fresh = {}

    def fold(self):
        """After a run: each group's traces from its most advanced copy (the copies of threads
        with none of its synapses stay behind)."""
        cdef int64_t g, n = self.n_copies
        cdef int k
        cdef const Traces* best
        if n == 0:
            return
        state = np.ascontiguousarray(self.state)
        cdef Traces* traces = <Traces*> cnp.PyArray_DATA(state)
        for g in range(n):
            best = &self.copies[g].now
            for k in range(1, self.n_parts):
                if self.copies[k * n + g].now.t_last > best.t_last:
                    best = &self.copies[k * n + g].now
            traces[g] = best[0]
        self.state = state

    def _spread(self, int n_parts, table, sharers):
        """Move the traces into the plastic ``table``'s columns when the groups would take more
        bytes there (with ``n_parts`` threads' copies) than per-synapse traces; returns whether
        it did."""
        group = table.columns["group"]
        n = group.shape[0]
        grouped = group.nbytes + self.state.shape[0] * (1 + 2 * n_parts) * sizeof(Traces)
        if n < MIN_SPREAD or grouped <= n * sizeof(double):
            return False
        owners = {name: mask for name, mask in sharers().items() if mask.any()}
        new = [name for name in owners if not table.has_column(OWN_COLUMNS[name])]
        if grouped <= len(new) * n * sizeof(double):
            return False
        for name, mask in owners.items():
            table.add_columns({OWN_COLUMNS[name]: (np.float64, 0.0)})
            table.columns[OWN_COLUMNS[name]][mask] = self.state[group[mask], FIELDS.index(name)]
        table.drop_column("group")
        self.state = np.zeros((0, len(FIELDS)))
        self._fresh = {}
        self.per_synapse = True
        return True

    cdef TraceGroup* part_copies(self, int part) noexcept nogil:
        return self.copies + part * self.n_copies


def _restore_groups(state, orphans, per_synapse):
    """TraceGroups from what its ``__reduce__`` gave (csnn.load)."""
    cdef TraceGroups groups = TraceGroups()
    groups.state = np.ascontiguousarray(state, dtype=np.float64).reshape(-1, len(FIELDS))
    groups._orphans = orphans
    groups.per_synapse = per_synapse
    return groups
