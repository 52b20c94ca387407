"""The present kernel: one at a time, made on first use, replaced by ``ResetKernel`` and
``csnn.load``.

Modules below the kernel (node collections check that their kernel is still the present one)
ask here rather than :mod:`csnn.network.kernel`, which is built on them; :mod:`csnn.network.kernel` says how a
kernel is made (:func:`set_factory`) when it is imported, which ``import csnn`` does first.
"""
_current = None
_factory = None


def set_factory(factory):
    """``factory()`` makes a fresh kernel (:class:`csnn.network.kernel.Kernel`)."""
    global _factory
    _factory = factory


def current():
    """The present kernel (created on first use)."""
    if _current is None:
        install(_factory())
    return _current


def reset():
    """Discard the kernel and start a fresh one (``ResetKernel``)."""
    return install(_factory())


def install(kernel):
    """Make ``kernel`` the present kernel (a fresh one, or one loaded from a checkpoint),
    closing the files of the one it replaces."""
    global _current
    old, _current = _current, kernel
    if old is not None:
        old.close_files()
    return _current
