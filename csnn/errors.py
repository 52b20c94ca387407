"""Exceptions raised by csnn.

Every error names the argument, the value given and what is accepted.  Each class also derives
from the matching built-in exception, so ``except ValueError`` keeps working, and
``csnn.NESTError`` is the common base, as ``nest.NESTError`` is in PyNEST.
"""
import contextlib
import difflib
import math
import numbers
import os

import numpy as np

#: the exceptions and the warning (the helpers below raise them for the rest of csnn)
__all__ = ["CSNNError", "NESTError", "UnknownModelError", "UnknownParameterError", "UnknownAttributeError",
           "BadParameterError",
           "BadTypeError", "IllegalConnectionError", "UnknownNodeError", "KernelStateError",
           "InsufficientMemoryError", "FileAccessError", "NumericalError", "UnknownKeyError",
           "MissingDependencyError", "CoreNotBuiltError", "CSNNWarning", "NESTErrors"]


class CSNNError(Exception):
    """Base class of every error csnn raises on purpose."""


class UnknownModelError(CSNNError, ValueError):
    """A model name that does not exist."""


class UnknownParameterError(CSNNError, ValueError):
    """A parameter (or kernel, connection or synapse property) that does not exist."""


class UnknownAttributeError(UnknownParameterError, AttributeError):
    """An attribute of a node or synapse collection that is no parameter of its nodes or
    connections (``nodes.V_mm``); an AttributeError too, so ``hasattr`` and ``getattr`` with a
    default work."""


class BadParameterError(CSNNError, ValueError):
    """A value outside what a parameter accepts."""


class BadTypeError(CSNNError, TypeError):
    """A value of the wrong type."""


class IllegalConnectionError(CSNNError, ValueError):
    """A connection csnn cannot make (wrong direction, wrong node kinds, bad rule)."""


class UnknownNodeError(CSNNError, ValueError):
    """A node id that does not exist in the current kernel."""


class KernelStateError(CSNNError, RuntimeError):
    """A call that is not valid in the kernel's present state (e.g. Run without Prepare)."""


class InsufficientMemoryError(CSNNError, MemoryError):
    """A request that would need more memory than the machine has available."""


class FileAccessError(CSNNError, OSError):
    """A file that cannot be read or written (missing, a directory, no permission, disk full)."""


class NumericalError(CSNNError, ArithmeticError):
    """A state variable became NaN or infinite."""


class UnknownKeyError(CSNNError, KeyError):
    """A key that a dict csnn returns does not hold (e.g. a recorder's events)."""

    def __str__(self):
        # KeyError shows the repr of its argument, which would wrap the message in quotes
        return str(self.args[0]) if self.args else ""


class MissingDependencyError(CSNNError, ImportError):
    """An optional package that a function needs is not installed (e.g. matplotlib for figures)."""


class CoreNotBuiltError(CSNNError, ImportError):
    """csnn imported from a directory whose compiled core (``csnn/_core``'s extension modules) is
    missing, e.g. a source tree that was never built in place."""


class CSNNWarning(UserWarning):
    """Something worth knowing that is not an error (silenced by set_verbosity('M_ERROR'))."""


NESTError = CSNNError


class NESTErrors:
    """NEST's exception names (``nest.NESTErrors.BadProperty``, ...) as the csnn errors raised
    where NEST raises them, so that ``except nest.NESTErrors.UnknownNode`` catches csnn's
    UnknownNodeError.  Several NEST names share one csnn class (BadDelay and RangeCheck are
    BadParameterError): such a handler catches that class's other errors too.  The names of
    what csnn does not have (MUSIC, SONATA, dynamic modules, recording backends, ...) are
    KernelException, the base of them all, as in NEST."""
    KernelException = CSNNError
    BadProperty = BadParameter = BadParameterValue = RangeCheck = BadDelay = BadParameterError
    StepMultipleRequired = TimeMultipleRequired = InvalidDefaultResolution = BadParameterError
    InvalidTimeInModel = DistributionError = BadParameterError
    TypeMismatch = DimensionMismatch = BadTypeError
    UnknownModelName = UnknownSynapseType = UnknownModelError
    UnknownNode = LocalNodeExpected = NodeWithProxiesExpected = UnknownNodeError
    IllegalConnection = IncompatibleReceptorType = UnknownReceptorType = UnknownPort = IllegalConnectionError
    InexistentConnection = IllegalConnectionError
    UndefinedName = UnaccessedDictionaryEntry = UnknownParameterError
    KeyError = UnknownKeyError
    NumericalInstability = GSLSolverFailure = NumericalError
    IOError = FileAccessError
    NotImplemented = ModelInUse = NewModelNameExists = NamingConflict = UnknownThread = CSNNError
    UnmatchedSteps = UnexpectedEvent = UnsupportedEvent = UnknownCompartment = UnknownComponent = CSNNError
    InternalError = NoThreadSiblingsAvailable = CSNNError
    BackendAlreadyRegistered = BackendNotPrepared = BackendPrepared = CSNNError
    DynamicModuleManagementError = LayerExpected = LayerNodeExpected = CSNNError
    MPIErrorCode = MPIPortsFileMissing = MPIPortsFileUnknown = CSNNError
    MUSICChannelAlreadyMapped = MUSICChannelUnknown = MUSICPortAlreadyPublished = CSNNError
    MUSICPortHasNoWidth = MUSICPortUnconnected = MUSICPortUnknown = MUSICSimulationHasRun = CSNNError


