"""A recorder's events from every MPI process, merged as one process would have recorded them.

On K MPI processes each records the neurons it simulates (as NEST's recorders do), so a spike
recorder's ``events`` on one process hold that process's neurons only.  :func:`gather_events`
collects them: the events of every process, spikes and samples in the order one process
records them (by time, then sender), a weight recorder's by time, sender, target and port (one
process has them in the order they reach their targets, which the events do not tell), so that
analysis and plots see the whole network.
"""
import numbers

import numpy as np

from ..errors import BadParameterError, BadTypeError
from ..events import Events
from ..network import processes
from ..network.nodes import NodeCollection
from .recorded import _recorder_events

#: the keys whose order sorts the gathered events: the first is the primary key
ORDER_KEYS = ("times", "senders", "targets", "ports")


def gather_events(recorder, root=0):
    """The events of ``recorder`` (one spike_recorder, multimeter, voltmeter or weight_recorder
    recording to 'memory' or 'npz') on every MPI process, merged: an events dict (``senders``,
    ``times`` in ms and the recorder's columns) on process ``root``, None on the others; with
    ``root=None``, on every process.  On one process, a copy of the recorder's events.

    Every process must call it (it is a collective), with the same ``root``.
    """
    if not isinstance(recorder, NodeCollection):
        raise BadTypeError(f"gather_events: recorder must be a NodeCollection of one recorder, got "
                           f"{type(recorder).__name__}")
    k = processes.num_processes()
    if root is not None and (isinstance(root, bool) or not isinstance(root, (numbers.Integral, np.integer))
                             or not 0 <= root < k):
        raise BadParameterError(f"gather_events: root = {root!r} is invalid: must be a process rank in [0, {k}) "
                                "or None (every process)")
    events = _recorder_events(recorder, None, "gather_events: recorder")
    comm = processes.world()
    if comm is None:
        return Events((key, np.array(value)) for key, value in events.items())
    parts = comm.allgather(dict(events)) if root is None else comm.gather(dict(events), root=root)
    if parts is None:
        return None
    merged = {key: np.concatenate([part[key] for part in parts]) for key in events}
    # lexsort is stable: ties in every key (a spike of multiplicity > 1 through one synapse)
    # come from one process and keep its order
    order = np.lexsort([merged[key] for key in reversed(ORDER_KEYS) if key in merged])
    return Events((key, value[order]) for key, value in merged.items())
