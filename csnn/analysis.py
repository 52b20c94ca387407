"""Analysis of recorded spikes and connections: rates, intervals, variability, F-I curves, the
STDP window, and export to neo.  Times are in ms, rates in Hz, currents in pA.

Every function taking ``spikes`` accepts

* a spike recorder (a NodeCollection of one ``spike_recorder`` recording to memory),
* its events dict, ``recorder.get("events")`` or ``GetStatus(recorder, "events")[0]``, with
  ``"times"`` (ms) and ``"senders"`` (node ids),
* a pair of 1-D arrays ``(times, senders)``.

Per-neuron results follow ``neurons``: the ids given (a NodeCollection or a sequence of ids), in
that order, or when ``neurons`` is None the senders found in ``spikes``, in increasing order.
Neurons that never fired are then missing: pass ``neurons`` whenever silent neurons count (as
0 Hz in a rate, for example).  Functions giving one number per neuron return ``(ids, values)``,
those giving an array per neuron a dict ``{id: array}``.  Time windows are half-open,
``[t_start, t_stop)``.

Connections (``connections``) are a SynapseCollection (``GetConnections(...)``) or a tuple of
arrays ``(sources, targets)`` or ``(sources, targets, weights)``.
"""
import math
import numbers
import reprlib

import numpy as np

from . import memory as cmemory
from .errors import BadParameterError, BadTypeError, unknown_name
from .network import session
from .network.models import ARCHIVE_PARAMETERS
from .network.nodes import SynapseCollection
from .tools.experiments import fi_curve
from .tools.recorded import (_finite, _finite_1d, _ids_1d, _neuron_ids, _per_neuron, _time, _window,
                       firing_rates, spike_arrays, spike_trains)

__all__ = ["spike_arrays", "spike_trains", "firing_rates", "mean_firing_rate", "isis", "cv_isi",
           "fano_factor", "population_rate", "fi_curve", "stdp_window", "connection_arrays",
           "weight_matrix", "to_neo_spiketrains", "to_neo_segment"]

# NEST's stdp_eps: spikes of a pair closer than this (ms) are simultaneous and change nothing
STDP_EPS = 1e-9
# Relative tolerance on (t_stop - t_start) / bin_size being an integer: the quotient of two
# decimal numbers of ms carries rounding errors of a few ulp, far below this.
_WHOLE_BINS_RTOL = 1e-9


# -- spikes ---------------------------------------------------------------------------------------

def mean_firing_rate(spikes, t_start, t_stop, neurons=None):
    """Mean firing rate (Hz) of the neurons in [t_start, t_stop) (ms); silent neurons count only
    when they are in ``neurons``."""
    ids, rates = firing_rates(spikes, t_start, t_stop, neurons)
    _require_neurons(ids)
    return float(rates.mean())


def isis(spikes, t_start=None, t_stop=None, neurons=None):
    """Each neuron's inter-spike intervals (ms) between its spikes in [t_start, t_stop):
    a dict ``{id: intervals}`` (empty for fewer than two spikes)."""
    return {i: np.diff(train) for i, train in spike_trains(spikes, t_start, t_stop, neurons).items()}


def cv_isi(spikes, t_start=None, t_stop=None, neurons=None):
    """Each neuron's coefficient of variation of its inter-spike intervals in [t_start, t_stop),
    std / mean (population std, as elephant's ``cv``): 0 for a regular train, 1 for a Poisson
    one.  NaN for a neuron with fewer than two intervals, where it is undefined.
    Returns ``(ids, cvs)``."""
    def cv(train):
        intervals = np.diff(train)
        return intervals.std() / intervals.mean() if intervals.size >= 2 else np.nan
    return _per_neuron(spike_trains(spikes, t_start, t_stop, neurons), cv)


def fano_factor(spikes, t_start, t_stop, bin_size, neurons=None):
    """Each neuron's Fano factor: variance / mean of its spike counts in the bins of ``bin_size``
    ms that tile [t_start, t_stop) (population variance; 1 for a Poisson train).  NaN for a
    neuron with no spike in the window.  Returns ``(ids, fano_factors)``."""
    t_start, t_stop = _window(t_start, t_stop)
    edges = _bin_edges(t_start, t_stop, bin_size)

    def fano(train):
        counts = np.histogram(train, edges)[0]
        return counts.var() / counts.mean() if counts.any() else np.nan
    return _per_neuron(spike_trains(spikes, t_start, t_stop, neurons), fano)


