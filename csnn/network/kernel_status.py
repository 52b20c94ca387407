"""Status of the kernel: ``GetKernelStatus``/``SetKernelStatus`` and ``nest.resolution = ...``.

:class:`KernelStatus` owns the kernel's settings (seed, resolution, threads, files, progress)
and reports them with what the other parts of the kernel count (time, delays, nodes,
connections, spikes).
"""
import functools
import importlib.util
import numbers
import os
import platform
import warnings

import numpy as np

from .. import memory as cmemory, progress as cprogress
from .._core.engine import OPENMP
from ..errors import BadParameterError, BadTypeError, CSNNWarning, KernelStateError, shown, to_float, unknown_name
from . import connect as cconnect, processes
from .nodes import status_keys

#: threads a kernel runs (each has its own spike and event buffers): more than machines have cores
MAX_THREADS = 1024

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
    "min_delay": (None, False, "Smallest synaptic delay (ms)"),
    "max_delay": (None, False, "Largest synaptic delay (ms)"),
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
    "local_spike_counter": (0, False, "Spikes emitted so far by this MPI process's neurons"),
    "version": (None, False, "csnn version"),
    "threads_model": (None, False, "'openmp' when built with OpenMP, else 'none'"),
}


class KernelStatus:
    """The settings of one kernel and the status it reports."""

    def __init__(self, kernel):
        self.kernel = kernel
        self.settings = {k: v[0] for k, v in KERNEL_KEYS.items() if v[1]}

    def get(self, keys=None):
        """The kernel status: a dict, the value of key ``keys``, or a list of values for a list
        of keys."""
        names = None if keys is None else status_keys(keys, "GetKernelStatus")
        for k in names or ():
            if k not in KERNEL_KEYS:
                raise unknown_name("kernel status key", k, KERNEL_KEYS)
        d = dict(self.settings)
        d.update({
            "biological_time": self.kernel.engine.t_now, "time": self.kernel.engine.t_now,
            "min_delay": self.kernel.engine.min_delay if np.isfinite(self.kernel.engine.min_delay) else self.settings["resolution"],
            "max_delay": self.kernel.engine.max_delay if self.kernel.engine.max_delay > 0 else self.settings["resolution"],
            "num_connections": self.kernel.connections.num_connections(), "network_size": self.kernel.nodes.size(),
            "node_models": tuple(self.kernel.models.names("nodes")),
            "synapse_models": tuple(self.kernel.models.names("synapse")),
            "connection_rules": tuple(cconnect.RULES), "num_processes": processes.num_processes(),
            "off_grid_spiking": True,
            "local_spike_counter": self.kernel.engine.n_spikes, "version": self.kernel.version,
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
            if key not in KERNEL_KEYS:
                raise unknown_name("kernel status key", key, [k for k, v in KERNEL_KEYS.items() if v[1]])
            if not KERNEL_KEYS[key][1]:
                raise BadParameterError(f"SetKernelStatus: {key!r} is read-only")
            checked[key] = self._check_kernel_value(key, value)
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

    def _check_kernel_value(self, key, value):
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


@functools.lru_cache(maxsize=None)
def build_info(version):
    """NEST's ``build_info`` for csnn: its version, threading, whether mpi4py is installed (found,
    not imported: importing it starts MPI), platform."""
    return {"version": version, "threading": "openmp" if OPENMP else "no",
            "have_mpi": importlib.util.find_spec("mpi4py") is not None, "platform": platform.platform(),
            "python": platform.python_version()}
