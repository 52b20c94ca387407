"""Raster plots of recorded spikes, as PyNEST's ``nest.raster_plot`` (matplotlib required:
without it, drawing raises :class:`~csnn.errors.MissingDependencyError` saying how to install it).

``from_device(recorder, hist=True)`` draws the spikes of a spike recorder (recording to
memory or to an ascii file) above a histogram of the population rate; ``from_data`` takes an
array of (sender, time) rows and ``from_file`` the files written by ``record_to='ascii'``.
"""
import numpy as np

from .errors import BadParameterError
from .plot import pyplot

__all__ = ["from_device", "from_data", "from_file"]


def from_device(detec, **kwargs):
    """Raster of a spike recorder's events; keyword arguments as in :func:`from_data`."""
    model = detec.get("model")
    if model not in ("spike_recorder", "spike_detector") and detec.get("element_type") != "recorder":
        raise BadParameterError(f"raster_plot.from_device needs a spike_recorder, got {model!r}")
    if detec.get("record_to") == "ascii":
        return from_file(detec.get("filenames"), **kwargs)
    events = detec.get("events")
    if events["times"].size == 0:
        raise BadParameterError(f"raster_plot.from_device: spike recorder {detec.get('global_id')} has "
                                "recorded no spikes")
    kwargs.setdefault("title", f"Raster plot from device '{detec.get('global_id')}'")
    return from_data(np.column_stack([events["senders"], events["times"]]), **kwargs)


def from_file(fname, **kwargs):
    """Raster from one file name or a list of them (ascii recorder output)."""
    names = [fname] if isinstance(fname, str) else list(fname)
    data = np.concatenate([np.loadtxt(name, comments="#", skiprows=2, ndmin=2) for name in names])
    return from_data(data, **kwargs)


def from_data(data, sel=None, hist=True, hist_binwidth=5.0, grayscale=False, title=None,
              xlabel="Time (ms)"):
    """Raster of (sender, time) rows, with a rate histogram below when ``hist`` is True.

    ``sel``: only these senders.  Returns the matplotlib axes drawn on.
    """
    plt = pyplot("csnn.raster_plot")
    data = np.asarray(data, dtype=float)
    senders, times = data[:, 0], data[:, 1]
    if sel is not None:
        keep = np.isin(senders, sel)
        senders, times = senders[keep], times[keep]
    color = "0.2" if grayscale else "tab:blue"
    fig = plt.figure()
    if hist:
        ax_raster = fig.add_axes([0.1, 0.3, 0.85, 0.6])
        ax_hist = fig.add_axes([0.1, 0.1, 0.85, 0.17], sharex=ax_raster)
    else:
        ax_raster, ax_hist = fig.add_subplot(111), None
    ax_raster.plot(times, senders, ".", color=color, markersize=2)
    ax_raster.set_ylabel("Neuron ID")
    if title:
        ax_raster.set_title(title)
    if ax_hist is None:
        ax_raster.set_xlabel(xlabel)
        return [ax_raster]
    t_min, t_max = times.min(), times.max()
    bins = np.arange(t_min, t_max + hist_binwidth, hist_binwidth)
    counts, edges = np.histogram(times, bins=bins)
    n_neurons = max(np.unique(senders).size, 1)
    rate = counts * 1000.0 / (hist_binwidth * n_neurons)
    ax_hist.bar(edges[:-1], rate, width=hist_binwidth, align="edge", color="0.5" if grayscale else "tab:gray")
    ax_hist.set_ylabel("Rate (Hz)")
    ax_hist.set_xlabel(xlabel)
    plt.setp(ax_raster.get_xticklabels(), visible=False)
    return [ax_raster, ax_hist]
