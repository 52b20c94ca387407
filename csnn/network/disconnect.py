"""Disconnect: the synapses between neurons that ``Disconnect`` and
``SynapseCollection.disconnect`` remove, and what collections made before a removal hold after it.

NEST 3's rules apply: ``Disconnect(pre, post, conn_spec, syn_spec)`` removes, for each pair of
the rule (``one_to_one``, the default, or ``all_to_all``), one connection of the synapse model
(``static_synapse`` by default) from the pre to the post node, the oldest when there are
several; every pair must have one left, else nothing is removed and the error names the pair
(NEST removes the pairs before it, then raises).  Connections of generators and recorders are
not removed, as in NEST.  The engine removes the synapses from its tables between runs
(``Engine.remove_synapses``): the other synapses keep their weights and plasticity state, and
spikes in flight through a removed synapse are not delivered (NEST still delivers those it sent
before its last min-delay slice).

A synapse is identified by (source, rank in the source's row); removing synapses lowers the
ranks after them.  :class:`Removals` logs what each call removed, so that a SynapseCollection
made before it finds its connections again (``for c in conns: c.disconnect()`` works, as in
NEST) and one that holds a removed connection says so when it is used.
"""
import numpy as np

from ..errors import BadParameterError, BadTypeError, IllegalConnectionError
from .kinds import ConnectionKind, NodeKind
from .nodes import as_ids

#: the rules Disconnect takes (NEST's)
RULES = ("one_to_one", "all_to_all")
#: the rank a SynapseCollection holds for a connection removed since it was made
REMOVED = -1
#: (source, rank) as one int64 key: source * RANKS + rank (a row's ranks are int32)
RANKS = 2 ** 32


class Removals:
    """What every removal took: per call, the removed synapses' keys (sorted) by table kind."""

    def __init__(self):
        self.calls = []

    @property
    def generation(self):
        """How many removals there have been: a SynapseCollection made after the n-th holds n."""
        return len(self.calls)

    def log(self, removed):
        """Log one call's removal: ``removed``: ConnectionKind -> (sources, ranks)."""
        self.calls.append({kind: np.sort(np.asarray(a, np.int64) * RANKS + b) for kind, (a, b) in removed.items()})

    def renumbered(self, generation, kind, a, b):
        """The ranks ``b`` of connections (kind, a, b) held since removal ``generation``, as they
        are now: -1 for those removed (REMOVED)."""
        b = b.copy()
        for call in self.calls[generation:]:
            for code, keys in call.items():
                sel = np.flatnonzero((kind == code) & (b != REMOVED))
                if sel.size == 0:
                    continue
                key = a[sel] * RANKS + b[sel]
                before = np.searchsorted(keys, key)
                gone = (before < keys.size) & (keys[np.minimum(before, keys.size - 1)] == key)
                b[sel] -= before - np.searchsorted(keys, a[sel] * RANKS)
                b[sel[gone]] = REMOVED
        return b


def check_present(sc):
    """Raise when a connection of SynapseCollection ``sc`` (renumbered) was removed."""
    gone = np.flatnonzero(sc._b == REMOVED)
    if gone.size:
        raise IllegalConnectionError(f"connection {int(gone[0])} of this SynapseCollection was removed by Disconnect; "
                                     "get the connections that remain with GetConnections")


def parse_specs(manager, conn_spec, syn_spec):
    """(rule, synapse model) of Disconnect's ``conn_spec`` and ``syn_spec`` (NEST's defaults:
    'one_to_one', 'static_synapse')."""
    spec = {"rule": "one_to_one" if conn_spec is None else conn_spec} if not isinstance(conn_spec, dict) \
        else conn_spec
    rule = spec.get("rule")
    if not isinstance(rule, str) or rule not in RULES:
        raise BadParameterError(f"Disconnect: rule {rule!r} is invalid; accepted (as in NEST): "
                                f"{', '.join(map(repr, RULES))}")
    extra = sorted(set(spec) - {"rule"})
    if extra:
        raise BadParameterError(f"Disconnect: conn_spec keys {extra} are invalid: Disconnect reads the rule only, "
                                f"{{'rule': {rule!r}}}")
    if syn_spec is None:
        syn_spec = "static_synapse"
    if isinstance(syn_spec, dict):
        syn_spec = dict(syn_spec)
        if "model" in syn_spec and "synapse_model" not in syn_spec:
            syn_spec["synapse_model"] = syn_spec.pop("model")           # NEST 2's key
        extra = sorted(set(syn_spec) - {"synapse_model"})
        if extra:
            raise BadParameterError(f"Disconnect: syn_spec keys {extra} are invalid: Disconnect selects "
                                    "connections by their synapse model only, {'synapse_model': name}")
        syn_spec = syn_spec.get("synapse_model", "static_synapse")
    if not isinstance(syn_spec, str):
        raise BadTypeError(f"Disconnect: syn_spec = {syn_spec!r} is invalid: give a synapse model name or "
                           "{'synapse_model': name}")
    model = manager.kernel.models.get(syn_spec, "synapse model", "synapse")
    if model.kind != "synapse":
        raise BadParameterError(f"Disconnect: {model.name!r} is a node model, not a synapse model")
    return rule, model


