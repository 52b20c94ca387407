"""Recording devices: the facade side of spike recorders, multimeters and weight recorders.

Recorders keep their events in the core's event logs.  With ``record_to`` set to a file
backend they also write them after each simulation call: ``'ascii'`` (NEST's text format,
``.dat``), ``'csv'`` (comma-separated, full precision) or ``'npz'`` (numpy arrays named as in
``events``); :func:`read_events` reads any of the three back into an ``events`` dict.
"""
import os
import warnings
import zipfile

import numpy as np

from ..errors import BadParameterError, CSNNWarning, KernelStateError, file_access, file_path
from ..events import Events
from .device_node import ACTIVITY, Device, check_resolution_multiple

_RECORDER = (
    ("label", "", "", "str", "Name used for files written (default: the model name)"),
    ("record_to", "memory", "", "str", "Where events go: 'memory', 'ascii' (text file), 'csv', 'npz' or "
                                        "'screen'"),
    ("time_in_steps", False, "", "bool", "Times as steps of the resolution (ints) and offsets (ms) before each step's "
                                         "end, as NEST gives them; set before the first Simulate"),
    ("precision", 3, "", "count", "Digits after the point of times and values written to files"),
    ("n_events", 0, "", "count", "Number of events recorded; set to 0 to clear the events"),
    ("max_events", 0, "", "count", "Most events held in memory, later ones are dropped (0: no limit; file "
                                   "backends write and free their events during Simulate)"),
) + ACTIVITY

#: NEST 2 recorder flags: accepted; the ones that choose a backend set record_to
_LEGACY_FLAGS = {"withgid": None, "withtime": None, "withweight": None, "to_memory": "memory",
                 "to_file": "ascii", "to_screen": "screen"}

#: what record_to accepts (the kernel status lists them as recording_backends)
BACKENDS = ("memory", "ascii", "csv", "npz", "screen")
#: most digits after the point that text backends write (``precision``)
MAX_PRECISION = 17

#: file backends: their file extension.  ascii and csv append the events of each simulation
#: call and drop them from memory; npz rewrites its file with all events, which it keeps.
_FILE_EXTENSIONS = {"ascii": ".dat", "csv": ".csv", "npz": ".npz"}
#: backends after which a recorder's ``events`` still hold everything recorded
KEEPS_EVENTS = ("memory", "npz")
#: text files' header names -> events keys
_HEADER_KEYS = {"sender": "senders", "time_ms": "times", "time_step": "times", "time_offset": "offsets"}
#: events that hold integers (ids, receptors, ports); the rest are floats
_INTEGER_EVENTS = ("senders", "targets", "receptors", "ports")
#: a time within this fraction of a step of the step's end is at its end (offset 0)
STEP_TOLERANCE = 1e-9


def read_events(path):
    """The events a recorder wrote to ``path`` (``record_to`` 'ascii', 'csv' or 'npz'), as its
    ``events`` hold them (an :class:`~csnn.events.Events` dict of numpy arrays): ``senders``,
    ``times`` (ms) and its columns."""
    path = file_path(path, "read_events")
    if not path.endswith((".dat", ".csv", ".npz")):
        raise BadParameterError(f"read_events: path = {path!r} is not a recorder file; accepted: the .dat, "
                                ".csv and .npz files of record_to 'ascii', 'csv' and 'npz'")
    not_written_by_a_recorder = f"read_events: {path!r} was not written by a recorder"
    if path.endswith(".npz"):
        try:
            with file_access("read_events", path), np.load(path, allow_pickle=False) as data:
                return Events((key, data[key]) for key in data.files)
        except (ValueError, EOFError, zipfile.BadZipFile) as err:
            raise BadParameterError(f"{not_written_by_a_recorder}: {err}") from None
    delimiter = "," if path.endswith(".csv") else "\t"
    with file_access("read_events", path), open(path, errors="replace") as f:
        lines = [line for line in f if not line.startswith("#")]
    if not lines:
        raise BadParameterError(f"{not_written_by_a_recorder}: it has no header line")
    names = [_HEADER_KEYS.get(name, name) for name in lines[0].rstrip("\n").split(delimiter)]
    try:
        table = (np.loadtxt(lines[1:], delimiter=delimiter, ndmin=2) if len(lines) > 1
                 else np.zeros((0, len(names))))
    except ValueError as err:
        raise BadParameterError(f"{not_written_by_a_recorder}: {err}") from None
    if table.shape[1] != len(names):
        raise BadParameterError(f"{not_written_by_a_recorder}: its header names {len(names)} columns, its lines "
                                f"hold {table.shape[1]}")
    return Events((name, table[:, k].astype(np.int64 if name in _INTEGER_EVENTS else float))
                  for k, name in enumerate(names))


