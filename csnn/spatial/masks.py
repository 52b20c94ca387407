"""Masks: the regions around a node that spatial connections draw their partners from, as NEST's.

``CreateMask(masktype, specs, anchor=None)`` makes a :class:`Mask`; ``Connect`` takes one, or
the same as a dict (``{'circular': {'radius': 0.5}, 'anchor': [0.1, 0.0]}``), as
``conn_spec['mask']``.  A mask is a set of displacements from the node it is centred on (in the
layers' units): ``rectangular``, ``circular``, ``doughnut`` and ``elliptical`` in 2-d, ``box``,
``spherical`` and ``ellipsoidal`` in 3-d (angles in degrees), and ``grid`` masks of grid
layers, a block of ``shape`` = [columns, rows] nodes.  ``&``, ``|`` and ``-`` combine masks of
one dimension.  Boundaries are NEST's: boxes, balls and ellipses include their edges.
"""
import abc
import numbers

import numpy as np

from ..errors import BadParameterError, BadTypeError, IllegalConnectionError, unknown_name

__all__ = ["Mask", "create_mask", "as_mask"]

#: a rotated box's points on its edges are inside within this margin (NEST's, for rounding)
ROTATED_BOX_MARGIN = 1e-12


def every_column(condition):
    """Rows of a boolean (n, dimensions) array true in every column (numpy's reduction along
    a short axis is slow: the columns are joined one by one)."""
    out = condition[:, 0].copy()
    for j in range(1, condition.shape[1]):
        out &= condition[:, j]
    return out


class Mask(abc.ABC):
    """A region of displacements, 2- or 3-dimensional: ``Inside(point)``; ``m1 & m2``, ``m1 |
    m2`` and ``m1 - m2`` are the intersection, the union and the difference.  The interface
    the mask kinds implement."""

    #: 2 or 3
    dimensions = None

    @abc.abstractmethod
    def inside(self, points):
        """Whether each of ``points`` (an array of shape (n, dimensions)) is in the mask."""

    @abc.abstractmethod
    def bbox(self):
        """(lower, upper) corners of a box holding the mask, NEST's (which may be larger than
        the smallest such box): it decides which periodic image of a node a mask sees and
        whether a mask is larger than a periodic layer."""

    def for_layer(self, layer):
        """The mask as it applies to nodes of ``layer`` (a grid mask becomes a box there)."""
        if layer.dimensions != self.dimensions:
            raise IllegalConnectionError(f"a {self.dimensions}-d mask cannot be used with {layer.dimensions}-d "
                                         "positions")
        return self

    def Inside(self, point):
        """Whether ``point`` (a displacement from the mask's centre) is in the mask (NEST's)."""
        try:
            p = np.asarray(point, dtype=float)
        except (TypeError, ValueError):
            p = None
        if p is None or p.shape != (self.dimensions,):
            raise BadParameterError(f"Mask.Inside: point = {point!r} is invalid: give {self.dimensions} numbers")
        return bool(self.inside(p[None, :])[0])

    def _combined(self, other, operator):
        if not isinstance(other, Mask):
            raise BadTypeError(f"a Mask combines with a Mask only, not {other!r}")
        for mask in (self, other):
            if isinstance(mask, _GridMask):
                raise BadParameterError("grid masks cannot be combined with &, | or -")
        if other.dimensions != self.dimensions:
            raise BadParameterError(f"masks of {self.dimensions} and {other.dimensions} dimensions cannot be "
                                    "combined: masks must have the same number of dimensions")
        return _Combined(self, other, operator)

    def __and__(self, other):
        return self._combined(other, "&")

    def __or__(self, other):
        return self._combined(other, "|")

    def __sub__(self, other):
        return self._combined(other, "-")

    def __repr__(self):
        return f"<csnn Mask {self}>"


