# cython: language_level=3
"""Spike-timing dependent plasticity, online in the event loop.

A plastic synapse is stored with its target's other inputs' data in the plastic synapse table
(csnn/_core/synapses.pyx): its weight, the index of its parameter set and the index of its
trace group, which holds the time of the last presynaptic spike and the presynaptic traces it
shares with the source's other synapses (csnn/_core/traces.pyx).  Parameters live in sets
shared by many synapses (``StdpSet``): a connection made with scalar parameters makes or
reuses one set.

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

Weights are in units of Wmax in the rules of Morrison et al. (2008), as in NEST: with
w~ = w / Wmax, K+ the presynaptic trace (time constant tau_plus, +1 per presynaptic spike) and
K- the postsynaptic one (the target's tau_minus), both read where the other spike reaches the
synapse,

    potentiation  w~ <- w~ + lambda (1 - w~)^mu_plus k+,        clipped at 1,
    depression    w~ <- w~ - alpha lambda w~^mu_minus k-,        clipped at 0,

and the rules differ in which pairs of spikes they count (k+ and k- below):

stdp_synapse (all-to-all)
    each postsynaptic spike potentiates with k+ = K+ at its arrival; each presynaptic spike
    depresses with k- = K- at t_pre - delay.
stdp_nn_symm_synapse (symmetric nearest neighbour)
    each postsynaptic spike pairs with the latest presynaptic spike only,
    k+ = exp(-dt / tau_plus); each presynaptic spike with the latest postsynaptic spike,
    k- = exp(-dt / tau_minus).
stdp_nn_pre_centered_synapse (presynaptic-centred)
    the first postsynaptic spike after presynaptic spikes potentiates with their trace K+, and
    resets it to 0; each presynaptic spike depresses with the latest postsynaptic spike,
    k- = exp(-dt / tau_minus).
stdp_nn_restr_synapse (restricted symmetric nearest neighbour)
    only when postsynaptic spikes fall between two presynaptic ones: the first of them pairs
    with the earlier presynaptic spike (potentiation, exp(-dt / tau_plus)) and the latest of
    them with the later presynaptic spike (depression, exp(-dt / tau_minus)).
stdp_triplet_synapse (Pfister & Gerstner 2006, NEST's form, on |w| with the sign of Wmax)
    potentiation at each postsynaptic spike  |w| <- |w| + K+ (Aplus + Aplus_triplet y),
    with y the slow postsynaptic trace (tau_minus_triplet) just before that spike, clipped at
    |Wmax|; depression at each presynaptic spike  |w| <- |w| - K- (Aminus + Aminus_triplet x),
    with x the slow presynaptic trace (tau_plus_triplet) just before it, clipped at 0.
stdp_facetshw_synapse_hom (FACETS/BrainScaleS hardware, Pfeil et al. 2012)
    the synapse accumulates nearest-neighbour pairs: a presynaptic spike preceded by
    postsynaptic spikes since the last presynaptic one adds exp(-dt / tau_plus) for the first
    of them to a_causal and exp(-dt / tau_minus_stdp) for the latest to a_acausal.  Weights are
    4-bit: a synapse controller visits groups of ``synapses_per_driver`` synapses in turn, each
    group for ``driver_readout_time``; at the first presynaptic spike after its readout time,
    a synapse's two evaluation bits (thresholds a_thresh_th, a_thresh_tl against the
    accumulations, weighted by ``configbit_0``/``configbit_1``) choose a look-up table that maps
    its discrete weight round(w / (Wmax / 15)) to the new one, and reset the accumulations as
    ``reset_pattern`` says; (0, 0) leaves the synapse alone.  Synapses are numbered by their
    first presynaptic spike (ties: by source, then connection order), which sets their first
    readout, int(id / synapses_per_driver) driver_readout_time; the cycle, int((N - 1) /
    synapses_per_driver + 1) driver_readout_time, counts the N synapses numbered by the time of
    the spike.  NEST numbers them in delivery order, which agrees except between synapses whose
    first spikes come within one min-delay of each other.  The rule is hardware emulation: the
    delay is read exactly (NEST rounds it to the grid), weights must lie in [0, Wmax].

In every rule the whole delay is dendritic (a postsynaptic spike at t reaches the synapse at
t + delay), spikes closer than 1e-9 ms count as simultaneous (a postsynaptic spike reaching the
synapse together with a presynaptic one potentiates), and, as in NEST, a synapse's "last
presynaptic spike" is at t = 0 before its first spike (the nearest-neighbour rules pair
postsynaptic spikes before the first presynaptic one with it).
"""
import numpy as np

from csnn._core.declarations import flat_dtype, struct_dtype

