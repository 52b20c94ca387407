# cython: language_level=3
"""Recorded events: growable columns of senders, times and values, owned by one thin class
(EventLog), and the engine's recorders that fill them (Recorders).

A spike recorder appends (sender, time) once per spike and multiplicity, after each chunk of
windows; a multimeter reserves all rows of a chunk at once (time-major, targets in id order
within a time, as NEST orders them) and each target writes its own values into its rows, in
parallel with the others; a weight recorder appends the chunk's transmissions through the
synapses it watches.
"""
import numpy as np

cimport numpy as cnp

from libc.stdlib cimport calloc, free, realloc
from libc.string cimport memcpy, memmove

from csnn._core.events cimport SpikeOut
from csnn._core.stdp cimport WeightEvent


cdef class EventLog:
    """Events of one recorder: ``senders`` (ids), ``times`` (ms) and ``n_values`` values each."""

    def __cinit__(self, int n_values=0):
        self.senders = NULL
        self.times = NULL
        self.values = NULL
        self.n = 0
        self.cap = 0
        self.total = 0
        self.n_values = n_values

    def __dealloc__(self):
        free(self.senders)
        free(self.times)
        free(self.values)

    cdef int reserve(self, int64_t rows) except -1:
        """Append ``rows`` rows whose contents the caller fills in."""
        cdef int64_t cap = self.cap
        cdef void* p
        if self.n + rows > cap:
            cap = max(2 * cap, self.n + rows, 64)
            p = realloc(self.senders, cap * sizeof(int64_t))
            if p == NULL:
                raise MemoryError(f"csnn: out of memory for {cap} recorded events")
            self.senders = <int64_t*> p
            p = realloc(self.times, cap * sizeof(double))
            if p == NULL:
                raise MemoryError(f"csnn: out of memory for {cap} recorded events")
            self.times = <double*> p
            if self.n_values > 0:
                p = realloc(self.values, cap * self.n_values * sizeof(double))
                if p == NULL:
                    raise MemoryError(f"csnn: out of memory for {cap} recorded samples")
                self.values = <double*> p
            self.cap = cap
        self.n += rows
        self.total += rows
        return 0

    cdef void unreserve(self, int64_t rows):
        """Keep only the first ``rows`` rows: the later ones were reserved and not filled, so they
        count as never recorded (unlike the events ``truncate`` drops)."""
        if rows < self.n:
            self.total -= self.n - rows
            self.n = rows

    cdef int append_spike(self, int64_t sender, double t) except -1:
        self.reserve(1)
        self.senders[self.n - 1] = sender
        self.times[self.n - 1] = t
        return 0

    @property
    def n_events(self):
        """Number of events held."""
        return self.n

    def arrays(self, int64_t start=0):
        """Copies of the rows from ``start`` on: (senders, times, values of shape (rows, n_values))."""
        cdef int64_t rows = max(self.n - start, 0)
        senders = np.empty(rows, dtype=np.int64)
        times = np.empty(rows, dtype=np.float64)
        values = np.empty((rows, self.n_values), dtype=np.float64)
        cdef cnp.int64_t[::1] s_view = senders
        cdef double[::1] t_view = times
        cdef double[:, ::1] v_view = values
        if rows > 0:
            memcpy(&s_view[0], self.senders + start, rows * sizeof(int64_t))
            memcpy(&t_view[0], self.times + start, rows * sizeof(double))
            if self.n_values > 0:
                memcpy(&v_view[0, 0], self.values + start * self.n_values, rows * self.n_values * sizeof(double))
        return senders, times, values

    def __reduce__(self):
        # a checkpoint (csnn.save) pickles the events held and the count of all ever recorded
        senders, times, values = self.arrays()
        return (_restore_log, (self.n_values, senders, times, values, self.total))

    def merge_spikes(self, int64_t since, senders, times):
        """Merge spikes (``senders``, ``times``) into the rows from ``since`` on, which hold the
        spikes of the same span of time: those rows end in (time, sender) order, as a spike
        recorder's are."""
        old_senders, old_times, _ = self.arrays(since)
        senders = np.concatenate([old_senders, np.asarray(senders, dtype=np.int64)])
        times = np.concatenate([old_times, np.asarray(times, dtype=np.float64)])
        order = np.lexsort((senders, times))
        cdef int64_t k
        self.total -= self.n - since          # the rows are written again below
        self.n = since
        cdef const cnp.int64_t[::1] s_view = senders[order]
        cdef const double[::1] t_view = times[order]
        for k in range(s_view.shape[0]):
            self.append_spike(s_view[k], t_view[k])

    def keep_rows(self, int64_t since, keep):
        """Of the rows from ``since`` on, keep those where ``keep`` (a bool per row) is True, in
        their order; the others count as never recorded."""
        cdef const cnp.uint8_t[::1] mask = np.ascontiguousarray(keep, dtype=np.uint8)
        cdef int64_t k, row = since
        for k in range(mask.shape[0]):
            if mask[k]:
                self.senders[row] = self.senders[since + k]
                self.times[row] = self.times[since + k]
                if self.n_values > 0:
                    memmove(self.values + row * self.n_values, self.values + (since + k) * self.n_values,
                           self.n_values * sizeof(double))
                row += 1
        self.total -= self.n - row
        self.n = row

    def clear(self):
        """Forget the events held (memory is kept for reuse)."""
        self.n = 0

    def truncate(self, int64_t rows):
        """Keep the first ``rows`` events held, forget the later ones (they still count as
        recorded: max_events drops them)."""
        if 0 <= rows < self.n:
            self.n = rows


