"""The synapse table: CSR by source, and weights, delays and (synapse model, receptor port)
pairs kept as 16-bit codes into a table of distinct values while there are at most 65536 of them
(csnn/_core/synapses.pyx)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import csnn
from csnn._core.synapses import MAX_CODES, SynapseTable
from test_stdp import D0, poisson_offgrid


def table_with(blocks, n_sources=4):
    """A coded table built from blocks of (source, weight, delay)."""
    table = SynapseTable(coded=("weight", "delay", ("model", "port")))
    for source, weight, delay in blocks:
        table.add(np.asarray(source), target=0, weight=weight, delay=delay, model=0, port=0)
    table.build(n_sources)
    return table


values = st.one_of(st.floats(-1e3, 1e3, allow_nan=False), st.sampled_from([0.0, -0.0, 1e-300, -5e-324]))


@settings(max_examples=50, deadline=None)
@given(blocks=st.lists(st.tuples(st.lists(st.integers(0, 3), min_size=1, max_size=8),
                                 st.one_of(values, st.lists(values, min_size=8, max_size=8))),
                       min_size=1, max_size=5))
def test_coded_columns_return_the_bits_they_were_given(blocks):
    """Scalars or arrays, over several builds: every slot reads back its value bit for bit
    (-0.0 and denormals included), in the CSR order of (source, rank)."""
    table = SynapseTable(coded=("weight", "delay"))
    expected = {}
    for source, weight in blocks:
        weight = weight if np.isscalar(weight) else np.asarray(weight[:len(source)])
        table.add(np.asarray(source), target=0, weight=weight, delay=1.5, model=0, port=0)
        table.build(4)
        for k, s in enumerate(source):
            expected.setdefault(s, []).append(float(weight if np.isscalar(weight) else weight[k]))
    assert table.is_coded("weight") and "weight" not in table.columns
    got = table.column("weight")
    want = np.concatenate([np.asarray(expected.get(s, []), dtype=float) for s in range(4)])
    np.testing.assert_array_equal(got.view(np.int64), want.view(np.int64))
    np.testing.assert_array_equal(table.column("delay"), 1.5)


def test_overflowing_values_turn_the_column_plain_and_keep_every_value():
    """A block with more distinct values than codes makes the column plain float64, keeping
    what was coded before (blocks built and still queued alike); delays stay coded."""
    rng = np.random.default_rng(1)
    many = rng.normal(size=MAX_CODES + 1)
    table = SynapseTable(coded=("weight", "delay"))
    table.add(np.zeros(3, np.int32), target=0, weight=[0.5, -0.0, 0.5], delay=2.0, model=0, port=0)
    table.build(2)
    table.add(np.ones(2, np.int32), target=0, weight=7.0, delay=2.0, model=0, port=0)     # queued
    table.add(np.ones(many.size, np.int32), target=0, weight=many, delay=2.0, model=0, port=0)
    table.build(2)
    assert not table.is_coded("weight") and table.is_coded("delay")
    got = table.column("weight")
    want = np.concatenate([[0.5, -0.0, 0.5, 7.0, 7.0], many])
    np.testing.assert_array_equal(got.view(np.int64), want.view(np.int64))
    assert table.columns["delay_code"].dtype == np.uint16 and table.columns["weight"].dtype == np.float64


def test_scatter_codes_new_values_until_the_codes_run_out():
    table = table_with([(np.zeros(MAX_CODES, np.int32), 1.0, 1.0)], n_sources=1)
    table.scatter("weight", [0, 5], [2.0, -3.0])
    assert table.is_coded("weight")
    np.testing.assert_array_equal(table.gather("weight", [0, 1, 5]), [2.0, 1.0, -3.0])
    fresh = np.arange(MAX_CODES, dtype=float) + 0.25
    table.scatter("weight", np.arange(MAX_CODES), fresh)          # 65536 new values: too many
    assert not table.is_coded("weight")
    np.testing.assert_array_equal(table.column("weight"), fresh)


def test_coded_static_synapse_takes_10_bytes():
    """target (4) + weight code (2) + delay code (2) + (model, port) code (2); the tables of
    coded values hold one weight, one delay and one pair (8 + 8 + 2 + 2 bytes)."""
    table = table_with([(np.repeat(np.arange(1000, dtype=np.int32), 100), 0.1, 1.5)], n_sources=1000)
    assert table.nbytes - table.offsets.nbytes == 10 * 100_000 + 20


def test_model_and_port_are_coded_as_pairs_until_the_pairs_run_out():
    """Each (model, port) pair gets one code; a block that brings the pairs past 65536 makes both
    columns plain uint16 for good, keeping every synapse's values (built and queued alike)."""
    table = SynapseTable(coded=("weight", "delay", ("model", "port")))
    table.add(np.zeros(4, np.int32), target=0, weight=1.0, delay=1.0, model=[0, 0, 3, 3], port=[0, 2, 0, 2])
    table.build(2)
    assert table.is_coded("model") and table.is_coded("port")
    assert table.columns["model_port_code"].tolist() == [0, 1, 2, 3] and "port" not in table.columns
    table.add(np.ones(2, np.int32), target=0, weight=1.0, delay=1.0, model=7, port=65535)        # queued
    ports = np.arange(MAX_CODES, dtype=np.int64) % 65536
    table.add(np.ones(ports.size, np.int32), target=0, weight=1.0, delay=1.0, model=1, port=ports)
    table.build(2)
    assert not table.is_coded("model") and not table.is_coded("port") and table.is_coded("weight")
    assert table.columns["model"].dtype == np.uint16 and table.columns["port"].dtype == np.uint16
    np.testing.assert_array_equal(table.column("model"), [0, 0, 3, 3, 7, 7] + [1] * ports.size)
    np.testing.assert_array_equal(table.column("port"), np.concatenate([[0, 2, 0, 2, 65535, 65535], ports]))


