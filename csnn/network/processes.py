"""The MPI processes a script was launched on: how many, which one this is, and their barrier.

csnn simulates a network in one process, with threads (``local_num_threads``); distributing
it over MPI processes is not built yet.  A script started by an MPI launcher (``mpiexec -n K
python script.py``) still learns what NEST would tell it: ``NumProcesses()`` is K, ``Rank()``
this process's rank and ``SyncProcesses()`` waits for the others, through mpi4py (``pip install
"csnn-sim[mpi]"`` brings mpi4py and MPICH).  Preparing a simulation on more than one process
raises :class:`~csnn.errors.KernelStateError` instead of running K copies of the network
side by side, each writing the same files.

mpi4py is imported only when a launcher started K > 1 processes (its environment says so:
``PMI_SIZE`` for MPICH and Intel MPI, ``OMPI_COMM_WORLD_SIZE`` for Open MPI), so that csnn
without MPI never imports it and a script on one process never initialises MPI.  It is then
imported with csnn (:func:`start`), and an exception that ends one process's script ends them
all (MPI_Abort after its traceback is printed), so that the others do not wait forever in
SyncProcesses for a process that is gone.
"""
import os
import sys

from ..errors import KernelStateError, MissingDependencyError

#: what an MPI launcher sets to the number of processes it started
LAUNCHER_SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE")

_world = None


def launched_processes():
    """The number of processes an MPI launcher started this one among (1 without a launcher)."""
    for name in LAUNCHER_SIZE_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    return 1


def world():
    """mpi4py's COMM_WORLD when a launcher started more than one process, else None."""
    global _world
    if _world is None and launched_processes() > 1:
        try:
            from mpi4py import MPI
        except ImportError as err:
            raise MissingDependencyError(
                f"this script was started on {launched_processes()} MPI processes, and csnn needs "
                f"mpi4py to know its rank: pip install \"csnn-sim[mpi]\" (or run it without "
                f"mpiexec)") from err
        _world = MPI.COMM_WORLD
        _abort_all_on_uncaught_exceptions(_world)
    return _world


def start():
    """At csnn's import: join the MPI processes when a launcher started several."""
    if launched_processes() > 1:
        world()


def _abort_all_on_uncaught_exceptions(comm):
    """An exception that ends this process's script prints its traceback, then aborts every
    process of the job."""
    report = sys.excepthook

    def abort(kind, value, traceback):
        report(kind, value, traceback)
        sys.stderr.flush()
        comm.Abort(1)

    sys.excepthook = abort


def num_processes():
    """Number of MPI processes of the script (1 without an MPI launcher)."""
    comm = world()
    return 1 if comm is None else comm.Get_size()


def rank():
    """This process's MPI rank (0 without an MPI launcher)."""
    comm = world()
    return 0 if comm is None else comm.Get_rank()


def sync():
    """Wait until every MPI process of the script has called this (nothing on one process)."""
    comm = world()
    if comm is not None:
        comm.Barrier()


def require_one_process(what):
    """Raise when the script runs on several MPI processes: ``what`` (Prepare, Simulate, ...)
    would simulate the whole network on each of them."""
    k = num_processes()
    if k > 1:
        raise KernelStateError(
            f"{what}: this script runs on {k} MPI processes (rank {rank()}), and csnn simulates a "
            f"network in one process: each would run the whole network and write the same files. "
            f"Run it without mpiexec, with threads for parallelism "
            f"(SetKernelStatus({{'local_num_threads': 2}}))")