class _Box(Mask):
    """rectangular (2-d) and box (3-d): lower_left <= p <= upper_right, rotated about the box's
    centre by azimuth_angle (about z) and polar_angle (about y, 3-d), in degrees."""

    def __init__(self, lower_left, upper_right, azimuth_angle=0.0, polar_angle=0.0):
        self.dimensions = lower_left.size
        self.lower_left, self.upper_right = lower_left, upper_right
        self.angles = (azimuth_angle, polar_angle)
        self.center = (upper_right + lower_left) * 0.5
        azimuth, polar = np.radians(azimuth_angle), np.radians(polar_angle)
        self._cos_az, self._sin_az, self._cos_pol, self._sin_pol = (np.cos(azimuth), np.sin(azimuth), np.cos(polar),
                                                                    np.sin(polar))
        self.rotated = azimuth_angle != 0.0 or polar_angle != 0.0

    def _unrotated(self, p):
        """Points rotated back by the box's angles about its centre (NEST's rotation)."""
        d = p - self.center
        x = d[:, 0] * self._cos_az + d[:, 1] * self._sin_az
        y = -d[:, 0] * self._sin_az + d[:, 1] * self._cos_az
        if self.dimensions == 2:
            return np.column_stack([x, y]) + self.center
        z = d[:, 2]
        return np.column_stack([x * self._cos_pol - z * self._sin_pol, y,
                                x * self._sin_pol + z * self._cos_pol]) + self.center

    def inside(self, points):
        if not self.rotated:
            return every_column((points >= self.lower_left) & (points <= self.upper_right))
        p = self._unrotated(points)
        return every_column((p >= self.lower_left - ROTATED_BOX_MARGIN) & (p <= self.upper_right + ROTATED_BOX_MARGIN))

    def bbox(self):
        if not self.rotated:
            return self.lower_left, self.upper_right
        # the corners turned forward by the angles: the inverse of _unrotated
        corners = np.array(np.meshgrid(*zip(self.lower_left, self.upper_right), indexing="ij")).reshape(
            self.dimensions, -1).T - self.center
        x, y = corners[:, 0], corners[:, 1]
        if self.dimensions == 3:
            x, z = x * self._cos_pol + corners[:, 2] * self._sin_pol, -x * self._sin_pol + corners[:, 2] * self._cos_pol
        turned = [x * self._cos_az - y * self._sin_az, x * self._sin_az + y * self._cos_az]
        if self.dimensions == 3:
            turned.append(z)
        turned = np.column_stack(turned) + self.center
        return turned.min(axis=0), turned.max(axis=0)

    def __str__(self):
        name = "rectangular" if self.dimensions == 2 else "box"
        return f"{name}(lower_left={self.lower_left.tolist()}, upper_right={self.upper_right.tolist()})"


class _Ball(Mask):
    """circular (2-d) and spherical (3-d): |p - center| <= radius."""

    def __init__(self, radius, center):
        self.dimensions = center.size
        self.radius, self.center = radius, center

    def inside(self, points):
        columns = (np.abs(points[:, j] - self.center[j]) for j in range(self.dimensions))
        # NEST's order of tests, so that points on the edge fall as they fall there: outside
        # in some coordinate; inside the inscribed diamond; else by the length
        near, diamond, squares = None, 0.0, 0.0
        for d in columns:
            near = d <= self.radius if near is None else near & (d <= self.radius)
            diamond, squares = diamond + d, squares + d * d
        return near & ((diamond <= self.radius) | (np.sqrt(squares) <= self.radius))

    def bbox(self):
        return self.center - self.radius, self.center + self.radius

    def __str__(self):
        return f"{'circular' if self.dimensions == 2 else 'spherical'}(radius={self.radius})"


