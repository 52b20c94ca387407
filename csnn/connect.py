"""Connection rules and synapse specifications -> flat (source, target, weight, delay) arrays.

Every rule is vectorised with numpy; nothing here loops over synapses in Python.  Rules and
their parameters follow NEST 3 (``one_to_one``, ``all_to_all``, ``fixed_indegree``,
``fixed_outdegree``, ``fixed_total_number``, ``pairwise_bernoulli`` with ``allow_autapses``
and ``allow_multapses``); NEST 2's ``autapses``/``multapses`` keys are accepted too.

Array-valued weights and delays have NEST 3's shapes: ``(len(post), len(pre))`` for
``all_to_all``, ``(len(post), indegree)`` for ``fixed_indegree``, ``(len(pre), outdegree)``
for ``fixed_outdegree`` and one value per connection for ``one_to_one`` and
``fixed_total_number``.
"""
import numbers

import numpy as np

from . import random as crandom
from .errors import BadParameterError, BadTypeError, IllegalConnectionError, unknown_name

RULES = {
    "one_to_one": (),
    "all_to_all": (),
    "fixed_indegree": ("indegree",),
    "fixed_outdegree": ("outdegree",),
    "fixed_total_number": ("N",),
    "pairwise_bernoulli": ("p",),
}
_COMMON = ("rule", "allow_autapses", "allow_multapses", "autapses", "multapses")


def parse_conn_spec(conn_spec):
    """Validate a conn_spec (None, a rule name or a dict) -> dict with every key filled in."""
    if conn_spec is None:
        conn_spec = {"rule": "all_to_all"}
    elif isinstance(conn_spec, str):
        conn_spec = {"rule": conn_spec}
    elif not isinstance(conn_spec, dict):
        raise BadTypeError(f"conn_spec must be a rule name or a dict, got {conn_spec!r}")
    rule = conn_spec.get("rule", "all_to_all")
    if rule not in RULES:
        raise unknown_name("connection rule", rule, RULES, IllegalConnectionError)
    allowed = set(_COMMON) | set(RULES[rule])
    extra = set(conn_spec) - allowed
    if extra:
        key = sorted(extra)[0]
        raise unknown_name(f"conn_spec key for rule {rule!r}", key, allowed)
    spec = {"rule": rule,
            "allow_autapses": conn_spec.get("allow_autapses", conn_spec.get("autapses", True)),
            "allow_multapses": conn_spec.get("allow_multapses", conn_spec.get("multapses", True))}
    for flag in ("allow_autapses", "allow_multapses"):
        if not isinstance(spec[flag], (bool, np.bool_)):
            raise BadTypeError(f"conn_spec[{flag!r}] = {spec[flag]!r} must be True or False")
    for key in RULES[rule]:
        if key not in conn_spec:
            raise BadParameterError(f"conn_spec for rule {rule!r} needs {key!r}")
        value = conn_spec[key]
        if key == "p":
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
                raise BadParameterError(f"conn_spec['p'] = {value!r} is invalid: must be a probability in [0, 1]")
            spec[key] = float(value)
        else:
            if (isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer))) and not (
                    isinstance(value, float) and value.is_integer()):
                raise BadParameterError(f"conn_spec[{key!r}] = {value!r} is invalid: must be an integer >= 0")
            if value < 0:
                raise BadParameterError(f"conn_spec[{key!r}] = {value!r} is invalid: must be an integer >= 0")
            spec[key] = int(value)
    return spec


