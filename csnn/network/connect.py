"""Connection rules and synapse specifications -> flat (source, target, weight, delay) arrays.

Every rule is vectorised with numpy; nothing here loops over synapses in Python.  Rules and
their parameters follow NEST 3 (``one_to_one``, ``all_to_all``, ``fixed_indegree``,
``fixed_outdegree``, ``fixed_total_number``, ``pairwise_bernoulli`` with ``allow_autapses``
and ``allow_multapses``); NEST 2's ``autapses``/``multapses`` keys are accepted too.  Rule
``expression`` follows Brian 2's ``Synapses.connect``: pairs (i, j) of indices in the pre and
post collections that satisfy ``condition``, each kept with probability ``p``, or the targets
``j`` generated for each ``i``; ``n`` connections per pair (see :mod:`csnn.expressions`).
Rules that test pairs do so a block of pairs at a time, to bound memory (:mod:`csnn.network.blocks`).

Array-valued weights and delays have NEST 3's shapes: ``(len(post), len(pre))`` for
``all_to_all``, ``(len(post), indegree)`` for ``fixed_indegree``, ``(len(pre), outdegree)``
for ``fixed_outdegree`` and one value per connection for ``one_to_one`` and
``fixed_total_number``.
"""
import functools
import numbers

import numpy as np

from .. import expressions as cexpr
from .. import memory as cmemory
from .. import random as crandom
from .. import spatial as cspatial
from ..errors import BadParameterError, BadTypeError, IllegalConnectionError, as_numbers, shown, to_float, unknown_name
from ..target_streams import ConnectionDraws
from . import blocks, pairwise
from .blocks import join, row_blocks

#: rule -> the conn_spec keys it needs
RULES = {
    "one_to_one": (),
    "all_to_all": (),
    "fixed_indegree": ("indegree",),
    "fixed_outdegree": ("outdegree",),
    "fixed_total_number": ("N",),
    "pairwise_bernoulli": ("p",),
    "pairwise_poisson": ("pairwise_avg_num_conns",),
    "symmetric_pairwise_bernoulli": ("p",),
    "expression": (),
}
#: rules whose pairs are drawn target by target, each target's from its own stream, so that a
#: process draws only its own targets' connections (the others draw every pair on every process)
PER_TARGET_RULES = ("one_to_one", "all_to_all", "fixed_indegree", "pairwise_bernoulli", "pairwise_poisson")
#: NEST 3's spatial keys (csnn.network.spatial_connect): a mask, the side the mask and p apply
#: to, and masks larger than a periodic layer; the rules that take them
SPATIAL_KEYS = ("mask", "use_on_source", "allow_oversized_mask")
SPATIAL_RULES = ("pairwise_bernoulli", "fixed_indegree", "fixed_outdegree")
#: rule -> the conn_spec keys it may have
_OPTIONAL = {"expression": ("condition", "j", "p", "n", "skip_if_invalid", "namespace"),
             "symmetric_pairwise_bernoulli": ("make_symmetric",),
             "pairwise_bernoulli": SPATIAL_KEYS, "fixed_indegree": SPATIAL_KEYS + ("p",),
             "fixed_outdegree": SPATIAL_KEYS + ("p",)}
_COMMON = ("rule", "allow_autapses", "allow_multapses", "autapses", "multapses")

#: bytes a connection takes while Connect builds it: its pair of indices and its weight and
#: delay (8 bytes each), then its row in the synapse table twice (the table and the merged
#: copy at Prepare; csnn/_core/synapses.pyx: 12 bytes static, at most 44 plastic)
BUILD_BYTES = {"static": 32 + 2 * 12, "plastic": 32 + 2 * 44}
#: bytes a value k of conn_spec['j']'s range takes while it is tested: i, k and the position in
#: its row (8 bytes each), the target j and the condition's temporaries
CANDIDATE_BYTES = 64