cdef StdpSet _probe
#: the C StdpSet's own dtype (declarations.py), and the one the facade builds parameter sets
#: with: its fields by the parameters' names (``lambda`` is a Python keyword, so ``lambda_`` in
#: C; the look-up tables and configuration bits one field each)
STRUCT = struct_dtype(<StdpSet[:1]> &_probe, _probe)
SET_DTYPE = flat_dtype(STRUCT, {"lambda_": "lambda", **{
    array: [f"{array}_{k}" for k in range(STRUCT[array].shape[0])] for array in ("lookuptable", "configbit")}})


def check_layout(rows):
    """sizeof the C struct, once Cython has taken ``rows`` (of STRUCT) as it (declarations.py)."""
    cdef StdpSet[::1] checked = rows
    return sizeof(StdpSet)


# the parameters of Morrison et al.'s normalised pair rules
_PAIR_PARAMETERS = (
    ("tau_plus", 20.0, "ms", "positive", "Time constant of the presynaptic trace"),
    ("lambda", 0.01, "", "nonnegative", "Learning rate"),
    ("alpha", 1.0, "", "nonnegative", "Depression relative to potentiation"),
    ("mu_plus", 1.0, "", "nonnegative", "Weight dependence exponent of potentiation"),
    ("mu_minus", 1.0, "", "nonnegative", "Weight dependence exponent of depression"),
    ("Wmax", 100.0, "", "finite", "Maximal weight (same sign as the weight)"),
)
# a state row's last field says where it is kept: a column of the plastic table, or
# "traces.<field>" for a field of the synapse's trace group (traces.FIELDS)
_KPLUS = ("Kplus", 0.0, "", "nonnegative", "Presynaptic trace", "traces.kplus")
# NEST's FACETS look-up tables: an intermediate Guetig rule (mu = 0.4) for 4-bit weights and 36
# spike pairs, potentiating (0), depressing (1) and identity (2) (Pfeil et al. 2012)
_LUT_POTENTIATE = [2, 3, 4, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 14, 15]
_LUT_DEPRESS = [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 11, 12, 13]
_LUT = ("ints", 16, 0, 15)
_BITS4 = ("ints", 4, 0, 1)
_BITS6 = ("ints", 6, 0, 1)


def _weight_per_lut_entry(c):
    """stdp_facetshw_synapse_hom: the weight step of one look-up-table entry (4-bit weights)."""
    return c["Wmax"] / 15.0


def _readout_cycle_duration(c):
    """stdp_facetshw_synapse_hom: the time (ms) the controller takes to visit every driver."""
    return int((c["no_synapses"] - 1.0) / c["synapses_per_driver"] + 1.0) * c["driver_readout_time"]


