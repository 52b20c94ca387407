"""NEST's figures of layers: the nodes (:func:`PlotLayer`), a node's targets or sources with
the mask and connection probability around it (:func:`PlotTargets`, :func:`PlotSources`,
:func:`PlotProbabilityParameter`), with NEST's signatures; each returns the matplotlib figure
(PlotProbabilityParameter draws into ``ax``).

matplotlib is imported only when a function draws; without it they raise
:class:`~csnn.errors.MissingDependencyError` saying how to install it.  Masks are drawn as the
region where they hold (any mask, combined ones too), shaded in ``mask_color``.
"""
import numpy as np

from .. import plot as cplot
from .. import spatial as cspatial
from ..errors import BadParameterError, BadTypeError
from ..network.nodes import NodeCollection
from .layers import GetSourcePositions, GetTargetPositions, layer_of

__all__ = ["PlotLayer", "PlotTargets", "PlotSources", "PlotProbabilityParameter"]

#: points per axis at which a mask is tested when it is drawn
MASK_RESOLUTION = 400


def _axes(fig, dimensions, what):
    """The axes to draw on: ``fig``'s current axes, or a new figure's (3-d for 3-d layers);
    ``what`` names the drawing function in the message when matplotlib is missing."""
    plt = cplot.pyplot(what)
    if fig is None:
        fig = plt.figure()
        return fig, fig.add_subplot(111, projection="3d" if dimensions == 3 else None)
    return fig, fig.gca()


def _draw_extent(ax, geometry):
    """The layer's extent as a thin grey box, the axes a little larger, equal aspect."""
    import matplotlib.patches as patches
    (x0, y0), (width, height) = geometry.lower_left[:2], geometry.extent[:2]
    ax.add_patch(patches.Rectangle((x0, y0), width, height, fc="none", ec="0.5", lw=1, zorder=1))
    ax.set(aspect="equal", xlim=(x0 - 0.05 * width, x0 + 1.05 * width), ylim=(y0 - 0.05 * height, y0 + 1.05 * height),
           xticks=(), yticks=())


def PlotLayer(layer, fig=None, nodecolor="b", nodesize=20):
    """Plot the nodes of ``layer`` at their positions (2-d or 3-d); returns the figure."""
    geometry, rows = layer_of(layer, "layer")
    fig, ax = _axes(fig, geometry.dimensions, "csnn.PlotLayer")
    ax.scatter(*geometry.positions[rows].T, s=nodesize, c=nodecolor)
    if geometry.dimensions == 2:
        _draw_extent(ax, geometry)
    return fig


def _plot_partners(what, node, layer, partner_positions, syn_type, fig, mask, probability_parameter, node_color,
                   node_size, color, size, mask_color, probability_cmap):
    """PlotTargets and PlotSources (``what``): ``node``'s partners in ``layer`` and ``node`` itself."""
    if not isinstance(node, NodeCollection) or len(node) != 1:
        raise BadTypeError(f"give one node (a NodeCollection of one node), got {node!r}")
    geometry, _ = layer_of(layer, "layer")
    node_geometry, node_rows = layer_of(node, "the node")
    fig, ax = _axes(fig, geometry.dimensions, what)
    partners = np.array(partner_positions(syn_type)[0]).reshape(-1, geometry.dimensions)
    if len(partners):
        ax.scatter(*partners.T, s=size, c=color)
    ax.scatter(*node_geometry.positions[node_rows].T, s=node_size, c=node_color, alpha=0.4, zorder=-10)
    if geometry.dimensions == 2:
        if mask is not None or probability_parameter is not None:
            (x0, y0), (width, height) = geometry.lower_left, geometry.extent
            PlotProbabilityParameter(node, probability_parameter, mask=mask,
                                     edges=[x0 - width / 2, x0 + 1.5 * width, y0 - height / 2, y0 + 1.5 * height],
                                     ax=ax, prob_cmap=probability_cmap, mask_color=mask_color)
        _draw_extent(ax, geometry)
    return fig


