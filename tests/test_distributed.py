"""Simulations distributed over MPI processes (csnn.network.processes, csnn/_core/exchange.pyx):
the same script under ``mpiexec -n K`` gives, bit for bit, what one process with one thread
gives, for every model, generator and plastic rule; NEST's view of local nodes, connections
and recorders; checkpoints per process; and a failure on one process ends every process with
its message instead of a hang.

Each test starts scripts in fresh interpreters under the mpiexec of this environment (the test
extra installs MPICH); oversubscribing the machine's cores is fine.
"""
import json
import pathlib
import re
import textwrap

import numpy as np
import pytest

from test_processes import mpiexec, run_script

pytestmark = pytest.mark.mpi

SCRIPT = pathlib.Path(__file__).parent / "scripts" / "every_kind.py"
#: a weight recorder's events compared in the order of time, sender, target and weight: one process
#: has them in arrival order, which the events do not hold
WEIGHT_ORDER = ("weights.times", "weights.senders", "weights.targets", "weights.weights")
#: a synapse's port is its rank in its source's row on its process (as NEST's number synapses per
#: thread), so ports differ between runs on different numbers of processes
PER_PROCESS = ("weights.ports",)


def every_kind(tmp_path, name, threads, k=None, save_at=None):
    """Run tests/scripts/every_kind.py on ``k`` MPI processes (None: without mpiexec) and
    ``threads`` threads each; its results as a dict of arrays, weight events in merge order."""
    out = tmp_path / f"{name}.npz"
    args = [str(SCRIPT), str(threads), str(out)]
    if save_at is not None:
        args += [str(save_at), str(tmp_path / f"{name}.ckpt")]
    launcher = () if k is None else (mpiexec(), "-n", str(k))
    done = run_script(None, *launcher, args=args)
    assert done.returncode == 0, done.stdout + done.stderr
    with np.load(out) as data:
        result = {key: data[key] for key in data.files}
    order = np.lexsort([result[key] for key in reversed(WEIGHT_ORDER)])
    for key in result:
        if key.startswith("weights."):
            result[key] = result[key][order]
    return result


@pytest.fixture(scope="module")
def one_process(tmp_path_factory):
    """The network of every kind on one process and one thread, without a launcher."""
    return every_kind(tmp_path_factory.mktemp("one"), "reference", 1)


@pytest.mark.parametrize("k, threads, save_at", [(1, 2, None), (2, 1, None), (3, 1, None), (2, 2, None),
                                                 (2, 1, 50.0), (3, 2, 33.3)])
def test_every_model_generator_and_rule_gives_one_process_results(one_process, tmp_path, k, threads, save_at):
    """Spike trains, membrane and current traces, the weight recorder's events, every
    synapse's final weight and every neuron's final V_m equal those of one process with one
    thread, bit for bit, on K processes of 1 or 2 threads; also when the run is saved at
    ``save_at`` (one checkpoint file per process), loaded by a fresh kernel and continued."""
    assert one_process["spikes.times"].size > 1000 and one_process["weights.times"].size > 1000
    assert one_process["meter.times"].size > 1000 and one_process["currents.times"].size > 100
    distributed = every_kind(tmp_path, "distributed", threads, k, save_at)
    assert sorted(distributed) == sorted(one_process)
    differing = [key for key in one_process
                 if key not in PER_PROCESS and not np.array_equal(one_process[key], distributed[key])]
    assert not differing