def between(manager, pre, post, conn_spec, syn_spec):
    """The connections ``Disconnect(pre, post, conn_spec, syn_spec)`` removes, as
    ConnectionKind -> (sources, ranks), checked to exist (see the module docstring)."""
    nodes = manager.kernel.nodes
    pre_ids, post_ids = as_ids(pre, "pre"), as_ids(post, "post")
    rule, model = parse_specs(manager, conn_spec, syn_spec)
    for ids, what in ((pre_ids, "pre"), (post_ids, "post")):
        if ids.size and nodes.single_kind(ids, what) != NodeKind.NEURON:
            raise IllegalConnectionError(f"Disconnect: {what} holds {nodes.single_kind(ids, what).plural}; "
                                         "connections of devices cannot be removed (nor can they in NEST)")
    if rule == "one_to_one":
        if pre_ids.size != post_ids.size:
            raise BadParameterError(f"Disconnect: rule 'one_to_one' needs pre and post of one size, got "
                                    f"{pre_ids.size} and {post_ids.size}")
        i_pre = i_post = np.arange(pre_ids.size)
    else:
        i_pre = np.repeat(np.arange(pre_ids.size), post_ids.size)
        i_post = np.tile(np.arange(post_ids.size), pre_ids.size)
    src = nodes.engine_indices(pre_ids)[i_pre]
    tgt = nodes.engine_indices(post_ids)[i_post]
    local = manager.kernel.engine.owned(tgt)          # another process holds the synapses onto its neurons
    manager.log_call("Disconnect", rule, model.name, pre_ids=pre_ids, post_ids=post_ids)
    src, tgt = src[local], tgt[local]
    kind = ConnectionKind.PLASTIC if model.rule else ConnectionKind.STATIC
    table = manager.synapse_table(kind)
    c_src, c_rank, slot = table.row_slots(np.unique(src))
    c_tgt = table.columns["target"][slot]
    model_id = manager.syn_model_names.index(model.name) if model.name in manager.syn_model_names else -1
    candidate = (table.gather("model", slot) == model_id) & np.isin(c_tgt, tgt)
    c_src, c_rank, c_tgt = c_src[candidate], c_rank[candidate], c_tgt[candidate]
    # the k-th request of a pair takes the pair's k-th connection in its row (oldest first)
    pair_ids, inverse = np.unique(np.concatenate([src * RANKS + tgt, c_src * RANKS + c_tgt]), return_inverse=True)
    wanted, have = inverse[:src.size], inverse[src.size:]
    radix = max(src.size, c_src.size) + 1
    request = wanted * radix + _occurrence(wanted)
    offer = have * radix + _occurrence(have)
    found = np.isin(request, offer)
    if not found.all():
        k = int(np.flatnonzero(found == 0)[0])
        raise IllegalConnectionError(
            f"Disconnect: there is no {model.name} connection (left) from node {int(pre_ids[i_pre[local][k]])} to node "
            f"{int(post_ids[i_post[local][k]])}; nothing was disconnected")
    taken = np.isin(offer, request)
    return {kind: (c_src[taken], c_rank[taken])}


def _occurrence(values):
    """For each entry of ``values``, how many equal entries come before it."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    occurrence = np.empty(values.size, np.int64)
    occurrence[order] = np.arange(values.size) - np.searchsorted(ordered, ordered)
    return occurrence


def of_collection(sc):
    """The connections ``sc.disconnect()`` removes, as ConnectionKind -> (sources, ranks)."""
    sc._check_alive()
    devices = ~np.isin(sc._kind, (ConnectionKind.STATIC, ConnectionKind.PLASTIC))
    if devices.any():
        raise IllegalConnectionError(f"Disconnect: connection {int(np.flatnonzero(devices)[0])} of the "
                                     "SynapseCollection is a device's; connections of devices cannot be removed "
                                     "(nor can they in NEST)")
    removed = {}
    for kind in (ConnectionKind.STATIC, ConnectionKind.PLASTIC):
        sel = sc._kind == kind
        a, b = sc._a[sel], sc._b[sel]
        if np.unique(a * RANKS + b).size < a.size:
            raise IllegalConnectionError("Disconnect: the SynapseCollection holds a connection twice")
        if a.size:
            removed[kind] = (a, b)
    return removed
