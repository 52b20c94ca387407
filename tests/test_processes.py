"""MPI processes (csnn.network.processes): NumProcesses, Rank and SyncProcesses as NEST has
them, mpi4py imported only under an MPI launcher, and a simulation refused on several processes
rather than run once per process."""
import os
import pathlib
import shutil
import subprocess
import sys
import textwrap

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


def mpiexec():
    """The mpiexec of this environment (the test extra installs MPICH next to Python)."""
    here = pathlib.Path(sys.executable).parent / "mpiexec"
    found = str(here) if here.exists() else shutil.which("mpiexec")
    assert found, "mpiexec not found: pip install -e \".[test]\" installs MPICH (or \".[mpi]\")"
    return found


def run_script(script, *launcher):
    """Run ``script`` (Python source) in fresh interpreters, under ``launcher`` if given; each
    must end within a minute (a collective that waits for a rank that left would hang)."""
    env = {k: v for k, v in os.environ.items() if k not in processes.LAUNCHER_SIZE_VARIABLES}
    return subprocess.run([*launcher, sys.executable, "-c", textwrap.dedent(script)], capture_output=True,
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


@pytest.mark.mpi
@pytest.mark.parametrize("k", [1, 2, 3])
def test_under_mpiexec_each_rank_knows_its_place_and_simulate_is_refused(k, tmp_path):
    """``mpiexec -n K``: every rank reports K (NumProcesses, the kernel's num_processes) and its
    own rank, meets the others at SyncProcesses, and is refused a simulation (one network per
    process would run K times, each writing the same files) with a message naming K and what
    to do instead; no rank hangs.  Each rank writes its own file (their stdout lines may
    interleave)."""
    done = run_script(f"""
        import csnn
        csnn.SyncProcesses()
        csnn.Create("iaf_psc_delta", 2)
        try:
            csnn.Simulate(1.0)
            outcome = "simulated"
        except csnn.CSNNError as err:
            outcome = "refused: " + str(err)
        assert csnn.GetKernelStatus("num_processes") == csnn.NumProcesses()
        with open(r"{tmp_path}/rank%d.txt" % csnn.Rank(), "w") as f:
            f.write("%d %d %s" % (csnn.NumProcesses(), csnn.Rank(), outcome))
    """, mpiexec(), "-n", str(k))
    assert done.returncode == 0, done.stderr
    lines = [(tmp_path / f"rank{r}.txt").read_text() for r in range(k)]
    assert [line.split()[:2] for line in lines] == [[str(k), str(r)] for r in range(k)]
    for line in lines:
        if k == 1:
            assert line.endswith("simulated")
        else:
            assert f"Prepare: this script runs on {k} MPI processes" in line and "local_num_threads" in line


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