def expected_connections(spec, n_pre, n_post):
    """How many connections rule ``spec`` makes between n_pre and n_post nodes (the mean for
    pairwise_bernoulli), or None when only drawing them tells (rule 'expression',
    pairwise_bernoulli with a parameter as p)."""
    rule = spec["rule"]
    if rule == "expression" or (rule == "pairwise_bernoulli" and (
            spec.get("spatial") or isinstance(spec["p"], crandom.Parameter))):
        return None
    if rule == "one_to_one":
        return min(n_pre, n_post)
    if rule == "fixed_indegree":
        return n_post * spec["indegree"]
    if rule == "fixed_outdegree":
        return n_pre * spec["outdegree"]
    if rule == "fixed_total_number":
        return spec["N"]
    if rule == "pairwise_poisson":
        return n_pre * n_post * spec["pairwise_avg_num_conns"]
    if rule == "symmetric_pairwise_bernoulli":
        return 2 * n_pre * n_post * spec["p"]
    return n_pre * n_post * (spec["p"] if rule == "pairwise_bernoulli" else 1)


def check_memory(n_connections, kind, rule):
    """Raise InsufficientMemoryError when building ``n_connections`` connections of ``kind``
    ("static" or "plastic") would need more memory than is available."""
    cmemory.require(n_connections * BUILD_BYTES[kind],
                    f"Connect: rule {rule!r} makes {n_connections:.4g} {kind} connections",
                    f"while they are built ({BUILD_BYTES[kind]} bytes each)",
                    "connect fewer nodes, or in parts after freeing memory")


def parse_conn_spec(conn_spec):
    """Validate a conn_spec (None, a rule name or a dict) -> dict with every key filled in."""
    if conn_spec is None:
        conn_spec = {"rule": "all_to_all"}
    elif isinstance(conn_spec, str):
        conn_spec = {"rule": conn_spec}
    elif not isinstance(conn_spec, dict):
        raise BadTypeError(f"conn_spec must be a rule name or a dict, got {conn_spec!r}")
    rule = conn_spec.get("rule", "all_to_all")
    if not isinstance(rule, str) or rule not in RULES:
        raise unknown_name("connection rule", rule, RULES, IllegalConnectionError)
    allowed = set(_COMMON) | set(RULES[rule]) | set(_OPTIONAL.get(rule, ()))
    if "kernel" in conn_spec:
        raise BadParameterError("conn_spec key 'kernel' is NEST 2's (topology module); NEST 3 calls the connection "
                                "probability 'p': {'rule': 'pairwise_bernoulli', 'p': ..., 'mask': ...}")
    if "use_on_source" in conn_spec and rule != "pairwise_bernoulli":
        raise BadParameterError(f"conn_spec['use_on_source'] applies to rule 'pairwise_bernoulli' only, not {rule!r}")
    extra = set(conn_spec) - allowed
    if extra:
        key = sorted(extra)[0]
        raise unknown_name(f"conn_spec key for rule {rule!r}", key, allowed)
    spec = {"rule": rule,
            "allow_autapses": conn_spec.get("allow_autapses", conn_spec.get("autapses", True)),
            "allow_multapses": conn_spec.get("allow_multapses", conn_spec.get("multapses", True))}
    if rule == "symmetric_pairwise_bernoulli":
        spec["make_symmetric"] = conn_spec.get("make_symmetric", False)
    for flag in ("allow_autapses", "allow_multapses", "make_symmetric"):
        if flag in spec and not isinstance(spec[flag], (bool, np.bool_)):
            raise BadTypeError(f"conn_spec[{flag!r}] = {spec[flag]!r} must be True or False")
    for key in RULES[rule]:
        if key not in conn_spec:
            raise BadParameterError(f"conn_spec for rule {rule!r} needs {key!r}")
        value = conn_spec[key]
        if key == "p" and rule == "pairwise_bernoulli" and isinstance(value, crandom.Parameter):
            # a parameter as p (spatial connections, :func:`_parse_spatial_keys`) is drawn per pair
            spec[key] = value
        else:
            spec[key] = {"p": _probability, "pairwise_avg_num_conns": _mean}.get(key, _count)(key, value)
    if rule == "expression":
        spec.update(_parse_expression_rule(conn_spec))
    elif rule in SPATIAL_RULES:
        spec.update(_parse_spatial_keys(conn_spec, rule))
    pairwise.check_spec(spec)
    return spec


