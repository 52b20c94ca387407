"""Parameter values of nodes: a Create's or SetStatus's ``params`` checked and expanded to one
value per node, and how values are stored in a model's struct rows."""
import numpy as np

from .. import random as crandom
from ..errors import BadParameterError, BadTypeError
from .models import unknown_parameter

#: keys every node reports, read-only (model_id: the model's number in the kernel's registry,
#: NEST's integer id of a model, in csnn's own numbering)
NODE_KEYS = ("model", "model_id", "global_id", "element_type", "local", "thread", "vp")


def expand(model, n, params, what, rng, where=None):
    """Validate ``params`` for ``n`` nodes of ``model`` -> {key: per-node values}.

    Accepts one dict (numbers apply to all nodes; lists/arrays of length n and random
    parameters give one value per node), or a list of n dicts.  ``where``: the nodes'
    positions (:class:`csnn.spatial.Where`) for spatial parameters (``csnn.spatial.pos.x``),
    None for nodes without positions.
    """
    if params is None:
        return {}
    if isinstance(params, (list, tuple)):
        if len(params) == 1 and n > 1:
            params = list(params) * n
        if len(params) != n or not all(isinstance(p, dict) for p in params):
            raise BadParameterError(f"{what}: a list of parameter dicts needs one dict per node "
                                    f"({n}), got {len(params)} entries")
        keys = sorted(set().union(*(p.keys() for p in params)))
        missing = [k for k in keys if any(k not in p for p in params)]
        if missing:
            raise BadParameterError(f"{what}: every dict of the list must set the same keys; "
                                    f"{missing[0]!r} is missing in some")
        params = {k: [p[k] for p in params] for k in keys}
    if not isinstance(params, dict):
        raise BadTypeError(f"{what} must be a dict or a list of dicts, got {params!r}")
    if model.device is not None:
        params = model.device.translate_params(model.name, params)
    out = {}
    for key, value in params.items():
        spec = model.specs.get(key)
        if spec is None:
            if key in NODE_KEYS or key == "recordables":
                raise BadParameterError(f"{what}: {key!r} of {model.name} is read-only")
            raise unknown_parameter(model, key)
        if not spec.writable:
            raise BadParameterError(f"{what}: {key!r} of {model.name} is read-only")
        out[key] = per_node_values(model, spec, value, n, what, rng, where)
    return out


def per_node_values(model, spec, value, n, what, rng, where=None):
    owner = model.name
    if isinstance(value, crandom.Parameter):
        return spec.check_array(owner, value.sample(rng, n, where))
    if isinstance(value, dict) and "distribution" in value:
        return spec.check_array(owner, crandom.from_spec(value, f"{what}[{spec.name!r}]").sample(rng, n))
    per_node = isinstance(value, (list, tuple, np.ndarray)) and not spec.is_array
    if spec.is_array and isinstance(value, (list, tuple)) and len(value) == n and n > 1 and all(
            isinstance(v, (list, tuple, np.ndarray)) for v in value):
        per_node = True   # one array per node
    if per_node:
        if len(value) != n:
            raise BadParameterError(f"{what}[{spec.name!r}] has {len(value)} values for {n} nodes; "
                                    "give one value or one per node")
        return spec.check_array(owner, value) if not spec.is_array else [spec.check(owner, v) for v in value]
    checked = spec.check(owner, value)
    return [checked] * n if not isinstance(checked, (float, int)) or isinstance(checked, bool) else np.full(n, checked)


def store(value):
    """Parameter value as stored in a struct field (bools as 0/1)."""
    return float(value)


def is_per_node(model, key, value, n):
    spec = model.specs.get(key)
    if spec is None or isinstance(value, (str, dict, crandom.Parameter)):
        return False
    if spec.is_array:
        return isinstance(value, (list, tuple)) and len(value) == n and n > 1 and all(
            isinstance(v, (list, tuple, np.ndarray)) for v in value)
    return isinstance(value, (list, tuple, np.ndarray)) and len(value) == n


def write_derived(model, pop, rows, values):
    """Struct fields a core model computes from its parameters (``derive``), if it has any."""
    derive = getattr(model.core, "derive", None)
    if derive is not None:
        for key, column in derive(values).items():
            pop.data[key][rows] = column
