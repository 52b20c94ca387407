"""Memory estimates: a request the machine cannot hold is refused before it allocates.

Create and Connect estimate the bytes a call needs from the sizes of what it builds and raise
:class:`csnn.errors.InsufficientMemoryError` with the estimate when it exceeds the memory
available, instead of failing inside numpy (or being killed by the system) halfway through.
"""
from .errors import InsufficientMemoryError


def available():
    """Bytes of memory available to new allocations (Linux: MemAvailable), or None where
    the system does not say."""
    try:
        with open("/proc/meminfo") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable:"))
    except (OSError, StopIteration, ValueError):
        return None


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
