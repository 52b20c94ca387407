"""The event loop: exact delays, window independence, determinism, continuation.  Split runs,
thread counts and checkpoints of every neuron model: test_neuron_contract.py."""
import numpy as np
import pytest
from hypothesis import example, given, settings, strategies as st

import csnn
from conftest import grid_arrival


def spikes(recorder):
    ev = recorder.get("events")
    return ev["senders"].copy(), ev["times"].copy()


def random_network(seed, n=200, extra=None, t_end=200.0):
    """A small recurrent iaf_psc_delta network with Poisson drive.

    ``extra``: None, or (delay, kind) adding one more synapse into an isolated parrot neuron
    so that the minimal ('short') or maximal ('long') delay of the network changes.
    """
    csnn.ResetKernel()
    csnn.SetKernelStatus({"rng_seed": seed})
    nrns = csnn.Create("iaf_psc_delta", n, params={"tau_m": 20.0, "V_th": -55.0, "t_ref": 2.0})
    nrns.V_m = csnn.random.uniform(-70.0, -56.0)
    noise = csnn.Create("poisson_generator", params={"rate": 12000.0})
    csnn.Connect(noise, nrns, syn_spec={"weight": 0.2, "delay": 0.5})
    csnn.Connect(nrns, nrns, {"rule": "fixed_indegree", "indegree": 20},
                 {"weight": csnn.random.normal(0.5, 0.3), "delay": csnn.random.uniform(0.7, 3.0)})
    if extra is not None:
        delay, _ = extra
        lonely = csnn.Create("parrot_neuron")
        csnn.Connect(nrns[:1], lonely, syn_spec={"delay": delay})
    sr = csnn.Create("spike_recorder")
    csnn.Connect(nrns, sr)
    vm = csnn.Create("voltmeter", params={"interval": 0.5})
    csnn.Connect(vm, nrns[:3])
    csnn.Simulate(t_end)
    s, times = spikes(sr)
    return s, times, vm.get("events")["V_m"].copy()


def test_network_is_active_and_deterministic():
    s1, t1, v1 = random_network(7)
    s2, t2, v2 = random_network(7)
    assert t1.size > 500                       # the network does spike
    np.testing.assert_array_equal(s1, s2)
    np.testing.assert_array_equal(t1, t2)      # bit for bit
    np.testing.assert_array_equal(v1, v2)
    s3, t3, _ = random_network(8)
    assert t3.size != t1.size or not np.array_equal(t1, t3)


@pytest.mark.parametrize("extra", [(150.0, "long"), (0.13, "short")])
def test_window_size_does_not_change_results(extra):
    """An extra synapse that changes max_delay ('long') or min_delay, hence every window
    ('short'), leaves the network's spikes unchanged."""
    base = random_network(5)
    other = random_network(5, extra=extra)
    np.testing.assert_array_equal(base[0], other[0])
    np.testing.assert_array_equal(base[1], other[1])
    np.testing.assert_array_equal(base[2], other[2])


def test_weight_recorder_order_does_not_depend_on_the_calls():
    """Two transmissions arrive in one window (0.5 ms wide), the later-emitted spike first:
    a call ending between the arrivals must not change the order of the recorded events."""
    def recorded_times(pieces):
        csnn.ResetKernel()
        early = csnn.Create("spike_generator", params={"spike_times": [1.0]})
        late = csnn.Create("spike_generator", params={"spike_times": [5.2]})
        a, b, target = csnn.Create("parrot_neuron", 3)
        csnn.Connect(early, a)
        csnn.Connect(late, b)
        recorder = csnn.Create("weight_recorder")
        csnn.CopyModel("stdp_synapse", "watched", {"weight_recorder": recorder})
        csnn.Connect(a, target, syn_spec={"synapse_model": "watched", "delay": 5.0})    # emitted 2.0, arrives 7.0
        csnn.Connect(b, target, syn_spec={"synapse_model": "watched", "delay": 0.5})    # emitted 6.2, arrives 6.7
        for t in pieces:
            csnn.Simulate(t)
        return recorder.get("events")["times"].tolist()
    assert recorded_times([6.8, 3.2]) == recorded_times([10.0])


