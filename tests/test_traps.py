"""Traps a newcomer falls into get a clear message, not a surprise: a smallest delay that makes
every simulated second slow (or that looks like seconds) warns at Prepare, and reading an
events key that does not exist names the keys that do."""
import pickle
import warnings

import numpy as np
import pytest

import csnn
from csnn.devices import read_events
from csnn.errors import CSNNError, CSNNWarning, UnknownKeyError
from test_recording_files import FILE_BACKENDS, record

pytestmark = pytest.mark.usefixtures("fresh_kernel")


# -- a smallest delay far below the resolution ----------------------------------------------------

def ring(delay, model="static_synapse"):
    """Three neurons connected in a ring with ``delay`` (ms)."""
    neurons = csnn.Create("iaf_psc_delta", 3)
    csnn.Connect(neurons, neurons[1:] + neurons[:1], "one_to_one", {"synapse_model": model, "delay": delay})
    return neurons


def delay_warnings(run):
    """The delay warnings issued while calling ``run()``, every one of them (filter 'always')."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run()
    return [str(w.message) for w in caught if issubclass(w.category, CSNNWarning) and "delay" in str(w.message)]


def windows_per_second(delay):
    """1000 ms / delay, written with spaces between groups of three digits."""
    return f"{round(1000.0 / delay):,}".replace(",", " ")


@pytest.mark.parametrize("delay", [0.0015, 1e-4, 0.0099])
def test_a_delay_below_a_tenth_of_the_resolution_warns_once_per_prepare(delay):
    ring(delay)

    def prepare_run_run_cleanup():
        csnn.Prepare()
        csnn.Run(1.0)          # 1 / delay windows: 100 to 10 000
        csnn.Run(1.0)
        csnn.Cleanup()

    found = delay_warnings(prepare_run_run_cleanup)
    assert found == [f"delays are in ms: the smallest delay, {delay:g} ms, with resolution 0.1 ms means "
                     f"{windows_per_second(delay)} windows per simulated second (Simulate advances in windows of "
                     "the smallest delay, a few microseconds each even when nothing happens).  If the delays were "
                     f"meant in seconds, give them in ms ({delay:g} s = {delay * 1000:g} ms); delays of at least "
                     "resolution / 10 = 0.01 ms do not warn."]
    # Simulate prepares once, whatever the number of windows
    assert delay_warnings(lambda: csnn.Simulate(2.0)) == found


@pytest.mark.parametrize("delay", [1.5, 0.1, 0.01])
def test_normal_delays_do_not_warn(delay):
    ring(delay)
    assert delay_warnings(lambda: csnn.Simulate(1.0)) == []


def test_the_threshold_follows_the_resolution():
    csnn.SetKernelStatus({"resolution": 0.01})
    ring(0.0015)                  # above 0.01 / 10
    assert delay_warnings(lambda: csnn.Simulate(1.0)) == []
    ring(0.0005)
    [message] = delay_warnings(lambda: csnn.Simulate(1.0))
    assert "the smallest delay, 0.0005 ms, with resolution 0.01 ms means 2 000 000 windows" in message


def test_plastic_synapses_count_and_networks_without_synapses_do_not_warn():
    csnn.Create("iaf_psc_delta", 3)
    assert delay_warnings(lambda: csnn.Simulate(1.0)) == []
    ring(0.002, "stdp_synapse")
    [message] = delay_warnings(lambda: csnn.Simulate(1.0))
    assert "the smallest delay, 0.002 ms" in message


def test_the_warning_follows_the_verbosity():
    ring(0.0015)
    csnn.set_verbosity("M_ERROR")
    with warnings.catch_warnings(record=True) as caught:
        csnn.Simulate(1.0)
    assert not caught
    with warnings.catch_warnings(record=True) as caught:
        csnn.set_verbosity("M_WARNING")       # within the block, whose end restores the filters
        csnn.Simulate(1.0)
    assert len(caught) == 1 and caught[0].category is CSNNWarning


# -- events keys ----------------------------------------------------------------------------------

def test_a_missing_events_key_names_the_keys_and_the_closest(tmp_path):
    _, memory = record("npz", tmp_path, "keys")
    spike_events, meter_events, weight_events = memory
    cases = [(spike_events, "time", "keys: senders, times. Did you mean 'times'?"),
             (spike_events, "sender", "keys: senders, times. Did you mean 'senders'?"),
             (meter_events, "V_M", "keys: senders, times, V_m, I_syn_ex. Did you mean 'V_m'?"),
             (meter_events, "g_ex", "keys: senders, times, V_m, I_syn_ex."),
             (weight_events, "weight", "keys: senders, targets, times, weights, receptors, ports. "
                                       "Did you mean 'weights'?")]
    for events, key, keys in cases:
        with pytest.raises(UnknownKeyError) as info:
            events[key]
        assert str(info.value) == f"{key!r} is not an events key; {keys}"
        assert isinstance(info.value, KeyError) and isinstance(info.value, CSNNError)


def test_every_way_to_the_events_gives_the_same_kind():
    neuron = csnn.Create("iaf_psc_delta", params={"I_e": 400.0})
    recorder = csnn.Create("spike_recorder")
    csnn.Connect(neuron, recorder)
    with pytest.raises(UnknownKeyError, match="keys: senders, times"):
        recorder.events["time"]                     # nothing recorded yet: the keys are there
    csnn.Simulate(100.0)
    for events in (recorder.events, recorder.get("events"), csnn.GetStatus(recorder, "events")[0],
                   csnn.GetStatus(recorder)[0]["events"]):
        with pytest.raises(UnknownKeyError, match="Did you mean 'times'"):
            events["time"]
        assert events["times"].size == 3


@pytest.mark.parametrize("backend", FILE_BACKENDS)
def test_read_events_gives_the_same_kind(backend, tmp_path):
    paths, _ = record(backend, tmp_path, backend)
    for path in paths:
        with pytest.raises(UnknownKeyError, match="'time' is not an events key; keys: senders, .*times"):
            read_events(path)["time"]


def test_events_are_a_dict_for_everything_else(tmp_path):
    _, memory = record("npz", tmp_path, "dict")
    for events in memory:
        assert isinstance(events, dict)
        plain = dict(events)
        assert events == plain         # the same arrays: dict equality takes them as equal by identity
        assert "time" not in events and events.get("time") is None and events.get("time", 1) == 1
        copied = pickle.loads(pickle.dumps(events))
        assert type(copied) is type(events) and copied.keys() == events.keys()
        for key in events:
            np.testing.assert_array_equal(copied[key], events[key])
        with pytest.raises(UnknownKeyError):
            copied["time"]
        np.savez(tmp_path / "events.npz", **events)
        assert sorted(np.load(tmp_path / "events.npz").files) == sorted(events)
        assert repr(events) == repr(plain)
