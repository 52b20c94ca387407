"""Every documented bad input gives a clear error, and the kernel stays usable afterwards.

Each case checks the exception class (csnn/errors.py) and, with a specific regex, that the
message names the argument, the bad value and what is accepted.  After the error a small
valid network is built and simulated (``assert_kernel_usable``).
"""
import math
import signal
import threading
import time

import numpy as np
import pytest

import csnn
from csnn.errors import (BadParameterError, BadTypeError, IllegalConnectionError, KernelStateError,
                         UnknownModelError, UnknownNodeError, UnknownParameterError)

pytestmark = pytest.mark.usefixtures("fresh_kernel")

NAN, INF = math.nan, math.inf


# -- helpers -------------------------------------------------------------------------------------

def assert_kernel_usable():
    """A valid Create/Connect/Simulate works and gives the right spike after an error."""
    t0 = csnn.GetKernelStatus("biological_time")
    neuron = csnn.Create("iaf_psc_delta")
    gen = csnn.Create("spike_generator", params={"spike_times": [t0 + 1.0]})
    recorder = csnn.Create("spike_recorder")
    csnn.Connect(gen, neuron, syn_spec={"weight": 20.0, "delay": 1.0})
    csnn.Connect(neuron, recorder)
    csnn.Simulate(5.0)
    assert csnn.GetKernelStatus("biological_time") == pytest.approx(t0 + 5.0)
    np.testing.assert_allclose(recorder.get("events")["times"], [t0 + 2.0])


NEURON_PARAMS = ["E_L", "C_m", "tau_m", "t_ref", "V_th", "V_reset", "I_e", "V_min", "V_m", "refractory_input"]


def neuron_state(nodes):
    return {key: list(np.atleast_1d(value)) for key, value in nodes.get(NEURON_PARAMS).items()}


# -- models and parameters -----------------------------------------------------------------------

def test_unknown_model_in_create_suggests_close_names():
    with pytest.raises(UnknownModelError, match=r"unknown model 'iaf_psc_delt'\. Did you mean 'iaf_psc_delta'[,?]"
                                                r".*Available: .*iaf_psc_delta.*parrot_neuron"):
        csnn.Create("iaf_psc_delt", 3)
    assert csnn.GetKernelStatus("network_size") == 0
    assert_kernel_usable()


@pytest.mark.parametrize("syn_spec", [{"synapse_model": "static_synaps"}, "static_synaps",
                                      {"model": "static_synaps"}])
def test_unknown_synapse_model_suggests_close_names(syn_spec):
    pre, post = csnn.Create("iaf_psc_delta"), csnn.Create("iaf_psc_delta")
    with pytest.raises(UnknownModelError, match=r"unknown synapse model 'static_synaps'\. "
                                                r"Did you mean 'static_synapse'[,?].*static_synapse") as info:
        csnn.Connect(pre, post, syn_spec=syn_spec)
    # what is accepted: synapse models; node models are no valid answer
    listed = str(info.value).split("Available:")[-1]
    assert "iaf_psc_delta" not in listed and "spike_recorder" not in listed, (
        f"the list of accepted synapse models contains node models: {info.value}")
    assert csnn.GetKernelStatus("num_connections") == 0
    assert_kernel_usable()


#: (params for 3 iaf_psc_delta nodes, exception, message regex)
NEURON_PARAM_CASES = {
    "unknown_name": ({"V_thr": -50.0}, UnknownParameterError,
                     r"unknown parameter of iaf_psc_delta 'V_thr'\. Did you mean 'V_th'\? "
                     r"Valid: C_m, E_L, .*V_reset, V_th, .*tau_m(, [a-z_]+)*\."),
    "read_only_t_spike": ({"t_spike": 5.0}, BadParameterError, r"'t_spike' of iaf_psc_delta is read-only"),
    "read_only_global_id": ({"global_id": 7}, BadParameterError, r"'global_id' of iaf_psc_delta is read-only"),
    "string_for_number": ({"V_th": "a"}, BadTypeError,
                          r"iaf_psc_delta parameter 'V_th' = 'a' is invalid: must be a number"),
    "nan": ({"V_th": NAN}, BadParameterError,
            r"parameter 'V_th' = nan is invalid: must be a finite number, or inf \(the neuron never fires\) \(mV\)"),
    # V_th = inf silences a neuron, as in NEST (test_nest3_api.py); -inf and other infinities are refused
    "minus_inf_threshold": ({"V_th": -INF}, BadParameterError,
                            r"parameter 'V_th' = -inf is invalid: must be a finite number, or inf"),
    "inf": ({"V_reset": INF}, BadParameterError,
            r"parameter 'V_reset' = inf is invalid: must be a finite number \(mV\)"),
    "nan_for_one_node": ({"V_m": [-70.0, NAN, -70.0]}, BadParameterError,
                         r"parameter 'V_m' = nan is invalid: must be a finite number"),
    "negative_tau_m": ({"tau_m": -1.0}, BadParameterError,
                       r"parameter 'tau_m' = -1\.0 is invalid: must be a finite number > 0 \(ms\)"),
    "zero_C_m": ({"C_m": 0}, BadParameterError,
                 r"parameter 'C_m' = 0(\.0)? is invalid: must be a finite number > 0 \(pF\)"),
    "negative_t_ref": ({"t_ref": -1.0}, BadParameterError,
                       r"parameter 't_ref' = -1\.0 is invalid: must be a finite number >= 0 \(ms\)"),
    "string_for_bool": ({"refractory_input": "yes"}, BadTypeError,
                        r"parameter 'refractory_input' = 'yes' is invalid: must be True or False"),
    "V_reset_above_V_th": ({"V_reset": -50.0}, BadParameterError,
                           r"V_reset = -50\.0 mV must be smaller than V_th = -55\.0 mV"),
    "V_reset_equal_V_th": ({"V_reset": -55.0}, BadParameterError,
                           r"V_reset = -55\.0 mV must be smaller than V_th = -55\.0 mV"),
    "V_th_below_V_reset_for_one_node": ({"V_th": [-50.0, -75.0, -50.0]}, BadParameterError,
                                        r"V_reset = -70\.0 mV must be smaller than V_th = -75\.0 mV"),
    "too_few_values": ({"V_m": [-70.0, -65.0]}, BadParameterError,
                       r"\['V_m'\] has 2 values for 3 nodes; give one value or one per node"),
    "too_many_values": ({"V_m": [-70.0, -65.0, -60.0, -55.0]}, BadParameterError,
                        r"\['V_m'\] has 4 values for 3 nodes; give one value or one per node"),
    "list_of_dicts_wrong_length": ([{"V_m": -70.0}, {"V_m": -60.0}], BadParameterError,
                                   r"list of (parameter dicts needs one dict per node \(3\), got 2 entries"
                                   r"|2 dicts for 3 nodes; give one dict, or one per node)"),
}


