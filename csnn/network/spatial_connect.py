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

Displacements go from source to target.  Every pair of a block of targets (of sources for
fixed_outdegree) is tested at once, ``BLOCK_PAIRS`` pairs at a time (numpy, no loop over
pairs).  pairwise_bernoulli and fixed_indegree draw target by target from the targets' random
streams (:mod:`csnn.target_streams`), so any number of processes makes the same network;
fixed_outdegree draws on every process from the kernel's generator, as NEST does.
"""
import copy

import numpy as np

from .. import random as crandom
from .. import spatial as cspatial
from ..errors import BadParameterError, IllegalConnectionError
from ..target_streams import ConnectionDraws, unit
from .connect import BLOCK_PAIRS, join, row_blocks

#: the rules that draw target by target from the targets' streams
PER_TARGET = ("pairwise_bernoulli", "fixed_indegree")


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

    def admitted(self, a, b):
        """Whether the mask admits each pair (source a[k], target b[k]) (indices into pre, post)."""
        if self.mask is None:
            return np.ones(a.size, bool)
        if self.search_sources:
            return self.mask_layer.mask_holds(self.mask, self.target[b], self.source[a], self.allow_oversized)
        return self.mask_layer.mask_holds(self.mask, self.source[a], self.target[b], self.allow_oversized)

    def where(self, a, b, layer):
        """The positions of pairs (a, b) as spatial parameters read them, measured in ``layer``."""
        return cspatial.Where(layer, source=self.source[a], target=self.target[b])

    def kernel(self, a, b, draws):
        """``p`` of the pairs (a, b), random parts drawn from ``draws``."""
        if not isinstance(self.p, crandom.Parameter):
            return np.full(a.size, self.p)
        return self.p.sample(draws, a.size, self.where(a, b, self.kernel_layer))


class _BlockDraws:
    """Connection draws for the pairs of each block, all numbered from the same draw, so that
    the numbers a pair gets do not depend on the blocks (nor on which process draws them);
    :meth:`finish` moves the call's streams past the draws the blocks made."""

    def __init__(self, streams):
        self.streams, self.parts = streams, []

    def of(self, stream, index):
        part = copy.copy(self.streams)
        self.parts.append(part)
        return ConnectionDraws(part, stream, index)

    def finish(self):
        self.streams.draws = max([self.streams.draws] + [part.draws for part in self.parts])


def pairs(spec, plan, pre, post, streams, rows, rng, room):
    """The pairs of a spatial Connect call: (i_pre, i_post, the draws of their values: the
    connections' own, :class:`ConnectionDraws`, or the kernel's generator ``rng``, their
    :class:`csnn.spatial.Where` for the synapse values).  ``pre``, ``post``: the ids;
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
    kept with probability p (one uniform number per pair, from the target's stream)."""
    n_pre = pre.size
    draw = streams.next_draw()
    kernel_draws = _BlockDraws(streams)
    chunks_pre, chunks_post = [], []
    drawn = 0
    # one block at least, so that every process moves past the kernel's draws alike
    for start, stop in list(row_blocks(np.full(rows.size, n_pre))) or [(0, 0)]:
        b = np.repeat(rows[start:stop], n_pre)
        a = np.tile(np.arange(n_pre), stop - start)
        keep = plan.admitted(a, b)
        if not spec["allow_autapses"]:
            keep &= pre[a] != post[b]
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
    n_pool = pool.size
    # the draw of the choices, then the kernel's (the same numbers on every process)
    draw = None if streams is None else streams.next_draw()
    kernel_draws = None if streams is None else _BlockDraws(streams)
    chunks_driver, chunks_partner = [], []
    for start, stop in list(row_blocks(np.full(rows.size, n_pool))) or [(0, 0)]:
        r = rows[start:stop]
        driver, partner = np.repeat(r, n_pool), np.tile(np.arange(n_pool), r.size)
        a, b = (partner, driver) if what == "indegree" else (driver, partner)
        inside = plan.admitted(a, b)
        weights = np.zeros(inside.size)
        draws = rng if streams is None else kernel_draws.of(b[inside], a[inside])
        weights[inside] = plan.kernel(a[inside], b[inside], draws)
        if not autapses:
            weights[drivers[driver] == pool[partner]] = 0.0
        weights = weights.reshape(r.size, n_pool)
        _check_degree(k, inside.reshape(r.size, n_pool), weights, drivers[r], multapses, what)
        chosen = np.zeros((r.size, k), np.int64)
        if r.size and k:
            chosen = _weighted_choice(weights, k, multapses, _uniforms(streams, draw, rng, r))
        chunks_driver.append(np.repeat(r, k))
        chunks_partner.append(chosen.ravel())
    if kernel_draws is not None:
        kernel_draws.finish()
    driver, partner = join(chunks_driver), join(chunks_partner)
    return driver, partner, np.tile(np.arange(k), driver.size // max(k, 1))


def _uniforms(streams, draw, rng, rows):
    """``uniforms(m)``: m uniform numbers for each driver of ``rows``, from draw ``draw`` of the
    drivers' ``streams`` (number j of a driver at its index j), or from the kernel's
    generator ``rng``."""
    if streams is None:
        return lambda m: rng.random((rows.size, m))

    def uniforms(m):
        words = streams.words(draw, np.repeat(rows, m), np.tile(np.arange(m), rows.size), 0)
        return unit(words[:, 0]).reshape(rows.size, m)
    return uniforms


def _check_degree(k, inside, weights, driver_ids, multapses, what):
    """Refuse drivers with too few partners: none inside the mask, fewer than ``k`` inside
    without multapses (NEST's checks), or too few with p > 0 (where NEST would draw forever)."""
    if k == 0 or inside.size == 0:
        return
    pool = "sources" if what == "indegree" else "targets"
    found = inside.sum(axis=1)
    usable = (weights > 0).sum(axis=1)
    need = 1 if multapses else k
    short = (found < need) | (usable < need)
    if short.any():
        r = int(np.argmax(short))
        raise IllegalConnectionError(
            f"rule 'fixed_{what}': node {driver_ids[r]} has {found[r]} {pool} inside the mask ({usable[r]} of them "
            f"with p > 0 and not refused as autapses), too few for {what} = {k}"
            + ("" if multapses else " without multapses"))


def _weighted_choice(weights, k, multapses, uniforms):
    """For each row of ``weights`` (>= 0, some > 0), ``k`` column indices drawn with
    probabilities proportional to the weights: independently with multapses, else without
    repeating (successive draws among the columns not drawn yet, as NEST's redraws give, by
    Efraimidis and Spirakis' exponential keys).  ``uniforms(m)``: m uniform numbers per row."""
    rows, columns = weights.shape
    if multapses:
        # one search in the rows' normalised cumulative weights laid end to end (row r's in [r, r + 1])
        cumulative = np.cumsum(weights, axis=1)
        cumulative = cumulative / cumulative[:, -1:] + np.arange(rows)[:, None]
        at = np.searchsorted(cumulative.ravel(), (uniforms(k) + np.arange(rows)[:, None]).ravel(), side="right")
        return np.minimum(at.reshape(rows, k) - np.arange(rows)[:, None] * columns, columns - 1)
    with np.errstate(divide="ignore"):
        keys = -np.log1p(-uniforms(columns)) / weights
    chosen = np.argpartition(keys, k - 1, axis=1)[:, :k]
    return np.take_along_axis(chosen, np.argsort(np.take_along_axis(keys, chosen, axis=1), axis=1), axis=1)


__all__ = ["is_spatial", "Plan", "pairs", "BLOCK_PAIRS"]