def test_each_process_holds_its_own_nodes_connections_and_events(tmp_path):
    """NEST's distributed view on 3 processes: neuron i (0-based among the neurons) lives on
    process i % 3; another process's neuron reads None (as NEST's proxies) and has only the
    proxy keys; GetConnections returns the synapses onto local neurons (and their streams);
    recorders record local neurons and write one file each, named with the virtual process;
    the kernel reports the processes, virtual processes and its spike exchanges; a checkpoint of
    3 processes is refused on 2."""
    done = run_script(f"""
        import json, os
        import numpy as np
        import csnn as nest
        nest.SetKernelStatus({{"data_path": r"{tmp_path}", "total_num_virtual_procs": 6}})
        k, r = nest.NumProcesses(), nest.Rank()
        n = nest.Create("iaf_psc_delta", 10, params={{"I_e": 400.0}})
        sr = nest.Create("spike_recorder", params={{"record_to": "ascii", "label": "spikes"}})
        mm = nest.Create("multimeter", params={{"record_from": ["V_m"]}})
        gen = nest.Create("poisson_generator", params={{"rate": 100.0}})
        nest.Connect(n, n, {{"rule": "all_to_all"}}, {{"weight": 0.1, "delay": 1.0}})
        nest.Connect(gen, n)
        nest.Connect(n, sr)
        nest.Connect(mm, n)
        nest.Simulate(50.0)
        local = [bool(here) for here in n.get("local")]
        vm = n.get("V_m")
        conns = nest.GetConnections(target=n)
        status = nest.GetKernelStatus()
        report = {{
            "local": local, "vm_none": [v is None for v in vm], "proxy_keys": sorted(n[(r + 1) % k].get()),
            "targets": sorted(set(conns.get("target"))), "threads": sorted(set(conns.get("target_thread"))),
            "meter": sorted(set(mm.get("events")["senders"].tolist())),
            "files": sorted(os.listdir(r"{tmp_path}")),
            "vps": nest.GetKernelStatus("total_num_virtual_procs"), "threads_here": status["local_num_threads"],
            "exchanges": status["spike_exchanges"], "exchange_bytes": status["spike_exchange_bytes"],
            "exchange_time": status["time_communicate_spike_data"], "spikes": status["local_spike_counter"],
            "gathered": len(nest.gather_events(mm, root=None)["times"]), "own_meter": len(mm.get("events")["times"]),
        }}
        nest.save(r"{tmp_path}/net.ckpt")
        with open(r"{tmp_path}/rank%d.json" % r, "w") as f:
            json.dump(report, f, default=lambda value: value.item())
    """, mpiexec(), "-n", "3")
    assert done.returncode == 0, done.stdout + done.stderr
    reports = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(3)]
    gids = list(range(1, 11))
    for r, report in enumerate(reports):
        mine = [g for g in gids if (g - 1) % 3 == r]
        assert report["local"] == [(g - 1) % 3 == r for g in gids]
        assert report["vm_none"] == [not here for here in report["local"]]
        assert report["proxy_keys"] == ["element_type", "global_id", "local", "model", "model_id", "thread", "vp"]
        assert report["targets"] == mine and report["meter"] == mine
        assert report["vps"] == 6 and report["threads_here"] == 2
        assert set(report["threads"]) <= {0, 1}
        # one exchange per window of 1 ms (the smallest delay), headers of 16 bytes per process
        assert report["exchanges"] == 50 and report["exchange_bytes"] >= 50 * 3 * 16
        assert report["exchange_time"] > 0
        assert report["gathered"] == 10 * 49 and report["own_meter"] == len(mine) * 49
        # NEST's file names: label-id-vp, the vp padded to the digits of 6 virtual processes
        assert f"spikes-11-{r}.dat" in report["files"] and (tmp_path / f"net-{r}.ckpt").exists()
    assert sum(report["spikes"] for report in reports) > 0
    refused = run_script(f"""
        import csnn as nest
        try:
            nest.load(r"{tmp_path}/net.ckpt")
        except nest.CSNNError as err:
            print("refused:", err)
    """, mpiexec(), "-n", "2")
    assert refused.returncode != 0 or "refused" in refused.stdout, refused.stderr
    assert "load it on 3 processes" in refused.stdout + refused.stderr