def PlotTargets(src_nrn, tgt_layer, syn_type=None, fig=None, mask=None, probability_parameter=None, src_color="red",
                src_size=50, tgt_color="blue", tgt_size=20, mask_color="yellow", probability_cmap="Greens"):
    """Plot the targets of ``src_nrn`` (one node) in ``tgt_layer`` (of synapse model
    ``syn_type`` when given), the node, and the ``mask`` and ``probability_parameter`` around
    it when given; returns the figure."""
    return _plot_partners("csnn.PlotTargets", src_nrn, tgt_layer, lambda syn: GetTargetPositions(src_nrn, tgt_layer, syn), syn_type, fig,
                          mask, probability_parameter, src_color, src_size, tgt_color, tgt_size, mask_color,
                          probability_cmap)


def PlotSources(src_layer, tgt_nrn, syn_type=None, fig=None, mask=None, probability_parameter=None,
                tgt_color="red", tgt_size=50, src_color="blue", src_size=20, mask_color="yellow",
                probability_cmap="Greens"):
    """Plot the sources of ``tgt_nrn`` (one node) in ``src_layer``, the node, and the ``mask``
    and ``probability_parameter`` around it when given; returns the figure."""
    return _plot_partners("csnn.PlotSources", tgt_nrn, src_layer, lambda syn: GetSourcePositions(src_layer, tgt_nrn, syn), syn_type, fig,
                          mask, probability_parameter, tgt_color, tgt_size, src_color, src_size, mask_color,
                          probability_cmap)


def PlotProbabilityParameter(source, parameter=None, mask=None, edges=(-0.5, 0.5, -0.5, 0.5), shape=(100, 100),
                             ax=None, prob_cmap="Greens", mask_color="yellow"):
    """Draw, around the one node ``source`` (2-d), the connection probability ``parameter``
    (a spatial parameter, clipped to [0, 1], at ``shape`` = [columns, rows] points of the region
    ``edges`` = [x_min, x_max, y_min, y_max]) and/or the region of ``mask`` (a Mask or NEST's
    mask dict, wrapped as the layer's edges wrap) into ``ax`` (a new figure's when None)."""
    if parameter is None and mask is None:
        raise BadParameterError("PlotProbabilityParameter: give a parameter, a mask or both")
    geometry, rows = layer_of(source, "source")
    if len(source) != 1 or geometry.dimensions != 2:
        raise BadParameterError("PlotProbabilityParameter: source must be one node with 2-d positions")
    if ax is None:
        ax = cplot.pyplot("csnn.PlotProbabilityParameter").subplots()[1]
    x_min, x_max, y_min, y_max = edges
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    if parameter is not None:
        xs, ys = np.meshgrid(np.linspace(x_min, x_max, shape[0]), np.linspace(y_min, y_max, shape[1]))
        values = np.array(parameter.apply(source, np.column_stack([xs.ravel(), ys.ravel()]))).reshape(xs.shape)
        image = ax.imshow(np.clip(values, 0.0, 1.0), extent=edges, origin="lower", cmap=prob_cmap, vmin=0.0, vmax=1.0)
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    if mask is not None:
        region = cspatial.as_mask(mask, "PlotProbabilityParameter: mask").for_layer(geometry)
        xs, ys = np.meshgrid(np.linspace(x_min, x_max, MASK_RESOLUTION), np.linspace(y_min, y_max, MASK_RESOLUTION))
        points = np.column_stack([xs.ravel(), ys.ravel()])
        anchors = np.broadcast_to(geometry.positions[rows], points.shape)
        inside = geometry.mask_holds(region, anchors, points, allow_oversized=True).reshape(xs.shape)
        ax.contourf(xs, ys, inside.astype(float), levels=[0.5, 1.5], colors=[mask_color], alpha=0.2, zorder=0.5)
        ax.contour(xs, ys, inside.astype(float), levels=[0.5], colors="black", linewidths=1, zorder=0.5)
    return ax