class _Ellipse(Mask):
    """elliptical (2-d) and ellipsoidal (3-d): axes major_axis (along x), minor_axis (y) and
    polar_axis (z) about ``center``, turned by azimuth_angle and polar_angle (degrees)."""

    def __init__(self, axes, center, azimuth_angle=0.0, polar_angle=0.0):
        self.dimensions = center.size
        self.axes, self.center = axes, center
        self.rotated = azimuth_angle != 0.0 or polar_angle != 0.0
        azimuth, polar = np.radians(azimuth_angle), np.radians(polar_angle)
        self._cos_az, self._sin_az, self._cos_pol, self._sin_pol = (np.cos(azimuth), np.sin(azimuth), np.cos(polar),
                                                                    np.sin(polar))
        self._scales = 4.0 / axes ** 2

    def inside(self, points):
        d = points - self.center
        along = d[:, 0] * self._cos_az + d[:, 1] * self._sin_az
        across = d[:, 0] * self._sin_az - d[:, 1] * self._cos_az
        if self.dimensions == 2:
            return along ** 2 * self._scales[0] + across ** 2 * self._scales[1] <= 1
        x = along * self._cos_pol - d[:, 2] * self._sin_pol
        z = along * self._sin_pol + d[:, 2] * self._cos_pol
        return x ** 2 * self._scales[0] + across ** 2 * self._scales[1] + z ** 2 * self._scales[2] <= 1

    def bbox(self):
        # NEST's: a turned ellipse gets the cube of its largest axis
        half = self.axes / 2 if not self.rotated else np.full(self.dimensions, max(self.axes[0], self.axes[-1]) / 2)
        return self.center - half, self.center + half

    def __str__(self):
        return f"{'elliptical' if self.dimensions == 2 else 'ellipsoidal'}(axes={self.axes.tolist()})"


class _Combined(Mask):
    """Two masks joined by ``&`` (both), ``|`` (either) or ``-`` (the first, not the second)."""

    def __init__(self, first, second, operator):
        self.dimensions = first.dimensions
        self.first, self.second, self.operator = first, second, operator

    def inside(self, points):
        a, b = self.first.inside(points), self.second.inside(points)
        return a & b if self.operator == "&" else a | b if self.operator == "|" else a & ~b

    def bbox(self):
        (low1, high1), (low2, high2) = self.first.bbox(), self.second.bbox()
        if self.operator == "&":
            return np.maximum(low1, low2), np.minimum(high1, high2)
        if self.operator == "|":
            return np.minimum(low1, low2), np.maximum(high1, high2)
        return low1, high1

    def __str__(self):
        return f"({self.first} {self.operator} {self.second})"


class _Anchored(Mask):
    """A mask moved by ``anchor``: it holds p where the mask holds p - anchor."""

    def __init__(self, mask, anchor):
        self.dimensions = mask.dimensions
        self.mask, self.anchor = mask, anchor

    def inside(self, points):
        return self.mask.inside(points - self.anchor)

    def bbox(self):
        low, high = self.mask.bbox()
        return low + self.anchor, high + self.anchor

    def __str__(self):
        return f"{self.mask} at {self.anchor.tolist()}"


class Converse(Mask):
    """The mask turned about its centre: it holds p where ``mask`` holds -p (a mask centred on
    sources, applied from the targets' side)."""

    def __init__(self, mask):
        self.dimensions = mask.dimensions
        self.mask = mask

    def inside(self, points):
        return self.mask.inside(-points)

    def bbox(self):
        low, high = self.mask.bbox()
        return -high, -low

    def __str__(self):
        return f"-({self.mask})"


class _GridMask(Mask):
    """NEST's grid mask: on a grid layer, the block of ``shape`` = [columns, rows(, layers)]
    nodes whose top-left node is the centre node, or the block's node ``anchor`` = [column,
    row(, layer)] when given."""

    def __init__(self, shape, anchor):
        self.dimensions = len(shape)
        self.shape, self.anchor = np.array(shape), np.array(anchor)

    def inside(self, points):
        raise self._no_region()

    def bbox(self):
        raise self._no_region()

    @staticmethod
    def _no_region():
        return BadParameterError("a grid mask has no region by itself: it applies to the nodes of a grid layer "
                                 "(Connect, SelectNodesByMask)")

    def for_layer(self, layer):
        if layer.shape is None:
            raise IllegalConnectionError("grid masks can only be used with grid layers (spatial.grid)")
        super().for_layer(layer)
        spacing = layer.extent / np.array(layer.shape)
        # the block's cells in node steps (column right, row down), as a box of displacements
        # reaching half a step beyond its outer nodes; y is reversed (rows run down)
        lower = spacing * -self.anchor - spacing * 0.5
        upper = spacing * (self.shape - self.anchor) - spacing * 0.5
        lower[1], upper[1] = -upper[1], -lower[1]
        return _Box(lower, upper)

    def __str__(self):
        return f"grid(shape={self.shape.tolist()}, anchor={self.anchor.tolist()})"


