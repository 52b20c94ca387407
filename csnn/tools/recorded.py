"""What recorders recorded, read and checked: a recorder node's events, spikes as arrays, spike
trains and firing rates, and the checks of the arguments that analysis, plots and experiments
share (times in ms, node ids, finite arrays).  The forms ``spikes`` and ``neurons`` may take are
those of :mod:`csnn.analysis`, which documents them and re-exports the public functions.
"""
import math
import numbers
import reprlib

import numpy as np

from ..devices.recorders import KEEPS_EVENTS
from ..errors import BadParameterError, BadTypeError, to_float
from ..network.nodes import NodeCollection, plain_ids


def spike_arrays(spikes, neurons=None):
    """Spike times (ms, float array) and senders (int64 array) of ``spikes``, in the order given;
    only the spikes of ``neurons`` when given."""
    if isinstance(spikes, NodeCollection):
        spikes = _recorder_events(spikes, "spikes", "spikes")
    if isinstance(spikes, dict):
        missing = sorted({"times", "senders"} - set(spikes))
        if missing:
            raise BadParameterError(f"spikes: the events dict has no {missing}; it has {sorted(spikes)} "
                                    "(a spike recorder's events have 'times' and 'senders')")
        times, senders = spikes["times"], spikes["senders"]
    elif isinstance(spikes, tuple) and len(spikes) == 2:
        times, senders = spikes
    else:
        raise BadTypeError(f"spikes must be a spike recorder, its events dict or a tuple (times, senders), "
                           f"got {reprlib.repr(spikes)} of type {type(spikes).__name__}")
    times, senders = _finite_1d(times, "spike times"), _ids_1d(senders, "senders")
    if times.size != senders.size:
        raise BadParameterError(f"spikes: {times.size} times but {senders.size} senders; each spike needs both")
    if neurons is not None:
        keep = np.isin(senders, _neuron_ids(neurons))
        times, senders = times[keep], senders[keep]
    return times, senders


def spike_trains(spikes, t_start=None, t_stop=None, neurons=None):
    """Each neuron's spike times (ms, increasing) in [t_start, t_stop): a dict ``{id: times}``.

    ``t_start``, ``t_stop``: None leaves that end of the window open.
    """
    t_start, t_stop = _window(t_start, t_stop, open_ends=True)
    times, senders = spike_arrays(spikes)
    # ids before windowing: a neuron that fired only outside the window has an empty train
    ids = np.unique(senders) if neurons is None else _neuron_ids(neurons)
    inside = (times >= t_start) & (times < t_stop)
    times, senders = times[inside], senders[inside]
    order = np.lexsort((times, senders))
    times, senders = times[order], senders[order]
    first = np.searchsorted(senders, ids, side="left")
    last = np.searchsorted(senders, ids, side="right")
    return {int(i): times[a:b] for i, a, b in zip(ids, first, last)}


def firing_rates(spikes, t_start, t_stop, neurons=None):
    """Each neuron's firing rate (Hz): its spikes in [t_start, t_stop) (ms) over the window's
    length.  Returns ``(ids, rates)``."""
    t_start, t_stop = _window(t_start, t_stop)
    return _per_neuron(spike_trains(spikes, t_start, t_stop, neurons),
                       lambda train: train.size * 1000.0 / (t_stop - t_start))


def _recorder_events(device, kind, argument):
    """The events of one recorder node recording to memory, of ``kind`` 'spikes' (a spike
    recorder), 'samples' (a multimeter or voltmeter) or None (any recorder); ``argument`` names
    it in errors."""
    expected = {"spikes": "a spike_recorder", "samples": "a multimeter or voltmeter",
                None: "a recorder (spike_recorder, multimeter, voltmeter or weight_recorder)"}[kind]
    n_nodes = np.atleast_1d(np.asarray(device)).size
    if n_nodes != 1:
        raise BadParameterError(f"{argument}: give one recorder, got {n_nodes} nodes")
    status = device.get()
    found = _recorder_kind(status)
    if found is None or found != (kind or found):
        raise BadParameterError(f"{argument}: node {status['global_id']} is a {status['model']}, not {expected}")
    if status["record_to"] not in KEEPS_EVENTS:
        raise BadParameterError(f"{argument}: recorder {status['global_id']} records to {status['record_to']!r}, "
                                "so it keeps no events; use record_to='memory' (or 'npz'), or read its file "
                                "with csnn.read_events")
    return status["events"]


def _recorder_kind(status):
    """'spikes', 'samples' or 'weights' for a recorder's status, None for other nodes."""
    if status.get("element_type") != "recorder":
        return None
    if "record_from" in status:
        return "samples"
    return "weights" if "weights" in status["events"] else "spikes"


def _per_neuron(trains, measure):
    """``(ids, values)``: ``measure`` of each spike train, in the order of ``trains``."""
    ids = np.array(list(trains), dtype=np.int64)
    return ids, np.array([measure(train) for train in trains.values()], dtype=float)


def _window(t_start, t_stop, open_ends=False):
    """[t_start, t_stop) as two floats (ms), checked; with ``open_ends`` None is unbounded."""
    t_start = -math.inf if open_ends and t_start is None else _time("t_start", t_start)
    t_stop = math.inf if open_ends and t_stop is None else _time("t_stop", t_stop)
    if not t_stop > t_start:
        raise BadParameterError(f"t_stop = {t_stop} ms must be greater than t_start = {t_start} ms")
    return t_start, t_stop


def _time(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise BadTypeError(f"{name} must be a time in ms (a number), got {value!r} of type {type(value).__name__}")
    value = to_float(value, name)
    if not math.isfinite(value):
        raise BadParameterError(f"{name} = {value} ms: accepted: a finite time in ms")
    return value


def _finite(values, name):
    """``values`` as a float array (any shape) of finite numbers."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise BadTypeError(f"{name} must be numbers, got {reprlib.repr(values)}") from None
    if not np.all(np.isfinite(array)):
        raise BadParameterError(f"{name} must be finite numbers, got {reprlib.repr(values)}")
    return array


def _finite_1d(values, name):
    array = _finite(values, name)
    if array.ndim != 1:
        raise BadTypeError(f"{name} must be a 1-D array, got an array of shape {array.shape}")
    return array


def _ids_1d(values, name):
    """``values`` as a 1-D int64 array of node ids (integers >= 1, or floats with such values)."""
    array = np.asarray(values)
    integral = array.dtype.kind in "iu" or (array.dtype.kind == "f" and np.all(np.floor(array) == array))
    if array.ndim != 1 or not integral:
        raise BadTypeError(f"{name} must be a 1-D array of node ids (integers), got {reprlib.repr(values)}")
    if np.any(array < 1):
        raise BadParameterError(f"{name} must be node ids, which are >= 1, got {reprlib.repr(values)}")
    return array.astype(np.int64)


def _neuron_ids(neurons, name="neurons"):
    """Ids of ``neurons``: a NodeCollection, a node id or a sequence of ids (or single nodes,
    ``nodes[i]``), none repeated.

    The ids are read without checking that they exist in the present kernel: the spikes may
    have been recorded in an earlier one.
    """
    ids = _ids_1d(np.atleast_1d(np.asarray(plain_ids(neurons, name))), name)
    if ids.size == 0:
        raise BadParameterError(f"{name} is empty; give at least one node id")
    if np.unique(ids).size != ids.size:
        raise BadParameterError(f"{name} repeats ids {reprlib.repr(ids.tolist())}; give each once")
    return ids