@pytest.mark.parametrize("route", ["Create", "SetStatus", "set"])
@pytest.mark.parametrize("case", list(NEURON_PARAM_CASES))
def test_bad_neuron_parameters(case, route):
    params, error, message = NEURON_PARAM_CASES[case]
    if route == "Create":
        with pytest.raises(error, match=message):
            csnn.Create("iaf_psc_delta", 3, params=params)
        assert csnn.GetKernelStatus("network_size") == 0, "a failed Create must not leave nodes behind"
    else:
        nodes = csnn.Create("iaf_psc_delta", 3)
        before = neuron_state(nodes)
        with pytest.raises(error, match=message):
            if route == "SetStatus":
                csnn.SetStatus(nodes, params)
            else:
                nodes.set(params)
        assert neuron_state(nodes) == before, "a failed SetStatus must not change any node"
    assert_kernel_usable()


#: (Create(iaf_psc_delta, n, positions=...) as (n, positions factory), exception, message regex)
POSITION_CASES = {
    "array_for_other_n": ((3, lambda: np.zeros((2, 2))), BadParameterError,
                          r"Create: positions must be an array of shape \(3, 2\) or \(3, 3\), got shape \(2, 2\)"),
    "array_of_1d_positions": ((2, lambda: [1.0, 2.0]), BadParameterError,
                              r"Create: positions must be an array of shape \(n, 2\) or \(n, 3\) with n >= 1, got "
                              r"shape \(2,\)"),
    "nan_position": ((1, lambda: [[0.0, NAN]]), BadParameterError,
                     r"Create: positions contains nan: positions must be finite numbers"),
    "not_an_array": ((1, lambda: "here"), BadTypeError,
                     r"Create: positions must be an array of shape \(n, 2\) or \(n, 3\), a csnn\.spatial\.free or a "
                     r"csnn\.spatial\.grid, got 'here'"),
    "grid_with_other_n": ((5, lambda: csnn.spatial.grid([2, 2])), BadParameterError,
                          r"Create: n = 5 nodes, but spatial\.grid\(shape=\[2, 2\]\) has 4; leave n out"),
    "grid_1d_shape": ((1, lambda: csnn.spatial.grid([4])), BadParameterError,
                      r"spatial\.grid: shape = \[4\] is invalid: must be 2 or 3 integers >= 1"),
    "grid_extent_length": ((1, lambda: csnn.spatial.grid([2, 2], extent=[1.0, 1.0, 1.0])), BadParameterError,
                           r"spatial\.grid: extent = \[1\.0, 1\.0, 1\.0\] is invalid: must be 2 numbers > 0"),
    "free_flat_wrapped": ((1, lambda: csnn.spatial.free([[0.0, 0.0], [0.5, 0.0]], edge_wrap=True)), BadParameterError,
                          r"spatial\.free: the positions do not spread in dimension 1, so their extent is 0"),
    "free_one_node_without_extent": ((1, lambda: csnn.spatial.free([[0.5, 0.5]])), BadParameterError,
                                     r"spatial\.free: one node needs an extent \(as in NEST\)"),
    "free_with_other_n": ((3, lambda: csnn.spatial.free([[0.0, 0.0], [1.0, 1.0]])), BadParameterError,
                          r"Create: n = 3 nodes, but spatial\.free gives 2 positions; leave n out"),
    "free_array_and_num_dimensions": ((1, lambda: csnn.spatial.free([[0.0, 0.0]], num_dimensions=2)), BadTypeError,
                                      r"spatial\.free: num_dimensions is for random positions"),
    "free_parameter_without_dimensions": ((3, lambda: csnn.spatial.free(csnn.random.uniform())), BadTypeError,
                                          r"spatial\.free: with a random parameter as pos, give num_dimensions"),
    "free_outside_extent": ((1, lambda: csnn.spatial.free([[0.0, 0.0], [3.0, 0.5]], extent=[1.0, 1.0])),
                            BadParameterError,
                            r"spatial\.free: the positions span 3\.0 in dimension 0, more than extent = "
                            r"\[1\.0, 1\.0\]"),
}


@pytest.mark.parametrize("case", list(POSITION_CASES))
def test_bad_positions(case):
    (n, positions), error, message = POSITION_CASES[case]
    with pytest.raises(error, match=message):
        csnn.Create("iaf_psc_delta", n, positions=positions())
    assert csnn.GetKernelStatus("network_size") == 0, "a failed Create must not leave nodes behind"
    assert_kernel_usable()


# -- Connect -------------------------------------------------------------------------------------

def neurons(n=1):
    return csnn.Create("iaf_psc_delta", n)


