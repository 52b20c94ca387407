"""Memory estimates: a request the machine cannot hold is refused before it allocates.

Create and Connect estimate the bytes a call needs from the sizes of what it builds and raise
:class:`csnn.errors.InsufficientMemoryError` with the estimate when it exceeds the memory
available, instead of failing inside numpy (or being killed by the system) halfway through.
"""
import os

from .errors import InsufficientMemoryError


def available():
    """Bytes of memory available to new allocations (Linux: MemAvailable), or None where
    the system does not say."""
    try:
        with open("/proc/meminfo") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable:"))
    except (OSError, StopIteration, ValueError):
        return None


def resident_kib():
    """This process's resident memory in KiB (Linux: /proc/self/statm), -1 where the system does
    not say (NEST's ``memory_size``)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
    except (OSError, IndexError, ValueError):
        return -1
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


def size(n_bytes):
    """``n_bytes`` in MiB or GiB, for messages."""
    return f"{n_bytes / 2 ** 30:.3g} GiB" if n_bytes >= 2 ** 30 else f"{n_bytes / 2 ** 20:.3g} MiB"


def require(needed, request, how, advice):
    """Raise InsufficientMemoryError when ``needed`` bytes exceed the available memory.

    The message reads "``request``, which need about N GiB ``how``, but M GiB are available;
    ``advice``" (``how``: e.g. "(24 bytes each)").
    """
    free = available()
    if free is not None and needed > free:
        raise InsufficientMemoryError(f"{request}, which need about {size(needed)} {how}, but {size(free)} "
                                      f"are available; {advice}")