def test_scattering_one_column_of_a_pair_keeps_the_other():
    table = table_with([(np.zeros(3, np.int32), 1.0, 1.0)], n_sources=1)
    table.scatter("port", [1], 5)
    assert table.is_coded("port")
    np.testing.assert_array_equal(table.column("port"), [0, 5, 0])
    np.testing.assert_array_equal(table.column("model"), [0, 0, 0])


def test_networks_simulate_alike_with_coded_and_plain_weights():
    """The same network twice: weights as two scalars (coded), then as per-synapse arrays that
    also hold more than 65536 distinct values elsewhere (plain): the same spikes, bit for bit."""
    def run(plain):
        csnn.ResetKernel()
        csnn.SetKernelStatus({"rng_seed": 3})
        exc = csnn.Create("iaf_psc_delta", 400, params={"I_e": 400.0, "V_m": csnn.random.uniform(-70.0, -55.0)})
        pairs = np.random.default_rng(0).integers(0, 400, size=(2, 8000))
        weights = np.where(pairs[0] < 320, 0.9, -4.0)
        delays = np.where(pairs[1] % 2 == 0, 1.0, 2.5)
        csnn.Connect(np.asarray(exc)[pairs[0]].tolist(), np.asarray(exc)[pairs[1]].tolist(), "one_to_one",
                     {"weight": weights, "delay": delays})
        if plain:
            spare = csnn.Create("iaf_psc_delta", 2)
            csnn.Connect(spare[:1], spare[1:], {"rule": "fixed_indegree", "indegree": MAX_CODES + 10,
                                                "allow_multapses": True},
                         {"weight": csnn.random.uniform(0.0, 1e-9)})
        rec = csnn.Create("spike_recorder")
        csnn.Connect(exc, rec)
        csnn.Simulate(300.0)
        table = csnn.network.kernel.current().engine.static
        return table.is_coded("weight"), rec.get("events")
    coded, a = run(False)
    plain, b = run(True)
    assert coded and not plain
    assert a["times"].size > 100
    np.testing.assert_array_equal(a["times"], b["times"])
    np.testing.assert_array_equal(a["senders"], b["senders"])


def test_connection_weights_read_and_set_through_the_codes():
    csnn.ResetKernel()
    n = csnn.Create("iaf_psc_alpha", 3)
    csnn.Connect(n, n, syn_spec={"weight": 2.5, "delay": 1.25})
    conns = csnn.GetConnections(n, n)
    assert np.all(np.asarray(conns.get("weight")) == 2.5) and np.all(np.asarray(conns.get("delay")) == 1.25)
    conns.set(weight=np.arange(9.0), delay=3.0)
    np.testing.assert_array_equal(conns.get("weight"), np.arange(9.0))
    np.testing.assert_array_equal(conns.get("delay"), 3.0)
    assert csnn.GetKernelStatus("max_delay") == 3.0


@pytest.mark.parametrize("model, per_synapse", [
    # routing: target 4, weight 8 (the rules write it), delay code 2, (model, port) code 2; set index 2,
    # trace group index 4; and the traces a rule keeps per synapse (pre_centered's K+), 8 bytes each
    ("stdp_nn_restr_synapse", 22), ("stdp_nn_symm_synapse", 22), ("stdp_synapse", 22), ("stdp_synapse_hom", 22),
    ("stdp_nn_pre_centered_synapse", 30), ("stdp_triplet_synapse", 22)])
