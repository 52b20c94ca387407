"""Spatial connections: NEST 3's rules with a mask and a connection probability ``p`` that may
depend on where the nodes are (NEST's ``ConnectLayers``).

``pairwise_bernoulli`` connects each pair inside the mask with probability ``p``;
``fixed_indegree`` gives each target ``indegree`` sources drawn among those inside the mask
with weights ``p``; ``fixed_outdegree`` gives each source ``outdegree`` targets the same way.
Which side the mask is centred on, and which layer measures displacements (its periodic
boundaries), are NEST's:

=============================================  ===================  ==========  ==================
rule                                           mask centred on      p in layer  weight, delay in
=============================================  ===================  ==========  ==================
pairwise_bernoulli                             the source (targets) post        post
pairwise_bernoulli, use_on_source=True         the target (sources) pre         pre
fixed_indegree                                 the target (sources) pre         pre
fixed_outdegree                                the source (targets) pre         post
=============================================  ===================  ==========  ==================

Displacements go from source to target.  The candidates of a driver (a target, or a source
for fixed_outdegree) are the nodes in the mask's bounding box around it (:class:`_Window`);
the mask tests those of a block of drivers at once, ``csnn.network.blocks.BLOCK_PAIRS`` at
most (numpy, no loop over pairs).  pairwise_bernoulli and fixed_indegree draw target by target from the targets' random
streams (:mod:`csnn.target_streams`), so any number of processes makes the same network;
fixed_outdegree draws on every process from the kernel's generator, as NEST does.
"""
import numpy as np

from .. import random as crandom
from .. import spatial as cspatial
from ..errors import IllegalConnectionError
from ..target_streams import BlockDraws, unit
from .blocks import join, row_blocks

#: the rules that connect layers through masks and kernels (NEST's ConnectLayers)
RULES = ("pairwise_bernoulli", "fixed_indegree", "fixed_outdegree")


def is_spatial(spec, syn_params):
    """Whether a Connect call needs the nodes' layers: a spatial conn_spec
    (:func:`csnn.network.connect.parse_conn_spec`) or a spatial parameter as weight or delay."""
    return spec.get("spatial", False) or any(
        isinstance(syn_params[key], crandom.Parameter) and syn_params[key].is_spatial() for key in ("weight", "delay"))


class Plan:
    """The geometry of one spatial Connect call: the layers of ``pre`` and ``post`` ((Layer,
    rows) each, :meth:`csnn.network.node_manager.NodeManager.layer_of`), where the mask is
    centred and which layers measure ``p`` and the synapse values (the module's table)."""

    def __init__(self, spec, pre_layer, post_layer):
        if spec["rule"] not in RULES:
            raise IllegalConnectionError(
                f"Connect: spatial parameters as weight or delay need one of the spatial rules {', '.join(RULES)} "
                f"(as in NEST), not {spec['rule']!r}")
        (self.pre_layer, pre_rows), (self.post_layer, post_rows) = pre_layer, post_layer
        if self.pre_layer.dimensions != self.post_layer.dimensions:
            raise IllegalConnectionError(f"Connect: pre has {self.pre_layer.dimensions}-d positions and post "
                                         f"{self.post_layer.dimensions}-d; spatial connections need the same")
        self.source = self.pre_layer.positions[pre_rows]
        self.target = self.post_layer.positions[post_rows]
        rule, on_source = spec["rule"], spec.get("use_on_source", False)
        around_source = rule == "fixed_outdegree" or (rule == "pairwise_bernoulli" and not on_source)
        self.kernel_layer = self.post_layer if rule == "pairwise_bernoulli" and not on_source else self.pre_layer
        self.value_layer = self.pre_layer if rule == "fixed_indegree" or on_source else self.post_layer
        # NEST searches the sources around each target, the mask turned about its centre when
        # it is centred on the sources (pairwise_bernoulli), except for fixed_outdegree, which
        # searches the targets around each source
        self.search_sources = rule != "fixed_outdegree"
        self.mask_layer = self.post_layer if around_source else self.pre_layer
        self.mask, self.allow_oversized = None, spec.get("allow_oversized_mask", False)
        if spec.get("mask") is not None:
            mask = spec["mask"].for_layer(self.mask_layer)
            self.mask = cspatial.Converse(mask) if around_source and self.search_sources else mask
        self.p = spec.get("p", 1.0)
        self.drivers = self.target if self.search_sources else self.source
        self.pool = self.source if self.search_sources else self.target
        self._window = _Window(self.pool, self.mask, self.mask_layer)

    def blocks(self, rows):
        """The pairs the mask admits for the drivers (targets, or the sources of
        fixed_outdegree) at indices ``rows``, a block of drivers at a time: (the block's
        drivers, each pair's row in the block, each pair's pool node (a source, or a target for
        fixed_outdegree)), ordered by row; ``BLOCK_PAIRS`` candidates tested at most per block
        (one driver's when it has more).  One block at least, maybe empty."""
        first, count = self._window.ranges(self.drivers[rows])
        sizes = count.sum(axis=1)
        for start, stop in list(row_blocks(sizes)) or [(0, 0)]:
            row = np.repeat(np.arange(stop - start), sizes[start:stop])
            pool = _expand(first[start:stop], count[start:stop], self._window.order)
            # a window's ranges may meet a node twice; each pair once, by row and pool node
            pair = np.sort(row * len(self.pool) + pool)
            pair = pair[np.append(True, pair[1:] != pair[:-1])]
            row, pool = pair // len(self.pool), pair % len(self.pool)
            if self.mask is not None:
                inside = self.mask_layer.mask_holds(self.mask, self.drivers[rows[start:stop]], self.pool[pool],
                                                    self.allow_oversized, which=row)
                row, pool = row[inside], pool[inside]
            yield rows[start:stop], row, pool

    def where(self, a, b, layer):
        """The positions of pairs (a, b) as spatial parameters read them, measured in ``layer``."""
        return cspatial.Where(layer, source=self.source[a], target=self.target[b])

    def kernel(self, a, b, draws):
        """``p`` of the pairs (a, b), random parts drawn from ``draws``."""
        if not isinstance(self.p, crandom.Parameter):
            return np.full(a.size, self.p)
        return self.p.sample(draws, a.size, self.where(a, b, self.kernel_layer))


