"""Figures of recorded activity, connectivity and plasticity, drawn with matplotlib.

matplotlib is imported only when a function draws, so ``import csnn`` does not need it
(``pip install "csnn-sim[plot]"`` adds it; without it, drawing raises
:class:`~csnn.errors.MissingDependencyError`, an ImportError, that says so).  Every function
draws on ``ax``, the axes of a new figure when None, and returns it; :func:`raster_with_rate`
takes and returns two axes.  Extra keyword arguments go to the matplotlib call that draws the
data.

Inputs take the forms of :mod:`csnn.analysis`, which reads and checks them: ``spikes`` is a
spike recorder, its events dict or a tuple ``(times, senders)``; ``connections`` a
SynapseCollection or a tuple ``(sources, targets[, weights])``.  Times are in ms, rates in Hz,
currents in pA, membrane potentials in mV.
"""
import os
import sys

import numpy as np

from . import analysis
from ._version import DISTRIBUTION
from .errors import BadParameterError, BadTypeError, MissingDependencyError
from .network.nodes import SynapseCollection
from .tools.recorded import _finite_1d, _ids_1d, _neuron_ids, _recorder_events

__all__ = ["raster", "rate_histogram", "raster_with_rate", "voltage_traces", "weight_histogram",
           "weight_bars", "connectivity_scatter", "connectivity_matrix", "stdp_window", "fi_curve",
           "pyplot", "script_pyplot", "PLOT_INSTALL"]

#: the command that installs what figures need (the distribution's "plot" extra: matplotlib)
PLOT_INSTALL = f'pip install "{DISTRIBUTION}[plot]"'


def pyplot(what, backend=None):
    """``matplotlib.pyplot``, for ``what`` (a name for the message).  ``backend``: selected
    first, e.g. "Agg" for scripts that only save files.  Without matplotlib, raises
    :class:`~csnn.errors.MissingDependencyError` (an ImportError) saying how to install it."""
    try:
        import matplotlib
    except ImportError:
        raise MissingDependencyError(f"{what} draws with matplotlib, which is not installed: {PLOT_INSTALL}",
                                     name="matplotlib") from None
    if backend is not None:
        matplotlib.use(backend)
    import matplotlib.pyplot as plt
    return plt


def script_pyplot(script, no_plot):
    """For a script that saves figures and has a ``--no-plot`` option, called before it
    simulates: ``matplotlib.pyplot`` with the Agg backend, None when ``no_plot``.  Without
    matplotlib, exits at once (code 1) with a one-line message saying how to install it or skip
    the figures, instead of failing after the simulation."""
    if no_plot:
        return None
    try:
        return pyplot(os.path.basename(script), backend="Agg")
    except MissingDependencyError as err:
        sys.exit(f"{err}, or run with --no-plot to skip the figures")


def raster(spikes, neurons=None, ax=None, **kwargs):
    """A dot at (time, sender id) for each spike (only those of ``neurons`` when given)."""
    times, senders = analysis.spike_arrays(spikes, neurons)
    ax = _axes(ax)
    ax.scatter(times, senders, **{"marker": ".", "s": 4, **kwargs})
    ax.set_xlabel("Time (ms)")
    ax.set_ylabel("Neuron id")
    return ax


def rate_histogram(spikes, t_start=0.0, t_stop=None, bin_size=5.0, neurons=None, ax=None, **kwargs):
    """Bars of the population rate (Hz per neuron) in bins of ``bin_size`` ms tiling
    [t_start, t_stop), from :func:`csnn.analysis.population_rate` (``t_stop`` None: up to the
    first bin edge after the last spike)."""
    edges, rates = analysis.population_rate(spikes, t_start, t_stop, bin_size, neurons)
    ax = _axes(ax)
    ax.bar(edges[:-1], rates, width=np.diff(edges), align="edge", **{"color": "0.5", **kwargs})
    ax.set_xlabel("Time (ms)")
    ax.set_ylabel("Rate (Hz)")
    return ax


