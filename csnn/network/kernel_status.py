"""Status of the kernel: ``GetKernelStatus``/``SetKernelStatus`` and ``nest.resolution = ...``.

:class:`KernelStatus` owns the kernel's settings (seed, resolution, threads, files, progress,
the delay range) and its timers, and reports them with what the other parts of the kernel
count (time, delays, nodes, connections, spikes).  Every key of NEST 3.10's kernel status is
either given with NEST's meaning (KERNEL_KEYS) or refused with the reason csnn does not offer
it (NOT_OFFERED).
"""
import contextlib
import functools
import importlib.util
import numbers
import os
import platform
import time
import warnings

import numpy as np

from .. import memory as cmemory, progress as cprogress
from .._core.engine import OPENMP
from ..devices.recorders import BACKENDS
from ..errors import (BadParameterError, BadTypeError, CSNNWarning, KernelStateError, UnknownParameterError, shown,
                      to_float, unknown_name)
from . import connect as cconnect, processes
from .nodes import status_keys
from .verbosity import checked_level, get_verbosity, set_verbosity

#: threads a kernel runs (each has its own spike and event buffers): more than machines have cores
MAX_THREADS = 1024

#: the timers csnn measures, with NEST's names: key -> what its wall time (s) is; ``key``_cpu is
#: the CPU time of the script's thread in the same (NEST's _cpu timers)
TIMERS = {
    "time_construction_create": "Wall time (s) of the Create calls since ResetKernel",
    "time_construction_connect": "Wall time (s) of the Connect calls since ResetKernel",
    "time_simulate": "Wall time (s) of the last Simulate call (in a Prepare/Run/Cleanup sequence: of Prepare and "
                     "the Runs since)",
    "time_communicate_prepare": "Wall time (s) Prepare calls since ResetKernel spent agreeing with the other MPI "
                                "processes on the network (where NEST exchanges its connection tables)",
}

#: kernel status: key -> (default, writable, description)
KERNEL_KEYS = {
    "biological_time": (0.0, False, "Simulated time (ms)"),
    "time": (0.0, False, "NEST 2 name of biological_time (ms)"),
    "rng_seed": (143202461, True, "Seed of every random number drawn"),
    "resolution": (0.1, True, "Step of poisson_generator's grid and of the times that coincide exactly; "
                              "recorder intervals must be multiples of it (ms)"),
    "tics_per_ms": (1000.0, True, "Tics per ms: the resolution must be a whole number of tics, as in NEST "
                                  "(csnn's spike times are continuous: tics bound nothing else)"),
    "ms_per_tic": (None, False, "1 / tics_per_ms (ms)"),
    "tics_per_step": (None, False, "Tics per step of the resolution"),
    "memory_size": (None, False, "Resident memory of this process (KiB), -1 where the system does not say"),
    "build_info": (None, False, "How csnn was built: version, threading, MPI, platform"),
    "local_num_threads": (1, True, "Threads that process neurons in parallel"),
    "total_num_virtual_procs": (1, True, "Threads of all MPI processes: num_processes * local_num_threads"),
    "print_time": (False, True, "Print the progress of Simulate (NEST's switch: forces progress_bar on)"),
    "progress_bar": ("auto", True, "When Simulate shows its progress: 'auto' (on a terminal, once a run "
                                   "has taken 2 s), True or False (csnn/progress.py)"),
    "overwrite_files": (False, True, "Let recorders overwrite existing files"),
    "data_path": ("", True, "Directory of files written by recorders"),
    "data_prefix": ("", True, "Prefix of files written by recorders"),
    "dict_miss_is_error": (True, True, "Accepted for NEST compatibility; unknown keys are always errors"),
    "min_delay": (None, True, "Smallest synaptic delay (ms); set with max_delay, before any connection exists, "
                              "it bounds the delays of later connections (as in NEST)"),
    "max_delay": (None, True, "Largest synaptic delay (ms); set with min_delay (as in NEST)"),
    "num_connections": (0, False, "Number of connections"),
    "network_size": (0, False, "Number of nodes"),
    "node_models": ((), False, "Names of node models"),
    "synapse_models": ((), False, "Names of synapse models"),
    "connection_rules": (tuple(cconnect.RULES), False, "Connection rules"),
    "num_processes": (1, False, "MPI processes the script runs on (csnn.network.processes)"),
    "time_communicate_spike_data": (0.0, False, "Wall time (s) this MPI process spent exchanging spikes, "
                                                "waiting for the others included"),
    "spike_exchanges": (0, False, "Windows whose spikes this MPI process exchanged with the others"),
    "spike_exchange_bytes": (0, False, "Bytes this MPI process received in spike exchanges"),
    "time_batch_spike_data": (0.0, False, "Wall time (s) of the windows' serial ends: the spikes of the whole "
                                          "network sorted and batched for delivery (exchanges excluded)"),
    "off_grid_spiking": (True, False, "Spike times are continuous"),
    "local_spike_counter": (0, False, "Spikes this MPI process's neurons emitted in the last Simulate or Run call "
                                      "(as NEST's)"),
    "mpi_rank": (0, False, "This process's MPI rank (Rank())"),
    "prepared": (False, False, "Whether Prepare was called and its Cleanup not yet"),
    "to_do": (0, False, "Steps left of the present run: 0 whenever the status can be read, between calls"),
    "modules": ((), False, "Extension modules loaded: none (csnn loads no NEST modules; Install raises)"),
    "recording_backends": (BACKENDS, False, "Where recorders can write (record_to)"),
    "stimulation_backends": ((), False, "Stimulation backends: none (NEST's are MPI and MUSIC input)"),
    "verbosity": (None, True, "The message level (csnn.VerbosityLevel; kept across ResetKernel, as in NEST)"),
    **{key: (0.0, False, text) for key, text in TIMERS.items()},
    **{f"{key}_cpu": (0.0, False, f"CPU time (s) of the script's thread in what {key} times") for key in TIMERS},
    "version": (None, False, "csnn version"),
    "threads_model": (None, False, "'openmp' when built with OpenMP, else 'none'"),
}