def _parse_spatial_keys(conn_spec, rule):
    """NEST 3's spatial keys of a rule (:data:`SPATIAL_KEYS`, and ``p`` for the degree rules)
    -> ``mask`` (a csnn.spatial.Mask or None), ``p``, the flags, and ``spatial``: whether the
    connections need the nodes' positions (a mask, or a parameter or degree rule's ``p``)."""
    spec = {"mask": None if conn_spec.get("mask") is None else cspatial.as_mask(conn_spec["mask"], "conn_spec['mask']")}
    for flag in ("use_on_source", "allow_oversized_mask"):
        spec[flag] = conn_spec.get(flag, False)
        if not isinstance(spec[flag], (bool, np.bool_)):
            raise BadTypeError(f"conn_spec[{flag!r}] = {spec[flag]!r} must be True or False")
    p = conn_spec.get("p")
    if p is not None:
        spec["p"] = p if isinstance(p, crandom.Parameter) else _probability("p", p)
    # NEST's rule: a random p alone connects nodes without positions; a spatial one needs them
    spec["spatial"] = spec["mask"] is not None or "use_on_source" in conn_spec or (
        "p" in conn_spec and (rule != "pairwise_bernoulli" or isinstance(p, crandom.Parameter) and p.is_spatial()))
    return spec


def _probability(key, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
        raise BadParameterError(f"conn_spec[{key!r}] = {shown(value)} is invalid: must be a probability in [0, 1]")
    return float(value)


def _mean(key, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < np.inf:
        raise BadParameterError(f"conn_spec[{key!r}] = {shown(value)} is invalid: must be a finite mean number of "
                                "connections >= 0")
    return float(value)


def _count(key, value):
    if (isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer))) and not (
            isinstance(value, float) and value.is_integer()) or not 0 <= value < 2 ** 63:
        raise BadParameterError(f"conn_spec[{key!r}] = {shown(value)} is invalid: must be an integer in [0, 2**63)")
    return int(value)


def _parse_expression_rule(conn_spec):
    """condition, j, p, n and skip_if_invalid of rule 'expression', their strings parsed."""
    namespace = cexpr.check_namespace(conn_spec.get("namespace", {}), "conn_spec['namespace']")
    given = set(conn_spec)
    # as in Brian 2: a generator chooses its targets itself (sample(..., p=...) draws them)
    if {"condition", "j"} <= given:
        raise BadParameterError("conn_spec gives both 'condition' and 'j'; give one: a condition on pairs, or "
                                "the targets of each i, with the condition in the generator: "
                                "'k for k in range(N_post) if condition'")
    if {"j", "p"} <= given:
        raise BadParameterError("conn_spec gives both 'j' and 'p'; draw targets with probability p inside "
                                "the generator: 'k for k in sample(N_post, p=p)'")
    if "skip_if_invalid" in given and "j" not in given:
        raise BadParameterError("conn_spec['skip_if_invalid'] applies to 'j' (targets out of range), which "
                                "is not given")
    spec = {"condition": None, "j": None, "p": 1.0, "n": 1,
            "skip_if_invalid": conn_spec.get("skip_if_invalid", False)}
    if not isinstance(spec["skip_if_invalid"], (bool, np.bool_)):
        raise BadTypeError(f"conn_spec['skip_if_invalid'] = {spec['skip_if_invalid']!r} must be True or False")
    if "condition" in given:
        spec["condition"] = cexpr.parse(conn_spec["condition"], "conn_spec['condition']", namespace,
                                        cexpr.CONDITION)
    if "j" in given:
        spec["j"] = cexpr.TargetGenerator(conn_spec["j"], namespace)
    for key, kind, number in (("p", cexpr.PROBABILITY, _probability), ("n", cexpr.COUNT, _count)):
        if isinstance(conn_spec.get(key), str):
            spec[key] = cexpr.parse(conn_spec[key], f"conn_spec[{key!r}]", namespace, kind)
        elif key in given:
            spec[key] = number(key, conn_spec[key])
    return spec