@settings(max_examples=30, deadline=None)
# windows of 0.8 ms summed to 9.6 put step 96's arrival on a window's end, and moved it an ulp
@example(t_spike=1.0, d1=7.800000000000001, d2=0.8)
@given(t_spike=st.floats(0.01, 50.0) | st.integers(1, 500).map(lambda k: k / 10),
       d1=st.floats(0.01, 20.0) | st.integers(1, 200).map(lambda k: k * 0.1),
       d2=st.floats(0.01, 20.0) | st.integers(1, 200).map(lambda k: k * 0.1))
def test_spikes_arrive_exactly_after_their_delay(t_spike, d1, d2):
    """generator -> parrot (d1) -> parrot (d2): the second parrot fires at (t + d1) + d2, or,
    where the times and delays lie on the grid, at the time of the grid step they add up to."""
    csnn.ResetKernel()
    gen = csnn.Create("spike_generator", params={"spike_times": [t_spike]})
    p1, p2 = csnn.Create("parrot_neuron"), csnn.Create("parrot_neuron")
    csnn.Connect(gen, p1, syn_spec={"delay": d1})
    csnn.Connect(p1, p2, syn_spec={"delay": d2})
    sr = csnn.Create("spike_recorder")
    csnn.Connect(p1 + p2, sr)
    csnn.Simulate(100.0)
    senders, times = spikes(sr)
    first = grid_arrival(t_spike, d1)
    assert times[senders == p1.global_id].tolist() == [first]
    assert times[senders == p2.global_id].tolist() == [grid_arrival(first, d2)]


@pytest.mark.parametrize("plastic", [False, True])
def test_a_row_of_one_delay_that_gets_a_second_one_delivers_both(plastic):
    """A spike reaches a row whose synapses share one delay as one batch; once a delay in the
    row is set to another value between calls (in place, or by a new Connect), each synapse
    again receives the spike after its own delay."""
    csnn.ResetKernel()
    gen = csnn.Create("spike_generator", params={"spike_times": [1.0, 21.0, 41.0]})
    source = csnn.Create("parrot_neuron")
    targets = csnn.Create("parrot_neuron", 4)
    syn = {"synapse_model": "stdp_synapse" if plastic else "static_synapse", "delay": 2.0}
    csnn.Connect(gen, source, syn_spec={"delay": 1.0})
    csnn.Connect(source, targets, syn_spec=syn)
    sr = csnn.Create("spike_recorder")
    csnn.Connect(targets, sr)
    csnn.Simulate(20.0)
    csnn.GetConnections(source, targets[1]).set(delay=3.5)
    csnn.Simulate(20.0)
    csnn.Connect(source, targets[3], syn_spec=dict(syn, delay=0.5))
    csnn.Simulate(20.0)
    senders, times = spikes(sr)
    got = {k: times[senders == targets[k].global_id].tolist() for k in range(4)}
    assert got == {0: [4.0, 24.0, 44.0], 1: [4.0, 25.5, 45.5], 2: [4.0, 24.0, 44.0], 3: [4.0, 24.0, 42.5, 44.0]}


def one_delay_network(seed, spread_rows, threads=1, n=300, t_end=150.0):
    """A Brunel-like iaf_psc_delta network whose recurrent synapses all have a delay of 1.5 ms,
    so that each source's row is flagged as one of one delay and a spike reaches it as one
    batch; with ``spread_rows``, every neuron also gets a synapse of its own continuous delay
    onto a silent sink, so that no row has one delay and every spike's arrivals are made from
    the row synapse by synapse.  The recurrent synapses come first in each row either way.
    Returns the spikes of the network's neurons."""
    csnn.ResetKernel()
    csnn.SetKernelStatus({"rng_seed": seed, "local_num_threads": threads})
    nrns = csnn.Create("iaf_psc_delta", n, params={"tau_m": 20.0, "V_th": -55.0, "t_ref": 2.0})
    nrns.V_m = csnn.random.uniform(-70.0, -56.0)
    csnn.Connect(csnn.Create("poisson_generator", params={"rate": 12000.0}), nrns,
                 syn_spec={"weight": 0.2, "delay": 0.5})
    csnn.Connect(nrns, nrns, {"rule": "fixed_indegree", "indegree": 25},
                 {"weight": csnn.random.normal(0.4, 0.3), "delay": 1.5})
    sr = csnn.Create("spike_recorder")
    csnn.Connect(nrns, sr)
    if spread_rows:
        sink = csnn.Create("parrot_neuron")
        csnn.Connect(nrns, sink, syn_spec={"delay": csnn.random.uniform(0.6, 4.0), "receptor_type": 1})
    csnn.Simulate(t_end)
    return spikes(sr)


