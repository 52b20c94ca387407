# cython: language_level=3
"""Spike-timing dependent plasticity, online in the event loop.

A plastic synapse is stored with its target's other inputs' data in the plastic synapse table
(csnn/_core/synapses.pyx): its weight, its presynaptic traces, the time of the last
presynaptic spike and the index of its parameter set.  Parameters live in sets shared by many
synapses (``StdpSet``): a connection made with scalar parameters makes or reuses one set.

The update happens when a presynaptic spike reaches the target, in the target's own window
(so it runs in parallel with other targets and touches only their memory), exactly as NEST
does it in its synapses' ``send``:

* the whole delay is dendritic: a postsynaptic spike at t reaches the synapse at t + delay;
* each target archives its spikes with its traces (``PostHistory``, NEST's ArchivingNode): the
  trace K- with time constant ``tau_minus`` (a neuron parameter) and, for triplet rules, one
  with ``tau_minus_triplet``; entries every incoming plastic synapse has read are dropped;
* at a presynaptic spike at t_pre, the rule reads the postsynaptic spikes that reached the
  synapse since the last presynaptic spike and the trace at t_pre - delay, updates the weight,
  and the spike is transmitted with the new weight.

stdp_synapse (Morrison et al. 2007, NEST's normalised form, w in units of Wmax):
    potentiation  w <- w + lambda (1 - w)^mu_plus K+,   clipped at Wmax,
    depression    w <- w - alpha lambda w^mu_minus K-,  clipped at 0,
    with the presynaptic trace K+ (time constant tau_plus, +1 per presynaptic spike) read at
    each postsynaptic spike's arrival, and the postsynaptic trace K- read at the presynaptic
    spike.  Spikes closer than 1e-9 ms count as simultaneous (a postsynaptic spike reaching the
    synapse together with a presynaptic one potentiates, as in NEST).
"""
import numpy as np

RULES = {"stdp_synapse": RULE_STDP}

cdef StdpSet _probe


def set_dtype():
    """numpy dtype of the C ``StdpSet`` record (the facade builds parameter sets with it)."""
    cdef char* base = <char*> &_probe
    fields = [
        ("rule", <char*> &_probe.rule - base, "i4"),
        ("weight_recorder", <char*> &_probe.weight_recorder - base, "i4"),
        ("tau_plus", <char*> &_probe.tau_plus - base, "f8"),
        ("lambda", <char*> &_probe.lambda_ - base, "f8"),
        ("alpha", <char*> &_probe.alpha - base, "f8"),
        ("mu_plus", <char*> &_probe.mu_plus - base, "f8"),
        ("mu_minus", <char*> &_probe.mu_minus - base, "f8"),
        ("Wmax", <char*> &_probe.Wmax - base, "f8"),
    ]
    return np.dtype({"names": [f[0] for f in fields], "offsets": [f[1] for f in fields],
                     "formats": [f[2] for f in fields], "itemsize": sizeof(StdpSet)})


#: plastic synapse models: their rule, the parameters of their sets, their per-synapse state
SYNAPSE_MODELS = {
    "stdp_synapse": {
        "rule": RULE_STDP,
        "summary": "pair-based STDP (all-to-all pairs), NEST's normalised form",
        "parameters": (
            ("tau_plus", 20.0, "ms", "positive", "Time constant of the presynaptic trace"),
            ("lambda", 0.01, "", "nonnegative", "Learning rate"),
            ("alpha", 1.0, "", "nonnegative", "Depression relative to potentiation"),
            ("mu_plus", 1.0, "", "nonnegative", "Weight dependence exponent of potentiation"),
            ("mu_minus", 1.0, "", "nonnegative", "Weight dependence exponent of depression"),
            ("Wmax", 100.0, "", "finite", "Maximal weight (same sign as the weight)"),
        ),
        "state": (
            ("Kplus", 0.0, "", "nonnegative", "Presynaptic trace"),
        ),
    },
}