def target_pairs(spec, pre, post, streams, rows):
    """Pairs of a rule in :data:`PER_TARGET_RULES` onto the targets at positions ``rows`` of
    ``post`` (increasing), each target's drawn from its own stream of ``streams``
    (:class:`csnn.target_streams.TargetStreams`) -> (i_pre, i_post: indices into pre and post;
    the shape that weight arrays must have; the function that takes the pairs' values from such
    an array (flat); each pair's index among its target's, for the draws of its values, or the
    function that makes them).  Indices are int32 below 2^31 nodes."""
    rule = spec["rule"]
    n_pre, n_post = pre.size, post.size
    autapses, multapses = spec["allow_autapses"], spec["allow_multapses"]
    rows = np.asarray(rows, dtype=np.int32 if max(n_pre, n_post) < 2 ** 31 else np.int64)
    if rule == "one_to_one":
        if n_pre != n_post:
            raise IllegalConnectionError(f"rule 'one_to_one' needs as many sources as targets, "
                                         f"got {n_pre} sources and {n_post} targets")
        i = rows if autapses else rows[pre[rows] != post[rows]]
        return i, i, (n_pre,), lambda values: values[i], lambda: np.zeros(i.size, np.uint64)
    if rule == "all_to_all":
        i_pre = np.tile(np.arange(n_pre, dtype=rows.dtype), rows.size)
        i_post = np.repeat(rows, n_pre)
        keep = None if autapses else pre[i_pre] != post[i_post]
        if keep is not None:
            i_pre, i_post = i_pre[keep], i_post[keep]
        return (i_pre, i_post, (n_post, n_pre), lambda values: _kept(values.reshape(n_post, n_pre)[rows].ravel(), keep),
                i_pre)
    if rule == "fixed_indegree":
        k = spec["indegree"]
        i_pre = _indegree_sources(streams, rows, k, pre, post, autapses, multapses)
        return (i_pre.ravel(), np.repeat(rows, k), (n_post, k), lambda values: values.reshape(n_post, k)[rows].ravel(),
                lambda: np.tile(np.arange(k, dtype=np.uint64), rows.size))
    if rule == "pairwise_poisson":
        i_pre, i_post, index = pairwise.poisson_pairs(spec["pairwise_avg_num_conns"], pre, post, streams, rows, autapses)
        return i_pre, i_post, None, None, index
    i_pre, i_post = pairwise.bernoulli_pairs(spec["p"], pre, post, streams, rows, autapses)
    return i_pre, i_post, None, None, i_pre


def _kept(values, keep):
    return values if keep is None else values[keep]


def _indegree_sources(streams, rows, k, pre, post, autapses, multapses):
    """For the targets at positions ``rows`` of ``post``, ``k`` sources each (indices into
    ``pre``, (len(rows), k)), drawn from the targets' streams; a refused source (an autapse, a
    second connection from one source without multapses) is redrawn as the next attempt."""
    n = pre.size
    _check_candidates(k, n, post, pre, autapses, multapses, "indegree")
    drawn = np.empty((rows.size, k), dtype=np.int32 if n < 2 ** 31 else np.int64)
    if k == 0:
        return drawn
    draw = streams.next_draw()
    if not multapses and 4 * k > n:
        # many of the candidates: the k with the smallest keys (one uniform number per candidate)
        for start, stop in row_blocks(np.full(rows.size, n)):
            keys = streams.row_uniforms(draw, rows[start:stop], n)
            if not autapses:
                keys[pre[None, :] == post[rows[start:stop], None]] = np.inf
            chosen = np.argpartition(keys, k - 1, axis=1)[:, :k]
            drawn[start:stop] = np.take_along_axis(
                chosen, np.argsort(np.take_along_axis(keys, chosen, axis=1), axis=1, kind="stable"), axis=1)
        return drawn
    for start, stop in row_blocks(np.full(rows.size, k)):
        block_rows = rows[start:stop]
        values, attempts = streams.row_integers(draw, block_rows, k, n)
        refused = _refused(values, pre, post[block_rows], autapses, multapses)
        while refused.any():
            r, j = np.nonzero(refused)
            values[r, j], attempts[r, j] = streams.integers(draw, block_rows[r], j, attempts[r, j] + 1, n)
            refused = _refused(values, pre, post[block_rows], autapses, multapses)
        drawn[start:stop] = values
    return drawn