#: (pre, post factory, conn_spec, syn_spec, exception, message regex)
CONNECT_CASES = {
    "zero_delay": (lambda: (neurons(), neurons()), None, {"delay": 0.0}, BadParameterError,
                   r"delay = 0\.0 ms is invalid: delays must be finite and > 0 ms"),
    "negative_delay": (lambda: (neurons(), neurons()), None, {"delay": -1.0}, BadParameterError,
                       r"delay = -1\.0 ms is invalid: delays must be finite and > 0 ms"),
    "inf_delay": (lambda: (neurons(), neurons()), None, {"delay": INF}, BadParameterError,
                  r"delay = inf ms is invalid: delays must be finite and > 0 ms"),
    "nan_weight": (lambda: (neurons(), neurons()), None, {"weight": NAN}, BadParameterError,
                   r"weight = nan is invalid: weights must be finite numbers"),
    "nan_weight_in_array": (lambda: (neurons(2), neurons(2)), "one_to_one", {"weight": [1.0, NAN]},
                            BadParameterError, r"weight = nan is invalid: weights must be finite"),
    "list_of_strings_weight": (lambda: (neurons(), neurons()), None, {"weight": ["a"]}, BadTypeError,
                               r"syn_spec\['weight'\] contains 'a', which is not a number"),
    "unknown_rule": (lambda: (neurons(), neurons()), "one_to_on", None, IllegalConnectionError,
                     r"unknown connection rule 'one_to_on'\. Did you mean 'one_to_one'\? "
                     r"Valid: all_to_all, expression, fixed_indegree, .*pairwise_bernoulli\."),
    "unknown_rule_in_dict": (lambda: (neurons(), neurons()), {"rule": "fixed_indegre", "indegree": 1}, None,
                             IllegalConnectionError,
                             r"unknown connection rule 'fixed_indegre'\. Did you mean 'fixed_indegree'"),
    "missing_indegree": (lambda: (neurons(3), neurons(3)), {"rule": "fixed_indegree"}, None, BadParameterError,
                         r"conn_spec for rule 'fixed_indegree' needs 'indegree'"),
    "negative_indegree": (lambda: (neurons(3), neurons(3)), {"rule": "fixed_indegree", "indegree": -1}, None,
                          BadParameterError, r"conn_spec\['indegree'\] = -1 is invalid: must be an integer in \[0, 2\*\*63\)"),
    "p_above_1": (lambda: (neurons(3), neurons(3)), {"rule": "pairwise_bernoulli", "p": 1.5}, None,
                  BadParameterError, r"conn_spec\['p'\] = 1\.5 is invalid: must be a probability in \[0, 1\]"),
    "p_below_0": (lambda: (neurons(3), neurons(3)), {"rule": "pairwise_bernoulli", "p": -0.1}, None,
                  BadParameterError, r"conn_spec\['p'\] = -0\.1 is invalid: must be a probability in \[0, 1\]"),
    "one_to_one_lengths": (lambda: (neurons(2), neurons(3)), "one_to_one", None, IllegalConnectionError,
                           r"rule 'one_to_one' needs as many sources as targets, got 2 sources and 3 targets"),
    "weight_array_shape": (lambda: (neurons(2), neurons(3)), "all_to_all", {"weight": np.ones((2, 3))},
                           BadParameterError,
                           r"syn_spec\['weight'\] has shape \(2, 3\); rule 'all_to_all' here needs shape \(3, 2\)"),
    "weight_array_length": (lambda: (neurons(3), neurons(3)), "one_to_one", {"weight": [1.0, 2.0]},
                            BadParameterError,
                            r"syn_spec\['weight'\] has shape \(2,\); rule 'one_to_one' here needs shape \(3,\)"),
    "unknown_conn_spec_key": (lambda: (neurons(), neurons()), {"rule": "all_to_all", "allow_autapse": False}, None,
                              UnknownParameterError,
                              r"unknown conn_spec key for rule 'all_to_all' 'allow_autapse'\. "
                              r"Did you mean 'allow_autapses'.*Valid: allow_autapses, allow_multapses"),
    "unknown_syn_spec_key": (lambda: (neurons(), neurons()), None, {"wieght": 2.0}, UnknownParameterError,
                             r"unknown syn_spec key for static_synapse 'wieght'\. Did you mean 'weight'\? "
                             r"Valid: delay, receptor_type, weight\."),
    "neuron_to_poisson_generator": (lambda: (neurons(), csnn.Create("poisson_generator")), None, None,
                                    IllegalConnectionError,
                                    r"poisson_generator \(id 2\) is a stimulation device and cannot receive "
                                    r"connections; connect it as Connect\(generator, neurons\)"),
    "spike_recorder_to_neuron": (lambda: (csnn.Create("spike_recorder"), neurons()), None, None,
                                 IllegalConnectionError,
                                 r"spike_recorder \(id 1\) records the spikes sent to it and cannot be a source; "
                                 r"connect as Connect\(neurons, recorder\)"),
    "neuron_to_multimeter": (lambda: (neurons(), csnn.Create("multimeter", params={"record_from": ["V_m"]})),
                             None, None, IllegalConnectionError,
                             r"multimeter \(id 2\) samples the neurons it is connected to and cannot be a "
                             r"target; connect as Connect\(multimeter, neurons\)"),
    "dc_generator_to_spike_recorder": (lambda: (csnn.Create("dc_generator"), csnn.Create("spike_recorder")), None,
                                       None, IllegalConnectionError,
                                       r"dc_generator \(id 1\) makes a current, which a spike recorder does not "
                                       r"record"),
    "dc_generator_to_parrot": (lambda: (csnn.Create("dc_generator"), csnn.Create("parrot_neuron")), None, None,
                               IllegalConnectionError,
                               r"parrot_neuron does not accept currents, so dc_generator \(id 1\) cannot be "
                               r"connected to it"),
    "multimeter_V_m_of_parrot": (lambda: (csnn.Create("multimeter", params={"record_from": ["V_m"]}),
                                          csnn.Create("parrot_neuron")), None, None, IllegalConnectionError,
                                 r"multimeter \(id 1\) records 'V_m', which parrot_neuron \(id 2\) does not "
                                 r"have; its recordables: \[\]"),
    "empty_pre": (lambda: ([], neurons()), None, None, IllegalConnectionError, r"Connect: pre is empty"),
    "empty_post": (lambda: (neurons(), neurons(2)[0:0]), None, None, IllegalConnectionError,
                   r"Connect: post is empty"),
    # expressions (rule 'expression', expression weights and delays)
    "expression_undefined_name": (lambda: (neurons(), neurons()), None,
                                  {"weight": "exp(-i / widht)", "namespace": {"width": 2.0}}, UnknownParameterError,
                                  r"undefined name 'widht' in syn_spec\['weight'\] = 'exp\(-i / widht\)'\. "
                                  r"Did you mean 'width'\? Names available here: i, j, .*width"),
    "expression_attribute": (lambda: (neurons(), neurons()), {"rule": "expression", "condition": "i.__class__"},
                             None, BadParameterError,
                             r"conn_spec\['condition'\] = 'i\.__class__': attribute access \(i\.__class__\) is not "
                             r"allowed; expressions may use the names i, j, N_pre, .* and the functions abs\(\)"),
    "expression_call": (lambda: (neurons(), neurons()), None, {"delay": "__import__('os')"}, BadParameterError,
                        r"syn_spec\['delay'\] = \"__import__\('os'\)\": calling __import__\(\) is not allowed: only "
                        r"the listed functions can be called; .*exp\(\)"),
    "expression_syntax": (lambda: (neurons(), neurons()), {"rule": "expression", "condition": "i <"}, None,
                          BadParameterError, r"conn_spec\['condition'\] = 'i <' is not a valid expression"),
    "expression_not_a_string": (lambda: (neurons(), neurons()), {"rule": "expression", "condition": 3}, None,
                                BadTypeError, r"conn_spec\['condition'\] = 3 is invalid: give an expression string"),
    "expression_condition_not_boolean": (lambda: (neurons(2), neurons(2)), {"rule": "expression", "condition": "i + j"},
                                         None, BadTypeError,
                                         r"conn_spec\['condition'\] = 'i \+ j' must be a condition, True or False for "
                                         r"each pair \(such as 'abs\(i - j\) < 4'\), got int64 values"),
    "expression_p_outside_0_1": (lambda: (neurons(2), neurons(2)), {"rule": "expression", "p": "j - 0.5"}, None,
                                 BadParameterError,
                                 r"conn_spec\['p'\] = 'j - 0\.5' gives -0\.5 for i = 0, j = 0: must be a probability "
                                 r"in \[0, 1\]"),
    "expression_weight_not_finite": (lambda: (neurons(2), neurons(2)), None, {"weight": "1 / (i - j)"},
                                     BadParameterError,
                                     r"syn_spec\['weight'\] = '1 / \(i - j\)' gives inf for i = 0, j = 0: must be a "
                                     r"finite number"),
    "expression_j_out_of_range": (lambda: (neurons(3), neurons(3)), {"rule": "expression", "j": "i + 1"}, None,
                                  IllegalConnectionError,
                                  r"conn_spec\['j'\] = 'i \+ 1' gives j = 3 for i = 2, outside the post collection "
                                  r"\(j from 0 to 2\); add 'skip_if_invalid': True to leave such targets out"),
    "expression_j_not_integer": (lambda: (neurons(3), neurons(3)), {"rule": "expression", "j": "i / 2"}, None,
                                 BadTypeError, r"conn_spec\['j'\] = 'i / 2' must give integers, got float64 values; "
                                               r"use int\(\.\.\.\) or //"),
    "expression_j_uses_j": (lambda: (neurons(3), neurons(3)), {"rule": "expression", "j": "k for k in range(j)"},
                            None, UnknownParameterError,
                            r"unavailable name 'j' in conn_spec\['j'\] = 'k for k in range\(j\)', in 'j'\. "
                            r"Names available here: i, N_pre, N_post, x_pre, y_pre, z_pre, pi"),
    "expression_j_iterator": (lambda: (neurons(3), neurons(3)), {"rule": "expression", "j": "k for k in [0, 1]"},
                              None, BadParameterError,
                              r"iterate over range\(\.\.\.\) or sample\(\.\.\.\), not '\[0, 1\]'; the generator form "
                              r"is 'k for k in range\(low, high, step\) if condition'"),
    "expression_range_step_0": (lambda: (neurons(3), neurons(3)),
                                {"rule": "expression", "j": "k for k in range(0, 3, i - i)"}, None, BadParameterError,
                                r"in 'i - i' is 0 for i = 0: the step of range\(\) and sample\(\) must not be 0"),
    "expression_sample_size_too_large": (lambda: (neurons(3), neurons(3)),
                                         {"rule": "expression", "j": "k for k in sample(N_post, size=4)"}, None,
                                         BadParameterError,
                                         r"in '4' is 4 for i = 0, more than the 3 values of its range"),
    "expression_condition_and_j": (lambda: (neurons(), neurons()),
                                   {"rule": "expression", "condition": "i == j", "j": "i"}, None, BadParameterError,
                                   r"conn_spec gives both 'condition' and 'j'; give one"),
    "expression_j_and_p": (lambda: (neurons(), neurons()), {"rule": "expression", "j": "i", "p": 0.5}, None,
                           BadParameterError, r"conn_spec gives both 'j' and 'p'; draw targets with probability p "
                                              r"inside the generator: 'k for k in sample\(N_post, p=p\)'"),
    "expression_skip_without_j": (lambda: (neurons(), neurons()),
                                  {"rule": "expression", "condition": "i == j", "skip_if_invalid": True}, None,
                                  BadParameterError, r"conn_spec\['skip_if_invalid'\] applies to 'j'"),
    "expression_unknown_key": (lambda: (neurons(), neurons()), {"rule": "expression", "conditon": "i == j"}, None,
                               UnknownParameterError,
                               r"unknown conn_spec key for rule 'expression' 'conditon'\. Did you mean 'condition'"),
    "expression_negative_n": (lambda: (neurons(2), neurons(2)), {"rule": "expression", "n": "i - 1"}, None,
                              BadParameterError, r"conn_spec\['n'\] = 'i - 1' gives -1 for i = 0, j = 0: must be an "
                                                 r"integer >= 0"),
    "expression_multapses": (lambda: (neurons(2), neurons(2)), {"rule": "expression", "n": 2, "allow_multapses": False},
                             None, IllegalConnectionError,
                             r"allow_multapses is False, but rule 'expression' gives the pair i = 0, j = 0 more "
                             r"than once"),
    "expression_without_positions": (lambda: (neurons(2), neurons(2)), None, {"weight": "x_pre - x_post"},
                                     BadParameterError,
                                     r"syn_spec\['weight'\] = 'x_pre - x_post' uses 'x_pre', but pre node 1 has no "
                                     r"position; give the nodes positions when creating them"),
    "expression_z_of_2d_positions": (lambda: (csnn.Create("iaf_psc_delta", 2, positions=[[0.0, 0.0], [1.0, 0.0]]),
                                                neurons()),
                                     {"rule": "expression", "condition": "z_pre > 0"}, None, BadParameterError,
                                     r"uses 'z_pre', but pre node 1 has a 2-d position"),
    "expression_namespace_reserved": (lambda: (neurons(), neurons()), None, {"weight": "i", "namespace": {"exp": 1}},
                                      BadParameterError,
                                      r"syn_spec\['namespace'\]: the name 'exp' is reserved \(a variable, constant or "
                                      r"function of expressions\); choose another"),
    "expression_namespace_value": (lambda: (neurons(), neurons()), None, {"weight": "w", "namespace": {"w": "2"}},
                                   BadTypeError,
                                   r"syn_spec\['namespace'\]\['w'\] = '2' is invalid: namespace values must be "
                                   r"numbers"),
    "unknown_pre_id": (lambda: ([999], neurons()), None, None, UnknownNodeError,
                       r"pre: node id 999 does not exist; ids run from 1 to 1"),
    "unknown_post_id": (lambda: (neurons(2), [0]), None, None, UnknownNodeError,
                        r"post: node id 0 does not exist; ids run from 1 to 2"),
}