class Recorder(Device):
    """Base of recorders: events in an engine log, and the text-file backend."""

    KIND = "recorder"
    READ_ONLY = (("events", None, "", "Recorded events: dict of arrays"),
                 ("filenames", None, "", "Files written by a file backend"),
                 ("n_dropped", 0, "", "Events not kept because max_events was reached"))

    def __init__(self, kernel, gid, model, params):
        super().__init__(kernel, gid, model, params)
        self.n_cleared = 0       # events recorded before the last clear (n_events = 0)
        self.n_dropped = 0       # events beyond max_events, not kept
        self.warned = False      # the drop was reported (once per Simulate)
        self.file = None         # text backends: the open file; npz: the path it rewrites
        self.written = 0         # log rows already written to the file
        self.append = False      # after csnn.load: a text backend appends to the file it wrote

    @classmethod
    def check_defaults(cls, owner, values):
        if values["n_events"] != 0:
            raise BadParameterError(f"{owner}: n_events can only be set to 0 (to clear the events), "
                                    f"got {values['n_events']}")
        if values["record_to"] not in BACKENDS:
            raise BadParameterError(f"{owner}: record_to = {values['record_to']!r} is invalid; "
                                    f"accepted: {', '.join(map(repr, BACKENDS))}")
        if values["precision"] > MAX_PRECISION:
            raise BadParameterError(f"{owner}: precision = {values['precision']} is invalid: must be an integer in "
                                    f"[0, {MAX_PRECISION}] (digits after the point; a double holds 17 significant "
                                    "digits)")
        if not values["stop"] >= values["start"]:
            raise BadParameterError(f"{owner}: stop = {values['stop']} ms must not be smaller than "
                                    f"start = {values['start']} ms")

    @staticmethod
    def translate_params(owner, params):
        """NEST 2 flags (withgid, withtime, to_file, ...) -> NEST 3 parameters."""
        params = dict(params)
        for flag, backend in _LEGACY_FLAGS.items():
            if flag in params:
                value = params.pop(flag)
                if backend is not None and value:
                    params["record_to"] = backend
        return params

    @classmethod
    def check_new(cls, kernel, owner, values):
        super().check_new(kernel, owner, values)
        if values["time_in_steps"] and kernel.started:
            raise KernelStateError(f"{owner}: time_in_steps cannot be set after Simulate has been called (as in NEST)")

    def validate(self, changes):
        if "time_in_steps" in changes and changes["time_in_steps"] != self.params["time_in_steps"] \
                and self.kernel.started:
            raise KernelStateError(f"{self.owner}: time_in_steps cannot change after Simulate has been called "
                                   "(as in NEST)")
        super().validate(changes)

    def set(self, changes):
        if "n_events" in changes:
            self.log.clear()
            self.n_cleared = self.log.total
            self.n_dropped = 0
            self.written = 0
            changes = {k: v for k, v in changes.items() if k != "n_events"}
        super().set(changes)

    def status(self):
        d = super().status()
        d["n_events"] = self.log.total - self.n_cleared - self.n_dropped
        d["n_dropped"] = self.n_dropped
        d["events"] = self.events()
        d["filenames"] = [self.filename] if self.params["record_to"] in _FILE_EXTENSIONS else []
        return d

    def __getstate__(self):
        # a checkpoint (csnn.save) keeps what was written, not the open file: after loading,
        # a text backend appends to its file
        state = dict(self.__dict__)
        state["append"] = self.file is not None and self.params["record_to"] in ("ascii", "csv")
        state["file"] = None
        return state

    @property
    def filename(self):
        """The file of a file backend, named as NEST names it: ``<data_path>/<data_prefix><label
        or model>-<id>-<vp>.<ext>``, where vp is the virtual process that records (this MPI
        process's first thread: its rank), zero-padded to the digits of the number of virtual
        processes; so each MPI process writes its own file."""
        status, engine = self.kernel.status, self.kernel.engine
        label = self.params["label"] or self.model.name
        extension = _FILE_EXTENSIONS.get(self.params["record_to"], ".dat")
        vp = f"{engine.rank:0{len(str(status['local_num_threads'] * engine.n_ranks))}d}"
        return os.path.join(status["data_path"], f"{status['data_prefix']}{label}-{self.gid}-{vp}{extension}")

    def open(self):
        """Check the output file of a file backend and open a text one (at the start of a
        simulation)."""
        self.warned = False
        backend = self.params["record_to"]
        if backend not in _FILE_EXTENSIONS or self.file is not None:
            return
        path = self.filename
        if self.append:
            # the file this recorder wrote before its kernel was saved
            with file_access(self.owner, path):
                self.file = open(path, "a")
            self.append = False
            return
        if os.path.exists(path) and not self.kernel.status["overwrite_files"]:
            raise KernelStateError(f"{self.owner}: the file {path!r} exists and "
                                   "overwrite_files is False; set SetKernelStatus({'overwrite_files': True}) "
                                   "or choose another label or data_path")
        if backend == "npz":
            self.file = path          # written whole at each flush
            return
        with file_access(self.owner, path):
            self.file = open(path, "w")
            times = ["time_step", "time_offset"] if self.params["time_in_steps"] else ["time_ms"]
            header = ["sender"] + times + list(self.columns())
            if backend == "ascii":
                self.file.write("# csnn (NEST-compatible ascii recording backend)\n")
            self.file.write(("\t" if backend == "ascii" else ",").join(header) + "\n")

    def flush(self):
        """Write (file backends) or print (screen) the events recorded since the last flush."""
        backend = self.params["record_to"]
        if backend == "memory":
            return
        if backend == "npz":
            # rewritten whole and replaced in one step: a reader never sees half a file
            temporary = self.filename + ".part.npz"
            with file_access(self.owner, self.filename):
                np.savez(temporary, **self.events())
                os.replace(temporary, self.filename)
            return
        senders, times, values = self.log.arrays(self.written)
        self.written = self.log.n_events
        if self.params["time_in_steps"]:
            steps, offsets = self.steps(times)
            values = np.column_stack([offsets, values])
            times = steps
        if backend == "csv":
            # repr: the shortest text that reads back as the same float
            lines = "".join(",".join([str(s), repr(t)] + [repr(v) for v in row]) + "\n"
                            for s, t, row in zip(senders.tolist(), times.tolist(), values.tolist()))
        else:
            prec = self.params["precision"]
            time_format = "d" if self.params["time_in_steps"] else f".{prec}f"
            lines = "".join(
                "\t".join([str(s), f"{t:{time_format}}"] + [f"{v:.{prec}f}" for v in row]) + "\n"
                for s, t, row in zip(senders.tolist(), times.tolist(), values.tolist()))
        if backend == "screen":
            print(lines, end="")
        else:
            with file_access(self.owner, self.filename):
                self.file.write(lines)
                self.file.flush()
        # events written out are not kept in memory
        self.log.clear()
        self.written = 0

    @property
    def bounded(self):
        """Whether the recorder needs servicing during Simulate (see :meth:`service`)."""
        return self.params["max_events"] > 0 or self.params["record_to"] in ("ascii", "csv")

    def service(self):
        """Between chunks of a Simulate: text backends write out and free their events; a
        recorder at max_events drops the events beyond it (and says so once per Simulate)."""
        if self.params["record_to"] in ("ascii", "csv"):
            self.flush()
            return
        limit = self.params["max_events"]
        excess = self.log.n_events - limit
        if limit == 0 or excess <= 0:
            return
        self.log.truncate(limit)
        self.n_dropped += excess
        if not self.warned:
            self.warned = True
            warnings.warn(f"{self.owner} holds max_events = {limit} events; later events "
                          "are dropped (n_dropped counts them): raise max_events or record to a file",
                          CSNNWarning, stacklevel=2)

    def close(self):
        if self.file is not None and self.params["record_to"] != "npz":
            self.file.close()
        self.file = None

    def columns(self):
        return ()

    def steps(self, times):
        """``times`` (ms) as NEST gives them with time_in_steps: the step of the resolution that
        ends at or after each (int64), and the offset (ms) of the time before that end."""
        h = self.kernel.status["resolution"]
        steps = np.ceil(times / h - STEP_TOLERANCE).astype(np.int64)
        # a step's end as csnn computes grid times (k / (1 / h) when 1 / h is whole: 3.3, not 33 * 0.1)
        inverse = round(1.0 / h)
        ends = steps / inverse if inverse * h == 1.0 else steps * h
        offsets = ends - times
        return steps, np.where(offsets > STEP_TOLERANCE * h, offsets, 0.0)

    def timed(self, events):
        """``events`` with their times in steps and offsets when time_in_steps is set."""
        if self.params["time_in_steps"]:
            events["times"], events["offsets"] = self.steps(events["times"])
        return events

    def chunk_recorded(self, first_row):
        """After a chunk of a run, the rows from ``first_row`` on are the chunk's (a recorder
        that keeps only some of them filters them here)."""


