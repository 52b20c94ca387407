"""The rules that decide every (source, target) pair on its own, as NEST 3 has them.

* ``pairwise_bernoulli`` (``p``): each pair is connected with probability p.
* ``pairwise_poisson`` (``pairwise_avg_num_conns``): each pair gets a Poisson number of
  connections of that mean (multapses must be allowed).
* ``symmetric_pairwise_bernoulli`` (``p``, with ``allow_autapses`` False, ``allow_multapses``
  True and ``make_symmetric`` True, as NEST requires): NEST's draw, which every target takes in
  turn: its number of sources k from Binomial(len(pre), p), drawn again while k = len(pre), then
  k distinct sources other than itself, uniformly; each chosen pair is connected both ways.  A
  pair that both of its nodes choose is connected twice each way (hence the multapses).

The first two draw target by target, a target's uniforms from its own stream
(:class:`csnn.target_streams.TargetStreams`), one per (target, source) pair; the symmetric rule
makes connections onto sources as well as targets, so it draws from the kernel's generator on
every process.  Rows are taken a block at a time (:mod:`csnn.network.blocks`).
"""
import numpy as np

from .. import expressions as cexpr
from .. import random as crandom
from ..errors import BadParameterError
from ..target_streams import BlockDraws
from .blocks import join, row_blocks

#: a Poisson count table reaches this far beyond the mean, in standard deviations (its tail
#: beyond is below 1e-30, far under the 2^-53 resolution of the uniforms inverted)
POISSON_TAIL_SD = 12.0


def bernoulli_pairs(p, pre, post, streams, rows, autapses):
    """(i_pre, i_post) of ``pairwise_bernoulli`` onto the targets at positions ``rows``: one
    uniform number per (target, source); a parameter as p (NEST's random p) is drawn per pair
    from the pairs' own streams."""
    draw = streams.next_draw()
    kernel = BlockDraws(streams) if isinstance(p, crandom.Parameter) else None
    chunks_pre, chunks_post = [], []
    # one block at least, so that every process moves past the draws of p alike
    for start, stop in list(row_blocks(np.full(rows.size, pre.size))) or [(0, 0)]:
        uniforms = streams.row_uniforms(draw, rows[start:stop], pre.size)
        p_block = p
        if kernel is not None:
            targets, sources = np.repeat(rows[start:stop], pre.size), np.tile(np.arange(pre.size), stop - start)
            p_block = p.sample(kernel.of(targets, sources), targets.size).reshape(uniforms.shape)
        r, c = np.nonzero(uniforms < p_block)
        chunks_post.append(rows[start + r])
        chunks_pre.append(c)
    if kernel is not None:
        kernel.finish()
    return _without_autapses(join(chunks_pre), join(chunks_post), pre, post, autapses)


def poisson_pairs(mean, pre, post, streams, rows, autapses):
    """(i_pre, i_post, index) of ``pairwise_poisson`` onto the targets at positions ``rows``:
    each pair's count inverted from one uniform number, the pair repeated as often; ``index``:
    each connection's rank among its target's (the counter of its values' draws)."""
    cdf = poisson_cdf(mean)
    draw = streams.next_draw()
    chunks_pre, chunks_post = [], []
    for start, stop in row_blocks(np.full(rows.size, pre.size)):
        counts = np.searchsorted(cdf, streams.row_uniforms(draw, rows[start:stop], pre.size), side="right")
        r, c = np.nonzero(counts)
        times = counts[r, c]
        chunks_post.append(np.repeat(rows[start + r], times))
        chunks_pre.append(np.repeat(c, times))
    i_pre, i_post = _without_autapses(join(chunks_pre), join(chunks_post), pre, post, autapses)
    # the pairs come target by target: a connection's rank among its target's
    first = np.searchsorted(i_post, i_post)
    return i_pre, i_post, (np.arange(i_post.size) - first).astype(np.uint64)