#: plastic synapse models: their rule, the parameters of their sets (``parameters``: per
#: synapse, grouped into shared sets; ``common``: one value per model, the ``_hom`` models),
#: their per-synapse state (name, default, unit, constraint, doc, column of the plastic table)
#: and read-only values derived from the parameters
SYNAPSE_MODELS = {
    "stdp_synapse": {
        "rule": RULE_STDP,
        "summary": "pair-based STDP (all-to-all pairs), NEST's normalised form",
        "parameters": _PAIR_PARAMETERS,
        "state": (_KPLUS,),
    },
    "stdp_synapse_hom": {
        "rule": RULE_STDP,
        "summary": "stdp_synapse with its parameters common to all its synapses",
        "parameters": (),
        "common": _PAIR_PARAMETERS,
        "state": (_KPLUS,),
    },
    "stdp_nn_symm_synapse": {
        "rule": RULE_NN_SYMM,
        "summary": "pair-based STDP, symmetric nearest-neighbour pairs",
        "parameters": _PAIR_PARAMETERS,
        "state": (),
    },
    "stdp_nn_pre_centered_synapse": {
        "rule": RULE_NN_PRE_CENTERED,
        "summary": "pair-based STDP, presynaptic-centred nearest-neighbour pairs",
        "parameters": _PAIR_PARAMETERS,
        # its K+ is reset by postsynaptic spikes: the synapse's own (stdp.pxd's kplus_per_synapse)
        "state": (_KPLUS[:5] + ("Kplus",),),
    },
    "stdp_nn_restr_synapse": {
        "rule": RULE_NN_RESTR,
        "summary": "pair-based STDP, restricted symmetric nearest-neighbour pairs",
        "parameters": _PAIR_PARAMETERS,
        "state": (),
    },
    "stdp_triplet_synapse": {
        "rule": RULE_TRIPLET,
        "summary": "triplet STDP (Pfister & Gerstner 2006, all-to-all)",
        "parameters": (
            ("tau_plus", 16.8, "ms", "positive", "Time constant of the fast presynaptic trace"),
            ("tau_plus_triplet", 101.0, "ms", "positive", "Time constant of the slow presynaptic trace"),
            ("Aplus", 5e-10, "", "nonnegative", "Pair potentiation amplitude"),
            ("Aminus", 7e-3, "", "nonnegative", "Pair depression amplitude"),
            ("Aplus_triplet", 6.2e-3, "", "nonnegative", "Triplet potentiation amplitude"),
            ("Aminus_triplet", 2.3e-4, "", "nonnegative", "Triplet depression amplitude"),
            ("Wmax", 100.0, "", "finite", "Maximal weight (same sign as the weight)"),
        ),
        "state": (
            _KPLUS,
            ("Kplus_triplet", 0.0, "", "nonnegative", "Slow presynaptic trace", "traces.kplus_triplet"),
        ),
    },
    "stdp_facetshw_synapse_hom": {
        "rule": RULE_FACETSHW,
        "summary": "STDP of the FACETS neuromorphic hardware: 4-bit weights, look-up tables, readout cycles",
        "parameters": (),
        "common": (
            ("tau_plus", 20.0, "ms", "positive", "Time constant of the causal accumulation"),
            ("tau_minus_stdp", 20.0, "ms", "positive", "Time constant of the acausal accumulation"),
            ("Wmax", 100.0, "", "positive", "Maximal weight (15 discrete steps of Wmax / 15)"),
            ("no_synapses", 0, "", "count", "Synapses numbered so far (by their first spike)"),
            ("synapses_per_driver", 50, "", "positive_count", "Synapses processed at once"),
            ("driver_readout_time", 15.0, "ms", "positive", "Time to process one group of synapses"),
            ("lookuptable_0", _LUT_POTENTIATE, "", _LUT, "Look-up table for evaluation bits (1, 0)"),
            ("lookuptable_1", _LUT_DEPRESS, "", _LUT, "Look-up table for evaluation bits (0, 1)"),
            ("lookuptable_2", list(range(16)), "", _LUT, "Look-up table for evaluation bits (1, 1)"),
            ("configbit_0", [0, 0, 1, 0], "", _BITS4, "Configuration bits (e_cc, e_ca, e_ac, e_aa) of the first evaluation"),
            ("configbit_1", [0, 1, 0, 0], "", _BITS4, "Configuration bits of the second evaluation"),
            ("reset_pattern", [1] * 6, "", _BITS6, "Per table: reset a_causal, a_acausal after its use"),
        ),
        "derived": {"weight_per_lut_entry": _weight_per_lut_entry,
                    "readout_cycle_duration": _readout_cycle_duration},
        "state": (
            ("a_causal", 0.0, "", "nonnegative", "Causal pair accumulation", "Kplus"),
            ("a_acausal", 0.0, "", "nonnegative", "Acausal pair accumulation", "Kplus_triplet"),
            # exp(-10 ms / 20 ms) * 36 spike pairs
            ("a_thresh_th", 21.835, "", "finite", "Evaluation threshold (high)", "a_thresh_th"),
            ("a_thresh_tl", 21.835, "", "finite", "Evaluation threshold (low)", "a_thresh_tl"),
            ("synapse_id", 0, "", "count", "Number of the synapse for the controller", "synapse_id"),
            ("init_flag", False, "", "bool", "Whether the synapse is numbered", "init_flag"),
            ("next_readout_time", 0.0, "ms", "finite", "Time of the synapse's next readout", "next_readout_time"),
        ),
    },
}
#: the fields of its trace group each rule reads (traces.FIELDS): the time of the last
#: presynaptic spike, and its "traces.<field>" state rows
SHARED_TRACES = {spec["rule"]: ("t_last",) + tuple(row[5][len("traces."):] for row in spec["state"]
                                                   if row[5].startswith("traces."))
                 for spec in SYNAPSE_MODELS.values()}
#: rules whose weights lie in [0, Wmax] (the others: weight and Wmax of the same sign)
DISCRETE_WEIGHT_RULES = (RULE_FACETSHW,)
#: per-synapse columns of the plastic table beyond the routing ones that every rule uses
PLASTIC_COLUMNS = {"set": (np.uint16, 0), "group": (np.uint32, 0)}
#: state columns of some rules only (the last field of their "state" rows): added when the first
#: synapse that needs one is made, so that other networks do not pay for them
RULE_COLUMNS = {"Kplus": (np.float64, 0.0), "Kplus_triplet": (np.float64, 0.0),
                "a_thresh_th": (np.float64, 21.835), "a_thresh_tl": (np.float64, 21.835),
                "synapse_id": (np.int64, 0), "init_flag": (np.uint8, 0),
                "next_readout_time": (np.float64, 0.0)}
