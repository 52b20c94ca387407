# cython: language_level=3
"""The stimulation the engine owns: generators (their times, values and multiplicities, and
poisson_generator's count tables) and the streams that carry each generator's events to one
target (streams.pxd).

The targets draw their streams' events themselves while the event loop brings them forward
(targets.pxd); this module creates and restarts them and orders them by target between runs.
"""
import numpy as np

cimport numpy as cnp
from libc.stdint cimport int64_t
from libc.stdlib cimport free, realloc

from csnn._core.gridtime cimport make_grid
from csnn._core.rng cimport PoissonTables
from csnn._core.streams cimport (GEN_POISSON_GRID, Stream, stream_input, stream_pop, stream_retime,
                                 stream_start)

from csnn._core.declarations import flat_dtype, struct_dtype

cnp.import_array()

cdef Stream _stream_probe
#: the C Stream's own dtype (declarations.py), and the one the facade builds stream arrays with:
#: its fields by name, the random state ``rng``
STREAM_STRUCT = struct_dtype(<Stream[:1]> &_stream_probe, _stream_probe)
STREAM_DTYPE = flat_dtype(STREAM_STRUCT, {"rng.s": "rng"})


def check_stream_layout(rows):
    """sizeof the C struct, once Cython has taken ``rows`` (of STREAM_STRUCT) as it
    (declarations.py)."""
    cdef Stream[::1] checked = rows
    return sizeof(Stream)