def _refused(sources, pre, targets, autapses, multapses):
    """Which drawn ``sources`` (indices into pre, one row per target) are refused: autapses
    unless allowed, and without multapses each repetition of a source after its first."""
    refused = np.zeros(sources.shape, bool)
    if not autapses:
        refused |= pre[sources] == targets[:, None]
    if not multapses:
        order = np.argsort(sources, axis=1, kind="stable")
        ordered = np.take_along_axis(sources, order, axis=1)
        again = np.zeros(sources.shape, bool)
        again[:, 1:] = ordered[:, 1:] == ordered[:, :-1]
        np.put_along_axis(refused, order, np.take_along_axis(refused, order, axis=1) | again, axis=1)
    return refused


def _check_candidates(k, n, row_ids, col_ids, autapses, multapses, what):
    """Raise unless each of the nodes ``row_ids`` has enough of the ``n`` candidates
    ``col_ids`` for ``k`` partners."""
    if row_ids.size == 0 or k == 0:
        return
    # candidates of each row: the n partners, less the row's own node without autapses
    available = np.full(row_ids.size, n) - (0 if autapses else _occurrences(row_ids, col_ids))
    short = available < (1 if multapses else k)
    if short.any():
        r = int(np.argmax(short))
        raise IllegalConnectionError(
            f"rule 'fixed_{what}': {what} = {k} cannot be drawn for node {row_ids[r]} from {available[r]} "
            f"candidates" + ("" if multapses else " without multapses") + ("" if autapses else " without autapses"))


def pairs(spec, pre, post, rng, endpoints, kind):
    """Pairs of the other rules (indices into pre and post; for symmetric_pairwise_bernoulli,
    whose connections back run from post to pre, into pre and post joined as one array:
    :func:`csnn.network.pairwise.symmetric_bernoulli_pairs`), drawn from the kernel's generator
    ``rng`` on every process, the shape that weight arrays must have and the positions of the
    pairs in that shape (None when all are kept).  ``endpoints``: the collections as
    expressions see them (:class:`csnn.expressions.Endpoints`); ``kind``: "static" or
    "plastic", for the memory checks of rule 'expression' (the other rules' counts are known
    before drawing: :func:`expected_connections`)."""
    rule = spec["rule"]
    if rule == "expression":
        room = functools.partial(check_memory, kind=kind, rule=rule)
        return _expression_pairs(spec, pre, post, rng, endpoints, room) + (None, None)
    if rule == "symmetric_pairwise_bernoulli":
        return pairwise.symmetric_bernoulli_pairs(spec["p"], pre, post, rng) + (None, None)
    n_pre, n_post = pre.size, post.size
    autapses, multapses = spec["allow_autapses"], spec["allow_multapses"]
    if rule == "fixed_outdegree":
        k = spec["outdegree"]
        i_post = _outdegree_targets(rng, k, pre, post, autapses, multapses)
        return np.repeat(np.arange(n_pre, dtype=i_post.dtype), k), i_post.ravel(), (n_pre, k), None
    # fixed_total_number
    n = spec["N"]
    if not multapses and n > n_pre * n_post:
        raise IllegalConnectionError(f"rule 'fixed_total_number': N = {n} exceeds the {n_pre * n_post} "
                                     "possible pairs without multapses")
    if n > 0 and (n_pre == 0 or n_post == 0):
        raise IllegalConnectionError("rule 'fixed_total_number' needs sources and targets")
    i_pre = rng.integers(0, n_pre, n) if n else np.zeros(0, np.int64)
    i_post = rng.integers(0, n_post, n) if n else np.zeros(0, np.int64)
    for _ in range(10000):
        bad = np.zeros(n, bool)
        if not autapses:
            bad |= pre[i_pre] == post[i_post]
        if not multapses:
            key = i_pre * n_post + i_post
            _, first = np.unique(key, return_index=True)
            dup = np.ones(n, bool)
            dup[first] = False
            bad |= dup
        if not bad.any():
            break
        i_pre[bad] = rng.integers(0, n_pre, int(bad.sum()))
        i_post[bad] = rng.integers(0, n_post, int(bad.sum()))
    else:
        raise IllegalConnectionError("rule 'fixed_total_number': could not place N connections "
                                     "under the autapse/multapse restrictions")
    return i_pre, i_post, (n,), None