@pytest.mark.parametrize("case", list(CONNECT_CASES))
def test_bad_connect(case):
    make, conn_spec, syn_spec, error, message = CONNECT_CASES[case]
    pre, post = make()
    with pytest.raises(error, match=message):
        csnn.Connect(pre, post, conn_spec, syn_spec)
    assert csnn.GetKernelStatus("num_connections") == 0, "a failed Connect must not leave connections"
    assert_kernel_usable()


@pytest.mark.parametrize("use", ["Connect", "get", "set", "GetStatus", "SetStatus"])
def test_node_collection_after_reset_kernel(use):
    old = csnn.Create("iaf_psc_delta", 2)
    csnn.ResetKernel()
    csnn.Create("iaf_psc_delta", 3)        # ids 1 and 2 exist again, in the new kernel
    calls = {"Connect": lambda: csnn.Connect(old, old), "get": lambda: old.get("V_m"),
             "set": lambda: old.set(V_m=-60.0), "GetStatus": lambda: csnn.GetStatus(old),
             "SetStatus": lambda: csnn.SetStatus(old, {"V_m": -60.0})}
    with pytest.raises(UnknownNodeError, match=r"belongs to a kernel that has been replaced \(by ResetKernel or "
                                               r"csnn.load\); create the nodes again"):
        calls[use]()
    assert csnn.GetKernelStatus("num_connections") == 0
    assert list(csnn.GetStatus(csnn.NodeCollection([1, 2]), "V_m")) == [-70.0, -70.0]
    assert_kernel_usable()


