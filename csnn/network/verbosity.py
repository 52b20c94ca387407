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


def set_verbosity(level):
    """Set the message level: a name such as ``'M_WARNING'`` or a :class:`VerbosityLevel` value."""
    if isinstance(level, str):
        if level not in _LEVELS:
            raise NESTError(f"set_verbosity: unknown level {level!r}; accepted: {', '.join(_LEVELS)}")
        level = _LEVELS[level]
    if isinstance(level, bool) or not isinstance(level, int):
        raise NESTError(f"set_verbosity: level must be a name or an int, got {level!r}")
    _level[0] = int(level)
    action = "default" if level <= VerbosityLevel.WARNING else "ignore"
    warnings.filterwarnings(action, category=CSNNWarning)


def get_verbosity():
    """The message level (an int of :class:`VerbosityLevel`)."""
    return _level[0]