class SpikeRecorder(Recorder):
    """spike_recorder (alias spike_detector): records the spikes of the neurons connected to it.

    ``events``: ``senders`` (ids) and ``times`` (ms, exact), in time order.  Spikes emitted in
    ``(origin + start, origin + stop]`` are kept; a spike of multiplicity ``m`` is recorded
    ``m`` times.  The NEST 2 flags ``withgid`` and ``withtime`` are accepted and have no effect
    (ids and times are always recorded); ``to_file``/``to_screen`` choose the backend.
    """

    NAME = "spike_recorder"
    PARAMETERS = _RECORDER

    def __init__(self, kernel, gid, model, params):
        super().__init__(kernel, gid, model, params)
        self.index = kernel.engine.recorders.add_spike_recorder(*self.window)
        self.log = kernel.engine.recorders.spike_log(self.index)

    def set(self, changes):
        super().set(changes)
        self.kernel.engine.recorders.set_spike_recorder_window(self.index, *self.window)

    def events(self):
        senders, times, _ = self.log.arrays()
        return self.timed(Events(senders=senders, times=times))


class Multimeter(Recorder):
    """multimeter (and voltmeter, which records ``V_m``): samples state variables.

    Parameters: ``record_from`` (names of recordables), ``interval`` (ms, default 1), plus the
    recorder parameters.  The connected neurons are sampled at times ``k * interval`` (k >= 1)
    in ``(origin + start, origin + stop]``; a call ``Simulate(T)`` records samples before
    ``T``, the one at ``T`` being taken by the next call, as NEST does.  Each value is the exact
    state at the sample time.  ``events`` holds ``senders``, ``times`` and one array per
    variable, time-major with neurons in id order, so ``[::2]`` de-interleaves two neurons.
    """

    NAME = "multimeter"
    PARAMETERS = _RECORDER + (
        ("interval", 1.0, "ms", "positive", "Sampling interval"),
        ("offset", 0.0, "ms", "nonnegative", "First sample at offset, then every interval (0: first at interval)"),
        ("record_from", [], "", "strings", "Recordables to sample"),
    )

    def __init__(self, kernel, gid, model, params):
        super().__init__(kernel, gid, model, params)
        check_resolution_multiple(f"{model.name} (id {gid})", "interval", self.params["interval"],
                                  kernel.status["resolution"])
        if self.params["offset"] > 0:
            check_resolution_multiple(f"{model.name} (id {gid})", "offset", self.params["offset"],
                                      kernel.status["resolution"])
        self.index = kernel.engine.recorders.add_meter(self.params["interval"], self.params["offset"], *self.window,
                                                       self.codes())
        self.log = kernel.engine.recorders.meter_log(self.index)

    @classmethod
    def check_new(cls, kernel, owner, values):
        super().check_new(kernel, owner, values)
        kernel.nodes.recordable_codes(owner, values["record_from"])

    def codes(self):
        return self.kernel.nodes.recordable_codes(self.owner, self.params["record_from"])

    def validate(self, changes):
        if "record_from" in changes:
            self.kernel.nodes.recordable_codes(self.owner, changes["record_from"])
            if self.n_out > 0 and list(changes["record_from"]) != list(self.params["record_from"]):
                raise KernelStateError(f"{self.owner}: record_from cannot change after the multimeter has "
                                       "been connected")
        if "offset" in changes:
            if changes["offset"] > 0:
                check_resolution_multiple(self.owner, "offset", changes["offset"], self.kernel.status["resolution"])
            if self.n_out > 0 and changes["offset"] != self.params["offset"]:
                raise KernelStateError(f"{self.owner}: offset cannot change after the multimeter has been connected "
                                       "(as in NEST)")
        if "interval" in changes:
            check_resolution_multiple(self.owner, "interval", changes["interval"], self.kernel.status["resolution"])
            if self.n_out > 0 and self.kernel.engine.t_now > 0 and changes["interval"] != self.params["interval"]:
                raise KernelStateError(f"{self.owner}: interval cannot change after the simulation has started")
        super().validate(changes)

    def set(self, changes):
        super().set(changes)
        if "record_from" in changes and self.n_out == 0:
            self.index = self.kernel.engine.recorders.add_meter(self.params["interval"], self.params["offset"], *self.window,
                                                                self.codes())
            self.log = self.kernel.engine.recorders.meter_log(self.index)
        self.kernel.engine.recorders.set_meter_window(self.index, self.params["interval"], self.params["offset"],
                                                      *self.window)

    def columns(self):
        return tuple(self.params["record_from"])

    def events(self):
        senders, times, values = self.log.arrays()
        events = Events(senders=senders, times=times)
        for k, name in enumerate(self.params["record_from"]):
            events[name] = values[:, k].copy()
        return self.timed(events)