def poisson_cdf(mean):
    """P(count <= n) for n = 0, 1, ... of a Poisson count of ``mean``, up to where the rest is
    negligible (``POISSON_TAIL_SD``): the count of a uniform u in [0, 1) is the number of
    entries <= u."""
    top = int(mean + POISSON_TAIL_SD * (np.sqrt(mean) + 1.0)) + 1
    n = np.arange(top + 1)
    log_factorial = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, top + 1)))])
    log_pmf = -mean + n * (np.log(mean) if mean > 0 else 0.0) - log_factorial
    if mean == 0:
        log_pmf[1:] = -np.inf
    return np.cumsum(np.exp(log_pmf))


def symmetric_bernoulli_pairs(p, pre, post, rng):
    """(i_pre, i_post) of ``symmetric_pairwise_bernoulli`` (see the module docstring), drawn
    from the kernel's generator ``rng``: the connections from each chosen source to its target,
    then those back.  A connection back runs from a node of ``post`` to one of ``pre``, so the
    indices are into ``pre + post`` as one array: pre's first, then post's."""
    n_pre = pre.size
    k = rng.binomial(n_pre, p, post.size)
    while (k >= n_pre).any():
        again = np.flatnonzero(k >= n_pre)
        k[again] = rng.binomial(n_pre, p, again.size)
    chunks_pre, chunks_post = [], []
    # the first k of each target's random order of its candidates (itself last)
    for start, stop in row_blocks(np.full(post.size, n_pre)):
        keys = rng.random((stop - start, n_pre))
        keys[pre[None, :] == post[start:stop, None]] = np.inf
        order = np.argsort(keys, axis=1, kind="stable")
        chosen = np.arange(n_pre)[None, :] < k[start:stop, None]
        r, c = np.nonzero(chosen)
        chunks_pre.append(order[r, c])
        chunks_post.append(start + r)
    sources, targets = join(chunks_pre), join(chunks_post)
    return np.concatenate([sources, n_pre + targets]), np.concatenate([n_pre + targets, sources])


def check_spec(spec):
    """NEST's conditions on the flags of ``pairwise_poisson`` (multapses allowed) and of
    ``symmetric_pairwise_bernoulli`` (p < 1, no autapses, multapses, ``make_symmetric``), each
    refused with what is needed."""
    rule = spec["rule"]
    needs = {"pairwise_poisson": (("allow_multapses", True),),
             "symmetric_pairwise_bernoulli": (("allow_autapses", False), ("allow_multapses", True),
                                              ("make_symmetric", True))}.get(rule, ())
    for key, needed in needs:
        if spec[key] != needed:
            raise BadParameterError(f"rule {rule!r} needs conn_spec[{key!r}] = {needed} (as in NEST), got "
                                    f"{spec[key]!r}")
    if rule == "symmetric_pairwise_bernoulli" and spec["p"] >= 1:
        raise BadParameterError(f"conn_spec['p'] = {spec['p']!r} is invalid for rule 'symmetric_pairwise_bernoulli': "
                                "it needs 0 <= p < 1 (as in NEST)")


def check_symmetric_values(syn_params):
    """Both connections of a pair of ``symmetric_pairwise_bernoulli`` take the same values, so
    the rule takes numbers only (NEST refuses values it cannot draw twice alike)."""
    for key, value in syn_params.items():
        if isinstance(value, (crandom.Parameter, cexpr.Expression, dict, list, tuple, np.ndarray)):
            raise BadParameterError(f"syn_spec[{key!r}] = {value!r} is invalid for rule "
                                    "'symmetric_pairwise_bernoulli': both connections of a pair take one value, "
                                    "so give a number (as NEST requires)")


def _without_autapses(i_pre, i_post, pre, post, autapses):
    if autapses:
        return i_pre, i_post
    keep = pre[i_pre] != post[i_post]
    return i_pre[keep], i_post[keep]