# -- devices -------------------------------------------------------------------------------------

#: (model, params, exception, message regex)
DEVICE_CASES = {
    "negative_rate": ("poisson_generator", {"rate": -1.0}, BadParameterError,
                      r"poisson_generator parameter 'rate' = -1\.0 is invalid: must be a finite number >= 0 \(Hz\)"),
    "unsorted_spike_times": ("spike_generator", {"spike_times": [1.0, 3.0, 2.0]}, BadParameterError,
                             r"spike_generator.*: spike_times must be sorted; 3\.0 comes before "
                             r"2\.0"),
    "zero_spike_time": ("spike_generator", {"spike_times": [0.0, 1.0]}, BadParameterError,
                        r"spike_generator.*: spike_times must be > 0 ms, got 0\.0"),
    "negative_spike_time": ("spike_generator", {"spike_times": [-1.0, 1.0]}, BadParameterError,
                            r"spike_generator.*: spike_times must be > 0 ms, got -1\.0"),
    "spike_weights_length": ("spike_generator", {"spike_times": [1.0, 2.0], "spike_weights": [1.0]},
                             BadParameterError,
                             r"spike_generator.*: spike_weights has 1 entries but spike_times has 2; "
                             r"give one per spike or none"),
    "interval_not_multiple_of_resolution": ("multimeter", {"interval": 0.15}, BadParameterError,
                                            r"multimeter \(id \d+\): interval = 0\.15 ms must be a multiple of "
                                            r"the resolution, 0\.1 ms"),
    "unknown_record_from": ("multimeter", {"record_from": ["V_x"]}, BadParameterError,
                            r"multimeter.*: record_from contains 'V_x'; recordable variables: \[.*'V_m'.*\]"),
    "bogus_record_to": ("spike_recorder", {"record_to": "bogus"}, BadParameterError,
                        r"spike_recorder.*: record_to = 'bogus' is invalid; accepted: 'memory', 'ascii', 'csv', 'npz', 'screen'"),
    "nonzero_n_events": ("spike_recorder", {"n_events": 5}, BadParameterError,
                         r"spike_recorder.*: n_events can only be set to 0 \(to clear the events\), got 5"),
    "stop_before_start_generator": ("poisson_generator", {"start": 10.0, "stop": 5.0}, BadParameterError,
                                    r"poisson_generator.*: stop = 5\.0 ms must not be smaller than start = 10\.0 ms"),
    "stop_before_start_dc": ("dc_generator", {"start": 10.0, "stop": 5.0}, BadParameterError,
                             r"dc_generator.*: stop = 5\.0 ms must not be smaller than start = 10\.0 ms"),
    "stop_before_start_recorder": ("spike_recorder", {"start": 10.0, "stop": 5.0}, BadParameterError,
                                   r"spike_recorder.*: stop = 5\.0 ms must not be smaller than start = 10\.0 ms"),
    "stop_before_start_multimeter": ("multimeter", {"start": 10.0, "stop": 5.0}, BadParameterError,
                                     r"multimeter.*: stop = 5\.0 ms must not be smaller than start = 10\.0 ms"),
}


