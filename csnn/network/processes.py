"""The MPI processes a script runs on: how many, which one this is, their barrier, and the
spike exchange that distributes a simulation over them.

A script started by an MPI launcher (``mpiexec -n K python script.py``) runs on K processes, as
under NEST: each builds the same network (the same Create and Connect calls, the same random
numbers), owns the neurons whose engine index i has i % K == its rank, keeps only the synapses
onto them, and simulates them; the processes exchange their spikes once per window
(``csnn/_core/exchange.pyx``).  ``NumProcesses()`` is K, ``Rank()`` this process's rank and
``SyncProcesses()`` waits for the others.  mpi4py (``pip install "csnn-sim[mpi]"`` brings mpi4py
and MPICH) provides the communicator; the exchange calls MPI's C functions directly, without
the GIL, on a duplicate of COMM_WORLD, so that the script's own messages never mix with it.

mpi4py is imported only when a launcher started K > 1 processes (its environment says so:
``PMI_SIZE`` for MPICH and Intel MPI, ``OMPI_COMM_WORLD_SIZE`` for Open MPI; PMIx's
``PMIX_RANK`` says a launcher is there, and mpi4py then says how many), so that csnn
without MPI never imports it and a script on one process never initialises MPI.  It is then
imported with csnn (:func:`start`), and an exception that ends one process's script ends them
all (MPI_Abort after its traceback is printed), so that the others do not wait forever in a
collective for a process that is gone.
"""
import ctypes
import os
import sys
import time

from .._core.exchange import SpikeExchange
from ..errors import KernelStateError, MissingDependencyError

#: what an MPI launcher sets to the number of processes it started
LAUNCHER_SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE")
#: what a launcher sets that gives a process's rank but not the number of processes (PMIx:
#: ``srun --mpi=pmix``, PRRTE): mpi4py then tells how many there are
LAUNCHER_RANK_VARIABLES = ("PMIX_RANK",)
#: seconds a process that failed waits, after printing why, before it aborts the job (measured
#: on a loaded 2-core machine: MPICH's launcher lost part of the traceback in 2 of 30 aborts
#: without the wait, none of 60 with 0.5 s)
ABORT_GRACE = 0.5

_world = None
_exchange_comm = None
_looked = False             # world() has decided (its answer is _world)


def launched_processes():
    """The number of processes an MPI launcher started this one among: 1 without a launcher,
    None when a launcher says this process's rank but not how many there are."""
    for name in LAUNCHER_SIZE_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    return None if any(name in os.environ for name in LAUNCHER_RANK_VARIABLES) else 1


def world():
    """mpi4py's COMM_WORLD when a launcher started more than one process, else None.  The first
    call (at csnn's import, on every process: :func:`start`) also makes csnn's own duplicate
    of it for the spike exchange, a collective every process must reach at the same point."""
    global _world, _exchange_comm, _looked
    if _looked:
        return _world
    k = launched_processes()
    if k != 1:
        try:
            from mpi4py import MPI
        except ImportError as err:
            if k is None:
                # a PMIx launcher without mpi4py: nothing can tell how many processes there are
                _looked = True
                return None
            raise MissingDependencyError(
                f"this script was started on {k} MPI processes, and csnn needs mpi4py to know its rank: "
                f"pip install \"csnn-sim[mpi]\" (or run it without mpiexec)") from err
        if MPI.COMM_WORLD.Get_size() > 1:
            _world = MPI.COMM_WORLD
            _abort_all_on_uncaught_exceptions(_world)
            _exchange_comm = _world.Dup()
    _looked = True
    return _world


def start():
    """At csnn's import: join the MPI processes when a launcher started several."""
    world()


def _abort_all_on_uncaught_exceptions(comm):
    """An exception that ends this process's script prints its traceback, then aborts every
    process of the job."""
    report = sys.excepthook

    def abort(kind, value, traceback):
        report(kind, value, traceback)
        sys.stderr.flush()
        # MPI_Abort ends the launcher's forwarding of this process's output at once, so that on
        # a busy machine the traceback was cut short or lost: the launcher gets time to read it
        time.sleep(ABORT_GRACE)
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


def agree(what, **values):
    """Raise KernelStateError on every process unless all have the same ``values`` (a
    collective: every process calls it at the same point of the script).  Processes that built
    different networks, or simulate for different times, would exchange spikes that mean
    nothing to each other, or wait for one another forever."""
    if _exchange_comm is None:
        return
    everyone = _exchange_comm.allgather(values)
    differing = sorted(key for key in values if any(other[key] != values[key] for other in everyone))
    if differing:
        key = differing[0]
        each = ", ".join(f"process {rank}: {other[key]!r}" for rank, other in enumerate(everyone))
        raise KernelStateError(f"{what}: the MPI processes differ in {key} ({each}); every process must run the "
                               "same Create, Connect, SetKernelStatus and Simulate calls (only what they record or "
                               "print may depend on Rank())")


def spike_exchange():
    """A new spike exchange between the script's processes (None on one process): the addresses
    of MPI_Allgather, MPI_Allgatherv and MPI_Abort in the MPI library mpi4py loaded, and the
    handles of csnn's communicator and of MPI_BYTE."""
    if world() is None:
        return None
    from mpi4py import MPI
    library = ctypes.CDLL(MPI.__file__)       # its symbols and those of the libmpi it loaded

    def address(name):
        return ctypes.cast(getattr(library, name), ctypes.c_void_p).value

    def handle(obj):
        # a C int (MPICH) or a pointer (Open MPI), as a signed integer of pointer width
        return ctypes.c_ssize_t(MPI._handleof(obj)).value

    return SpikeExchange(_exchange_comm.Get_rank(), _exchange_comm.Get_size(), address("MPI_Allgather"),
                         address("MPI_Allgatherv"), address("MPI_Abort"), handle(_exchange_comm), handle(MPI.BYTE),
                         MPI._sizeof(MPI.Comm) == ctypes.sizeof(ctypes.c_int))