def pairs(spec, pre, post, rng):
    """Connection pairs (indices into pre and post) and the shape that weight arrays must have."""
    rule = spec["rule"]
    n_pre, n_post = pre.size, post.size
    autapses, multapses = spec["allow_autapses"], spec["allow_multapses"]
    if rule == "one_to_one":
        if n_pre != n_post:
            raise IllegalConnectionError(f"rule 'one_to_one' needs as many sources as targets, "
                                         f"got {n_pre} sources and {n_post} targets")
        i = np.arange(n_pre)
        keep = np.ones(n_pre, bool) if autapses else pre != post
        return i[keep], i[keep], (n_pre,), keep
    if rule == "all_to_all":
        i_pre = np.tile(np.arange(n_pre), n_post)
        i_post = np.repeat(np.arange(n_post), n_pre)
        keep = np.ones(i_pre.size, bool) if autapses else pre[i_pre] != post[i_post]
        return i_pre[keep], i_post[keep], (n_post, n_pre), keep
    if rule == "fixed_indegree":
        k = spec["indegree"]
        i_pre = _draw_per_row(rng, n_post, k, n_pre, post, pre, autapses, multapses, "indegree")
        return i_pre.ravel(), np.repeat(np.arange(n_post, dtype=i_pre.dtype), k), (n_post, k), None
    if rule == "fixed_outdegree":
        k = spec["outdegree"]
        i_post = _draw_per_row(rng, n_pre, k, n_post, pre, post, autapses, multapses, "outdegree")
        return np.repeat(np.arange(n_pre, dtype=i_post.dtype), k), i_post.ravel(), (n_pre, k), None
    if rule == "fixed_total_number":
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
    # pairwise_bernoulli: draw per target row to bound memory
    p = spec["p"]
    chunks_pre, chunks_post = [], []
    rows = max(1, int(2 ** 22 // max(n_pre, 1)))
    for start in range(0, n_post, rows):
        stop = min(start + rows, n_post)
        hit = rng.random((stop - start, n_pre)) < p
        r, c = np.nonzero(hit)
        chunks_post.append(r + start)
        chunks_pre.append(c)
    i_pre = np.concatenate(chunks_pre) if chunks_pre else np.zeros(0, np.int64)
    i_post = np.concatenate(chunks_post) if chunks_post else np.zeros(0, np.int64)
    if not autapses:
        keep = pre[i_pre] != post[i_post]
        i_pre, i_post = i_pre[keep], i_post[keep]
    return i_pre, i_post, None, None


def _draw_per_row(rng, rows, k, n, row_ids, col_ids, autapses, multapses, what):
    """For each of ``rows`` nodes draw ``k`` partners among ``n`` (indices), as NEST does."""
    if rows == 0 or k == 0:
        return np.zeros((rows, k), dtype=np.int64)
    available = n - (0 if autapses else 1)
    if n == 0 or (not multapses and k > available) or (available <= 0):
        raise IllegalConnectionError(
            f"rule 'fixed_{what}': {what} = {k} cannot be drawn from {n} candidates"
            + ("" if multapses else " without multapses") + ("" if autapses else " without autapses"))
    if multapses:
        drawn = rng.integers(0, n, (rows, k), dtype=np.int32 if n < 2 ** 31 else np.int64)
        if not autapses:
            for _ in range(10000):
                bad = col_ids[drawn] == row_ids[:, None]
                if not bad.any():
                    break
                drawn[bad] = rng.integers(0, n, int(bad.sum()))
        return drawn
    drawn = np.empty((rows, k), dtype=np.int64)
    for r in range(rows):
        candidates = np.arange(n)
        if not autapses:
            candidates = candidates[col_ids != row_ids[r]]
        drawn[r] = rng.choice(candidates, k, replace=False)
    return drawn


def values(name, value, n, shape, keep, rng, spec_name):
    """Per-connection values of ``name`` (weight or delay) for ``n`` connections."""
    what = f"syn_spec[{name!r}]"
    if isinstance(value, crandom.Parameter):
        return value.sample(rng, n)
    if isinstance(value, dict):
        return crandom.from_spec(value, what).sample(rng, n)
    if isinstance(value, (numbers.Real, np.number)) and not isinstance(value, (bool, np.bool_)):
        return np.full(n, float(value))
    if value is None or isinstance(value, (str, bool, np.bool_)):
        raise BadTypeError(f"{what} = {value!r} is invalid: give a number, an array, a csnn.random "
                           "parameter or a distribution dict")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise BadTypeError(f"{what} = {value!r} is invalid: give a number, an array, a csnn.random "
                           "parameter or a distribution dict") from None
    if shape is None:
        raise BadParameterError(f"{what}: arrays are not accepted for rule {spec_name!r} (the number of "
                                "connections is random); give a number or a random parameter")
    if arr.shape != tuple(shape) and not (arr.ndim == 1 and arr.size == int(np.prod(shape))):
        raise BadParameterError(f"{what} has shape {arr.shape}; rule {spec_name!r} here needs shape "
                                f"{tuple(shape)}")
    arr = arr.ravel()
    return arr[keep] if keep is not None else arr
