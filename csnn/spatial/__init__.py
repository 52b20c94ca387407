"""NEST 3's spatial module: node positions, layers, masks and spatial parameters.

``Create(model, n, positions=spatial.free(...))`` and ``Create(model,
positions=spatial.grid(...))`` place nodes in a layer (:mod:`.layouts`: extent, center,
``edge_wrap`` for periodic boundaries; ``nodes.spatial`` reports it as NEST does), read back
with ``GetPosition``.  Spatial connections (``Connect`` with ``'mask'`` and a parameter as
``'p'``, :mod:`csnn.network.spatial_connect`) draw partners inside masks (:mod:`.masks`, made by
``CreateMask`` or given as dicts) with probabilities, weights and delays that are spatial
parameters (:mod:`.parameters`: ``distance``, ``source_pos``, ``target_pos``, ``pos``).
Positions also reach Brian 2-style connection expressions as ``x_pre``, ``y_post``, ...
(:mod:`csnn.expressions`).
"""
from .layouts import Layer, Layout, array_layer, as_coordinates, free, grid
from .masks import Converse, Mask, as_mask, create_mask
from .parameters import PARAMETER_TYPES, Where, distance, pos, source_pos, target_pos

__all__ = ["free", "grid", "distance", "pos", "source_pos", "target_pos", "Mask", "Converse", "create_mask", "Layer", "Layout",
           "Where", "as_coordinates", "as_mask", "array_layer", "PARAMETER_TYPES"]