def raster_with_rate(spikes, t_start=0.0, t_stop=None, bin_size=5.0, neurons=None, axes=None, **kwargs):
    """:func:`raster` above :func:`rate_histogram`, as NEST's ``raster_plot``.

    ``axes``: a pair (ax_raster, ax_rate), or None for a new figure whose two axes share the
    time axis.  ``kwargs`` go to the raster.  Returns (ax_raster, ax_rate).
    """
    if axes is None:
        plt = pyplot("csnn.plot.raster_with_rate")
        _, axes = plt.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": (3, 1)})
    elif not isinstance(axes, (tuple, list, np.ndarray)) or len(axes) != 2:
        raise BadTypeError(f"axes must be a pair (ax_raster, ax_rate) or None, got {axes!r}")
    ax_raster, ax_rate = axes
    raster(spikes, neurons, ax=ax_raster, **kwargs)
    ax_raster.set_xlabel("")           # the rate histogram below labels the shared time axis
    rate_histogram(spikes, t_start, t_stop, bin_size, neurons, ax=ax_rate)
    return ax_raster, ax_rate


def voltage_traces(samples, variable="V_m", neurons=None, spikes=None, spike_top=None, ax=None, **kwargs):
    """Recorded ``variable`` of each neuron against time, one line per neuron.

    ``samples``: a multimeter or voltmeter recording ``variable``, or its events dict
    (``senders``, ``times`` and ``variable``).  ``neurons``: whose traces (default: every
    sender).  ``spikes`` (a spike recorder, its events or ``(times, senders)``): each spike of a
    traced neuron is marked by a vertical line in its trace's colour, from the last sample
    before the spike up to ``spike_top`` (default: a quarter of the traces' range above their
    maximum), since the reset hides spikes from sampled potentials.
    """
    traces = _traces(samples, variable, neurons)
    ax = _axes(ax)
    lines = {i: ax.plot(t, v, label=f"Neuron {i}", **kwargs)[0] for i, (t, v) in traces.items()}
    if spikes is not None:
        if spike_top is None:
            low = min(v.min() for _, v in traces.values())
            high = max(v.max() for _, v in traces.values())
            spike_top = high + 0.25 * ((high - low) or 1.0)
        for i, spike_times in analysis.spike_trains(spikes, neurons=list(traces)).items():
            if spike_times.size == 0:
                continue
            t, v = traces[i]
            before = np.maximum(np.searchsorted(t, spike_times, side="right") - 1, 0)
            ax.vlines(spike_times, v[before], spike_top, color=lines[i].get_color())
    ax.set_xlabel("Time (ms)")
    ax.set_ylabel("Membrane potential (mV)" if variable == "V_m" else variable)
    if len(traces) > 1:
        ax.legend(loc="best")
    return ax


def weight_histogram(weights, bins=20, ax=None, **kwargs):
    """Histogram of synaptic weights: ``weights`` a SynapseCollection or an array of weights.
    ``bins`` as in ``numpy.histogram``."""
    if isinstance(weights, SynapseCollection):
        weights = analysis.connection_arrays(weights)[2]
    weights = _finite_1d(weights, "weights")
    if weights.size == 0:
        raise BadParameterError("weights is empty: no weights to histogram")
    ax = _axes(ax)
    ax.hist(weights, bins=bins, **{"color": "0.5", **kwargs})
    ax.set_xlabel("Weight")
    ax.set_ylabel("Connections")
    return ax


def weight_bars(connections, by="source", ax=None, **kwargs):
    """A bar per connection: its weight at its source's (``by='source'``) or target's id, e.g.
    the weights of all the inputs of one neuron.  Ids must not repeat; select connections with
    ``GetConnections(target=...)`` (or ``source=``) first."""
    if by not in ("source", "target"):
        raise BadParameterError(f"by = {by!r}: accepted: 'source', 'target'")
    sources, targets, weights = analysis.connection_arrays(connections, need_weights=True)
    ids = sources if by == "source" else targets
    if np.unique(ids).size != ids.size:
        raise BadParameterError(f"connections share {by} ids, so their bars would overlap; select connections "
                                f"with one bar per {by}, e.g. GetConnections({'target' if by == 'source' else 'source'}=...)")
    ax = _axes(ax)
    ax.bar(ids, weights, **{"width": 1.0, "color": "0.5", **kwargs})
    ax.set_xlabel(f"{by.capitalize()} id")
    ax.set_ylabel("Weight")
    return ax


def connectivity_scatter(connections, ax=None, **kwargs):
    """A dot at (source id, target id) for each connection."""
    sources, targets, _ = analysis.connection_arrays(connections)
    ax = _axes(ax)
    ax.scatter(sources, targets, **{"marker": ".", "s": 4, **kwargs})
    ax.set_xlabel("Source id")
    ax.set_ylabel("Target id")
    return ax