@pytest.mark.parametrize("threads", [1, 2])
def test_rows_of_one_delay_deliver_as_rows_of_many(threads):
    """Push delivery's two ways of making a spike's arrivals, one batch for a row of one delay or
    a batch per run of equal delays found synapse by synapse, reach the targets with the same
    inputs in the same order: the same spikes, bit for bit."""
    senders, times = one_delay_network(3, spread_rows=False, threads=threads)
    assert times.size > 1000
    spread = one_delay_network(3, spread_rows=True, threads=threads)
    np.testing.assert_array_equal(senders, spread[0])
    assert times.tobytes() == spread[1].tobytes()


def ordered_rows_network(descending, threads, n=240, indegree=20, t_end=120.0):
    """A Brunel-like iaf_psc_delta network whose recurrent synapses (one delay) are connected
    pair by pair, each source's targets in ascending or in descending order: the same synapses
    with rows flagged ROW_ASCENDING (each thread bisects a batch for its own targets) or not
    (each thread reads the whole batch).  Returns the network's spikes."""
    rng = np.random.default_rng(5)
    post = np.repeat(np.arange(n), indegree)
    pre = rng.integers(0, n, post.size)
    weight = rng.normal(0.6, 0.4, post.size)
    order = np.lexsort((-post if descending else post, pre))
    csnn.ResetKernel()
    csnn.SetKernelStatus({"rng_seed": 2, "local_num_threads": threads})
    nrns = csnn.Create("iaf_psc_delta", n, params={"tau_m": 20.0, "V_th": -55.0, "t_ref": 2.0})
    nrns.V_m = csnn.random.uniform(-70.0, -56.0)
    csnn.Connect(csnn.Create("poisson_generator", params={"rate": 12000.0}), nrns,
                 syn_spec={"weight": 0.2, "delay": 0.5})
    ids = np.asarray(nrns.tolist())
    csnn.Connect(ids[pre[order]], ids[post[order]], "one_to_one", {"weight": weight[order], "delay": 1.5})
    sr = csnn.Create("spike_recorder")
    csnn.Connect(nrns, sr)
    csnn.Simulate(t_end)
    return spikes(sr)


def test_threads_find_their_targets_in_ordered_and_unordered_rows_alike():
    """Each thread takes the synapses onto its own targets from every batch: by bisection when
    the row's targets ascend, one by one otherwise.  With 1, 2 and 3 threads, both ways give
    the spikes of one thread, bit for bit."""
    senders, times = ordered_rows_network(descending=False, threads=1)
    assert times.size > 1000
    for threads in (1, 2, 3):
        for descending in (False, True):
            if threads == 1 and not descending:
                continue
            other = ordered_rows_network(descending, threads)
            np.testing.assert_array_equal(senders, other[0])
            assert times.tobytes() == other[1].tobytes(), (threads, descending)


def test_spike_arriving_exactly_at_the_end_of_a_call_is_processed_in_it():
    """Simulate(T) processes events in (t, t + T], as NEST does."""
    csnn.ResetKernel()
    gen = csnn.Create("spike_generator", params={"spike_times": [4.0]})
    parrot = csnn.Create("parrot_neuron")
    csnn.Connect(gen, parrot, syn_spec={"delay": 1.0})
    sr = csnn.Create("spike_recorder")
    csnn.Connect(parrot, sr)
    csnn.Simulate(5.0)
    assert spikes(sr)[1].tolist() == [5.0]


def test_parrot_keeps_multiplicity():
    csnn.ResetKernel()
    gen = csnn.Create("spike_generator", params={"spike_times": [1.0, 2.0], "spike_multiplicities": [3, 1]})
    gen2 = csnn.Create("spike_generator", params={"spike_times": [2.0]})
    parrot = csnn.Create("parrot_neuron")
    csnn.Connect(gen + gen2, parrot)
    target = csnn.Create("iaf_psc_delta")
    csnn.Connect(parrot, target, syn_spec={"weight": 2.0})
    sr = csnn.Create("spike_recorder")
    csnn.Connect(parrot, sr)
    csnn.Simulate(3.5)
    assert spikes(sr)[1].tolist() == [2.0, 2.0, 2.0, 3.0, 3.0]
    # the target received 3 x 2 mV at t = 3.0 ms, seen 0.5 ms later
    assert target.get("V_m") == pytest.approx(-70.0 + 6.0 * np.exp(-0.05), abs=1e-12)