def test_each_process_draws_only_the_connections_onto_its_own_neurons(tmp_path):
    """The rules drawn target by target draw, on each of 3 processes, the pairs of that
    process's neurons only (csnn.target_streams); the network is one process's all the same (the
    first test).  fixed_outdegree draws every pair on every process, as NEST does."""
    done = run_script(f"""
        import json
        import csnn as nest
        from csnn.network import connect
        drawn = []
        whole = connect.target_pairs

        def recording(spec, pre, post, streams, rows):
            drawn.append(post[rows].tolist())
            return whole(spec, pre, post, streams, rows)

        connect.target_pairs = recording
        n = nest.Create("iaf_psc_delta", 10)
        for rule in ({{"rule": "fixed_indegree", "indegree": 3}}, {{"rule": "pairwise_bernoulli", "p": 0.5}},
                     {{"rule": "all_to_all"}}, {{"rule": "one_to_one"}}, {{"rule": "fixed_outdegree", "outdegree": 2}}):
            nest.Connect(n, n, rule, {{"weight": nest.random.normal(1.0, 0.1), "delay": 1.0}})
        with open(r"{tmp_path}/rank%d.json" % nest.Rank(), "w") as f:
            json.dump({{"drawn": drawn, "connections": nest.GetKernelStatus("num_connections")}}, f)
    """, mpiexec(), "-n", "3")
    assert done.returncode == 0, done.stdout + done.stderr
    reports = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(3)]
    for r, report in enumerate(reports):
        assert report["drawn"] == [[g for g in range(1, 11) if (g - 1) % 3 == r]] * 4
    # fixed_indegree 30, all_to_all 100, one_to_one 10, fixed_outdegree 20, and Bernoulli's
    assert sum(report["connections"] for report in reports) > 160


