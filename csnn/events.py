"""The events of a recorder, as its ``events`` status, ``GetStatus(recorder, "events")`` and
:func:`csnn.read_events` return them."""
from .errors import UnknownKeyError, close_names

__all__ = ["Events"]


class Events(dict):
    """A recorder's events: ``senders``, ``times`` (ms) and the recorder's own columns, each a
    numpy array.

    A dict in every respect (equality, copies, pickling, ``np.savez(**events)``), except that
    reading a key it does not hold raises :class:`~csnn.errors.UnknownKeyError` (a KeyError)
    that lists the keys it holds and suggests the closest, e.g. ``'times'`` for ``'time'``.
    """

    def __missing__(self, key):
        keys = ", ".join(map(str, self)) or "none (nothing is recorded)"
        raise UnknownKeyError(f"{key!r} is not an events key; keys: {keys}.{close_names(key, self)}")