def pairs(spec, plan, pre, post, streams, rows, rng, room):
    """The pairs of a spatial Connect call: (i_pre, i_post, the draws of their values (the
    connections' own, :class:`csnn.target_streams.ConnectionDraws`, or the kernel's generator
    ``rng``), their :class:`csnn.spatial.Where` for the synapse values).  ``pre``, ``post``: the ids;
    ``streams``: the call's :class:`csnn.target_streams.TargetStreams`; ``rows``: the targets
    this process draws (indices into post, for the per-target rules); ``room(n)`` raises when n
    connections cannot be built."""
    rule = spec["rule"]
    if rule == "pairwise_bernoulli":
        i_pre, i_post = _bernoulli_pairs(spec, plan, pre, post, streams, rows, room)
        values_rng = streams.elements(i_post, i_pre)
    elif rule == "fixed_indegree":
        i_post, i_pre, index = _degree_pairs(spec, "indegree", plan, rows, post, pre, streams=streams)
        values_rng = streams.elements(i_post, index)
    else:
        i_pre, i_post, _ = _degree_pairs(spec, "outdegree", plan, np.arange(pre.size), pre, post, rng=rng)
        values_rng = rng
    return i_pre, i_post, values_rng, plan.where(i_pre, i_post, plan.value_layer)


def _bernoulli_pairs(spec, plan, pre, post, streams, rows, room):
    """pairwise_bernoulli: each pair of a target in ``rows`` and a source the mask admits,
    kept with probability p (one uniform number per pair, at the pair's counter in the target's
    stream, so whichever pairs are tested together)."""
    draw = streams.next_draw()
    kernel_draws = BlockDraws(streams)
    chunks_pre, chunks_post = [], []
    drawn = 0
    for drivers, row, a in plan.blocks(rows):
        b = drivers[row]
        if not spec["allow_autapses"]:
            keep = pre[a] != post[b]
            a, b = a[keep], b[keep]
        p = plan.kernel(a, b, kernel_draws.of(b, a))
        hit = unit(streams.words(draw, b, a, 0)[:, 0]) < p
        chunks_pre.append(a[hit])
        chunks_post.append(b[hit])
        drawn += int(hit.sum())
        room(drawn)
    kernel_draws.finish()
    return join(chunks_pre), join(chunks_post)