def population_rate(spikes, t_start, t_stop, bin_size, neurons=None):
    """Population rate: the neurons' spikes in each bin of ``bin_size`` ms / (number of neurons
    x bin_size), in Hz per neuron, over bins tiling [t_start, t_stop).

    ``t_stop`` None: the first bin edge after the last spike, so that every spike from
    ``t_start`` on is counted.  Returns ``(edges, rates)``: the n + 1 bin edges (ms) and the n
    rates (Hz), as ``numpy.histogram``.
    """
    bin_size = _positive("bin_size", bin_size)
    spikes = spike_arrays(spikes, neurons)          # a recorder's events are read once
    if t_stop is None:
        t_stop = _covering_stop(spikes[0], _time("t_start", t_start), bin_size)
    t_start, t_stop = _window(t_start, t_stop)
    edges = _bin_edges(t_start, t_stop, bin_size)
    trains = spike_trains(spikes, t_start, t_stop, neurons)
    _require_neurons(trains)
    counts = np.histogram(np.concatenate(list(trains.values())), edges)[0]
    return edges, counts * 1000.0 / (len(trains) * bin_size)


def to_neo_spiketrains(spikes, t_start, t_stop, neurons=None):
    """Each neuron's spikes in [t_start, t_stop) (ms) as a ``neo.SpikeTrain`` in ms, annotated
    with its node id as ``source_id`` (PyNN's name): a list in the order of the neurons.
    Needs neo (``pip install neo``)."""
    neo, pq = _import_neo()
    t_start, t_stop = _window(t_start, t_stop)
    return [neo.SpikeTrain(times * pq.ms, t_start=t_start * pq.ms, t_stop=t_stop * pq.ms, source_id=i)
            for i, times in spike_trains(spikes, t_start, t_stop, neurons).items()]


def to_neo_segment(spikes, t_start, t_stop, neurons=None, name=None):
    """A ``neo.Segment`` named ``name`` holding :func:`to_neo_spiketrains` of the spikes.
    Needs neo (``pip install neo``)."""
    neo, _ = _import_neo()
    segment = neo.Segment(name=name)
    segment.spiketrains.extend(to_neo_spiketrains(spikes, t_start, t_stop, neurons))
    return segment


# -- measurements ---------------------------------------------------------------------------------

def stdp_window(delta_t, params=None):
    """Weight change of a ``stdp_synapse`` by one isolated pair of spikes, against
    ``delta_t`` = t_post - t_pre (ms, the neurons' spike times).

    As in csnn and NEST the whole delay d is dendritic, so the pair is timed at the synapse by
    D = delta_t + d, and with w~ = weight / Wmax (Morrison et al. 2008)::

        D > 0:  dw =  Wmax min(lambda (1 - w~)^mu_plus exp(-D / tau_plus), 1 - w~)
        D < 0:  dw = -Wmax min(alpha lambda w~^mu_minus exp(D / tau_minus), w~)
        D = 0:  dw = 0                              (|D| <= 1e-9 ms counts as 0)

    the min being the clipping of the weight to [0, Wmax].  ``params``: any of the synapse's
    ``tau_plus`` (ms), ``lambda``, ``alpha``, ``mu_plus``, ``mu_minus``, ``Wmax``, ``weight``
    (before the pair) and ``delay`` (ms; 0 centres the window at delta_t = 0), and the
    postsynaptic neuron's ``tau_minus`` (ms); the others are ``GetDefaults('stdp_synapse')`` and
    a neuron's default tau_minus.  Returns dw, in the weight's units, shaped as ``delta_t``.
    """
    p = _stdp_parameters(params)
    delta = _finite(delta_t, "delta_t") + p["delay"]
    w = p["weight"] / p["Wmax"]
    # each branch is computed for every delta_t; the one np.where discards may overflow in exp
    with np.errstate(over="ignore", invalid="ignore"):
        potentiation = np.minimum(p["lambda"] * (1.0 - w) ** p["mu_plus"] * np.exp(-delta / p["tau_plus"]), 1.0 - w)
        depression = np.minimum(p["alpha"] * p["lambda"] * w ** p["mu_minus"] * np.exp(delta / p["tau_minus"]), w)
    change = np.where(delta > STDP_EPS, potentiation, np.where(delta < -STDP_EPS, -depression, 0.0))
    return p["Wmax"] * change


# -- connections ----------------------------------------------------------------------------------

def connection_arrays(connections, need_weights=False):
    """Sources, targets (int64 arrays of ids) and weights (float array, or None when a tuple
    ``(sources, targets)`` gave none) of ``connections``; ``need_weights``: the caller uses
    the weights, so a tuple without them is an error."""
    if isinstance(connections, SynapseCollection):
        table = connections.get(["source", "target", "weight"])
        # one connection gives scalars
        connections = tuple(np.atleast_1d(table[key]) for key in ("source", "target", "weight"))
    if not isinstance(connections, tuple) or len(connections) not in (2, 3):
        raise BadTypeError(f"connections must be a SynapseCollection or a tuple (sources, targets) or "
                           f"(sources, targets, weights), got {reprlib.repr(connections)}")
    sources, targets = _ids_1d(connections[0], "sources"), _ids_1d(connections[1], "targets")
    weights = _finite_1d(connections[2], "weights") if len(connections) == 3 else None
    if weights is None and need_weights:
        raise BadParameterError("connections: weights are needed; give a tuple (sources, targets, weights)")
    lengths = {sources.size, targets.size} | ({weights.size} if weights is not None else set())
    if len(lengths) > 1:
        raise BadParameterError(f"connections: sources, targets and weights have different lengths {sorted(lengths)}; "
                                "each connection needs one of each")
    return sources, targets, weights