def close_names(name, choices, n=3):
    """A hint listing the choices closest to ``name`` (empty when there are none)."""
    matches = difflib.get_close_matches(str(name), [str(c) for c in choices], n=n, cutoff=0.6)
    return f" Did you mean {', '.join(repr(m) for m in matches)}?" if matches else ""


def unknown_name(kind, name, choices, error=UnknownParameterError):
    """An error for an unknown ``kind`` called ``name``, suggesting close names and listing all."""
    listed = ", ".join(sorted(str(c) for c in choices))
    return error(f"unknown {kind} {name!r}.{close_names(name, choices)} Valid: {listed}.")


def shown(value):
    """``repr(value)`` for a message; an integer too long to be read (or printed: Python refuses
    to print integers of more than 4300 digits) is described by its number of digits."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"<an integer of about {math.floor(value.bit_length() * math.log10(2)) + 1} digits>"
    return repr(value)


def to_float(value, what):
    """``value`` (a real number) as a float; an integer beyond the range of a 64-bit float
    raises BadParameterError naming ``what``."""
    try:
        return float(value)
    except OverflowError:
        raise BadParameterError(f"{what} = {shown(value)} is out of range: numbers must lie within "
                                "+-1.8e308 (64-bit floats)") from None


def as_numbers(values, what):
    """``values`` (a number, a sequence of numbers, nested for more dimensions, or a numeric
    array) as a float array of the same shape.  Strings, bools and other objects among them raise
    BadTypeError naming ``what`` (numpy would convert "1" and True); integers beyond the range
    of floats raise BadParameterError."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":
        return values.astype(float)
    try:
        array = np.asarray(values)
    except (ValueError, OverflowError):           # ragged nesting, integers beyond int64
        array = None
    if array is not None and array.dtype.kind in "iuf" and not (
            isinstance(values, (list, tuple)) and _holds_bool(values)):
        return array.astype(float)
    # something is wrong: find it, item by item
    items = np.asarray(values, dtype=object)      # ragged nesting gives lists as items
    for v in items.flat:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
            raise BadTypeError(f"{what} contains {shown(v)}, which is not a number")
    try:
        return items.astype(float)
    except OverflowError:
        for v in items.flat:
            to_float(v, what)     # raises, naming the first number out of range
        raise


def _holds_bool(values):
    """Whether a (nested) list or tuple holds a bool, which numpy converts to a number."""
    kinds = set(map(type, values))
    if bool in kinds or np.bool_ in kinds:
        return True
    return bool(kinds & {list, tuple}) and any(_holds_bool(v) for v in values if isinstance(v, (list, tuple)))


def file_path(path, what):
    """``path`` (a str or an os.PathLike) as a str; anything else raises BadTypeError naming
    ``what``."""
    try:
        name = os.fspath(path)
    except TypeError:
        name = None
    if not isinstance(name, str):
        raise BadTypeError(f"{what}: path = {path!r} is invalid: give a file name (a str or a pathlib.Path)")
    return name


@contextlib.contextmanager
def file_access(what, path):
    """The OSError of reading or writing ``path`` becomes a FileAccessError naming ``what``."""
    try:
        yield
    except FileAccessError:
        raise
    except OSError as err:
        raise FileAccessError(f"{what}: cannot access {path!r}: {err.strerror or err}") from err