def test_plastic_synapse_holds_only_what_its_rule_reads(model, per_synapse):
    """Per synapse its columns; per source one trace group (3 traces of 8 bytes, and the one
    thread's copy: now and before); the coded delay (8) and (model, port) pair (2 + 2) once."""
    csnn.ResetKernel()
    n = csnn.Create("iaf_psc_alpha", 200)
    csnn.Connect(n, n, {"rule": "fixed_indegree", "indegree": 50}, {"synapse_model": model, "tau_plus": 16.8})
    csnn.Simulate(1.0)
    engine = csnn.network.kernel.current().engine
    table = engine.plastic
    sources = np.unique(table.rows()[0]).size
    assert len(engine.traces) == sources
    assert table.nbytes - table.offsets.nbytes == per_synapse * 10_000 + 12
    assert engine.traces.nbytes == sources * (3 * 8 + 6 * 8)


def learning_network(threads, random_block, checkpoint=None):
    """Parrots driven by Poisson trains: 20 sources onto 10 targets with stdp_synapse (delay
    1.5 ms, onto receptor 1, so the targets spike only with their own trains), and, when
    ``random_block``, onto 50 further targets with uniform random delays (a trace group per
    synapse).  Kplus is set on one synapse between the two runs, through ``checkpoint`` (a
    path: saved and loaded there) if given.  Returns the first block's weights and Kplus, and the
    engine."""
    csnn.ResetKernel()
    csnn.SetKernelStatus({"local_num_threads": threads})
    rng = np.random.default_rng(11)
    trains = [poisson_offgrid(rng, 30.0, 380.0) for _ in range(80)]
    nodes = []
    for times in trains:
        parrot = csnn.Create("parrot_neuron")
        csnn.Connect(csnn.Create("spike_generator", params={"spike_times": times}), parrot, syn_spec={"delay": D0})
        nodes.append(parrot.tolist()[0])
    def pres_posts_others():
        return (csnn.NodeCollection(ids) for ids in (nodes[:20], nodes[20:30], nodes[30:]))

    pres, posts, others = pres_posts_others()
    spec = {"synapse_model": "stdp_synapse", "receptor_type": 1, "weight": 40.0}
    csnn.Connect(pres, posts, "all_to_all", dict(spec, delay=1.5))
    if random_block:
        csnn.Connect(pres, others, "all_to_all",
                     dict(spec, delay={"distribution": "uniform", "low": 1.0, "high": 3.0}))
    csnn.Simulate(200.0)
    if checkpoint is not None:
        csnn.save(checkpoint)
        csnn.load(checkpoint)
        pres, posts, others = pres_posts_others()
    csnn.GetConnections(pres[0], posts[0]).set(Kplus=2.5)
    csnn.Simulate(200.0)
    learned = csnn.GetConnections(pres, posts).get(["weight", "Kplus"])
    return {key: np.asarray(values) for key, values in learned.items()}, csnn.network.kernel.current().engine


def test_synapses_alone_in_their_trace_groups_keep_their_traces_as_before_groups(tmp_path):
    """Continuous random delays give every synapse a trace group of its own (its index, 24 bytes
    of traces and 48 per thread): the traces go back to the plastic table's columns, t_last and
    Kplus, 16 bytes per synapse as before trace groups, and the synapses of the grouped block
    learn bit for bit as in a network where they are grouped (their targets get nothing else),
    on 1 to 4 threads, across set(Kplus) and a checkpoint."""
    grouped, engine = learning_network(1, random_block=False)
    assert not engine.traces.per_synapse and len(engine.traces) == 20 + 1
    assert np.any(grouped["weight"] != 40.0) and np.any(grouped["Kplus"] != 0.0)
    for threads in (1, 4):
        checkpoint = tmp_path / f"own-{threads}.csnn" if threads == 4 else None
        own, engine = learning_network(threads, random_block=True, checkpoint=checkpoint)
        assert engine.traces.per_synapse and len(engine.traces) == 0 and engine.traces.nbytes == 0
        # target 4, weight 8, delay code 2, (model, port) code 2, set 2, t_last 8, Kplus 8
        assert sum(column.dtype.itemsize for column in engine.plastic.columns.values()) == 34
        for key in ("weight", "Kplus"):
            np.testing.assert_array_equal(own[key], grouped[key])


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.lists(st.tuples(st.integers(0, 5), st.sampled_from([1.0, 1.5, 2.5])), max_size=6),
                     min_size=1, max_size=5), plain=st.booleans())