_BUFFERS = ("NEST's MPI buffers and their tuning: csnn's processes exchange each window's spikes in messages "
            "sized to them (time_communicate_spike_data, spike_exchanges and spike_exchange_bytes report it)")
_DETAILED = ("one of NEST's detailed timers (which NEST 3.10's packages are built without): csnn does not time this "
             "phase; it gives time_simulate, time_communicate_spike_data and time_batch_spike_data")

#: NEST 3.10's kernel status keys that csnn does not offer: key -> why
NOT_OFFERED = {
    **dict.fromkeys(("adaptive_target_buffers", "buffer_size_spike_data", "buffer_size_target_data",
                     "growth_factor_buffer_spike_data",
                     "growth_factor_buffer_target_data", "max_buffer_size_target_data", "spike_buffer_grow_extra",
                     "spike_buffer_shrink_limit", "spike_buffer_shrink_spare", "spike_buffer_resize_log",
                     "send_buffer_size_secondary_events", "recv_buffer_size_secondary_events",
                     "use_compressed_spikes"), _BUFFERS),
    "keep_source_table": "NEST's table of connection sources: csnn keeps no such table apart from its synapses",
    **dict.fromkeys(("use_wfr", "wfr_comm_interval", "wfr_tol", "wfr_max_iterations", "wfr_interpolation_order"),
                    "NEST's waveform relaxation, for gap junctions: csnn has no gap junctions"),
    **dict.fromkeys(("eprop_update_interval", "eprop_learning_window", "eprop_reset_neurons_on_update"),
                    "NEST's e-prop plasticity: csnn has no e-prop models"),
    **dict.fromkeys(("structural_plasticity_synapses", "structural_plasticity_update_interval", "growth_curves"),
                    "NEST's structural plasticity: csnn has none"),
    **dict.fromkeys(("rng_type", "rng_types"), "NEST's choice of random generator: csnn draws from its own "
                                               "generators (numpy's, keyed by rng_seed), which cannot be changed"),
    **dict.fromkeys(("T_max", "T_min"), "NEST's range of times in tics: csnn's times are doubles, with no such range"),
    **dict.fromkeys(("min_update_time", "max_update_time", "update_time_limit", "cycle_time_log"),
                    "NEST's wall time of each update step: csnn does not time its windows one by one"),
    "max_num_syn_models": "NEST's limit on synapse models: csnn sets none",
    **dict.fromkeys([f"time_{phase}{cpu}" for phase in (
        "collocate_spike_data", "communicate_target_data", "deliver_spike_data", "deliver_secondary_data",
        "gather_spike_data", "gather_target_data", "gather_secondary_data", "update", "mpi_synchronization",
        "omp_synchronization_construction", "omp_synchronization_simulation") for cpu in ("", "_cpu")]
                    + ["time_communicate_spike_data_cpu"], _DETAILED),
}