def _restore_log(int n_values, senders, times, values, int64_t total):
    """An EventLog holding the events its ``__reduce__`` gave (csnn.load)."""
    cdef EventLog log = EventLog(n_values)
    cdef int64_t rows = len(times)
    cdef cnp.int64_t[::1] s_view = np.ascontiguousarray(senders, dtype=np.int64)
    cdef double[::1] t_view = np.ascontiguousarray(times, dtype=np.float64)
    cdef double[:, ::1] v_view = np.ascontiguousarray(values, dtype=np.float64).reshape(rows, n_values)
    log.reserve(rows)
    if rows > 0:
        memcpy(log.senders, &s_view[0], rows * sizeof(int64_t))
        memcpy(log.times, &t_view[0], rows * sizeof(double))
        if n_values > 0:
            memcpy(log.values, &v_view[0, 0], rows * n_values * sizeof(double))
    log.total = total
    return log


#: numpy dtype of the C ``Sampler`` record (recorders.pxd)
_SAMPLER_DTYPE = np.dtype([("meter", "i4"), ("column", "i4"), ("j_next", "i8")])
assert _SAMPLER_DTYPE.itemsize == sizeof(Sampler)


#: the keys of the recorders' part of a checkpoint (Recorders.checkpoint)
_CHECKPOINT_KEYS = ("spike_logs", "sr_window", "sr_pairs", "meter_logs", "meters", "weight_logs")