def test_long_delays_beyond_the_ring_are_delivered():
    """Delays far longer than the ring of window buckets go through the overflow queue."""
    csnn.ResetKernel()
    gen = csnn.Create("spike_generator", params={"spike_times": [1.0, 2.0, 3.0]})
    a, b = csnn.Create("parrot_neuron"), csnn.Create("parrot_neuron")
    csnn.Connect(gen, a, syn_spec={"delay": 0.001})
    csnn.Connect(a, b, syn_spec={"delay": 0.002})
    csnn.Connect(a, b, syn_spec={"delay": 500.0})
    sr = csnn.Create("spike_recorder")
    csnn.Connect(b, sr)
    with pytest.warns(csnn.CSNNWarning, match="0.002 ms, with resolution 0.1 ms means 500 000 windows"):
        csnn.Simulate(600.0)
    np.testing.assert_allclose(spikes(sr)[1], [1.003, 2.003, 3.003, 501.001, 502.001, 503.001], rtol=0, atol=1e-12)


# the agenda's calendar (csnn/_core/agenda.pxd) is a ring of 1024 buckets one window wide
CALENDAR_WINDOWS = 1024


@pytest.mark.parametrize("linked", [True, False])
@pytest.mark.parametrize("start, call", [(0.0, None), (0.0, 37.3), (0.0, 102.4), (0.05, None), (0.05, 37.3)])
def test_wake_times_anywhere_in_the_agenda_calendar_are_kept(linked, start, call):
    """A parrot's stream events wake it wherever the agenda files them: in the next window, in
    a bucket of the calendar's ring (the same one for several parrots; after the end of a
    window that ends inside the bucket), at the ring's far edge, beyond it in its heap, and
    after a neuron's entry went stale (its wake time moved earlier).  The windows are 0.1 ms
    wide when parrot 1 is ``linked`` to parrot 2 through a 0.1 ms delay (it then wakes parrot
    2 before its own entry is due), else 10 ms (no synapse: most wake times fall inside a
    window); they start at ``start``, the first Simulate call after which the parrots are
    driven, and buckets are multiples of the width.  Every Simulate call restarts the
    calendar at its start time; every spike comes out at its arrival time whatever ``call``
    (ms per Simulate call; None: one call)."""
    csnn.ResetKernel()
    delay = 0.1
    edge = CALENDAR_WINDOWS * (delay if linked else 10.0)
    trains = [sorted(train) for train in (
        [0.3, 0.35, 5.0, 5.05, 5.08, edge - 0.1, edge, edge + 0.05, edge + 0.1, edge + 250.05, edge + 999.9],
        [5.0, 5.02, 5.08, 2 * edge + 0.01, edge + 800.0],
        [0.2, edge + 0.1],
        [7.0, 7.08, 12.34, 50.0, 300.0])]
    gens = csnn.Create("spike_generator", len(trains))
    parrots = csnn.Create("parrot_neuron", len(trains))
    sr = csnn.Create("spike_recorder")
    csnn.Connect(parrots, sr)
    if start > 0.0:
        csnn.Simulate(start)
    for gen, train in zip(gens, trains):
        gen.set(spike_times=train)
    csnn.Connect(gens, parrots, "one_to_one", syn_spec={"delay": delay})
    relayed = [[grid_arrival(t, delay) for t in train] for train in trains]
    if linked:
        csnn.Connect(parrots[1], parrots[2], syn_spec={"delay": delay})
        relayed[2] = sorted(relayed[2] + [grid_arrival(t, delay) for t in relayed[1]])
    end = max(map(max, relayed)) + 1.0
    while csnn.GetKernelStatus("biological_time") < end:
        left = end - csnn.GetKernelStatus("biological_time")
        csnn.Simulate(left if call is None else min(call, left))
    senders, times = spikes(sr)
    for parrot, expected in zip(parrots.tolist(), relayed):
        np.testing.assert_array_equal(times[senders == parrot], expected)