def not_offered(key, error=UnknownParameterError):
    """The error for NEST's kernel status key ``key`` that csnn does not offer."""
    return error(f"kernel status key {key!r} is NEST's, but csnn does not offer it: {NOT_OFFERED[key]}")


def check_key(key, what, writable=False):
    """``key`` must be a kernel status key csnn has (and writable, for ``writable``)."""
    if key in NOT_OFFERED:
        raise not_offered(key)
    if key not in KERNEL_KEYS:
        raise unknown_name("kernel status key", key, [k for k, v in KERNEL_KEYS.items() if v[1] or not writable])
    if writable and not KERNEL_KEYS[key][1]:
        raise BadParameterError(f"{what}: {key!r} is read-only")


class KernelStatus:
    """The settings of one kernel and the status it reports."""

    def __init__(self, kernel):
        self.kernel = kernel
        self.settings = {k: v[0] for k, v in KERNEL_KEYS.items() if v[1] and k not in _OWN_STATE}
        self.timers = {key: 0.0 for name in TIMERS for key in (name, f"{name}_cpu")}
        self.delay_range = None               # (min_delay, max_delay) once set, as NEST's bounds
        self.spikes_before_run = 0            # the engine's spike count when the last Run began

    @contextlib.contextmanager
    def timed(self, name):
        """Add the wall and CPU time of the block to timer ``name`` of TIMERS."""
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            self.timers[name] += time.perf_counter() - wall
            self.timers[f"{name}_cpu"] += time.thread_time() - cpu

    def restart(self, name):
        """Timer ``name`` (and its _cpu) from 0 (time_simulate at each Prepare)."""
        self.timers[name] = self.timers[f"{name}_cpu"] = 0.0

    def check_delays(self, delay):
        """Delays (ms, an array) of new connections must lie within min_delay and max_delay
        once these were set (as in NEST)."""
        if self.delay_range is None or not delay.size:
            return
        low, high = self.delay_range
        outside = (delay < low) | (delay > high)
        if outside.any():
            raise BadParameterError(f"delay = {float(delay[outside][0])!r} ms is invalid: it is outside [min_delay, "
                                    f"max_delay] = [{low!r}, {high!r}] ms, which SetKernelStatus set (as in NEST); "
                                    "set them to include it, before any connection exists")

    def get(self, keys=None):
        """The kernel status: a dict, the value of key ``keys``, or a list of values for a list
        of keys."""
        names = None if keys is None else status_keys(keys, "GetKernelStatus")
        for k in names or ():
            check_key(k, "GetKernelStatus")
        engine = self.kernel.engine
        low, high = self.delay_range or (engine.min_delay if np.isfinite(engine.min_delay) else self.settings["resolution"],
                                         engine.max_delay if engine.max_delay > 0 else self.settings["resolution"])
        d = dict(self.settings)
        d.update(self.timers)
        d.update({
            "biological_time": self.kernel.engine.t_now, "time": self.kernel.engine.t_now,
            "min_delay": low, "max_delay": high, "verbosity": get_verbosity(),
            "mpi_rank": processes.rank(), "prepared": self.kernel.prepared, "to_do": 0, "modules": (),
            "recording_backends": BACKENDS, "stimulation_backends": (),
            "num_connections": self.kernel.connections.num_connections(), "network_size": self.kernel.nodes.size(),
            "node_models": tuple(self.kernel.models.names("nodes")),
            "synapse_models": tuple(self.kernel.models.names("synapse")),
            "connection_rules": tuple(cconnect.RULES), "num_processes": processes.num_processes(),
            "off_grid_spiking": True,
            "local_spike_counter": self.kernel.engine.n_spikes - self.spikes_before_run, "version": self.kernel.version,
            "time_batch_spike_data": self.kernel.engine.end_seconds,
            "threads_model": "openmp" if OPENMP else "none",
            "ms_per_tic": 1.0 / self.settings["tics_per_ms"],
            "tics_per_step": round(self.settings["resolution"] * self.settings["tics_per_ms"]),
            "total_num_virtual_procs": self.settings["local_num_threads"] * processes.num_processes(),
        })
        exchange = self.kernel.engine.exchange
        if exchange is not None:
            figures = exchange.statistics()
            d.update({"time_communicate_spike_data": figures["seconds"], "spike_exchanges": figures["exchanges"],
                      "spike_exchange_bytes": figures["bytes"]})
        else:
            d.update({"time_communicate_spike_data": 0.0, "spike_exchanges": 0, "spike_exchange_bytes": 0})
        # what takes a system call or more only when asked for (csnn.biological_time reads here)
        if names is None or "memory_size" in names:
            d["memory_size"] = cmemory.resident_kib()
        if names is None or "build_info" in names:
            d["build_info"] = dict(build_info(self.kernel.version))
        if keys is None:
            return d
        if isinstance(keys, str):
            return d[keys]
        return [d[k] for k in names]

    def set(self, params):
        """Change settings (a dict): every value is checked before any changes."""
        if not isinstance(params, dict):
            raise BadTypeError(f"SetKernelStatus: params must be a dict, got {params!r}")
        checked = {}
        for key, value in params.items():
            check_key(key, "SetKernelStatus", writable=True)
            checked[key] = self._check_kernel_value(key, value)
        delay_range = self._check_delay_range(checked.pop("min_delay", None), checked.pop("max_delay", None))
        verbosity = checked.pop("verbosity", None)
        for key in ("resolution", "tics_per_ms"):
            if key in checked and checked[key] != self.settings[key] and self.kernel.nodes.size():
                raise KernelStateError(f"SetKernelStatus: the {key} cannot change after nodes have been created (as in "
                                       "NEST); set it right after ResetKernel")
        _check_whole_tics(checked.get("resolution", self.settings["resolution"]),
                          checked.get("tics_per_ms", self.settings["tics_per_ms"]))
        if "total_num_virtual_procs" in checked:
            total, k = checked.pop("total_num_virtual_procs"), processes.num_processes()
            if total % k:
                raise BadParameterError(f"SetKernelStatus: total_num_virtual_procs = {total} is invalid: must be a "
                                        f"multiple of the {k} MPI processes (each runs total_num_virtual_procs / "
                                        f"{k} threads)")
            checked.setdefault("local_num_threads", total // k)
        self.settings.update(checked)
        if delay_range is not None:
            self.delay_range = delay_range
        if verbosity is not None:
            set_verbosity(verbosity)
        if "resolution" in checked:
            self.kernel.engine.set_resolution(checked["resolution"])
        if "local_num_threads" in checked:
            if checked["local_num_threads"] > 1 and not OPENMP:
                warnings.warn("csnn was built without OpenMP: neurons are processed on one thread "
                              f"whatever local_num_threads ({checked['local_num_threads']}) says",
                              CSNNWarning, stacklevel=3)
            self.kernel.engine.set_threads(checked["local_num_threads"])
        if "rng_seed" in checked:
            self.kernel.reseed()

    def _check_delay_range(self, low, high):
        """NEST's rules for setting min_delay and max_delay: both at once, min_delay <= max_delay,
        before any connection exists -> the range, or None when neither is set."""
        if low is None and high is None:
            return None
        if low is None or high is None:
            raise BadParameterError("SetKernelStatus: min_delay and max_delay are set together, as in NEST: give "
                                    f"both ({'min_delay' if low is None else 'max_delay'} is missing)")
        if low > high:
            raise BadParameterError(f"SetKernelStatus: min_delay = {low!r} ms is invalid: it must not exceed "
                                    f"max_delay = {high!r} ms")
        if self.kernel.connections.num_connections():
            raise KernelStateError("SetKernelStatus: min_delay and max_delay cannot change once connections exist "
                                   "(as in NEST); set them before connecting, after ResetKernel")
        return low, high

    def _check_kernel_value(self, key, value):
        if key == "verbosity":
            return checked_level(value, "SetKernelStatus: verbosity")
        if key in ("min_delay", "max_delay"):
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or \
                    not np.isfinite(to_float(value, f"SetKernelStatus: {key}")) or value <= 0:
                raise BadParameterError(f"SetKernelStatus: {key} = {value!r} is invalid: must be a finite number > 0 "
                                        "(ms; csnn's delays are continuous)")
            return float(value)
        if key in ("rng_seed", "local_num_threads", "total_num_virtual_procs"):
            low, high, accepted = ((0, 2 ** 32 - 1, "[0, 2**32)") if key == "rng_seed" else
                                   (1, MAX_THREADS, f"[1, {MAX_THREADS}]"))
            if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)) \
                    or not low <= value <= high:
                raise BadParameterError(f"SetKernelStatus: {key} = {shown(value)} is invalid: must be an integer "
                                        f"in {accepted}")
            return int(value)
        if key in ("resolution", "tics_per_ms"):
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or \
                    not np.isfinite(to_float(value, f"SetKernelStatus: {key}")) or value <= 0:
                raise BadParameterError(f"SetKernelStatus: {key} = {value!r} is invalid: must be a finite number > 0"
                                        + (" (ms)" if key == "resolution" else " (tics per ms)"))
            return float(value)
        if key == "progress_bar":
            if not any(value is mode or (isinstance(value, str) and value == mode) for mode in cprogress.MODES):
                raise BadParameterError(f"SetKernelStatus: progress_bar = {value!r} is invalid; accepted: "
                                        f"{', '.join(map(repr, cprogress.MODES))}")
            return value
        if key in ("print_time", "overwrite_files", "dict_miss_is_error"):
            if not isinstance(value, (bool, np.bool_)):
                raise BadTypeError(f"SetKernelStatus: {key} = {value!r} is invalid: must be True or False")
            return bool(value)
        if not isinstance(value, str):
            raise BadTypeError(f"SetKernelStatus: {key} = {value!r} is invalid: must be a string")
        if key == "data_path" and value and not os.path.isdir(value):
            # as in NEST: recorders write there, so it is checked now rather than at the first write
            raise BadParameterError(f"SetKernelStatus: data_path = {value!r} is invalid: it is not an existing "
                                    "directory ('' is the working directory)")
        return value


def _check_whole_tics(resolution, tics_per_ms):
    """The resolution must be a whole number of tics (within rounding), as NEST requires."""
    tics = resolution * tics_per_ms
    if tics < 0.5 or abs(tics - round(tics)) > 1e-9 * tics:
        raise BadParameterError(f"SetKernelStatus: resolution = {resolution!r} ms is not a whole number of tics of "
                                f"1 / tics_per_ms = {1.0 / tics_per_ms!r} ms; set tics_per_ms so that it is "
                                "(in the same call: SetKernelStatus({'tics_per_ms': ..., 'resolution': ...}))")


#: writable keys whose state is not a setting of this kernel: the delay range (KernelStatus.delay_range)
#: and the process's verbosity
_OWN_STATE = ("min_delay", "max_delay", "verbosity")


@functools.lru_cache(maxsize=None)
def build_info(version):
    """NEST's ``build_info`` for csnn: its version, threading, whether mpi4py is installed (found,
    not imported: importing it starts MPI), platform."""
    return {"version": version, "threading": "openmp" if OPENMP else "no",
            "have_mpi": importlib.util.find_spec("mpi4py") is not None, "platform": platform.platform(),
            "python": platform.python_version()}
