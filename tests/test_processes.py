"""MPI processes (csnn.network.processes): NumProcesses, Rank and SyncProcesses as NEST has
them, mpi4py imported only under an MPI launcher, and an error on one process ends them all.
Simulations on several processes: tests/test_distributed.py."""
import os
import pathlib
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import csnn
from csnn.network import processes

pytestmark = pytest.mark.usefixtures("fresh_kernel")


@pytest.fixture
def no_launcher(monkeypatch):
    """The environment of a script started without an MPI launcher."""
    for name in processes.LAUNCHER_SIZE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(processes, "_world", None)
    monkeypatch.setattr(processes, "_looked", False)


def mpiexec():
    """The mpiexec of this environment (the test extra installs MPICH next to Python)."""
    here = pathlib.Path(sys.executable).parent / "mpiexec"
    found = str(here) if here.exists() else shutil.which("mpiexec")
    assert found, "mpiexec not found: pip install -e \".[test]\" installs MPICH (or \".[mpi]\")"
    return found


def run_script(script, *launcher, args=()):
    """Run ``script`` (Python source; None: ``args`` name a script file and its arguments) in
    fresh interpreters, under ``launcher`` if given; each must end within a minute (a collective
    that waits for a rank that left would hang)."""
    env = {k: v for k, v in os.environ.items() if k not in processes.LAUNCHER_SIZE_VARIABLES}
    code = ["-c", textwrap.dedent(script)] if script is not None else []
    return subprocess.run([*launcher, sys.executable, *code, *args], capture_output=True,
                          text=True, timeout=60, env=env, cwd=pathlib.Path(__file__).parent)


def test_one_process_without_a_launcher(no_launcher):
    assert csnn.NumProcesses() == 1 == csnn.GetKernelStatus("num_processes")
    assert csnn.Rank() == 0
    assert csnn.SyncProcesses() is None
    csnn.Create("iaf_psc_delta")
    csnn.Simulate(1.0)


def test_csnn_never_imports_mpi4py_without_a_launcher():
    """A script on one process neither imports mpi4py nor initialises MPI, even when the MPI
    extra is installed."""
    done = run_script("""
        import sys
        import csnn
        csnn.Create("iaf_psc_delta")
        csnn.Simulate(1.0)
        print(csnn.NumProcesses(), csnn.Rank(), "mpi4py" in sys.modules)
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "0", "False"]


def test_a_launcher_without_mpi4py_says_what_to_install(no_launcher, monkeypatch):
    monkeypatch.setenv("PMI_SIZE", "2")
    monkeypatch.setitem(sys.modules, "mpi4py", None)          # import mpi4py fails
    with pytest.raises(csnn.CSNNError, match=r"2 MPI processes.*pip install \"csnn-sim\[mpi\]\""):
        csnn.NumProcesses()


def test_a_pmix_launcher_is_recognised_without_a_size(no_launcher, monkeypatch):
    """PMIx launchers (srun --mpi=pmix) give a rank but no size: csnn asks mpi4py, and without
    it runs as one process (nothing could tell it how many there are)."""
    monkeypatch.setenv("PMIX_RANK", "0")
    assert processes.launched_processes() is None
    monkeypatch.setitem(sys.modules, "mpi4py", None)          # import mpi4py fails
    assert csnn.NumProcesses() == 1 and csnn.Rank() == 0


@pytest.mark.mpi
def test_an_error_on_one_rank_ends_every_rank_with_its_message():
    """Rank 0 fails (an unknown model) while rank 1 waits at SyncProcesses: the job ends at once
    with rank 0's message and a nonzero status (MPI_Abort after the traceback), not in a hang."""
    done = run_script("""
        import csnn
        if csnn.Rank() == 0:
            csnn.Create("no_such_model")
        csnn.SyncProcesses()
        print("rank", csnn.Rank(), "passed the barrier")
    """, mpiexec(), "-n", "2")
    assert done.returncode != 0
    assert "unknown model 'no_such_model'" in done.stdout + done.stderr
    assert "passed the barrier" not in done.stdout


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_a_neurons_thread_and_vp_are_those_of_the_engine_part_that_owns_it(no_launcher, threads):
    """On one process every node is local; a neuron's thread is the engine part holding its
    index (equal ranges, threads.pxd's part_start), its vp = thread (one process); devices
    are on thread 0.  total_num_virtual_procs = threads."""
    csnn.SetKernelStatus({"total_num_virtual_procs": threads})
    neurons = csnn.Create("iaf_psc_delta", 7)
    recorder = csnn.Create("spike_recorder")
    n_parts = min(threads, 7)
    starts = [p * 7 // n_parts for p in range(n_parts + 1)]
    expected = [max(p for p in range(n_parts) if starts[p] <= i) for i in range(7)]
    assert list(neurons.get("thread")) == expected == list(neurons.get("vp"))
    assert all(neurons.get("local")) and recorder.get("local") and recorder.get("thread") == 0
    assert csnn.GetKernelStatus("total_num_virtual_procs") == threads == csnn.GetKernelStatus("local_num_threads")
    assert csnn.GetNodes(local_only=True) == csnn.GetNodes()


def test_gather_events_on_one_process_is_a_copy_and_checks_its_arguments(no_launcher):
    neurons = csnn.Create("iaf_psc_delta", 2, params={"I_e": 500.0})
    recorder = csnn.Create("spike_recorder")
    csnn.Connect(neurons, recorder)
    csnn.Simulate(50.0)
    events = csnn.gather_events(recorder)
    recorded = recorder.get("events")
    assert sorted(events) == sorted(recorded) and events["times"].size > 0
    assert all(np.array_equal(events[key], recorded[key]) for key in recorded)
    events["times"][0] = -1.0
    assert recorder.get("events")["times"][0] > 0
    with pytest.raises(csnn.CSNNError, match=r"gather_events: root = 1 is invalid: must be a process rank in \[0, 1\)"):
        csnn.gather_events(recorder, root=1)
    with pytest.raises(csnn.CSNNError, match=r"gather_events: recorder: node 1 is a iaf_psc_delta, not a recorder"):
        csnn.gather_events(neurons[:1])
    with pytest.raises(csnn.CSNNError, match=r"gather_events: recorder must be a NodeCollection"):
        csnn.gather_events(5)


def test_total_num_virtual_procs_must_be_a_multiple_of_the_processes(no_launcher, monkeypatch):
    monkeypatch.setattr(processes, "num_processes", lambda: 2)
    with pytest.raises(csnn.CSNNError, match=r"total_num_virtual_procs = 3 is invalid: must be a multiple of the 2 "
                                             r"MPI processes"):
        csnn.SetKernelStatus({"total_num_virtual_procs": 3})
    csnn.SetKernelStatus({"total_num_virtual_procs": 4})
    assert csnn.GetKernelStatus("local_num_threads") == 2