def test_a_neuron_failing_on_one_process_stops_every_process_after_the_same_window(tmp_path):
    """A neuron of process 1 whose state stops being finite: process 1 raises NumericalError
    naming it, process 0 an error naming process 1, both after the same window; nothing
    hangs."""
    done = run_script(f"""
        import csnn as nest
        n = nest.Create("iaf_psc_exp", 4, params={{"I_e": 500.0}})
        gen = nest.Create("spike_generator", params={{"spike_times": [20.0]}})
        # two simultaneous inputs of 1e308 pA: an infinite synaptic current (test_errors.py)
        nest.Connect(gen, n[1], syn_spec={{"weight": 1e308}})
        nest.Connect(gen, n[1], syn_spec={{"weight": 1e308}})
        nest.Connect(n, n, {{"rule": "all_to_all"}}, {{"delay": 1.0}})
        try:
            nest.Simulate(100.0)
            outcome = "finished"
        except Exception as err:
            outcome = type(err).__name__ + ": " + str(err)
        with open(r"{tmp_path}/rank%d.txt" % nest.Rank(), "w") as f:
            f.write("%s\\n%s" % (nest.GetKernelStatus("biological_time"), outcome))
    """, mpiexec(), "-n", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    (t0, outcome0), (t1, outcome1) = [(tmp_path / f"rank{r}.txt").read_text().split("\n", 1) for r in range(2)]
    assert t0 == t1 and float(t0) < 100.0
    assert outcome1.startswith("NumericalError") and "iaf_psc_exp neuron 2: I_syn_ex became inf" in outcome1
    assert outcome0.startswith("RuntimeError") and "MPI process(es) [1] failed" in outcome0


@pytest.mark.parametrize("how", ["exception", "killed"])
def test_a_process_that_dies_during_a_run_ends_the_job(how):
    """Process 1 leaves between two Simulate calls (an uncaught exception, or killed) while
    process 0 is in the second one's spike exchange: the job ends with a nonzero status (and
    the exception's message) within the runner's minute, instead of waiting forever."""
    leave = {"exception": "raise ValueError('process 1 gives up')",
             "killed": "os.kill(os.getpid(), signal.SIGKILL)"}[how]
    done = run_script(f"""
        import os, signal
        import csnn as nest
        n = nest.Create("iaf_psc_delta", 4, params={{"I_e": 500.0}})
        nest.Connect(n, n, {{"rule": "all_to_all"}}, {{"delay": 1.0}})
        nest.Simulate(10.0)
        if nest.Rank() == 1:
            {leave}
        nest.Simulate(1000.0)
        print("rank", nest.Rank(), "finished")
    """, mpiexec(), "-n", "2")
    assert done.returncode != 0
    assert "finished" not in done.stdout
    if how == "exception":
        assert "process 1 gives up" in done.stdout + done.stderr


def test_facetshw_synapses_are_refused_on_several_processes(tmp_path):
    outcomes = refusals(tmp_path, """
        p = nest.Create("parrot_neuron", 4)
        nest.Connect(p, p, syn_spec={"synapse_model": "stdp_facetshw_synapse_hom"})
        nest.Simulate(5.0)
    """)
    for outcome in outcomes:
        assert outcome.startswith("refused: Prepare: stdp_facetshw_synapse_hom") and "run it on one process" in outcome


def refusals(tmp_path, body):
    """Run ``body`` (after ``import csnn as nest``) on 2 processes; each one's outcome: "refused:
    <message>" for a CSNNError, else "finished" (each written to its own file: stdout lines of
    two processes may interleave)."""
    done = run_script("""
        import csnn as nest
        try:
""" + textwrap.indent(textwrap.dedent(body), " " * 12) + f"""
            outcome = "finished"
        except nest.CSNNError as err:
            outcome = "refused: " + str(err)
        with open(r"{tmp_path}/rank%d.txt" % nest.Rank(), "w") as f:
            f.write(outcome)
    """, mpiexec(), "-n", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    return [(tmp_path / f"rank{r}.txt").read_text() for r in range(2)]


@pytest.mark.parametrize("mismatch, message", [
    ("if nest.Rank() == 1:\n    nest.Create('iaf_psc_delta')", r"Prepare: the MPI processes differ in network_size "
                                                                 r"\(process 0: 4, process 1: 5\)"),
    ("nest.Connect(n[:nest.Rank() + 1], n)", r"Prepare: the MPI processes differ in connect_calls "
                                             r"\(process 0: \(1, '[0-9a-f]{16}'\), process 1: \(1, '[0-9a-f]{16}'\)\)"),
    ("nest.Connect(n, n, {'rule': 'fixed_indegree', 'indegree': 1 + nest.Rank()})", r"differ in connect_calls"),
    ("nest.SetKernelStatus({'rng_seed': 1 + nest.Rank()})", r"differ in rng_seed"),
    ("t = 10.0 + nest.Rank()", r"Run: the MPI processes differ in time \(process 0: 10.0, process 1: 11.0\)"),
])
def test_processes_that_built_different_networks_or_run_different_times_are_refused(mismatch, message, tmp_path):
    """A script whose Create, Connect, seed or Simulate depends on Rank() would exchange spikes
    that mean nothing to the other processes: every process refuses to simulate, naming the
    difference, instead of running on or waiting forever."""
    outcomes = refusals(tmp_path, "n = nest.Create('iaf_psc_delta', 4)\nt = 10.0\n" + mismatch + "\nnest.Simulate(t)")
    for outcome in outcomes:
        assert re.search(message, outcome), outcome


def test_get_local_node_collection_holds_each_process_its_neurons_and_every_device():
    done = run_script("""
        import csnn
        nodes = csnn.Create("iaf_psc_delta", 5) + csnn.Create("spike_recorder")
        local = csnn.GetLocalNodeCollection(nodes)
        assert local.tolist() == [g for g in nodes.tolist() if g == 6 or (g - 1) % 2 == csnn.Rank()], local.tolist()
        assert all(local.get("local"))
        print(f"rank {csnn.Rank()} ok")     # one string: the two processes share the pipe
    """, mpiexec(), "-n", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rank 0 ok" in done.stdout and "rank 1 ok" in done.stdout