def _outdegree_targets(rng, k, pre, post, autapses, multapses):
    """For each node of ``pre`` draw ``k`` targets (indices into ``post``, (len(pre), k)) from
    the kernel's generator ``rng``, as NEST does."""
    n = post.size
    _check_candidates(k, n, pre, post, autapses, multapses, "outdegree")
    if pre.size == 0 or k == 0:
        return np.zeros((pre.size, k), dtype=np.int64)
    if multapses:
        drawn = rng.integers(0, n, (pre.size, k), dtype=np.int32 if n < 2 ** 31 else np.int64)
        if not autapses:
            # redraw autapses; each row has a candidate other than itself, so this ends
            bad = post[drawn] == pre[:, None]
            while bad.any():
                drawn[bad] = rng.integers(0, n, int(bad.sum()))
                bad = post[drawn] == pre[:, None]
        return drawn
    drawn = np.empty((pre.size, k), dtype=np.int64)
    for r in range(pre.size):
        candidates = np.arange(n)
        if not autapses:
            candidates = candidates[post != pre[r]]
        drawn[r] = rng.choice(candidates, k, replace=False)
    return drawn


def _occurrences(ids, among):
    """How often each of ``ids`` occurs in ``among``."""
    values, counts = np.unique(among, return_counts=True)
    at = np.minimum(np.searchsorted(values, ids), values.size - 1)
    return np.where(values[at] == ids, counts[at], 0)


def _expression_pairs(spec, pre, post, rng, endpoints, room):
    """Pairs of rule 'expression': Brian 2's condition and p, or generated targets j; then the
    autapse rule, n connections per pair and the multapse rule.  ``room(n)`` raises when n
    connections cannot be built in the memory available; it is asked as pairs accumulate."""
    if spec["j"] is None:
        i, j = _condition_pairs(spec["condition"], spec["p"], rng, endpoints, room)
    else:
        i, j = _generated_pairs(spec["j"], spec["skip_if_invalid"], rng, endpoints, room)
    if not spec["allow_autapses"]:
        keep = pre[i] != post[j]
        i, j = i[keep], j[keep]
    if isinstance(spec["n"], cexpr.Expression):
        counts = _evaluate_pairs(spec["n"], i, j, rng, endpoints)
        room(int(counts.sum()))
        i, j = np.repeat(i, counts), np.repeat(j, counts)
    elif spec["n"] != 1:
        room(i.size * spec["n"])
        i, j = np.repeat(i, spec["n"]), np.repeat(j, spec["n"])
    if not spec["allow_multapses"]:
        _check_no_multapses(i, j, post.size)
    return i, j


def _condition_pairs(condition, p, rng, endpoints, room):
    """Every pair (i, j) satisfying ``condition`` (None: all), each kept with probability ``p``
    (a number or an expression, evaluated where the condition holds), i-major."""
    n_pre, n_post = int(endpoints.sizes["N_pre"]), int(endpoints.sizes["N_post"])
    chunks_pre, chunks_post = [], []
    drawn = 0
    for start, stop in row_blocks(np.full(n_pre, n_post)):
        i = np.repeat(np.arange(start, stop), n_post)
        j = np.tile(np.arange(n_post), stop - start)
        if condition is not None:
            hit = endpoints.evaluate(condition, i, j, rng)
            i, j = i[hit], j[hit]
        i, j = _bernoulli(p, i, j, rng, endpoints)
        chunks_pre.append(i)
        chunks_post.append(j)
        drawn += i.size
        room(drawn)
    return join(chunks_pre), join(chunks_post)


