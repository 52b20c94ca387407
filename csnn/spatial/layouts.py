"""Layouts and layers: where the nodes of one ``Create`` call are, and the space they live in.

``Create(model, n, positions=free(...))`` or ``Create(model, positions=grid(...))`` makes a
:class:`Layer` (NEST's spatial metadata of a NodeCollection): the nodes' positions, the extent
and lower-left corner of the region they live in and whether its edges wrap around
(``edge_wrap``, periodic boundaries).  A layer measures displacements and distances between
positions as NEST's layers do, wrapped around the extent when the edges wrap.  Positions are in
units of your choice (NEST's convention: mm).
"""
import abc
import itertools
import numbers

import numpy as np

from ..errors import BadParameterError, BadTypeError, as_numbers
from ..random import Parameter

__all__ = ["Layout", "free", "grid", "Layer", "as_coordinates", "array_layer"]


class Layer:
    """The positions of the nodes of one Create call, shape (n, 2) or (n, 3), in the box of
    ``extent`` (> 0 each) from ``lower_left``; ``edge_wrap``: periodic boundaries in every
    dimension; ``shape``: nodes per dimension of a grid (None for free positions)."""

    def __init__(self, positions, lower_left, extent, edge_wrap, shape=None):
        self.positions = positions
        self.lower_left, self.extent = lower_left, extent
        self.edge_wrap = bool(edge_wrap)
        self.shape = shape

    @property
    def dimensions(self):
        return self.positions.shape[1]

    @property
    def center(self):
        return self.lower_left + self.extent / 2

    def status(self, rows):
        """NEST's ``nodes.spatial`` dict for the nodes at ``rows`` of this layer: center,
        edge_wrap, extent, network_size (their number) and a grid's shape or free positions."""
        status = {"center": self.center.copy(), "edge_wrap": self.edge_wrap, "extent": self.extent.copy(),
                  "network_size": int(np.size(rows))}
        if self.shape is not None:
            status["shape"] = np.array(self.shape)
        else:
            status["positions"] = self.positions[rows]
        return status

    def displacement(self, from_pos, to_pos):
        """``to_pos - from_pos`` (arrays of positions, broadcast), with periodic boundaries the
        shortest one: each coordinate wrapped into [-extent/2, extent/2), as NEST's layers do."""
        d = np.asarray(to_pos, dtype=float) - np.asarray(from_pos, dtype=float)
        if not self.edge_wrap:
            return d
        half = 0.5 * self.extent
        d = -half + np.fmod(d + half, self.extent)
        return np.where(d < -half, d + self.extent, d)

    def distance(self, from_pos, to_pos):
        """Length of :meth:`displacement` (one per pair of positions)."""
        return np.sqrt(np.sum(self.displacement(from_pos, to_pos) ** 2, axis=-1))

    def mask_holds(self, mask, anchors, points, allow_oversized=False, which=None):
        """Whether ``mask`` (a :class:`~csnn.spatial.masks.Mask` of displacements) centred on
        an anchor holds each of ``points`` (shape (n, dimensions)), with periodic boundaries
        one of its images: NEST's masked search of a periodic layer, floating-point operations
        and all, so that nodes on a mask's edge fall as they fall there.  ``anchors``: one per
        point, or, with ``which`` (each point's row in ``anchors``), a few shared.  A mask
        larger than a periodic layer is refused unless ``allow_oversized`` (it would meet a
        node twice)."""
        which = slice(None) if which is None else which
        if not self.edge_wrap:
            return mask.inside(points - anchors[which])
        lower, upper = mask.bbox()
        if not allow_oversized and np.any(upper - lower > self.extent):
            raise BadParameterError(f"the mask {mask} spans {(upper - lower).tolist()}, more than the periodic "
                                    f"layer's extent {self.extent.tolist()}; make it smaller, or give Connect "
                                    "'allow_oversized_mask': True")
        # the anchor moved so that the mask's lower corner lies in the layer, and moved back by
        # one extent in the dimensions where the mask then reaches beyond the layer
        moved = _mod(anchors + lower - self.lower_left, self.extent) - lower + self.lower_left
        reaches = moved + upper - self.lower_left > self.extent
        inside = mask.inside(points - moved[which])
        for shifts in itertools.product((False, True), repeat=self.dimensions):
            shifted = np.array(shifts)
            if shifted.any():
                needed = np.all(reaches[:, shifted], axis=1)
                rows = np.flatnonzero(needed[which]) if needed.any() else None
                if rows is not None and rows.size:
                    anchor = (moved - shifted * self.extent)[which[rows] if isinstance(which, np.ndarray) else rows]
                    inside[rows] |= mask.inside(points[rows] - anchor)
        return inside


