"""Traps a newcomer falls into get a clear message, not a surprise: reading an events key that
does not exist names the keys that do."""
import pickle

import numpy as np
import pytest

import csnn
from csnn.devices import read_events
from csnn.errors import CSNNError, UnknownKeyError
from test_recording_files import FILE_BACKENDS, record

pytestmark = pytest.mark.usefixtures("fresh_kernel")


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