@pytest.mark.parametrize("route", ["Create", "SetStatus"])
@pytest.mark.parametrize("case", list(DEVICE_CASES))
def test_bad_device_parameters(case, route):
    model, params, error, message = DEVICE_CASES[case]
    if route == "Create":
        with pytest.raises(error, match=message):
            csnn.Create(model, params=params)
        assert csnn.GetKernelStatus("network_size") == 0
    else:
        device = csnn.Create(model)
        before = {k: v for k, v in csnn.GetStatus(device)[0].items() if k != "events"}
        with pytest.raises(error, match=message):
            csnn.SetStatus(device, params)
        after = {k: v for k, v in csnn.GetStatus(device)[0].items() if k != "events"}
        assert after.keys() == before.keys()
        for key in before:
            assert np.array_equal(np.asarray(after[key]), np.asarray(before[key])), key
    assert_kernel_usable()


# -- kernel --------------------------------------------------------------------------------------

#: (params, exception, message regex)
KERNEL_CASES = {
    "unknown_key": ({"resolutoin": 0.1}, UnknownParameterError,
                    r"unknown kernel status key 'resolutoin'\. Did you mean 'resolution'\? Valid: .*rng_seed"),
    "read_only_biological_time": ({"biological_time": 5.0}, BadParameterError,
                                  r"SetKernelStatus: 'biological_time' is read-only"),
    "negative_rng_seed": ({"rng_seed": -1}, BadParameterError,
                          r"rng_seed = -1 is invalid: must be an integer in \[0, 2\*\*32\)"),
    "float_rng_seed": ({"rng_seed": 1.5}, BadParameterError,
                       r"rng_seed = 1\.5 is invalid: must be an integer in \[0, 2\*\*32\)"),
    "zero_threads": ({"local_num_threads": 0}, BadParameterError,
                     r"local_num_threads = 0 is invalid: must be an integer in \[1, 1024\]"),
    "too_many_threads": ({"local_num_threads": 10 ** 400}, BadParameterError,
                         r"local_num_threads = <an integer of about 401 digits> is invalid: must be an integer in "
                         r"\[1, 1024\]"),
    "zero_resolution": ({"resolution": 0.0}, BadParameterError,
                        r"resolution = 0\.0 is invalid: must be a finite number > 0 \(ms\)"),
    "negative_resolution": ({"resolution": -0.1}, BadParameterError,
                            r"resolution = -0\.1 is invalid: must be a finite number > 0 \(ms\)"),
    "valid_key_then_bad_key": ({"rng_seed": 99, "local_num_threads": 0}, BadParameterError,
                               r"local_num_threads = 0 is invalid"),
}


@pytest.mark.parametrize("case", list(KERNEL_CASES))
def test_bad_kernel_status(case):
    params, error, message = KERNEL_CASES[case]
    before = csnn.GetKernelStatus()
    with pytest.raises(error, match=message):
        csnn.SetKernelStatus(params)
    after = csnn.GetKernelStatus()
    for key in ("rng_seed", "resolution", "local_num_threads", "biological_time"):
        assert after[key] == before[key], f"a failed SetKernelStatus changed {key}"
    assert_kernel_usable()


@pytest.mark.parametrize("how", ["SetKernelStatus", "attribute"])
def test_resolution_cannot_change_after_nodes_exist(how):
    csnn.Create("iaf_psc_delta")
    with pytest.raises(KernelStateError, match=r"the resolution cannot change after nodes have been created.*"
                                               r"set it right after ResetKernel"):
        if how == "SetKernelStatus":
            csnn.SetKernelStatus({"resolution": 0.2})
        else:
            csnn.resolution = 0.2
    assert csnn.GetKernelStatus("resolution") == 0.1
    assert_kernel_usable()


# -- simulation ----------------------------------------------------------------------------------

