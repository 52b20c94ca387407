"""Bounded memory: recorders with max_events keep the first events and count the others, text
backends free their events while Simulate runs, and repeated Simulate calls do not grow the
process."""
import warnings

import numpy as np
import pytest

import csnn
from csnn.errors import CSNNWarning

pytestmark = pytest.mark.usefixtures("fresh_kernel")


def driven_neurons(n=20, rate=20000.0):
    """n iaf_psc_exp neurons firing at tens of Hz under independent Poisson drive."""
    csnn.SetKernelStatus({"rng_seed": 11})
    neurons = csnn.Create("iaf_psc_exp", n)
    drive = csnn.Create("poisson_generator", params={"rate": rate})
    csnn.Connect(drive, neurons, syn_spec={"weight": 30.0})
    return neurons


def test_max_events_keeps_the_first_events_and_counts_the_rest():
    neurons = driven_neurons()
    full = csnn.Create("spike_recorder")
    bounded = csnn.Create("spike_recorder", params={"max_events": 50})
    meter = csnn.Create("multimeter", params={"record_from": ["V_m"], "interval": 1.0})
    bounded_meter = csnn.Create("multimeter", params={"record_from": ["V_m"], "interval": 1.0, "max_events": 70})
    csnn.Connect(neurons, full)
    csnn.Connect(neurons, bounded)
    csnn.Connect(meter, neurons)
    csnn.Connect(bounded_meter, neurons)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CSNNWarning)
        csnn.Simulate(300.0)
        csnn.Simulate(200.0)
    # once per recorder and Simulate
    messages = sorted(str(w.message) for w in caught if issubclass(w.category, CSNNWarning))
    assert len(messages) == 4
    assert all(m.startswith(f"multimeter (id {bounded_meter.global_id}) holds max_events = 70 events")
               for m in messages[:2])
    assert all(m.startswith(f"spike_recorder (id {bounded.global_id}) holds max_events = 50 events")
               for m in messages[2:])
    everything, kept = full.get("events"), bounded.get("events")
    assert everything["times"].size > 200
    for key in ("senders", "times"):
        np.testing.assert_array_equal(kept[key], everything[key][:50])
    assert bounded.get("n_events") == 50
    assert bounded.get("n_dropped") == everything["times"].size - 50
    samples, kept = meter.get("events"), bounded_meter.get("events")
    for key in ("senders", "times", "V_m"):
        np.testing.assert_array_equal(kept[key], samples[key][:70])
    # clearing the events resets both counts
    bounded.n_events = 0
    assert bounded.get("n_events") == 0 and bounded.get("n_dropped") == 0


def test_unbounded_memory_recorders_are_not_chunked():
    """No max_events, no text backend: Simulate runs in one piece and nothing is dropped."""
    neurons = driven_neurons()
    recorder = csnn.Create("spike_recorder")
    csnn.Connect(neurons, recorder)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CSNNWarning)
        csnn.Simulate(300.0)
    assert recorder.get("n_dropped") == 0 and recorder.get("n_events") == recorder.get("events")["times"].size


def anonymous_rss_kib():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("RssAnon:"))


@pytest.mark.skipif(not __import__("os").path.exists("/proc/self/status"), reason="needs Linux's /proc")
def test_repeated_simulate_calls_do_not_grow_the_process(tmp_path):
    """100 Simulate calls of a network recording to a csv file, with a multimeter bounded by
    max_events: after 20 warm-up calls (buffers reach their working sizes) the resident
    anonymous memory grows by less than 2 MiB.  A leak of one window buffer (tens of KiB) per
    call, or recorders keeping their events, would add more than that over 80 calls."""
    csnn.SetKernelStatus({"data_path": str(tmp_path)})
    neurons = driven_neurons(n=200)
    csnn.Connect(neurons, neurons, {"rule": "fixed_indegree", "indegree": 20}, {"weight": 5.0, "delay": 1.5})
    spikes = csnn.Create("spike_recorder", params={"record_to": "csv"})
    meter = csnn.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.5, "max_events": 1000})
    csnn.Connect(neurons, spikes)
    csnn.Connect(meter, neurons[:5])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CSNNWarning)         # the multimeter reaches max_events
        for _ in range(20):
            csnn.Simulate(50.0)
        before = anonymous_rss_kib()
        for _ in range(80):
            csnn.Simulate(50.0)
        growth = anonymous_rss_kib() - before
    assert spikes.get("n_events") > 10000          # the events went to the file, not to memory
    assert growth < 2048, f"resident memory grew by {growth} KiB over 80 Simulate calls"


def test_connect_refuses_what_memory_cannot_hold():
    """10^10 connections need hundreds of GiB: refused before anything is drawn, naming the
    rule, the count and the estimate; the kernel is unchanged and keeps working."""
    neurons = csnn.Create("iaf_psc_delta", 100000)
    with pytest.raises(csnn.errors.InsufficientMemoryError,
                       match=r"Connect: rule 'all_to_all' makes 1e\+10 static connections, which need about "
                             r"522 GiB while they are built \(56 bytes each\), but .* GiB are available"):
        csnn.Connect(neurons, neurons)
    assert csnn.GetKernelStatus("num_connections") == 0
    csnn.Connect(neurons[:10], neurons[:10])
    assert csnn.GetKernelStatus("num_connections") == 100


@pytest.mark.parametrize("conn_spec, syn_spec, kind, count", [
    ({"rule": "fixed_indegree", "indegree": 100}, {"synapse_model": "stdp_synapse"}, "plastic", "2e\\+04"),
    ({"rule": "expression", "condition": "i != j"}, None, "static", "3.98e\\+04"),
])
def test_connect_memory_check_counts_every_rule(monkeypatch, conn_spec, syn_spec, kind, count):
    """With 1 MiB available (patched), 2e4 connections (about 1 to 2.4 MiB) are refused: the
    expression rule's once its pairs are drawn, the others' before."""
    monkeypatch.setattr(csnn.memory, "available", lambda: 2 ** 20)
    neurons = csnn.Create("iaf_psc_delta", 200)
    with pytest.raises(MemoryError, match=rf"makes {count} {kind} connections, which need about .* MiB while "
                                          rf"they are built .* but 1 MiB are available"):
        csnn.Connect(neurons, neurons, conn_spec, syn_spec)
    assert csnn.GetKernelStatus("num_connections") == 0