def test_row_shapes_say_which_rows_have_one_delay_and_ascending_runs(rows, plain):
    """A row is flagged ROW_ONE_DELAY when all its synapses share a delay and ROW_ASCENDING when
    its targets do not decrease within each run of equal delays (what lets a thread bisect a
    batch for its own targets): the flags equal a direct reading of each row, for coded and
    plain delay columns, empty rows and rows of one synapse included."""
    from csnn._core.delivery import RowShape, row_shapes
    table = SynapseTable(coded=() if plain else ("delay",))
    for source, row in enumerate(rows):
        if row:
            targets, delays = zip(*row)
            table.add(np.full(len(row), source, np.int32), target=np.asarray(targets, np.int32),
                      weight=1.0, delay=np.asarray(delays), model=0, port=0)
    table.build(len(rows))
    shapes = row_shapes(table, len(rows))
    for source, row in enumerate(rows):
        pairs = list(zip(row, row[1:]))
        one_delay = all(a[1] == b[1] for a, b in pairs)
        ascending = all(b[0] >= a[0] for a, b in pairs if a[1] == b[1])
        assert bool(shapes[source] & RowShape.ROW_ONE_DELAY) == one_delay
        assert bool(shapes[source] & RowShape.ROW_ASCENDING) == ascending


def test_a_view_of_the_queue_is_merged_once_and_taken_over_by_build():
    """Queries before the first Simulate read the queue merged by SynapseTable.view: repeated
    views of an unchanged queue are one merge (GetConnections of every neuron in turn must not
    merge millions of synapses each time); a new block, a new column or a different number of
    sources makes a new one; build adopts the view's merge, and every slot reads back as
    queued."""
    rng = np.random.default_rng(3)
    table = SynapseTable(coded=("weight", "delay"))
    source = rng.integers(0, 5, 40).astype(np.int32)
    weight = rng.normal(size=40)
    table.add(source, target=np.arange(40, dtype=np.int32), weight=weight, delay=1.0, model=0, port=0)
    first = table.view(5)
    assert table.view(5) is first and not table.built(5)
    assert table.view(6) is not first
    table.add(np.array([0], np.int32), target=np.array([99], np.int32), weight=2.0, delay=1.0, model=0, port=0)
    second = table.view(5)
    assert second is not first and second.size == 41
    table.add_columns({"extra": (np.float64, 0.5)})
    third = table.view(5)
    assert third is not second and third.has_column("extra")
    assert table.build(5)
    assert table.columns["target"] is third.columns["target"]
    order = np.argsort(np.concatenate([source, [0]]), kind="stable")
    np.testing.assert_array_equal(table.column("weight"), np.concatenate([weight, [2.0]])[order])
    np.testing.assert_array_equal(table.columns["target"], np.concatenate([np.arange(40), [99]])[order])
    assert table.view(5) is table


@settings(max_examples=40, deadline=None)
@given(k=st.integers(2, 4), blocks=st.lists(st.tuples(st.lists(st.integers(0, 5), min_size=1, max_size=12),
                                                      st.lists(st.integers(0, 7), min_size=12, max_size=12),
                                                      st.floats(0.1, 5.0)), min_size=1, max_size=4))
def test_process_shares_of_a_table_are_the_whole_table_split_by_target(k, blocks):
    """K tables owned by processes 0..K-1 (SynapseTable.own), given the same synapses, keep
    exactly the synapses onto their targets (i % K == r): together the whole table, each synapse
    with its weight, in the same order within each row; each share's delay range is that of its
    synapses (the processes agree on the network's at Prepare)."""
    whole = SynapseTable()
    shares = [SynapseTable() for _ in range(k)]
    for r, share in enumerate(shares):
        share.own(r, k)
    for source, target, delay in blocks:
        target = np.asarray(target[:len(source)], dtype=np.int32)
        weight = np.arange(len(source), dtype=float) + 0.5
        for table in [whole, *shares]:
            table.add(np.asarray(source), target=target, weight=weight, delay=delay, model=0, port=0)
    for table in [whole, *shares]:
        table.build(6)
    w_source, _, w_slot = whole.row_slots()
    for r, share in enumerate(shares):
        mine = whole.columns["target"][w_slot] % k == r
        s_source, _, s_slot = share.row_slots()
        np.testing.assert_array_equal(s_source, w_source[mine])
        np.testing.assert_array_equal(share.columns["target"][s_slot], whole.columns["target"][w_slot][mine])
        np.testing.assert_array_equal(share.column("weight")[s_slot], whole.column("weight")[w_slot][mine])
        delays = whole.column("delay")[w_slot][mine]
        assert (share.min_delay, share.max_delay) == ((delays.min(), delays.max()) if delays.size else (np.inf, 0.0))
    assert sum(share.size for share in shares) == whole.size


def test_ownership_is_set_before_the_first_synapse():
    table = SynapseTable()
    table.add(np.array([0]), target=1, weight=1.0, delay=1.0, model=0, port=0)
    with pytest.raises(ValueError, match="before its first synapse"):
        table.own(0, 2)
