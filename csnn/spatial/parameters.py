"""Spatial parameters, as NEST's: values that depend on where nodes are.

``distance`` (with ``.x``, ``.y``, ``.z``: the distance along one axis) is the distance from a
connection's source to its target, wrapped around the extent of a layer whose edges wrap;
``source_pos.x``, ``target_pos.y``, ... are the positions of a connection's ends, and
``pos.x``, ... the position of a node (for Create, ``set`` and ``Parameter.apply``).  They
combine with every other parameter (``csnn.math.exp(-distance / 0.2)``, ``0.5 * distance +
csnn.random.normal()``, :mod:`csnn.spatial_distributions`) and read the positions from a
:class:`Where` given to ``Parameter.sample``.
"""
import numpy as np

from .. import spatial_distributions
from ..errors import BadParameterError
from ..random import Parameter

__all__ = ["Where", "distance", "pos", "source_pos", "target_pos", "PARAMETER_TYPES"]

_AXES = "xyz"


class Where:
    """The positions spatial parameters read, one row per node or connection.

    For connections: ``source`` and ``target``, the positions of their ends (arrays of shape
    (n, dimensions)), and ``layer``, the :class:`~csnn.spatial.layouts.Layer` whose geometry
    measures them (its periodic boundaries).  For nodes: ``nodes``, their positions.
    """

    def __init__(self, layer=None, source=None, target=None, nodes=None):
        self.layer, self.source, self.target, self.nodes = layer, source, target, nodes
        self._displacement = None

    def displacement(self):
        """Target minus source position per connection, wrapped as the layer wraps it."""
        if self._displacement is None:
            self._displacement = self.layer.displacement(self.source, self.target)
        return self._displacement

    def distance(self):
        """Length of :meth:`displacement` per connection."""
        d = self.displacement()
        return np.sqrt(sum(d[:, j] * d[:, j] for j in range(d.shape[1])))


class _Spatial(Parameter):
    """A parameter read from a :class:`Where`; ``read(where)`` gives its values."""

    def __init__(self, read, description, needs):
        super().__init__(None, description)
        self._read, self._needs = read, needs

    def _values(self, rng, n, where):
        if where is None or getattr(where, self._needs) is None:
            if self._needs == "nodes":
                raise BadParameterError(f"{self.description} is the position of a node: it has values for nodes "
                                        "created with positions (Create(model, positions=...), set, apply) only")
            raise BadParameterError(f"{self.description} depends on the positions of a connection's ends: it has "
                                    "values only in Connect between nodes created with positions (Create(model, "
                                    "positions=csnn.spatial.grid(...) or csnn.spatial.free(...)))")
        return self._read(where)

    def is_spatial(self):
        return True


def _checked_axis(dimension, dimensions, what):
    if dimension >= dimensions:
        raise BadParameterError(f"{what} reads dimension {dimension} ({_AXES[dimension]}) of "
                                f"{dimensions}-d positions")
    return dimension


def _distance_along(axis):
    description = f"csnn.spatial.distance.{_AXES[axis]}"

    def read(where):
        return np.abs(where.displacement()[:, _checked_axis(axis, where.layer.dimensions, description)])
    return _Spatial(read, description, "source")


class _Distance(_Spatial):
    """``distance``: from a connection's source to its target; ``.x``, ``.y``, ``.z`` and
    ``.n(k)`` (k = 1, 2, 3): the distance along one axis (its absolute displacement)."""

    def __init__(self):
        super().__init__(lambda where: where.distance(), "csnn.spatial.distance",
                         "source")

    x = property(lambda self: _distance_along(0))
    y = property(lambda self: _distance_along(1))
    z = property(lambda self: _distance_along(2))

    @staticmethod
    def n(dimension):
        """The distance along dimension ``dimension`` (1: x, 2: y, 3: z; 0: the distance)."""
        if dimension not in (0, 1, 2, 3):
            raise BadParameterError(f"csnn.spatial.distance.n: dimension = {dimension!r} is invalid: must be 0 (the "
                                    "distance), 1, 2 or 3 (along x, y, z)")
        return distance if dimension == 0 else _distance_along(dimension - 1)


class _Positions:
    """The positions of nodes (``pos``) or of connections' sources or targets
    (``source_pos``, ``target_pos``): ``.x``, ``.y``, ``.z`` and ``.n(k)`` (k = 0, 1, 2)."""

    def __init__(self, name, needs):
        self._name, self._needs = name, needs

    def n(self, dimension):
        """The coordinate ``dimension`` (0: x, 1: y, 2: z) as a parameter."""
        if dimension not in (0, 1, 2):
            raise BadParameterError(f"csnn.spatial.{self._name}.n: dimension = {dimension!r} is invalid: must be 0, "
                                    "1 or 2 (x, y, z)")
        description = f"csnn.spatial.{self._name}.{_AXES[dimension]}"

        def read(where):
            positions = getattr(where, self._needs)
            return positions[:, _checked_axis(dimension, positions.shape[1], description)]
        return _Spatial(read, description, self._needs)

    x = property(lambda self: self.n(0))
    y = property(lambda self: self.n(1))
    z = property(lambda self: self.n(2))

    def __repr__(self):
        return f"<csnn spatial parameters {self._name}.x, .y, .z>"


distance = _Distance()
pos = _Positions("pos", "nodes")
source_pos = _Positions("source_pos", "source")
target_pos = _Positions("target_pos", "target")


def _position(dimension, synaptic_endpoint=0):
    if synaptic_endpoint not in (0, 1, 2):
        raise BadParameterError(f"CreateParameter('position'): synaptic_endpoint = {synaptic_endpoint!r} is "
                                "invalid: must be 0 (the node), 1 (the source) or 2 (the target)")
    return (pos, source_pos, target_pos)[synaptic_endpoint].n(dimension)


#: NEST's CreateParameter types of spatial parameters: type -> the function whose keywords its
#: specs are
PARAMETER_TYPES = {
    "distance": lambda dimension=0: distance.n(dimension),
    "position": _position,
    "exp_distribution": spatial_distributions.exponential,
    "gaussian": spatial_distributions.gaussian,
    "gaussian2d": spatial_distributions.gaussian2D,
    "gaussian2D": spatial_distributions.gaussian2D,
    "gamma": spatial_distributions.gamma,
    "gabor": spatial_distributions.gabor,
}
