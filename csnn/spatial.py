"""Node positions for ``Create``, as NEST 3's ``nest.spatial``: :class:`free` and :class:`grid`.

``Create(model, n, positions=spatial.free(...))`` and ``Create(model, positions=spatial.grid(...))``
give each node a position (in units of your choice, NEST's convention is mm), read back with
``GetPosition`` and seen by connection expressions as ``x_pre``, ``y_post``, ... (see
:mod:`csnn.expressions`).

csnn keeps the positions only, not NEST's layers: periodic boundaries (``edge_wrap=True``),
masks and the spatial parameters ``distance``, ``pos``, ``source_pos`` and ``target_pos`` are
not available (using them is an error); write distance-dependent probabilities, weights and
delays as expressions instead.
"""
import abc
import numbers

import numpy as np

from .errors import BadParameterError, BadTypeError, as_numbers
from .random import Parameter

__all__ = ["free", "grid"]

_NOT_AVAILABLE = ("distance", "pos", "source_pos", "target_pos")


def __getattr__(name):
    if name in _NOT_AVAILABLE:
        raise AttributeError(
            f"csnn.spatial.{name} is not available: csnn has no spatial parameters; write distance-dependent "
            "probabilities, weights and delays as expressions of x_pre, y_pre, z_pre, x_post, y_post, z_post, "
            "e.g. conn_spec={'rule': 'expression', 'p': 'exp(-((x_pre - x_post)**2 + (y_pre - y_post)**2) / 0.1)'}")
    raise AttributeError(f"module 'csnn.spatial' has no attribute {name!r}")


class Layout(abc.ABC):
    """Positions of the nodes of one ``Create`` call: the interface :class:`free` and
    :class:`grid` implement and ``Kernel.create`` uses."""

    @abc.abstractmethod
    def number_of_nodes(self, n):
        """How many nodes ``Create(model, n, positions=self)`` makes."""

    @abc.abstractmethod
    def coordinates(self, n, rng):
        """Positions of ``n`` nodes: an array of shape (n, 2) or (n, 3); random ones drawn from
        numpy Generator ``rng``."""


class free(Layout):
    """Positions given one by one, or drawn per node, as ``nest.spatial.free``.

    ``pos``: an array of shape (n, 2) or (n, 3) (it sets the number of nodes), a
    csnn.random parameter drawn for each coordinate of each node (give ``num_dimensions``, 2
    or 3, or ``extent``) or a list of 2 or 3 parameters, one per dimension.  ``extent``: the
    size of the region in each dimension; positions must fit in it.
    """

    def __init__(self, pos, extent=None, edge_wrap=False, num_dimensions=None):
        _check_no_edge_wrap(edge_wrap, "free")
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

    def coordinates(self, n, rng):
        if self._array is not None:
            positions = self._array.copy()
        else:
            positions = np.column_stack([draw.sample(rng, n) for draw in self._draws])
        if self.extent is not None:
            span = np.ptp(positions, axis=0)
            if np.any(span > self.extent):
                axis = int(np.argmax(span > self.extent))
                raise BadParameterError(f"spatial.free: the positions span {float(span[axis])!r} in dimension {axis}, "
                                        f"more than extent = {self.extent.tolist()}")
        return positions


class grid(Layout):
    """Nodes on a regular grid, as ``nest.spatial.grid``.

    ``shape``: nodes per dimension, [columns, rows] or [columns, rows, layers]; ``extent``:
    size of the grid in each dimension (default 1 each); ``center``: its centre (default 0).
    Each node sits in the middle of its cell, numbered as in NEST: column by column from the
    left (x increasing), each column from the top (y decreasing), then by z increasing.
    """

    def __init__(self, shape, center=None, extent=None, edge_wrap=False):
        _check_no_edge_wrap(edge_wrap, "grid")
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

    def coordinates(self, n, rng):
        spacing = self.extent / self.shape
        axes = [c - e / 2 + d * (np.arange(s) + 0.5)
                for c, e, d, s in zip(self.center, self.extent, spacing, self.shape)]
        axes[1] = axes[1][::-1]          # rows from the top
        mesh = np.meshgrid(*axes, indexing="ij")
        return np.column_stack([m.ravel() for m in mesh])


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


def _check_no_edge_wrap(edge_wrap, layout):
    if not isinstance(edge_wrap, (bool, np.bool_)):
        raise BadTypeError(f"spatial.{layout}: edge_wrap = {edge_wrap!r} must be True or False")
    if edge_wrap:
        raise BadParameterError(f"spatial.{layout}: edge_wrap=True (periodic boundaries) is not available in "
                                "csnn: expressions see the positions as given, without wrapping")
