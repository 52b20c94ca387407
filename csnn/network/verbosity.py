"""The message level (NEST's verbosity): ``set_verbosity``, ``nest.verbosity``, the kernel
status key ``verbosity``.  As in NEST it is the process's, kept across ResetKernel; csnn
shows its warnings (CSNNWarning) at WARNING and below and silences them above."""
import inspect
import sys
import warnings

from ..errors import CSNNWarning, NESTError


class VerbosityLevel:
    """NEST's message levels; csnn prints warnings at WARNING and below."""
    ALL = 0
    DEBUG = 5
    STATUS = 7
    INFO = 10
    DEPRECATED = 18
    WARNING = 20
    ERROR = 30
    FATAL = 40
    QUIET = 100


_LEVELS = {f"M_{name}": getattr(VerbosityLevel, name) for name in vars(VerbosityLevel) if name.isupper()}
_level = [VerbosityLevel.INFO]


def checked_level(level, what="set_verbosity"):
    """``level`` (a name such as ``'M_WARNING'`` or an int of :class:`VerbosityLevel`) as an int."""
    if isinstance(level, str):
        if level not in _LEVELS:
            raise NESTError(f"{what}: unknown level {level!r}; accepted: {', '.join(_LEVELS)}")
        level = _LEVELS[level]
    if isinstance(level, bool) or not isinstance(level, int):
        raise NESTError(f"{what}: level must be a name or an int, got {level!r}")
    return int(level)


def set_verbosity(level):
    """Set the message level: a name such as ``'M_WARNING'`` or a :class:`VerbosityLevel` value."""
    level = checked_level(level)
    _level[0] = level
    action = "default" if level <= VerbosityLevel.WARNING else "ignore"
    warnings.filterwarnings(action, category=CSNNWarning)


def get_verbosity():
    """The message level (an int of :class:`VerbosityLevel`)."""
    return _level[0]


def message(text, severity=VerbosityLevel.INFO, *, function=None, filename=None, lineno=None):
    """NEST's ``nest.message``: print ``text`` to stderr, tagged with its severity (a
    :class:`VerbosityLevel` value or name) and the calling function, when the message level lets
    it through (severity >= the level); ``filename`` and ``lineno`` show at DEBUG and below."""
    severity = checked_level(severity, "message")
    if severity < _level[0]:
        return
    caller = inspect.stack()[1]
    names = {value: name.capitalize() for name, value in vars(VerbosityLevel).items() if name.isupper()}
    where = f" ({filename or caller.filename}:{lineno or caller.lineno})" if _level[0] <= VerbosityLevel.DEBUG else ""
    print(f"[{names.get(severity, severity)}] {function or caller.function}{where}: {text}", file=sys.stderr)