class WeightRecorder(Recorder):
    """weight_recorder: records the weights of plastic synapses as they transmit.

    Give it to a plastic synapse model with ``CopyModel('stdp_synapse', 'stdp_rec',
    {'weight_recorder': recorder})`` (or SetDefaults); every spike sent through a synapse of
    that model is then recorded after its weight update.  ``events``: ``senders`` and
    ``targets`` (ids), ``times`` (the presynaptic spike's time, ms), ``weights``, ``receptors``
    and ``ports``.
    """

    NAME = "weight_recorder"
    PARAMETERS = _RECORDER + (
        ("senders", (), "", "any", "Record only synapses from these nodes (a NodeCollection or ids; empty: all)"),
        ("targets", (), "", "any", "Record only synapses onto these nodes (a NodeCollection or ids; empty: all)"),
    )

    def __init__(self, kernel, gid, model, params):
        super().__init__(kernel, gid, model, params)
        self.index = kernel.engine.recorders.add_weight_recorder()
        self.log = kernel.engine.recorders.weight_log(self.index)

    @classmethod
    def check_defaults(cls, owner, values):
        super().check_defaults(owner, values)
        for key in ("senders", "targets"):
            cls.filter_ids(owner, key, values[key])

    @staticmethod
    def filter_ids(owner, key, value):
        """The ids of the ``senders`` or ``targets`` filter ``value`` (None: no filter)."""
        if value is None:
            return None
        try:
            ids = np.asarray(value)
        except Exception:
            ids = None
        if ids is None or ids.ndim > 1 or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
            raise BadParameterError(f"{owner}: {key} = {value!r} is invalid: give a NodeCollection or a list of "
                                    "node ids (empty: every one)")
        return np.unique(ids.astype(np.int64)) if ids.size else None

    @property
    def filtered(self):
        """Whether senders or targets limit what is recorded."""
        return any(self.filter_ids(self.owner, key, self.params[key]) is not None for key in ("senders", "targets"))

    def chunk_recorded(self, first_row):
        """Keep only the weights of synapses from ``senders`` onto ``targets``."""
        senders, _, values = self.log.arrays(first_row)
        keep = np.ones(senders.size, bool)
        for key, ids in (("senders", senders), ("targets", values[:, 0].astype(np.int64))):
            wanted = self.filter_ids(self.owner, key, self.params[key])
            if wanted is not None:
                keep &= np.isin(ids, wanted)
        if not keep.all():
            self.log.keep_rows(first_row, keep)

    def columns(self):
        return ("targets", "weights", "receptors", "ports")

    def events(self):
        senders, times, values = self.log.arrays()
        return self.timed(Events(senders=senders, targets=values[:, 0].astype(np.int64), times=times,
                                 weights=values[:, 1].copy(), receptors=values[:, 2].astype(np.int64),
                                 ports=values[:, 3].astype(np.int64)))
