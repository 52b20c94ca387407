"""What every device node has: its model, parameters, kernel and activity window.

Generators (:mod:`csnn.devices.generators`) and recorders (:mod:`csnn.devices.recorders`) derive from
:class:`Device`; :mod:`csnn.devices` lists them all.
"""
import numpy as np

from ..errors import BadParameterError

DBL_MAX = np.finfo(float).max

ACTIVITY = (
    ("origin", 0.0, "ms", "finite", "Time origin of start and stop"),
    ("start", 0.0, "ms", "finite", "Activity starts after origin + start"),
    ("stop", DBL_MAX, "ms", "notnan", "Activity ends at origin + stop (inclusive)"),
)


def check_resolution_multiple(owner, name, value, resolution):
    """Recorder intervals and generator steps must be multiples of the kernel's resolution."""
    ratio = value / resolution
    if abs(ratio - round(ratio)) > 1e-9 * max(1.0, ratio) or round(ratio) < 1:
        raise BadParameterError(f"{owner}: {name} = {value} ms must be a multiple of the resolution, "
                                f"{resolution} ms")


class Device:
    """A device node: its model, parameters and engine index."""

    NAME = None
    KIND = None
    PARAMETERS = ()
    READ_ONLY = ()

    def __init__(self, kernel, gid, model, params):
        self.kernel = kernel
        self.gid = gid
        self.model = model
        self.params = dict(model.defaults)
        self.params.update(params)
        self.n_out = 0           # connections made from this device (ordinal of the next)
        self.n_in = 0            # connections made to this device

    @classmethod
    def check_defaults(cls, owner, values):
        """Cross-parameter checks; raise BadParameterError naming ``owner``."""

    @staticmethod
    def translate_params(owner, params):
        """``params`` of a Create or SetStatus (a dict of the device's ``owner`` model) in the
        device's own terms: what other names a device accepts, it translates here."""
        return params

    @classmethod
    def check_new(cls, kernel, owner, values):
        """Checks of a new device's parameters (``values``: all of them) that need the kernel;
        raise BadParameterError naming ``owner``.  Create checks every device before it makes
        any."""
        cls.check_defaults(owner, values)

    def status(self):
        return dict(self.params)

    @property
    def owner(self):
        """The device in messages: model and id."""
        return f"{self.model.name} (id {self.gid})"

    def validate(self, changes):
        """Raise, naming the device, when ``changes`` (already type-checked) cannot be applied;
        changes nothing.  SetStatus validates every node before it sets any."""
        self.check_defaults(self.owner, dict(self.params, **changes))

    def set(self, changes):
        """Apply ``changes``, which :meth:`validate` accepted."""
        self.params = dict(self.params, **changes)

    @property
    def window(self):
        """The active interval (origin + start, origin + stop] in ms."""
        p = self.params
        return p["origin"] + p["start"], p["origin"] + p["stop"]