def _degree_pairs(spec, what, plan, rows, drivers, pool, streams=None, rng=None):
    """fixed_indegree (``what`` "indegree"; drivers: the targets, pool: the sources) and
    fixed_outdegree ("outdegree": the other way round): for each driver at ``rows``, k partners
    drawn among the pool nodes the mask admits, with probabilities proportional to p (with
    replacement when multapses are allowed, else each partner once).  The numbers come from
    the drivers' ``streams`` (targets' streams) or the kernel's generator ``rng``.  -> (driver,
    partner, the partner's index among its driver's), flat index arrays."""
    k, multapses, autapses = spec[what], spec["allow_multapses"], spec["allow_autapses"]
    # the draw of the choices, then the kernel's (the same numbers on every process)
    draw = None if streams is None else streams.next_draw()
    kernel_draws = None if streams is None else BlockDraws(streams)
    chunks_driver, chunks_partner = [], []
    for block, row, partner in plan.blocks(rows):
        driver = block[row]
        a, b = (partner, driver) if what == "indegree" else (driver, partner)
        weights = plan.kernel(a, b, rng if streams is None else kernel_draws.of(b, a))
        if not autapses:
            weights[drivers[driver] == pool[partner]] = 0.0
        _check_degree(k, row, weights, drivers[block], multapses, what)
        if block.size and k:
            chosen = _weighted_choice(row, partner, weights, block.size, k, multapses,
                                      _uniforms(streams, draw, rng, block))
            chunks_driver.append(np.repeat(block, k))
            chunks_partner.append(chosen.ravel())
    if kernel_draws is not None:
        kernel_draws.finish()
    driver, partner = join(chunks_driver), join(chunks_partner)
    return driver, partner, np.tile(np.arange(k), driver.size // max(k, 1))


def _uniforms(streams, draw, rng, drivers):
    """``uniforms(index)``: a uniform number for each (row, index) pair of arrays (the row's
    driver among ``drivers``, the number's index), from draw ``draw`` of the drivers'
    ``streams`` at the counter of that index, or from the kernel's generator ``rng``."""
    if streams is None:
        return lambda row, index: rng.random(np.size(row))
    return lambda row, index: unit(streams.words(draw, drivers[row], index, 0)[:, 0])


def _check_degree(k, row, weights, driver_ids, multapses, what):
    """Refuse drivers with too few partners: none inside the mask, fewer than ``k`` inside
    without multapses (NEST's checks), or too few with p > 0 (where NEST would draw forever).
    ``row``: each candidate's driver (its row), ``weights``: the candidates' p."""
    if k == 0 or driver_ids.size == 0:
        return
    pool = "sources" if what == "indegree" else "targets"
    found = np.bincount(row, minlength=driver_ids.size)
    usable = np.bincount(row, weights > 0, minlength=driver_ids.size).astype(np.int64)
    need = 1 if multapses else k
    short = (found < need) | (usable < need)
    if short.any():
        r = int(np.argmax(short))
        raise IllegalConnectionError(
            f"rule 'fixed_{what}': node {driver_ids[r]} has {found[r]} {pool} inside the mask ({usable[r]} of them "
            f"with p > 0 and not refused as autapses), too few for {what} = {k}"
            + ("" if multapses else " without multapses"))


def _weighted_choice(row, column, weights, rows, k, multapses, uniforms):
    """For each of ``rows`` rows, ``k`` of its candidates (``column`` where ``row`` is the
    row, ordered by row; ``weights`` >= 0, some > 0 in every row) drawn with probabilities
    proportional to their weights: independently with multapses, else without repeating
    (successive draws among the candidates not drawn yet, as NEST's redraws give, by Efraimidis
    and Spirakis' exponential keys) -> (rows, k) columns.  ``uniforms(row, index)``: uniform
    numbers (the k draws of a row are its indices 0 .. k - 1, a candidate's key its column)."""
    first = np.searchsorted(row, np.arange(rows))
    if multapses:
        # one search in the rows' normalised cumulative weights laid end to end (row r's in (r, r + 1])
        cumulative = np.cumsum(weights)
        before = np.where(first > 0, cumulative[first - 1], 0.0)
        total = np.bincount(row, weights, minlength=rows)
        laid = (cumulative - before[row]) / total[row] + row
        draw_row = np.repeat(np.arange(rows), k)
        at = np.searchsorted(laid, uniforms(draw_row, np.tile(np.arange(k), rows)) + draw_row, side="right")
        # a draw past its row's end by rounding takes the row's last candidate of weight > 0
        last = np.maximum.reduceat(np.where(weights > 0, np.arange(row.size), -1), first)
        return column[np.minimum(at, last[draw_row])].reshape(rows, k)
    with np.errstate(divide="ignore"):
        keys = -np.log1p(-uniforms(row, column)) / weights
    order = np.lexsort((keys, row))
    rank = np.arange(row.size) - first[row[order]]
    return column[order[rank < k]].reshape(rows, k)


class _Window:
    """The pool nodes a mask may admit around a driver: those within the mask's bounding box in
    x and y (widened a little: the mask decides at its edges), across the periodic edges when
    the layer wraps; every node without a mask.  The pool is sorted into columns half as wide
    as the box, by column and then by y, so that a box meets three columns, each in one or two
    ranges of y (two where it crosses the periodic edge), in each of one or two intervals of x:
    twelve ranges per driver at most, holding about 1.5 times the box's nodes."""

    #: the columns of the pool one interval of x meets
    STEPS = 3
    #: the ranges a driver's candidates lie in
    RANGES = 2 * 2 * STEPS

    def __init__(self, pool, mask, layer):
        self.n = len(pool)
        self.layer, self.box = layer, None if mask is None else mask.bbox()
        xy = pool[:, :2]
        if self.box is not None and layer.edge_wrap:
            low, extent = layer.lower_left[:2], layer.extent[:2]
            if np.any((xy < low) | (xy >= low + extent)):
                self.box = None        # positions outside the layer: test them all
        if self.box is None:
            self.order = np.arange(self.n)
            return
        lower, upper = self.box
        self.margin = 1e-9 * (1.0 + np.abs(xy).max(axis=0) + np.abs(lower[:2]) + np.abs(upper[:2]))
        self.width = upper[:2] - lower[:2] + 2 * self.margin
        self.x0 = layer.lower_left[0] if layer.edge_wrap else xy[:, 0].min()
        self.column_width = self.width[0] / (self.STEPS - 1)
        column = np.floor((xy[:, 0] - self.x0) / self.column_width).astype(np.int64)
        self.y = np.sort(xy[:, 1])
        # integer keys (column, rank of y): exact, whatever the coordinates' magnitudes
        key = column * (self.n + 1) + np.searchsorted(self.y, xy[:, 1], "left")
        self.order = np.argsort(key, kind="stable")
        self.keys = key[self.order]

    def _intervals(self, start, axis):
        """The window [start, start + width] along ``axis`` (0: x, 1: y) as two intervals
        (lo, hi, present) of the layer, the second where it crosses a periodic edge."""
        width = self.width[axis]
        end = start + width
        if not self.layer.edge_wrap:
            return [(start, end, np.ones(start.size, bool))]
        low, extent = self.layer.lower_left[axis], self.layer.extent[axis]
        if width >= extent:
            return [(np.full(start.size, low), np.full(start.size, low + extent), np.ones(start.size, bool))]
        start = low + np.mod(start - low, extent)
        end = start + width
        return [(start, np.minimum(end, low + extent), np.ones(start.size, bool)),
                (np.full(start.size, low), end - extent, end > low + extent)]

    def ranges(self, anchors):
        """For each of ``anchors`` (positions), :data:`RANGES` ranges of the sorted pool:
        (first, count) arrays of shape (len(anchors), RANGES)."""
        n = len(anchors)
        first, count = np.zeros((n, self.RANGES), np.int64), np.zeros((n, self.RANGES), np.int64)
        if self.box is None:
            count[:, 0] = self.n
            return first, count
        lower = self.box[0]
        k = 0
        for x_lo, x_hi, x_present in self._intervals(anchors[:, 0] + lower[0] - self.margin[0], 0):
            for y_lo, y_hi, y_present in self._intervals(anchors[:, 1] + lower[1] - self.margin[1], 1):
                rank_lo, rank_hi = np.searchsorted(self.y, y_lo, "left"), np.searchsorted(self.y, y_hi, "right")
                column = np.floor((x_lo - self.x0) / self.column_width).astype(np.int64)
                last = np.floor((x_hi - self.x0) / self.column_width).astype(np.int64)
                for step in range(self.STEPS):
                    base = (column + step) * (self.n + 1)
                    first[:, k] = np.searchsorted(self.keys, base + rank_lo, "left")
                    end = np.searchsorted(self.keys, base + rank_hi, "left")
                    present = x_present & y_present & (column + step <= last)
                    count[:, k] = np.where(present, np.maximum(end - first[:, k], 0), 0)
                    k += 1
        return first, count


def _expand(first, count, order):
    """The pool indices of ranges (``first``, ``count``: one row per driver, a few ranges
    each) of the sorted pool (``order``: the sorted pool's indices), in row order."""
    lengths = count.ravel()
    starts = np.repeat(first.ravel() - np.cumsum(lengths) + lengths, lengths)
    return order[starts + np.arange(lengths.sum())]


__all__ = ["RULES", "is_spatial", "Plan", "pairs"]