@pytest.mark.parametrize("t, error, message", [
    (-1.0, BadParameterError, r"Simulate: t = -1\.0 is invalid: must be a finite number of ms >= 0"),
    (NAN, BadParameterError, r"Simulate: t = nan is invalid: must be a finite number of ms >= 0"),
    (INF, BadParameterError, r"Simulate: t = inf is invalid: must be a finite number of ms >= 0"),
    # a string is a value of the wrong type: BadTypeError (a TypeError, as NEST raises for it)
    ("10", BadTypeError, r"Simulate: t = '10' is invalid: must be a finite number of ms >= 0"),
], ids=["negative", "nan", "inf", "string"])
def test_bad_simulation_time(t, error, message):
    csnn.Create("iaf_psc_delta")
    with pytest.raises(error, match=message):
        csnn.Simulate(t)
    assert csnn.GetKernelStatus("biological_time") == 0.0
    assert_kernel_usable()


def test_run_without_prepare():
    with pytest.raises(KernelStateError, match=r"Run: call Prepare first \(or use Simulate\)"):
        csnn.Run(10.0)
    assert csnn.GetKernelStatus("biological_time") == 0.0
    assert_kernel_usable()


def test_cleanup_without_prepare():
    with pytest.raises(KernelStateError, match=r"Cleanup: the kernel is not prepared"):
        csnn.Cleanup()
    assert_kernel_usable()


def test_prepare_twice():
    csnn.Prepare()
    with pytest.raises(KernelStateError, match=r"Prepare: the kernel is already prepared; call Cleanup first"):
        csnn.Prepare()
    csnn.Run(5.0)               # still prepared by the first call
    csnn.Cleanup()
    assert csnn.GetKernelStatus("biological_time") == 5.0
    assert_kernel_usable()


# -- status queries ------------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["GetStatus", "GetStatus_list", "get"])
def test_unknown_status_key(query):
    nodes = csnn.Create("iaf_psc_delta", 2)
    with pytest.raises(UnknownParameterError, match=r"unknown parameter of iaf_psc_delta 'V_x'\. "
                                                    r"Did you mean 'V_m'\? Valid: .*V_m, V_min, V_reset, V_th"):
        if query == "GetStatus":
            csnn.GetStatus(nodes, "V_x")
        elif query == "GetStatus_list":
            csnn.GetStatus(nodes, ["V_m", "V_x"])
        else:
            nodes.get("V_x")
    assert_kernel_usable()


@pytest.mark.parametrize("keys", ["resolutoin", ["rng_seed", "resolutoin"]])
def test_unknown_kernel_status_key(keys):
    with pytest.raises(UnknownParameterError, match=r"unknown kernel status key 'resolutoin'\. "
                                                    r"Did you mean 'resolution'\? Valid: .*biological_time"):
        csnn.GetKernelStatus(keys)
    assert_kernel_usable()


# -- KeyboardInterrupt ---------------------------------------------------------------------------

def interruptible_network(seed=7):
    """100 neurons with Poisson input and recurrent connections (windows of min_delay = 1 ms)."""
    csnn.ResetKernel()
    csnn.SetKernelStatus({"rng_seed": seed})
    nodes = csnn.Create("iaf_psc_delta", 100)
    noise = csnn.Create("poisson_generator", params={"rate": 80000.0})
    recorder = csnn.Create("spike_recorder")
    csnn.Connect(noise, nodes, syn_spec={"weight": 0.02, "delay": 1.0})
    csnn.Connect(nodes, nodes, {"rule": "fixed_indegree", "indegree": 20}, {"weight": 0.3, "delay": 1.0})
    csnn.Connect(nodes, recorder)
    return recorder


def test_keyboard_interrupt_stops_at_window_boundary_and_simulation_continues():
    t_sim = 3000.0
    recorder = interruptible_network()
    wall = time.perf_counter()
    csnn.Simulate(t_sim)
    wall = time.perf_counter() - wall
    reference = {k: np.array(v) for k, v in recorder.get("events").items()}
    assert reference["times"].size > 1000

    # SIGINT from another thread: CPython runs the handler in the main thread at its next check,
    # which csnn makes after every window.  The handler only raises while armed, so a signal that
    # arrived late could never interrupt anything else.
    armed = threading.Event()

    def handler(signum, frame):
        if armed.is_set():
            armed.clear()
            raise KeyboardInterrupt

    recorder = interruptible_network()
    timer = threading.Timer(min(0.3, wall / 4), signal.raise_signal, args=(signal.SIGINT,))
    previous = signal.signal(signal.SIGINT, handler)
    try:
        armed.set()
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            csnn.Simulate(t_sim)
    finally:
        timer.cancel()
        timer.join()
        armed.clear()
        time.sleep(0.05)             # let a pending signal reach the (disarmed) handler
        signal.signal(signal.SIGINT, previous)

    t_stop = csnn.GetKernelStatus("biological_time")
    assert 0.0 < t_stop < t_sim
    assert t_stop == round(t_stop), f"stopped at {t_stop} ms, not at a window boundary (multiples of 1 ms)"
    partial = recorder.get("events")
    early = reference["times"] <= t_stop
    np.testing.assert_array_equal(partial["times"], reference["times"][early])
    np.testing.assert_array_equal(partial["senders"], reference["senders"][early])

    csnn.Simulate(t_sim - t_stop)
    assert csnn.GetKernelStatus("biological_time") == pytest.approx(t_sim)
    events = recorder.get("events")
    np.testing.assert_array_equal(events["times"], reference["times"])       # bit-identical
    np.testing.assert_array_equal(events["senders"], reference["senders"])


# -- numerical health -----------------------------------------------------------------------------

@pytest.mark.parametrize("model, field", [("iaf_psc_exp", "I_syn_ex"), ("iaf_psc_alpha", "I_syn_ex"),
                                          ("iaf_cond_exp", "g_ex"), ("iaf_cond_alpha", "g_ex"),
                                          ("iaf_cond_beta", "g_ex")])