# -- making masks from NEST's specs -------------------------------------------------------------

#: mask type -> (dimensions, required keys, optional keys)
MASK_TYPES = {
    "rectangular": (2, ("lower_left", "upper_right"), ("azimuth_angle",)),
    "box": (3, ("lower_left", "upper_right"), ("azimuth_angle", "polar_angle")),
    "circular": (2, ("radius",), ("anchor",)),
    "spherical": (3, ("radius",), ("anchor",)),
    "doughnut": (2, ("inner_radius", "outer_radius"), ("anchor",)),
    "elliptical": (2, ("major_axis", "minor_axis"), ("azimuth_angle", "anchor")),
    "ellipsoidal": (3, ("major_axis", "minor_axis", "polar_axis"), ("azimuth_angle", "polar_angle", "anchor")),
    "grid": (None, ("shape",), ()),
    "grid3d": (3, ("shape",), ()),
}


def create_mask(masktype, specs, anchor=None):
    """NEST's ``CreateMask(masktype, specs, anchor)``: a :class:`Mask` of type ``masktype``
    (:data:`MASK_TYPES`) with the parameters ``specs`` (a dict), moved by ``anchor`` (a
    position; for a grid mask, the [column, row] of the block's node placed on the centre)."""
    if not isinstance(masktype, str) or masktype not in MASK_TYPES:
        raise unknown_name("mask type", masktype, MASK_TYPES, BadParameterError)
    if not isinstance(specs, dict):
        raise BadTypeError(f"CreateMask: specs = {specs!r} is invalid: give a dict of the {masktype} mask's "
                           f"parameters, {', '.join(MASK_TYPES[masktype][1])}")
    dimensions, required, optional = MASK_TYPES[masktype]
    missing = [key for key in required if key not in specs]
    if missing:
        raise BadParameterError(f"mask {masktype!r} needs {missing[0]!r}; its parameters: "
                                f"{', '.join(required + optional)}")
    extra = sorted(set(specs) - set(required) - set(optional), key=str)
    if extra:
        raise unknown_name(f"parameter of mask {masktype!r}", extra[0], required + optional, BadParameterError)
    what = f"mask {masktype!r}"
    if masktype in ("grid", "grid3d"):
        shape = _integers(specs["shape"], f"{what}: shape", dimensions, minimum=1)
        return _GridMask(shape, [0] * len(shape) if anchor is None else _grid_anchor(anchor, len(shape)))
    mask = _MAKERS[masktype](dimensions, specs, what)
    return mask if anchor is None else _Anchored(mask, _numbers(anchor, "CreateMask: anchor", dimensions))


def as_mask(value, what):
    """``conn_spec['mask']`` (``what``): a Mask, or NEST's dict of one mask type and an optional
    'anchor': ``{'circular': {'radius': 0.5}, 'anchor': [0.0, 0.1]}``."""
    if isinstance(value, Mask):
        return value
    if not isinstance(value, dict):
        raise BadTypeError(f"{what} = {value!r} is invalid: give a mask made by CreateMask or a dict such as "
                           "{'circular': {'radius': 0.5}}")
    types = [key for key in value if key != "anchor"]
    if len(types) != 1:
        raise BadParameterError(f"{what} = {value!r} is invalid: give one mask type ({', '.join(MASK_TYPES)}) and "
                                "optionally 'anchor'")
    return create_mask(types[0], value[types[0]], value.get("anchor"))