def _bernoulli(p, i, j, rng, endpoints):
    """The pairs (i, j), each kept with probability ``p`` (a number or an expression)."""
    if isinstance(p, cexpr.Expression):
        p = endpoints.evaluate(p, i, j, rng)
    elif p == 1:
        return i, j
    keep = rng.random(i.size) < p
    return i[keep], j[keep]


def _generated_pairs(generator, skip_if_invalid, rng, endpoints, room):
    """Pairs (i, j) from conn_spec['j'] (:class:`csnn.expressions.TargetGenerator`): for each
    i, the loop variable k runs over range(low, high, step) (its values drawn by sample(...)),
    and j is the element for the k that satisfy the condition."""
    n_pre = int(endpoints.sizes["N_pre"])
    every_i = np.arange(n_pre)
    low, high, step = (endpoints.evaluate(bound, every_i, None, rng) for bound in generator.bounds)
    if np.any(step == 0):
        k = int(np.argmax(step == 0))
        raise BadParameterError(f"{generator.bounds[2].source} is 0 for i = {k}: the step of range() and "
                                "sample() must not be 0")
    lengths = np.maximum(0, (high - low + step - np.sign(step)) // step)     # len(range(low, high, step))
    sizes = None if generator.size is None else endpoints.evaluate(generator.size, every_i, None, rng)
    if sizes is not None and np.any(sizes > lengths):
        k = int(np.argmax(sizes > lengths))
        raise BadParameterError(f"{generator.size.source} is {sizes[k]} for i = {k}, more than the {lengths[k]} "
                                "values of its range: sample(..., size=m) draws m of them without replacement")
    chunks_pre, chunks_post = [], []
    drawn = 0
    for start, stop in row_blocks(lengths):
        rows = slice(start, stop)
        # a block is one row when that row has more than BLOCK_PAIRS values
        cmemory.require(int(lengths[rows].sum()) * CANDIDATE_BYTES,
                        f"conn_spec['j'] = {generator.element.source.text!r} gives {lengths[start]:.4g} values "
                        f"of k for i = {start}",
                        f"while they are tested ({CANDIDATE_BYTES} bytes each)",
                        "narrow its range")
        i, k, first = _ranges(every_i[rows], low[rows], step[rows], lengths[rows])
        if generator.p is not None:            # sample(..., p=...)
            i, k = _bernoulli(generator.p, i, k, rng, endpoints)
        elif sizes is not None:                # sample(..., size=...)
            chosen = _choose(first, np.repeat(sizes[rows], lengths[rows]), rng)
            i, k = i[chosen], k[chosen]
        i, j = _targets(generator, skip_if_invalid, i, k, rng, endpoints)
        chunks_pre.append(i)
        chunks_post.append(j)
        drawn += i.size
        room(drawn)
    return join(chunks_pre), join(chunks_post)


def _ranges(i, low, step, lengths):
    """For each i, the values k of range(low, ..., step) (``lengths`` of them): (i, k, first)
    per value, ``first`` being the position of the first value of its i."""
    first = np.repeat(np.cumsum(lengths) - lengths, lengths)
    k = np.repeat(low, lengths) + np.repeat(step, lengths) * (np.arange(first.size) - first)
    return np.repeat(i, lengths), k, first


def _choose(first, sizes, rng):
    """Indices of ``sizes[r]`` items of each run of items (runs start at ``first``, given per
    item), drawn without replacement, in their order."""
    # shuffle within each run (sort by run, then by a random key), keep each run's first items
    order = np.lexsort((rng.random(first.size), first))
    return np.sort(order[np.arange(first.size) - first < sizes])


def _targets(generator, skip_if_invalid, i, k, rng, endpoints):
    """The pairs (i, j = element(i, k)) that satisfy the generator's condition, j checked to
    lie in the post collection.  As in Brian 2, the condition is tested first unless it reads
    post positions (which need a valid j), so it can exclude j out of range."""
    j = endpoints.evaluate(generator.element, i, None, rng, {generator.var: k})
    condition = generator.condition
    condition_first = condition is not None and not any(name in cexpr.POST_POSITIONS for name in condition.variables)
    if condition_first:
        hit = endpoints.evaluate(condition, i, j, rng, {generator.var: k})
        i, k, j = i[hit], k[hit], j[hit]
    valid = (j >= 0) & (j < endpoints.sizes["N_post"])
    if not valid.all():
        if not skip_if_invalid:
            bad = int(np.argmin(valid))
            raise IllegalConnectionError(
                f"conn_spec['j'] = {generator.element.source.text!r} gives j = {j[bad]} for i = {i[bad]}, outside "
                f"the post collection (j from 0 to {endpoints.sizes['N_post'] - 1}); add "
                "'skip_if_invalid': True to leave such targets out")
        i, k, j = i[valid], k[valid], j[valid]
    if condition is not None and not condition_first:
        hit = endpoints.evaluate(condition, i, j, rng, {generator.var: k})
        i, j = i[hit], j[hit]
    return i, j


def _check_no_multapses(i, j, n_post):
    key = np.sort(i * n_post + j)
    twice = np.flatnonzero(key[1:] == key[:-1])
    if twice.size:
        a, b = divmod(int(key[twice[0]]), n_post)
        raise IllegalConnectionError(f"conn_spec: allow_multapses is False, but rule 'expression' gives the pair "
                                     f"i = {a}, j = {b} more than once")


def _evaluate_pairs(expression, i, j, rng, endpoints):
    """``expression`` for each pair (i[k], j[k]), ``BLOCK_PAIRS`` pairs at a time; with
    connection draws as ``rng``, each block draws its own connections' numbers."""
    values = []
    # one block at least, so that no pairs still give an array of the expression's type
    size = blocks.BLOCK_PAIRS
    for a in range(0, max(i.size, 1), size):
        block_rng = rng.part(a, a + size) if isinstance(rng, ConnectionDraws) else rng
        values.append(endpoints.evaluate(expression, i[a:a + size], j[a:a + size], block_rng))
        if block_rng is not rng:
            rng.follow(block_rng)
    return np.concatenate(values)


def values(name, value, n, shape, select, rng, spec_name, connections=None, where=None):
    """Per-connection values of ``name`` (weight or delay) for ``n`` connections: an array
    value has ``shape`` and ``select(flat array)`` takes the connections' values (None: all);
    random values are drawn from ``rng`` (the kernel's generator, or the connections' own
    draws, :class:`csnn.target_streams.ConnectionDraws`).

    ``connections``: (i_pre, i_post, endpoints) of the connections, which an expression
    (:class:`csnn.expressions.Expression`) is evaluated for; ``where``: their ends' positions
    (:class:`csnn.spatial.Where`) for spatial parameters, None when the nodes have none.
    """
    what = f"syn_spec[{name!r}]"
    if isinstance(value, cexpr.Expression):
        i_pre, i_post, endpoints = connections
        return _evaluate_pairs(value, i_pre, i_post, rng, endpoints)
    if isinstance(value, crandom.Parameter):
        return value.sample(rng, n, where)
    if isinstance(value, dict):
        return crandom.from_spec(value, what).sample(rng, n)
    if isinstance(value, (numbers.Real, np.number)) and not isinstance(value, (bool, np.bool_)):
        return np.full(n, to_float(value, what))
    if not isinstance(value, (list, tuple, np.ndarray)):
        raise BadTypeError(f"{what} = {value!r} is invalid: give a number, an array, a csnn.random "
                           "parameter or a distribution dict")
    arr = as_numbers(value, what)
    if shape is None:
        raise BadParameterError(f"{what}: arrays are not accepted for rule {spec_name!r} (the number of "
                                "connections is not known in advance); give a number or a random parameter")
    if arr.shape != tuple(shape) and not (arr.ndim == 1 and arr.size == int(np.prod(shape))):
        raise BadParameterError(f"{what} has shape {arr.shape}; rule {spec_name!r} here needs shape "
                                f"{tuple(shape)}")
    arr = arr.ravel()
    return select(arr) if select is not None else arr