def test_state_overflow_names_neuron_model_field_and_time(model, field):
    """Two simultaneous inputs of 1e308 (each a valid double) sum to an infinite synaptic
    current: the run stops at the end of that window with an error naming the neuron, the
    model, the variable and the window.  (iaf_psc_delta and srm_psc_exp fire on such an input
    and reset, or flush, their state: it stays finite.  The alpha and beta conductances' infinite
    derivative terms make the conductance nan: inf times the kernel's 0 at the input.)"""
    neurons = csnn.Create(model, 2)
    spikes = csnn.Create("spike_generator", params={"spike_times": [1.0]})
    for _ in range(2):
        csnn.Connect(spikes, neurons[1:], syn_spec={"weight": 1e308, "delay": 1.0})
    with pytest.raises(csnn.errors.NumericalError,
                       match=rf"{model} neuron 2: {field} became (inf|nan) between t = \d+(\.\d+)? and \d+(\.\d+)? ms "
                             r"\(check the weights and inputs"):
        csnn.Simulate(10.0)
    assert csnn.GetKernelStatus("biological_time") < 10.0


# -- files, queries and indices (found by probing every entry point) ------------------------------

@pytest.mark.parametrize("call, error, message", [
    (lambda d: csnn.save(5), BadTypeError, r"save: path = 5 is invalid: give a file name"),
    (lambda d: csnn.save(str(d)), csnn.errors.FileAccessError, r"save: cannot access '.*': Is a directory"),
    (lambda d: csnn.save(str(d / "missing" / "x.csnn")), csnn.errors.FileAccessError,
     r"save: cannot access '.*x.csnn': No such file or directory"),
    (lambda d: csnn.load(str(d / "x.csnn")), csnn.errors.FileAccessError,
     r"load: cannot access '.*x.csnn': No such file or directory"),
    (lambda d: csnn.load(None), BadTypeError, r"load: path = None is invalid"),
    (lambda d: csnn.read_events(str(d / "x.csv")), csnn.errors.FileAccessError,
     r"read_events: cannot access '.*x.csv': No such file or directory"),
    (lambda d: (d / "x.csv").write_text("sender,time_ms\n1,2,x\n") and csnn.read_events(str(d / "x.csv")),
     BadParameterError, r"read_events: '.*x.csv' was not written by a recorder: could not convert string 'x'"),
    (lambda d: (d / "x.dat").write_text("sender\ttime_ms\n1\t2.0\t3.0\n") and csnn.read_events(str(d / "x.dat")),
     BadParameterError, r"its header names 2 columns, its lines hold 3"),
    (lambda d: (d / "x.npz").write_text("abc") and csnn.read_events(str(d / "x.npz")),
     BadParameterError, r"read_events: '.*x.npz' was not written by a recorder"),
    (lambda d: csnn.SetKernelStatus({"data_path": str(d / "missing")}), BadParameterError,
     r"data_path = '.*missing' is invalid: it is not an existing directory"),
], ids=["save_type", "save_directory", "save_missing_directory", "load_missing", "load_type", "read_missing",
        "read_garbage_csv", "read_wrong_columns", "read_garbage_npz", "data_path"])
def test_file_errors_name_the_call_and_the_path(tmp_path, call, error, message):
    """OSErrors, TypeErrors and numpy's ValueErrors came out of save, load and read_events; a
    missing data_path failed at the first write, in the middle of Simulate.  FileAccessError
    is an OSError too, so ``except OSError`` keeps working."""
    with pytest.raises(error, match=message):
        call(tmp_path)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".csnn")] == []    # no temporary left
    assert_kernel_usable()


def test_get_nodes_skips_nodes_without_the_property():
    """GetNodes({'V_m': ...}) raised UnknownParameterError for the spike recorder in the
    network; as in NEST, a node without the property does not match."""
    neurons = csnn.Create("iaf_psc_delta", 2, {"V_m": [-70.0, -60.0]})
    csnn.Create("spike_recorder")
    assert csnn.GetNodes({"V_m": -70.0}).tolist() == [neurons[0].global_id]
    assert len(csnn.GetNodes({"V_m": -70.0, "bogus": 1})) == 0
    with pytest.raises(BadTypeError, match="GetNodes: properties = 5 is invalid"):
        csnn.GetNodes(5)


@pytest.mark.parametrize("call, error, message", [
    (lambda: csnn.Models("nodes", 5), BadTypeError, r"Models: sel = 5 is invalid"),
    (lambda: csnn.GetDefaults("iaf_psc_delta", 5), BadTypeError, r"GetDefaults: keys = 5 is invalid"),
    (lambda: csnn.CopyModel("iaf_psc_delta", "copy", 5), BadTypeError, r"params = 5 is invalid: give a dict"),
    (lambda: csnn.CopyModel("iaf_psc_delta", "copy", 0), BadTypeError, r"params = 0 is invalid: give a dict"),
    (lambda: csnn.GetConnections()["x"], BadTypeError, r"SynapseCollection indices must be integers or slices"),
    (lambda: csnn.GetConnections()[4], IndexError, r"connection index 4 out of range for a SynapseCollection of 4"),
    (lambda: csnn.analysis.population_rate(([1.0], [1]), 0.0, 1e12, 1e-9), csnn.errors.InsufficientMemoryError,
     r"1e\+21 bins of 1e-09 ms, which need about"),
], ids=["models_sel", "defaults_keys", "copy_params", "copy_params_falsy", "synapse_index_type",
        "synapse_index_range", "bins"])
def test_query_arguments(call, error, message):
    """TypeErrors and AttributeErrors came out of these; an index beyond a SynapseCollection
    gave an empty one (NodeCollection raised IndexError already)."""
    a = csnn.Create("iaf_psc_delta", 2)
    csnn.Connect(a, a, "one_to_one")
    csnn.Connect(a, a, "one_to_one")
    with pytest.raises(error, match=message):
        call()
    assert "copy" not in csnn.Models()