def _box(dimensions, specs, what):
    lower = _numbers(specs["lower_left"], f"{what}: lower_left", dimensions)
    upper = _numbers(specs["upper_right"], f"{what}: upper_right", dimensions)
    if not np.all(lower < upper):
        raise BadParameterError(f"{what}: upper_right = {upper.tolist()} must lie above lower_left = "
                                f"{lower.tolist()} in every dimension")
    return _Box(lower, upper, _number(specs.get("azimuth_angle", 0.0), f"{what}: azimuth_angle"),
                _number(specs.get("polar_angle", 0.0), f"{what}: polar_angle"))


def _ball(dimensions, specs, what):
    return _Ball(_number(specs["radius"], f"{what}: radius", positive=True), _center(specs, dimensions, what))


def _doughnut(dimensions, specs, what):
    outer = _number(specs["outer_radius"], f"{what}: outer_radius", positive=True)
    inner = _number(specs["inner_radius"], f"{what}: inner_radius", positive=True)
    if not inner < outer:
        raise BadParameterError(f"{what}: inner_radius = {inner} must be smaller than outer_radius = {outer}")
    center = _center(specs, dimensions, what)
    return _Combined(_Ball(outer, center), _Ball(inner, center), "-")


def _ellipse(dimensions, specs, what):
    names = ("major_axis", "minor_axis", "polar_axis")[:dimensions]
    axes = np.array([_number(specs[name], f"{what}: {name}", positive=True) for name in names])
    if axes[0] < axes[1]:
        raise BadParameterError(f"{what}: major_axis = {axes[0]} must not be smaller than minor_axis = {axes[1]}")
    return _Ellipse(axes, _center(specs, dimensions, what),
                    _number(specs.get("azimuth_angle", 0.0), f"{what}: azimuth_angle"),
                    _number(specs.get("polar_angle", 0.0), f"{what}: polar_angle"))


_MAKERS = {"rectangular": _box, "box": _box, "circular": _ball, "spherical": _ball, "doughnut": _doughnut,
           "elliptical": _ellipse, "ellipsoidal": _ellipse}


def _center(specs, dimensions, what):
    return _numbers(specs.get("anchor", [0.0] * dimensions), f"{what}: anchor", dimensions)


def _number(value, what, positive=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or (
            positive and not value > 0):
        raise BadParameterError(f"{what} = {value!r} is invalid: must be a finite number" + (" > 0" if positive else ""))
    return float(value)


def _numbers(value, what, dimensions):
    try:
        array = np.array(value, dtype=float)
    except (TypeError, ValueError):
        array = None
    if array is None or array.shape != (dimensions,) or not np.all(np.isfinite(array)) or any(
            isinstance(v, bool) for v in np.ravel(np.array(value, dtype=object))):
        raise BadParameterError(f"{what} = {value!r} is invalid: must be {dimensions} finite numbers")
    return array


def _integers(value, what, dimensions, minimum=None):
    values = list(value) if isinstance(value, (list, tuple, np.ndarray)) else None
    if values is None or (dimensions is not None and len(values) != dimensions) or len(values) not in (2, 3) or not all(
            isinstance(v, (numbers.Integral, np.integer)) and not isinstance(v, bool) and (
                minimum is None or v >= minimum) for v in values):
        count = f"{dimensions}" if dimensions else "2 or 3"
        bound = f" >= {minimum}" if minimum is not None else ""
        raise BadParameterError(f"{what} = {value!r} is invalid: must be {count} integers{bound}")
    return [int(v) for v in values]


def _grid_anchor(anchor, dimensions):
    """A grid mask's anchor: [column, row(, layer)] or NEST 2's {'column': c, 'row': r}."""
    if isinstance(anchor, dict):
        keys = ("column", "row", "layer")[:dimensions]
        if set(anchor) != set(keys):
            raise BadParameterError(f"grid mask: anchor = {anchor!r} is invalid: give [column, row] or a dict with "
                                    f"keys {', '.join(keys)}")
        anchor = [anchor[key] for key in keys]
    return _integers(anchor, "grid mask: anchor", dimensions)
