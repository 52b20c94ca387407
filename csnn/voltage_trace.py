"""Membrane potential traces from a voltmeter or multimeter, as PyNEST's ``nest.voltage_trace``
(matplotlib required: without it, drawing raises :class:`~csnn.errors.MissingDependencyError`
saying how to install it)."""
import numpy as np

from .errors import BadParameterError
from .network.nodes import plain_ids
from .plot import pyplot

__all__ = ["from_device"]


def from_device(detec, neurons=None, title=None, grayscale=False, timeunit="ms"):
    """Plot ``V_m`` recorded by ``detec`` for each sender (or only ``neurons``); returns the lines."""
    plt = pyplot("csnn.voltage_trace")
    if "V_m" not in detec.get("record_from"):
        raise BadParameterError(f"voltage_trace.from_device: device {detec.get('global_id')} does not "
                                "record 'V_m'")
    events = detec.get("events")
    senders, times, v = events["senders"], events["times"], events["V_m"]
    if times.size == 0:
        raise BadParameterError(f"voltage_trace.from_device: device {detec.get('global_id')} has no samples")
    scale = {"ms": 1.0, "s": 1e-3}.get(timeunit)
    if scale is None:
        raise BadParameterError(f"voltage_trace.from_device: timeunit = {timeunit!r}; accepted: 'ms', 's'")
    lines = []
    for sender in (np.unique(senders) if neurons is None else np.asarray(plain_ids(neurons, 'neurons')).ravel()):
        mask = senders == sender
        style = {"color": "0.2"} if grayscale else {}
        lines += plt.plot(times[mask] * scale, v[mask], label=f"Neuron {int(sender)}", **style)
    plt.xlabel(f"Time ({timeunit})")
    plt.ylabel("Membrane potential (mV)")
    plt.title(title if title is not None else f"Membrane potential from device {detec.get('global_id')}")
    plt.legend(loc="best")
    return lines