cdef class Stimulation:
    """Generators and streams (see the module docstring)."""

    def __cinit__(self):
        self._streams = np.zeros(0, dtype=STREAM_DTYPE)
        self._recorded = np.zeros(0, dtype=STREAM_DTYPE)
        self.st_perm = np.zeros(0, dtype=np.int32)
        self.generators = NULL
        self.n_generators = 0
        self._generator_data = []
        self._generator_tables = []
        self.grid = make_grid(0.1)

    def __dealloc__(self):
        free(self.generators)

    def set_generator(self, int index, int kind, int gid, times, values, mults, double t_now):
        """Create generator ``index`` (the next one) or replace its data at ``t_now`` (ms).

        Replacing keeps the meaning of everything before t_now (the facade splices the new data
        after it); every stream of the generator then recomputes its next event.
        ``GEN_POISSON_GRID``: ``times`` are step numbers and ``values`` rates (Hz), whose count
        tables are made here.
        """
        cdef Generator* grown
        times = np.ascontiguousarray(times, dtype=np.float64)
        values = None if values is None else np.ascontiguousarray(values, dtype=np.float64)
        mults = None if mults is None else np.ascontiguousarray(mults, dtype=np.float64)
        if index == self.n_generators:
            grown = <Generator*> realloc(self.generators, (index + 1) * sizeof(Generator))
            if grown == NULL:
                raise MemoryError("csnn: out of memory for generators")
            self.generators = grown
            self.n_generators += 1
            self._generator_data.append(None)
            self._generator_tables.append(None)
        elif not 0 <= index < self.n_generators:
            raise IndexError(f"csnn: generator index {index} out of range")
        self._generator_data[index] = (times, values, mults)
        cdef PoissonTables tables = None
        if kind == GEN_POISSON_GRID:
            # the mean count of a step: rate (Hz) * h (ms) * 1e-3, as NEST computes it
            tables = PoissonTables(values * (self.grid.h * 1e-3))
        self._generator_tables[index] = tables
        cdef Generator* g = &self.generators[index]
        g.kind = kind
        g.gid = gid
        g.n = times.shape[0]
        g.times = <const double*> cnp.PyArray_DATA(times)
        g.values = NULL
        g.mults = NULL
        if values is not None:
            g.values = <const double*> cnp.PyArray_DATA(values)
        if mults is not None:
            g.mults = <const double*> cnp.PyArray_DATA(mults)
        g.tables = tables.tables if tables is not None else NULL
        g.grid = self.grid
        cdef Stream* streams
        cdef int64_t k
        for records in (self._streams, self._recorded):
            streams = <Stream*> cnp.PyArray_DATA(records)
            for k in range(records.shape[0]):
                if streams[k].gen == index:
                    stream_retime(&streams[k], g, t_now)

    def checkpoint(self):
        """What a checkpoint keeps: the streams as they are, and per generator (kind, gid,
        times, values, mults), what :meth:`set_generator` was given."""
        generators = [(self.generators[k].kind, self.generators[k].gid) + tuple(self._generator_data[k])
                      for k in range(self.n_generators)]
        return {"streams": self._streams, "recorded_streams": self._recorded, "generators": generators}

    def restore(self, state):
        """The generators and streams :meth:`checkpoint` kept, in a new Stimulation (its grid set);
        the streams have started: they are not restarted."""
        for k, (kind, gid, times, values, mults) in enumerate(state["generators"]):
            self.set_generator(k, kind, gid, times, values, mults, 0.0)
        self._streams = state["streams"]
        self._recorded = state["recorded_streams"]

    def add_streams(self, records, double t_now, bint recorded=False):
        """Append streams (records of ``STREAM_DTYPE``), each starting at ``t_now`` (ms).
        ``recorded``: streams to spike recorders (``target``: the recorder's index; delay 0, so
        that an event's time is its emission), which no neuron takes: :meth:`drain_recorded`
        reads their events."""
        cdef cnp.ndarray arr = np.ascontiguousarray(records, dtype=STREAM_DTYPE)
        cdef Stream* s = <Stream*> cnp.PyArray_DATA(arr)
        cdef int64_t k
        for k in range(arr.shape[0]):
            stream_start(&s[k], &self.generators[s[k].gen], t_now)
        if recorded:
            self._recorded = np.concatenate([self._recorded, arr])
        else:
            self._streams = np.concatenate([self._streams, arr])

    def drain_recorded(self, double t_until):
        """The events of the streams to spike recorders emitted by ``t_until`` (ms), consumed:
        (recorder indices, generator ids, times), an event of multiplicity m m times, each
        stream's in time order, the streams in creation order."""
        cdef Stream* s = <Stream*> cnp.PyArray_DATA(self._recorded)
        cdef Generator* g
        cdef int64_t k
        cdef double weight
        cdef int mult, j
        recorders, senders, times = [], [], []
        for k in range(self._recorded.shape[0]):
            g = &self.generators[s[k].gen]
            while s[k].next_t <= t_until:
                stream_input(&s[k], g, &weight, &mult)
                for j in range(mult):
                    recorders.append(s[k].target)
                    senders.append(s[k].source)
                    times.append(s[k].next_t)
                stream_pop(&s[k], g)
        return (np.array(recorders, dtype=np.int64), np.array(senders, dtype=np.int64),
                np.array(times, dtype=np.float64))

    @property
    def recorded_streams(self):
        """The streams to spike recorders, in creation order (a live view)."""
        return self._recorded

    def restart_streams(self, ids, double t_now):
        """Restart streams ``ids`` from ``t_now`` (ms; after their weight or delay changed)."""
        cdef Stream* s = <Stream*> cnp.PyArray_DATA(self._streams)
        cdef int64_t k
        for k in np.asarray(ids, dtype=np.int64).tolist():
            stream_start(&s[k], &self.generators[s[k].gen], t_now)

    @property
    def streams(self):
        """The stream records in creation order (a live view: weights may be changed in place)."""
        return self._streams

    def by_target(self, int64_t n):
        """Order the streams by target, then (source, rank), for ``n`` neurons; returns their
        offsets by target (Slot.st_lo, st_hi)."""
        st = self._streams
        self.st_perm = np.lexsort((st["rank"], st["source"], st["target"])).astype(np.int32)
        st_offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(st["target"], minlength=n), out=st_offsets[1:])
        return st_offsets

    def first_events(self, int64_t n):
        """Per neuron (of ``n``), when its streams next deliver (ms; inf without streams)."""
        st = self._streams
        st_next = np.full(max(n, 1), np.inf)
        np.minimum.at(st_next, st["target"], st["next_t"])
        return st_next
