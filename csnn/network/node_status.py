"""Status of nodes: ``GetStatus``/``SetStatus`` and ``get``/``set`` of NodeCollections.

:class:`NodeStatus` reads a node's parameters where they live (a neuron's struct row, the
engine's view of its state for recordables, the node manager's trace constants, a device's
own status) and checks every change of a SetStatus before it makes any.
"""
import functools

import numpy as np

from .. import spatial as cspatial
from ..errors import BadParameterError, BadTypeError
from .models import RECORDABLE_CODES, check_neurons, unknown_parameter
from .node_manager import ARCHIVE_KEYS
from .node_params import NODE_KEYS, expand, is_per_node, store, write_derived
from .results import plain


#: the status keys that say where a node lives, in the order NodeManager.placement returns them
PLACEMENT_KEYS = ("local", "thread", "vp")


class NodeStatus:
    """Get and set the parameters of the nodes of one kernel."""

    def __init__(self, kernel):
        self.kernel = kernel

    def node_status(self, gid):
        """Every parameter of node ``gid`` (a dict, keys sorted as NEST's, plain Python values).
        A neuron another MPI process simulates has only the keys of NEST's proxy nodes
        (NODE_KEYS): this process does not hold its state."""
        model = self.kernel.nodes.model(gid)
        base = {key: self.node_status_key(model, gid, key) for key in NODE_KEYS}
        if not base["local"]:
            return dict(sorted(base.items()))
        if model.kind == "neuron":
            d = {key: self.column([gid], key)[0] for key in model.specs}
            d["recordables"] = list(model.recordables)
        else:
            d = {key: plain(value) for key, value in self.kernel.nodes.device(gid).status().items()}
        d.update(base)
        return dict(sorted(d.items()))

    def column(self, ids, key):
        """Values of ``key`` for nodes ``ids`` (list, one per node, plain Python values).  Nodes
        whose model lacks ``key`` have None, as in NEST; a key no model of them has raises."""
        ids = np.asarray(ids, dtype=np.int64)
        out = [None] * ids.size
        models = self.kernel.nodes.models_of(ids)
        groups = {m.name: m for m in models}.values()
        if groups and not any(_has_key(model, key) for model in groups):
            raise unknown_parameter(next(iter(groups)), key)
        for model in groups:
            where = np.flatnonzero([m is model for m in models])
            gids = ids[where]
            if not _has_key(model, key):
                continue
            if key in PLACEMENT_KEYS:
                values = self._placement(gids, key).tolist()
            elif key in NODE_KEYS or key == "recordables":
                values = [self.node_status_key(model, g, key) for g in gids.tolist()]
            elif model.kind == "neuron":
                # another process's neurons have no value here (None, as NEST's proxy nodes)
                local = self.kernel.nodes.placement(gids)[0]
                values = [None] * gids.size
                for k, v in zip(np.flatnonzero(local).tolist(), self._neuron_column(model, gids[local], key)):
                    values[k] = v
            else:
                values = [plain(self.kernel.nodes.device(g).status()[key]) for g in gids.tolist()]
            for k, v in zip(where.tolist(), values):
                out[k] = v
        return out

    def node_status_key(self, model, gid, key):
        """Key ``key`` of NODE_KEYS or "recordables" of node ``gid`` of ``model``."""
        if key in PLACEMENT_KEYS:
            return self._placement(np.array([gid], dtype=np.int64), key)[0].item()
        if key == "model_id":
            return self.kernel.models.model_id(model.name)
        return {"model": model.name, "global_id": gid, "element_type": model.element_type,
                "recordables": list(model.recordables)}[key]

    def _placement(self, gids, key):
        """Key ``key`` of PLACEMENT_KEYS of nodes ``gids`` (an array): where they live."""
        return self.kernel.nodes.placement(gids)[PLACEMENT_KEYS.index(key)]

    def _neuron_column(self, model, gids, key):
        spec = model.specs[key]
        pop = self.kernel.nodes.population(model)
        rows = self.kernel.nodes.rows(gids)
        if key in RECORDABLE_CODES and key in model.recordables:
            values = self.kernel.engine.rows(model.code, pop.data, rows, "values", RECORDABLE_CODES[key])
        elif key in ARCHIVE_KEYS:
            values = self.kernel.nodes.archive_values(key, gids)
        else:
            values = pop.data[key][rows]
        if spec.constraint == "bool":
            return [bool(v) for v in values]
        return [float(v) for v in values]

    def get_status(self, ids, keys=None):
        """A list of dicts, one per node, with ``keys`` (all parameters when None; see
        ``node_status`` and ``column``)."""
        if keys is None:
            return [self.node_status(g) for g in ids.tolist()]
        columns = {k: self.column(ids, k) for k in keys}
        return [{k: columns[k][i] for k in keys} for i in range(ids.size)]

    def set_status(self, ids, params):
        """Set parameters of nodes ``ids`` (dict, per-node values, or list of dicts).  Every
        change is checked before any is made: a call that fails changes nothing."""
        if isinstance(params, (list, tuple)) and len(params) == 1:
            params = params[0]
        if isinstance(params, (list, tuple)):
            if len(params) != ids.size:
                raise BadParameterError(f"SetStatus: a list of {len(params)} dicts for {ids.size} nodes; "
                                        "give one dict, or one per node")
            changes = [change for gid, p in zip(ids.tolist(), params) for change in self._changes(np.array([gid]), p)]
        else:
            changes = self._changes(ids, params)
        for apply in changes:
            apply()

    def _positions(self, ids):
        """The positions of nodes ``ids`` for spatial parameters (csnn.spatial.pos.x), None
        unless they belong to one layer."""
        found = self.kernel.nodes.layer_of(ids)
        return None if found is None else cspatial.Where(found[0], nodes=found[0].positions[found[1]])

    def _changes(self, ids, params):
        """Check setting ``params`` (a dict) on nodes ``ids`` -> the functions that make the
        changes, one per model (none of them fails)."""
        if not isinstance(params, dict):
            raise BadTypeError(f"SetStatus: params must be a dict or a list of dicts, got {params!r}")
        models = self.kernel.nodes.models_of(ids)
        changes = []
        for model in {m.name: m for m in models}.values():
            where = np.flatnonzero([m is model for m in models])
            sub = {k: ([v[i] for i in where.tolist()] if is_per_node(model, k, v, ids.size) else v)
                   for k, v in params.items()}
            values = expand(model, where.size, sub, "SetStatus", self.kernel.rng, self._positions(ids[where]))
            if not values:
                continue
            if model.kind == "neuron":
                changes.append(self._neuron_changes(model, ids[where], values))
            else:
                devices = [(self.kernel.nodes.device(gid), {key: column[k] for key, column in values.items()})
                           for k, gid in enumerate(ids[where].tolist())]
                for device, change in devices:
                    device.validate(change)
                changes.append(functools.partial(_set_devices, devices))
        return changes

    def _neuron_changes(self, model, gids, values):
        """Check new ``values`` of neurons ``gids`` -> the function that sets them."""
        archive = {key: np.asarray(values.pop(key), dtype=float) for key in ARCHIVE_KEYS if key in values}
        nodes, engine = self.kernel.nodes, self.kernel.engine
        pop = nodes.population(model)
        rows = nodes.rows(gids)
        trial = None
        if values:
            trial = {key: pop.data[key][rows].copy() for key, s in model.specs.items()
                     if s.writable and key not in ARCHIVE_KEYS}
            for key, column in values.items():
                trial[key] = np.asarray([store(v) for v in column] if isinstance(column, list) else column,
                                        dtype=float)
            if "V_m" in trial and "V_m" not in values:
                trial["V_m"] = np.asarray(engine.rows(model.code, pop.data, rows, "values", RECORDABLE_CODES["V_m"]))
            check_neurons(model, trial)

        def apply():
            if archive:
                nodes.set_archive(gids, archive)
            if trial is not None:
                engine.rows(model.code, pop.data, rows, "commit")
                for key in values:
                    pop.data[key][rows] = trial[key]
                write_derived(model, pop, rows, trial)
                engine.rows(model.code, pop.data, rows, "refresh")
        return apply


def _has_key(model, key):
    """Whether nodes of ``model`` have status key ``key``."""
    return key in PLACEMENT_KEYS or key in NODE_KEYS or key in model.specs or (
        key == "recordables" and model.kind == "neuron")


def _set_devices(devices):
    """Apply changes the devices validated: (device, change) pairs."""
    for device, change in devices:
        device.set(change)
