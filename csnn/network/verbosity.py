"""The message level (NEST's verbosity): ``set_verbosity``, ``nest.verbosity``, the kernel
status key ``verbosity``.  As in NEST it is the process's, kept across ResetKernel; csnn
shows its warnings (CSNNWarning) at WARNING and below and silences them above."""
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