def connectivity_matrix(connections, sources=None, targets=None, ax=None, **kwargs):
    """The weight matrix of :func:`csnn.analysis.weight_matrix` as an image (a column per source,
    a row per target, ticks labelled with ids) with a colour bar."""
    matrix, sources, targets = analysis.weight_matrix(connections, sources, targets)
    ax = _axes(ax)
    image = ax.imshow(matrix, **{"origin": "lower", "aspect": "auto", "interpolation": "nearest", **kwargs})
    ax.figure.colorbar(image, ax=ax, label="Weight")
    _label_with_ids(ax.xaxis, sources)
    _label_with_ids(ax.yaxis, targets)
    ax.set_xlabel("Source id")
    ax.set_ylabel("Target id")
    return ax


def stdp_window(delta_t=None, dw=None, params=None, ax=None, **kwargs):
    """Weight change against spike timing ``delta_t`` = t_post - t_pre (ms).

    With ``dw``, the measured changes are drawn as dots at ``delta_t``.  Without ``dw``, or when
    ``params`` is given too, the analytic window of ``stdp_synapse`` with ``params``
    (:func:`csnn.analysis.stdp_window`, which accounts for the dendritic delay) is drawn as a
    line: at ``delta_t`` without ``dw``, over the measured range with it (801 points), and from
    -100 to 100 ms (801 points) when neither is given.  ``kwargs`` go to that line.
    """
    ax = _axes(ax)
    if dw is not None:
        if delta_t is None:
            raise BadParameterError("dw is given without delta_t: give the spike timing of each measured change")
        measured_t, dw = _finite_1d(delta_t, "delta_t"), _finite_1d(dw, "dw")
        if measured_t.size != dw.size:
            raise BadParameterError(f"delta_t has {measured_t.size} values but dw {dw.size}; they must pair up")
        ax.scatter(measured_t, dw, color="k", s=12, zorder=3, label="measured")
    if dw is None or params is not None:
        if dw is not None:
            curve_t = np.linspace(measured_t.min(), measured_t.max(), 801)
        elif delta_t is None:
            curve_t = np.linspace(-100.0, 100.0, 801)
        else:
            curve_t = np.sort(_finite_1d(delta_t, "delta_t"))
        ax.plot(curve_t, analysis.stdp_window(curve_t, params), **{"label": "stdp_synapse", **kwargs})
    ax.axhline(0.0, color="0.7", linewidth=0.8, zorder=0)
    ax.set_xlabel("t_post - t_pre (ms)")
    ax.set_ylabel("Weight change")
    return ax


def fi_curve(currents, rates, ax=None, **kwargs):
    """Firing rate (Hz) against input current (pA), e.g. from :func:`csnn.analysis.fi_curve`."""
    currents, rates = _finite_1d(currents, "currents"), _finite_1d(rates, "rates")
    if currents.size != rates.size:
        raise BadParameterError(f"currents has {currents.size} values but rates {rates.size}; they must pair up")
    ax = _axes(ax)
    ax.plot(currents, rates, **{"marker": "o", **kwargs})
    ax.set_xlabel("Input current I_e (pA)")
    ax.set_ylabel("Firing rate (Hz)")
    return ax


def _axes(ax):
    """``ax``, or the axes of a new figure."""
    if ax is None:
        _, ax = pyplot("csnn.plot").subplots()
    return ax


def _traces(samples, variable, neurons):
    """``{id: (times, values)}`` of ``variable`` for each neuron in the sampled events."""
    if not isinstance(samples, dict):
        samples = _recorder_events(samples, "samples", "samples")
    missing = sorted({"times", "senders", variable} - set(samples))
    if missing:
        raise BadParameterError(f"samples: the events have no {missing}; they have {sorted(samples)} "
                                f"(record {variable!r} with record_from)")
    times = _finite_1d(samples["times"], "sample times")
    senders = _ids_1d(samples["senders"], "senders")
    values = _finite_1d(samples[variable], variable)
    ids = np.unique(senders) if neurons is None else _neuron_ids(neurons)
    absent = np.setdiff1d(ids, senders)
    if absent.size:
        raise BadParameterError(f"neurons {absent.tolist()} have no samples of {variable!r} in samples")
    order = np.argsort(times, kind="stable")       # spike marks look samples up by time
    times, senders, values = times[order], senders[order], values[order]
    return {int(i): (times[senders == i], values[senders == i]) for i in ids}


def _label_with_ids(axis, ids):
    """Ticks at whole matrix indices, labelled with the ids they stand for."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator
    axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(FuncFormatter(lambda x, _: str(ids[int(x)]) if 0 <= x < len(ids) else ""))