def weight_matrix(connections, sources=None, targets=None):
    """Total weight from each source to each target: ``W[i, j]`` sums the weights of the
    connections from ``sources[j]`` to ``targets[i]`` (multapses add up; 0 where unconnected),
    rows for targets as in NEST's weight-matrix examples.

    ``sources``, ``targets``: ids of the columns and rows (default: those in ``connections``,
    increasing); every connection must be between them.  Returns ``(W, sources, targets)``.
    """
    pre, post, weights = connection_arrays(connections, need_weights=True)
    sources = np.unique(pre) if sources is None else _neuron_ids(sources, "sources")
    targets = np.unique(post) if targets is None else _neuron_ids(targets, "targets")
    columns, rows = _positions(pre, sources, "sources"), _positions(post, targets, "targets")
    matrix = np.zeros((targets.size, sources.size))
    np.add.at(matrix, (rows, columns), weights)
    return matrix, sources, targets


# -- helpers --------------------------------------------------------------------------------------

def _require_neurons(ids):
    if len(ids) == 0:
        raise BadParameterError("spikes holds no spike and neurons is None, so there are no neurons to "
                                "average over; pass neurons")


def _bin_edges(t_start, t_stop, bin_size):
    """Edges (ms) of the bins of ``bin_size`` ms that tile [t_start, t_stop) exactly."""
    bin_size = _positive("bin_size", bin_size)
    quotient = (t_stop - t_start) / bin_size
    n_bins = round(quotient)
    if n_bins < 1 or abs(quotient - n_bins) > _WHOLE_BINS_RTOL * quotient:
        raise BadParameterError(f"bin_size = {bin_size} ms does not divide the window [{t_start}, {t_stop}) ms "
                                f"of {t_stop - t_start} ms into whole bins; choose a divisor of its length")
    cmemory.require(24 * n_bins, f"{n_bins:.4g} bins of {bin_size} ms", "(24 bytes each: edge, count, rate)",
                    "choose larger bins")
    edges = t_start + bin_size * np.arange(n_bins + 1)
    edges[-1] = t_stop
    return edges


def _covering_stop(times, t_start, bin_size):
    """The first bin edge after the last spike (at least one bin after t_start)."""
    if times.size == 0:
        raise BadParameterError("spikes holds no spike to size the bins by; give t_stop")
    return t_start + bin_size * max(1, math.floor((times.max() - t_start) / bin_size) + 1)


def _positive(name, value):
    value = _time(name, value)
    if not value > 0:
        raise BadParameterError(f"{name} = {value} ms: accepted: a duration > 0 ms")
    return value


def _positions(ids, choices, name):
    """Index of each of ``ids`` in ``choices``; every id must be there."""
    order = np.argsort(choices)
    index = order[np.minimum(np.searchsorted(choices, ids, sorter=order), choices.size - 1)]
    missing = ids[choices[index] != ids]
    if missing.size:
        raise BadParameterError(f"connections involve ids {reprlib.repr(np.unique(missing).tolist())} that are "
                                f"not in {name}; select connections between them with GetConnections")
    return index


_STDP_PARAMETERS = ("tau_plus", "lambda", "alpha", "mu_plus", "mu_minus", "Wmax", "weight", "delay")


def _stdp_parameters(params):
    """stdp_window's parameters: csnn's defaults updated with ``params``, checked."""
    tau_minus = next(row[1] for row in ARCHIVE_PARAMETERS if row[0] == "tau_minus")
    defaults = session.current().models.get("stdp_synapse").defaults
    p = {key: defaults[key] for key in _STDP_PARAMETERS}
    p["tau_minus"] = tau_minus
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise BadTypeError(f"params must be a dict of stdp_synapse parameters, got {reprlib.repr(params)}")
    for key, value in params.items():
        if key not in p:
            raise unknown_name("stdp_window parameter", key, p)
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise BadParameterError(f"params[{key!r}] = {value!r}: accepted: a finite number")
        p[key] = float(value)
    for key in ("tau_plus", "tau_minus"):
        if not p[key] > 0:
            raise BadParameterError(f"{key} = {p[key]} ms: accepted: a time constant > 0 ms")
    if p["delay"] < 0:
        raise BadParameterError(f"delay = {p['delay']} ms: accepted: a delay >= 0 ms")
    if p["Wmax"] == 0 or not 0 <= p["weight"] / p["Wmax"] <= 1:
        raise BadParameterError(f"weight = {p['weight']} with Wmax = {p['Wmax']}: accepted: Wmax != 0 and the "
                                "weight between 0 and Wmax")
    return p


def _import_neo():
    try:
        import neo
        import quantities
    except ImportError as err:
        raise ImportError(f"exporting to neo needs the neo package ({err}); install it with: pip install neo") from None
    return neo, quantities