def test_connecting_between_calls_with_a_new_minimal_delay():
    """A new, shorter delay regrids the windows; spikes in flight are kept."""
    csnn.ResetKernel()
    gen = csnn.Create("spike_generator", params={"spike_times": [1.0, 6.0]})
    a, b = csnn.Create("parrot_neuron"), csnn.Create("parrot_neuron")
    csnn.Connect(gen, a, syn_spec={"delay": 1.0})
    csnn.Connect(a, b, syn_spec={"delay": 3.0})
    sr = csnn.Create("spike_recorder")
    csnn.Connect(b, sr)
    csnn.Simulate(3.5)           # the spike of a at 2.0 is in flight to b (arrival 5.0)
    csnn.Connect(a, b, syn_spec={"delay": 0.25})
    csnn.Simulate(10.0)
    assert spikes(sr)[1].tolist() == [5.0, 7.25, 10.0]


def test_multiplicities_beyond_16_bits_are_delivered_whole():
    """A parrot repeating 70000 coincident spikes passes all of them on."""
    csnn.ResetKernel()
    gen = csnn.Create("spike_generator", params={"spike_times": [1.0], "spike_multiplicities": [35000]})
    parrots = csnn.Create("parrot_neuron", 3)
    csnn.Connect(gen, parrots[:2], syn_spec={"delay": 1.0})
    csnn.Connect(parrots[:2], parrots[2:], syn_spec={"delay": 1.0})
    sr = csnn.Create("spike_recorder")
    csnn.Connect(parrots[2:], sr)
    csnn.Simulate(5.0)
    assert sr.get("n_events") == 70000 and set(spikes(sr)[1].tolist()) == {3.0}


def test_extreme_delay_ratios_do_not_break_the_inbox():
    """max_delay / min_delay = 1e12 buckets would not fit: the ring is capped, the rest waits."""
    csnn.ResetKernel()
    gen = csnn.Create("spike_generator", params={"spike_times": [1.0]})
    a, b = csnn.Create("parrot_neuron"), csnn.Create("parrot_neuron")
    csnn.Connect(gen, a)
    csnn.Connect(a, b, syn_spec={"delay": 1e-3})
    csnn.Connect(a, b, syn_spec={"delay": 1e9})      # beyond the ring: waits in the overflow bucket
    sr = csnn.Create("spike_recorder")
    csnn.Connect(b, sr)
    with pytest.warns(csnn.CSNNWarning, match="0.001 ms, with resolution 0.1 ms means 1 000 000 windows"):
        csnn.Simulate(3.0)
    assert spikes(sr)[1].tolist() == [2.0 + 1e-3]


@settings(max_examples=200, deadline=None)
@given(spikes=st.lists(st.tuples(st.sampled_from([0.1, 0.2, 0.30000000000000004, 1.5, -0.0, 0.0, 7.25]),
                                 st.integers(0, 40)), max_size=120, unique=True),
       cuts=st.lists(st.integers(0, 120), max_size=6))
def test_the_serial_end_orders_spikes_by_time_then_neuron(spikes, cuts):
    """sort_spikes (a window's spikes) and merge_spike_runs (the sorted runs of MPI processes)
    give (time, neuron) order, the order recorders and batches rely on: as numpy's lexsort,
    whatever the input order and the runs (empty ones included)."""
    from csnn._core.threads import sorted_spikes
    times = np.array([t for t, _ in spikes], dtype=float)
    neurons = np.array([i for _, i in spikes], dtype=np.int64)
    order = np.lexsort((neurons, times))
    got = sorted_spikes(times, neurons)
    np.testing.assert_array_equal(got[0], times[order])
    np.testing.assert_array_equal(got[1], neurons[order])
    starts = sorted({0, *(c for c in cuts if c <= len(spikes))})
    runs = [sorted(range(a, b), key=lambda k: (times[k], neurons[k]))
            for a, b in zip(starts, starts[1:] + [len(spikes)])]
    within = np.array([k for run in runs for k in run], dtype=np.int64)
    merged = sorted_spikes(times[within], neurons[within], starts)
    np.testing.assert_array_equal(merged[0], times[order])
    np.testing.assert_array_equal(merged[1], neurons[order])
