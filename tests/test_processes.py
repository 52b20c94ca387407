"""MPI processes (csnn.network.processes): NumProcesses, Rank and SyncProcesses as NEST has
them, mpi4py imported only under an MPI launcher, and an error on one process ends them all.
Simulations on several processes: tests/test_distributed.py."""
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