def _mod(x, period):
    """x modulo period in [0, period), as NEST computes it (fmod, then + period if negative)."""
    r = np.fmod(x, period)
    return np.where(r < 0, r + period, r)


class Layout(abc.ABC):
    """Positions of the nodes of one ``Create`` call: the interface :class:`free` and
    :class:`grid` implement and ``Kernel.create`` uses."""

    @abc.abstractmethod
    def number_of_nodes(self, n):
        """How many nodes ``Create(model, n, positions=self)`` makes."""

    @abc.abstractmethod
    def layer(self, n, rng):
        """The :class:`Layer` of ``n`` nodes; random positions drawn from numpy Generator ``rng``."""


class free(Layout):
    """Positions given one by one, or drawn per node, as ``nest.spatial.free``.

    ``pos``: an array of shape (n, 2) or (n, 3) (it sets the number of nodes), a
    csnn.random parameter drawn for each coordinate of each node (give ``num_dimensions``, 2
    or 3, or ``extent``) or a list of 2 or 3 parameters, one per dimension.  ``extent``: the
    size of the region in each dimension, centred on the middle of the positions' bounding box;
    positions must fit in it.  Without it, as in NEST, the extent is the bounding box's size
    rounded up to whole units (one node then needs an extent).  ``edge_wrap``: periodic
    boundaries (distances and masks wrap around the extent).
    """

    def __init__(self, pos, extent=None, edge_wrap=False, num_dimensions=None):
        _check_edge_wrap(edge_wrap, "free")
        if extent is not None and num_dimensions is not None:
            raise BadTypeError("spatial.free: give extent or num_dimensions, not both")
        self.pos, self.edge_wrap = pos, edge_wrap
        if isinstance(pos, Parameter):
            if extent is None and num_dimensions is None:
                raise BadTypeError("spatial.free: with a random parameter as pos, give num_dimensions (2 or 3) "
                                   "or extent")
            dimensions = len(extent) if extent is not None else num_dimensions
            if dimensions not in (2, 3):
                raise BadParameterError(f"spatial.free: num_dimensions = {dimensions!r} is invalid: must be 2 or 3")
            self._draws, self._array = [pos] * dimensions, None
        elif isinstance(pos, (list, tuple)) and pos and all(isinstance(p, Parameter) for p in pos):
            if len(pos) not in (2, 3) or num_dimensions is not None:
                raise BadParameterError(f"spatial.free: give 2 or 3 random parameters, one per dimension, and no "
                                        f"num_dimensions; got {len(pos)} parameters")
            self._draws, self._array = list(pos), None
            dimensions = len(pos)
        else:
            if num_dimensions is not None:
                raise BadTypeError("spatial.free: num_dimensions is for random positions; an array of positions "
                                   "gives the dimensions itself")
            self._draws, self._array = None, as_coordinates(pos, "spatial.free: pos")
            dimensions = self._array.shape[1]
        self.extent = None if extent is None else _vector(extent, "free", "extent", dimensions, positive=True)

    def number_of_nodes(self, n):
        if self._array is None:
            return n
        count = len(self._array)
        if n not in (1, count):      # 1: Create's default, n not given
            raise BadParameterError(f"Create: n = {n} nodes, but spatial.free gives {count} positions; leave n out "
                                    "(the positions set the number of nodes)")
        return count

    def layer(self, n, rng):
        if self._array is not None:
            positions = self._array.copy()
        else:
            positions = np.column_stack([draw.sample(rng, n) for draw in self._draws])
        low, high = positions.min(axis=0), positions.max(axis=0)
        center = (high + low) / 2
        if self.extent is not None:
            span = high - low
            if np.any(span > self.extent):
                axis = int(np.argmax(span > self.extent))
                raise BadParameterError(f"spatial.free: the positions span {float(span[axis])!r} in dimension {axis}, "
                                        f"more than extent = {self.extent.tolist()}")
            extent = self.extent
        elif n == 1:
            raise BadParameterError("spatial.free: one node needs an extent (as in NEST): give "
                                    "spatial.free(pos, extent=[...])")
        else:
            # NEST's rule: the bounding box rounded up to whole units, about its centre
            extent = np.ceil(high - low)
            if self.edge_wrap and not np.all(extent > 0):
                raise BadParameterError(f"spatial.free: the positions do not spread in dimension "
                                        f"{int(np.argmin(extent))}, so their extent is 0 and cannot wrap; give "
                                        "spatial.free(pos, extent=[...], edge_wrap=True)")
        return Layer(positions, center - extent / 2, extent, self.edge_wrap)