cdef class Recorders:
    """The engine's recorders: spike recorders, multimeters and weight recorders, each with its
    EventLog, and what the event loop needs to fill them (recorders by source, samplers by
    target, the multimeters' plans for a chunk of windows)."""

    def __cinit__(self):
        self.spike_logs = []
        self.sr_window = np.zeros((0, 2))
        self.sr_offsets = np.zeros(1, dtype=np.int64)
        self.sr_index = np.zeros(0, dtype=np.int32)
        self.sr_pairs = []
        self.meter_logs = []
        self.meters = []
        self.samplers = np.zeros(0, dtype=_SAMPLER_DTYPE)
        self.plans = NULL
        self.weight_logs = []
        self.changed = True

    def __dealloc__(self):
        free(self.plans)

    def add_spike_recorder(self, double t_on, double t_off):
        """A spike recorder keeping spikes emitted in (t_on, t_off]; returns its index."""
        self.spike_logs.append(EventLog(0))
        self.sr_window = np.vstack([self.sr_window, [[t_on, t_off]]])
        return len(self.spike_logs) - 1

    def set_spike_recorder_window(self, int index, double t_on, double t_off):
        self.sr_window[index] = (t_on, t_off)

    def attach_spike_recorder(self, int index, nidx):
        """Record the spikes of neurons ``nidx`` (engine indices) with recorder ``index``."""
        self.sr_pairs.append((np.asarray(nidx, dtype=np.int32), np.full(len(nidx), index, dtype=np.int32)))
        self.changed = True

    def spike_log(self, int index):
        return self.spike_logs[index]

    def add_meter(self, double interval, double offset, double t_on, double t_off, variables):
        """A multimeter sampling recordables ``variables`` (codes) in (t_on, t_off] at times
        k * interval (k >= 1) or, with an ``offset`` > 0, offset + k * interval (k >= 0)."""
        variables = np.ascontiguousarray(variables, dtype=np.int32)
        self.meter_logs.append(EventLog(len(variables)))
        self.meters.append({"interval": interval, "offset": offset, "t_on": t_on, "t_off": t_off,
                            "variables": variables, "targets": np.zeros(0, dtype=np.int32)})
        self.changed = True
        return len(self.meters) - 1

    def set_meter_window(self, int index, double interval, double offset, double t_on, double t_off):
        self.meters[index].update(interval=interval, offset=offset, t_on=t_on, t_off=t_off)

    def attach_meter(self, int index, nidx):
        """Sample neurons ``nidx`` (engine indices); targets are kept in id order."""
        meter = self.meters[index]
        meter["targets"] = np.unique(np.concatenate([meter["targets"], np.asarray(nidx, dtype=np.int32)]))
        self.changed = True

    def meter_log(self, int index):
        return self.meter_logs[index]

    def add_weight_recorder(self):
        """A weight recorder's log: senders, times and values (targets, weights, receptors, ports)."""
        self.weight_logs.append(EventLog(4))
        return len(self.weight_logs) - 1

    def weight_log(self, int index):
        return self.weight_logs[index]

    def checkpoint(self):
        """What a checkpoint keeps: the logs, the spike recorders' windows and attachments and
        the multimeters (what prepare derives from them is derived again)."""
        return dict(zip(_CHECKPOINT_KEYS, (self.spike_logs, self.sr_window, self.sr_pairs, self.meter_logs,
                                           self.meters, self.weight_logs)))

    def restore(self, state):
        """The recorders :meth:`checkpoint` kept, in new Recorders."""
        (self.spike_logs, self.sr_window, self.sr_pairs, self.meter_logs, self.meters,
         self.weight_logs) = [state[key] for key in _CHECKPOINT_KEYS]

    cdef object prepare(self, int64_t n):
        """The samplers by target and the recorders by source, for ``n`` neurons; returns the
        samplers' offsets by target (Slot.smp_lo, smp_hi)."""
        meters, columns, targets = [], [], []
        for m, meter in enumerate(self.meters):
            tg = meter["targets"]
            meters.append(np.full(tg.shape[0], m, dtype=np.int32))
            columns.append(np.arange(tg.shape[0], dtype=np.int32))
            targets.append(tg)
        meters = np.concatenate(meters) if meters else np.zeros(0, dtype=np.int32)
        columns = np.concatenate(columns) if columns else np.zeros(0, dtype=np.int32)
        targets = np.concatenate(targets) if targets else np.zeros(0, dtype=np.int32)
        order = np.lexsort((columns, meters, targets))
        samplers = np.zeros(order.shape[0], dtype=_SAMPLER_DTYPE)
        samplers["meter"] = meters[order]
        samplers["column"] = columns[order]
        self.samplers = samplers
        smp_offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(targets, minlength=n), out=smp_offsets[1:])
        cdef MeterPlan* plans = <MeterPlan*> calloc(max(len(self.meters), 1), sizeof(MeterPlan))
        if plans == NULL:
            raise MemoryError("csnn: out of memory")
        free(self.plans)
        self.plans = plans
        # spike recorders by source
        sources = np.concatenate([p[0] for p in self.sr_pairs]) if self.sr_pairs else np.zeros(0, np.int32)
        recorders = np.concatenate([p[1] for p in self.sr_pairs]) if self.sr_pairs else np.zeros(0, np.int32)
        order = np.lexsort((recorders, sources))
        self.sr_index = recorders[order]
        self.sr_offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(sources, minlength=n), out=self.sr_offsets[1:])
        self.changed = False
        return smp_offsets

    cdef int64_t rows_per_window(self, double width) except -1:
        """The multimeters' rows a window of ``width`` (ms) fills at most."""
        return 1 + sum(int(m["targets"].shape[0] * width / m["interval"]) + 1 for m in self.meters)

    cdef int plan_meters(self, double t0, double t1, const int32_t* gids) except -1:
        """Reserve each multimeter's rows for its samples in [t0, t1) and fill senders (global
        ids ``gids`` of the engine indices) and times; each sampler starts at its multimeter's
        first sample."""
        cdef int m
        cdef int64_t j_lo, j_hi, j, c, row, n_t
        cdef double interval, t_on, t_off
        cdef MeterPlan* plan
        cdef EventLog log
        cdef cnp.int32_t[::1] targets
        cdef Sampler* samplers = <Sampler*> cnp.PyArray_DATA(self.samplers)
        for m, meter in enumerate(self.meters):
            plan = &self.plans[m]
            interval = meter["interval"]
            t_on = meter["t_on"]
            t_off = meter["t_off"]
            targets = meter["targets"]
            n_t = targets.shape[0]
            plan.interval = interval
            plan.q = inverse_interval(interval)
            plan.base = meter.get("offset", 0.0)
            plan.shift = 1 if plan.base > 0.0 else 0
            # first sample at or after t0, after t_on, and j >= 1
            j_lo = max(<int64_t> ((t0 - plan.base) / interval) + plan.shift, 1)
            while j_lo > 1 and plan_time(plan, j_lo - 1) >= t0:
                j_lo -= 1
            while plan_time(plan, j_lo) < t0:
                j_lo += 1
            if t_on >= t0:
                j = max(<int64_t> ((t_on - plan.base) / interval) + plan.shift, 1)
                while plan_time(plan, j) <= t_on:
                    j += 1
                if j > j_lo:
                    j_lo = j
            # last sample before t1, at or before t_off
            j_hi = <int64_t> ((t1 - plan.base) / interval) + plan.shift + 1
            while j_hi >= j_lo and plan_time(plan, j_hi) >= t1:
                j_hi -= 1
            if t_off < t1:
                while j_hi >= j_lo and plan_time(plan, j_hi) > t_off:
                    j_hi -= 1
            log = self.meter_logs[m]
            plan.j_lo = j_lo
            plan.j_hi = j_hi
            plan.n_targets = <int32_t> n_t
            plan.n_values = log.n_values
            plan.variables = <const int32_t*> cnp.PyArray_DATA(meter["variables"])
            if j_hi < j_lo or n_t == 0:
                plan.j_hi = j_lo - 1
                plan.first_row = log.n
                plan.values = log.values
                continue
            row = log.n
            log.reserve((j_hi - j_lo + 1) * n_t)
            plan.first_row = row
            plan.values = log.values
            for j in range(j_lo, j_hi + 1):
                for c in range(n_t):
                    log.senders[row] = gids[targets[c]]
                    log.times[row] = plan_time(plan, j)
                    row += 1
        for j in range(self.samplers.shape[0]):
            samplers[j].j_next = self.plans[samplers[j].meter].j_lo
        return 0

    cdef void trim_meters(self, double t_end):
        """Drop the rows reserved for samples at or after ``t_end`` (a chunk that ended before
        the time it planned for): rows are time-major, so they are the logs' last ones."""
        cdef int m
        cdef int64_t j
        cdef MeterPlan* plan
        cdef EventLog log
        for m in range(len(self.meters)):
            plan = &self.plans[m]
            if plan.j_hi < plan.j_lo:
                continue
            j = plan.j_lo
            while j <= plan.j_hi and plan_time(plan, j) < t_end:
                j += 1
            log = self.meter_logs[m]
            log.unreserve(plan.first_row + (j - plan.j_lo) * plan.n_targets)

    cdef int record_spikes(self, const SpikeBuffer* spikes, const int32_t* gids) except -1:
        """Append a chunk's ``spikes`` (in time order) to the recorders of their senders
        (global ids ``gids`` of the engine indices)."""
        cdef const int64_t* off = <const int64_t*> cnp.PyArray_DATA(self.sr_offsets)
        cdef const int32_t* index = <const int32_t*> cnp.PyArray_DATA(self.sr_index)
        cdef double[:, ::1] window = self.sr_window
        cdef int64_t i, r
        cdef int m
        cdef SpikeOut* sp
        cdef EventLog log
        if self.sr_index.shape[0] == 0:
            return 0
        for i in range(spikes.n):
            sp = &spikes.data[i]
            for r in range(off[sp.neuron], off[sp.neuron + 1]):
                if window[index[r], 0] < sp.t <= window[index[r], 1]:
                    log = self.spike_logs[index[r]]
                    for m in range(sp.mult):
                        log.append_spike(gids[sp.neuron], sp.t)
        return 0

    cdef int record_weights(self, WeightBuffer* weights) except -1:
        """Append a chunk's transmissions through watched synapses (``weights``, in arrival
        order) to their weight recorders, and empty ``weights``."""
        cdef int64_t i
        cdef WeightEvent* events = weights.data
        cdef EventLog log
        for i in range(weights.n):
            log = self.weight_logs[events[i].recorder]
            log.reserve(1)
            log.senders[log.n - 1] = events[i].sender
            log.times[log.n - 1] = events[i].t
            log.values[4 * (log.n - 1)] = events[i].target
            log.values[4 * (log.n - 1) + 1] = events[i].weight
            log.values[4 * (log.n - 1) + 2] = events[i].receptor
            log.values[4 * (log.n - 1) + 3] = events[i].port
        weights.n = 0
        return 0
