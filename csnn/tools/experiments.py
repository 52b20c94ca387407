"""Experiments: helpers that build a network in the present kernel and simulate it, then read
what they recorded with :mod:`csnn.tools.recorded` (analysis itself only reads).  ``fi_curve`` is
re-exported by :mod:`csnn.analysis`, where it has always been found.
"""
import reprlib

from ..errors import BadParameterError, BadTypeError, KernelStateError
from ..network import session
from .recorded import _finite_1d, _time, firing_rates

__all__ = ["fi_curve"]


def fi_curve(model, currents, params=None, t_sim=1000.0, t_start=200.0):
    """Firing rate (Hz) of neurons of ``model`` driven by each constant current in ``currents``
    (pA, set as ``I_e``), with the other parameters ``params`` (a dict).

    One neuron per current and a spike recorder are created in the present kernel, which is then
    simulated for ``t_sim`` ms; the rate counts the spikes in [t_start, t_sim) (ms from the start
    of this run), so that ``t_start`` skips the transient from the initial state.

    The kernel is not reset, so that a helper never destroys a network; but simulating it would
    also run any network already in it.  The kernel must therefore hold no nodes, else
    KernelStateError: call ``csnn.ResetKernel()`` first.  The neurons and the recorder remain
    in the kernel afterwards.  Returns the rates, one per current.
    """
    currents = _finite_1d(currents, "currents")
    if currents.size == 0:
        raise BadParameterError("currents is empty: give at least one current (pA)")
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise BadTypeError(f"params must be a dict of {model!r} parameters, got {reprlib.repr(params)}")
    if "I_e" in params:
        raise BadParameterError(f"params sets I_e = {params['I_e']!r}, which fi_curve sweeps over currents; "
                                "leave it out")
    kernel = session.current()
    if "I_e" not in kernel.models.get(model).defaults:
        raise BadParameterError(f"model {model!r} has no I_e: fi_curve needs a neuron model driven by a "
                                "constant current I_e")
    t_sim, t_start = _time("t_sim", t_sim), _time("t_start", t_start)
    if not 0.0 <= t_start < t_sim:
        raise BadParameterError(f"t_start = {t_start} ms must lie in [0, t_sim = {t_sim} ms)")
    n_nodes = kernel.nodes.size()
    if n_nodes:
        raise KernelStateError(f"fi_curve simulates the present kernel, which already holds {n_nodes} nodes "
                               "that would be simulated along; call csnn.ResetKernel() first")
    t_now = kernel.engine.t_now
    neurons = kernel.nodes.create(model, currents.size, params=dict(params, I_e=currents))
    recorder = kernel.nodes.create("spike_recorder")
    kernel.connections.connect(neurons, recorder)
    kernel.simulate(t_sim)
    return firing_rates(recorder, t_now + t_start, t_now + t_sim, neurons)[1]