class grid(Layout):
    """Nodes on a regular grid, as ``nest.spatial.grid``.

    ``shape``: nodes per dimension, [columns, rows] or [columns, rows, layers]; ``extent``:
    size of the grid in each dimension (default 1 each); ``center``: its centre (default 0);
    ``edge_wrap``: periodic boundaries.  Each node sits in the middle of its cell, numbered as
    in NEST: column by column from the left (x increasing), each column from the top (y
    decreasing), then by z increasing.
    """

    def __init__(self, shape, center=None, extent=None, edge_wrap=False):
        _check_edge_wrap(edge_wrap, "grid")
        if not isinstance(shape, (list, tuple, np.ndarray)) or len(shape) not in (2, 3) or not all(
                isinstance(s, (numbers.Integral, np.integer)) and not isinstance(s, bool) and s >= 1
                for s in shape):
            raise BadParameterError(f"spatial.grid: shape = {shape!r} is invalid: must be 2 or 3 integers >= 1 "
                                    "(nodes per dimension)")
        self.shape = [int(s) for s in shape]
        dimensions = len(self.shape)
        self.center = np.zeros(dimensions) if center is None else _vector(center, "grid", "center", dimensions)
        self.extent = (np.ones(dimensions) if extent is None
                       else _vector(extent, "grid", "extent", dimensions, positive=True))
        self.edge_wrap = edge_wrap

    def number_of_nodes(self, n):
        count = int(np.prod(self.shape))
        if n not in (1, count):      # 1: Create's default, n not given
            raise BadParameterError(f"Create: n = {n} nodes, but spatial.grid(shape={self.shape}) has {count}; "
                                    "leave n out (the grid sets the number of nodes)")
        return count

    def layer(self, n, rng):
        lower_left = self.center - self.extent / 2
        # NEST's arithmetic, so that positions agree to the last bit: from the upper-left
        # corner, rows running down (the grid's matrix convention)
        corner, step = lower_left.copy(), self.extent / self.shape
        corner[1] += self.extent[1]
        step[1] = -self.extent[1] / self.shape[1]
        axes = [c + s * np.arange(count) + s * 0.5 for c, s, count in zip(corner, step, self.shape)]
        mesh = np.meshgrid(*axes, indexing="ij")
        positions = np.column_stack([m.ravel() for m in mesh])
        return Layer(positions, lower_left, self.extent.copy(), self.edge_wrap, list(self.shape))


def array_layer(value, n, what):
    """The layer of ``Create``'s ``positions`` given as an array of n positions (csnn's
    shorthand for ``spatial.free(array)``; one node gets a unit extent, where NEST's free
    needs one given)."""
    coordinates = as_coordinates(value, what)
    if len(coordinates) != n:
        raise BadParameterError(f"{what} must be an array of shape ({n}, 2) or ({n}, 3), got "
                                f"shape {coordinates.shape}")
    if n == 1:
        return Layer(coordinates, coordinates[0] - 0.5, np.ones(coordinates.shape[1]), False)
    return free(coordinates).layer(n, None)


def as_coordinates(value, what):
    """``value`` as an array of positions, shape (n, 2) or (n, 3), finite."""
    if not isinstance(value, (list, tuple, np.ndarray)):
        raise BadTypeError(f"{what} must be an array of shape (n, 2) or (n, 3), a csnn.spatial.free or a "
                           f"csnn.spatial.grid, got {value!r}")
    positions = as_numbers(value, what)
    if positions.ndim != 2 or positions.shape[1] not in (2, 3) or positions.shape[0] == 0:
        raise BadParameterError(f"{what} must be an array of shape (n, 2) or (n, 3) with n >= 1, got shape "
                                f"{positions.shape}")
    if not np.all(np.isfinite(positions)):
        raise BadParameterError(f"{what} contains {float(positions[~np.isfinite(positions)][0])!r}: positions must be "
                                "finite numbers")
    return positions


def _vector(value, layout, name, dimensions, positive=False):
    """``extent`` or ``center``: ``dimensions`` finite numbers (> 0 if ``positive``)."""
    try:
        vector = np.array(value, dtype=float)
    except (TypeError, ValueError):
        vector = None
    if vector is None or vector.shape != (dimensions,) or not np.all(np.isfinite(vector)) or (
            positive and not np.all(vector > 0)):
        accepted = "numbers > 0" if positive else "finite numbers"
        raise BadParameterError(f"spatial.{layout}: {name} = {value!r} is invalid: must be {dimensions} "
                                f"{accepted}, one per dimension")
    return vector


def _check_edge_wrap(edge_wrap, layout):
    if not isinstance(edge_wrap, (bool, np.bool_)):
        raise BadTypeError(f"spatial.{layout}: edge_wrap = {edge_wrap!r} must be True or False")
