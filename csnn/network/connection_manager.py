"""Connections: ``Connect``'s rules and syn_spec, where connections are stored, and
``GetConnections`` with ``get``/``set`` of SynapseCollections.

:class:`ConnectionManager` checks a Connect call (the ends' kinds and directions, receptors,
weights and delays), draws its pairs (:mod:`csnn.network.connect`), and stores them: static synapses in
the engine's static table, plastic ones through the plastic parameter sets
(:mod:`csnn.network.plastic_sets`), devices' connections as streams and attachments
(:mod:`csnn.network.device_connections`).  It numbers the synapse models the engine stores and reads
connections back by :class:`~csnn.network.kinds.ConnectionKind`.
"""
import functools
import hashlib

import numpy as np

from .. import expressions as cexpr
from .. import random as crandom
from .._core import stdp as cstdp
from ..errors import BadParameterError, BadTypeError, IllegalConnectionError, as_numbers, unknown_name
from ..target_streams import TargetStreams
from . import connect as cconnect
from . import disconnect as cdisconnect
from . import pairwise as cpairwise
from . import spatial_connect as cspatial_connect
from .kinds import ConnectionKind, NodeKind
from .nodes import SynapseCollection, as_ids

#: set() calls number their random streams from here (Connect calls from 0)
SET_CALLS = 2 ** 63


class ConnectionManager:
    """The connections of one kernel."""

    def __init__(self, kernel):
        self.kernel = kernel
        self.syn_model_names = []                     # synapse model id -> name
        # every Connect call's ends, rule (with its numbers) and synapse model, hashed in a chain:
        # the processes of a distributed run agree on it before they simulate
        self.digest = b""
        self.connect_calls = 0
        self.removals = cdisconnect.Removals()
        self.restart_streams()

    def restart_streams(self):
        """Number the Connect and set calls that draw random numbers from 0 again: with the
        kernel's seed, the number is the key of a call's random streams
        (:class:`csnn.target_streams.TargetStreams`)."""
        self.drawing_connects = 0
        self.drawing_sets = 0

    def num_connections(self):
        """Synapses, streams and attachments."""
        return self.kernel.engine.num_synapses + self.kernel.device_connections.count()

    def synapse_model_id(self, name):
        """The id the engine stores for synapse model ``name`` (numbered as first used)."""
        if name not in self.syn_model_names:
            self.syn_model_names.append(name)
        return self.syn_model_names.index(name)

    def connect(self, pre, post, conn_spec=None, syn_spec=None, return_synapsecollection=False):
        """csnn.Connect, timed as NEST's time_construction_connect."""
        with self.kernel.kernel_status.timed("time_construction_connect"):
            return self._connect(pre, post, conn_spec, syn_spec, return_synapsecollection)

    def _connect(self, pre, post, conn_spec, syn_spec, return_synapsecollection):
        self.kernel.check_not_prepared("Connect")
        nodes = self.kernel.nodes
        pre_ids = as_ids(pre, "pre")
        post_ids = as_ids(post, "post")
        if pre_ids.size == 0 or post_ids.size == 0:
            raise IllegalConnectionError(f"Connect: {'pre' if pre_ids.size == 0 else 'post'} is empty")
        spec = cconnect.parse_conn_spec(conn_spec)
        syn_model, syn_params, common = self._parse_syn_spec(syn_spec)
        pre_kind = nodes.single_kind(pre_ids, "pre")
        post_kind = nodes.single_kind(post_ids, "post")
        self._check_direction(pre_ids, pre_kind, post_ids, post_kind)
        rows = np.arange(post_ids.size)
        if spec["rule"] in cconnect.PER_TARGET_RULES and pre_kind == NodeKind.NEURON and post_kind == NodeKind.NEURON:
            # the pairs and values of this process's targets only (those of generators and
            # recorders are numbered over every target, on every process)
            rows = rows[self.kernel.engine.owned(nodes.engine_indices(post_ids))]
        # memory: checked before drawing when the rule tells the number (this process's share),
        # else as the pairs are drawn (the expression rule draws in blocks of bounded size)
        kind = "plastic" if syn_model.rule else "static"
        expected = cconnect.expected_connections(spec, pre_ids.size, post_ids.size)
        if expected is not None:
            cconnect.check_memory(expected * rows.size / post_ids.size, kind, spec["rule"])
        endpoints = cexpr.Endpoints(pre_ids, post_ids, nodes.position_array)
        streams = self._streams_of_call(spec, pre_ids, post_ids, syn_model.name)
        where = None
        if cspatial_connect.is_spatial(spec, syn_params):
            plan = cspatial_connect.Plan(spec, self._layer(pre_ids, "pre"), self._layer(post_ids, "post"))
            room = functools.partial(cconnect.check_memory, kind=kind, rule=spec["rule"])
            i_pre, i_post, rng, where = cspatial_connect.pairs(spec, plan, pre_ids, post_ids, streams, rows,
                                                               self.kernel.rng, room)
            shape = select = None
        elif spec["rule"] in cconnect.PER_TARGET_RULES:
            i_pre, i_post, shape, select, index = cconnect.target_pairs(spec, pre_ids, post_ids, streams, rows)
            rng = streams.elements(i_post, index)
        else:
            i_pre, i_post, shape, select = cconnect.pairs(spec, pre_ids, post_ids, self.kernel.rng, endpoints, kind)
            rng = self.kernel.rng
        if spec["rule"] == "symmetric_pairwise_bernoulli":
            # its connections back run from post to pre: its pairs index the two joined
            if not pre_kind == post_kind == NodeKind.NEURON:
                raise IllegalConnectionError("Connect: rule 'symmetric_pairwise_bernoulli' connects neurons only")
            cpairwise.check_symmetric_values(syn_params)
            pre_ids = post_ids = np.concatenate([pre_ids, post_ids])
        n = i_pre.size
        connections = (i_pre, i_post, endpoints)
        weight = cconnect.values("weight", syn_params["weight"], n, shape, select, rng, spec["rule"], connections,
                                 where)
        delay = cconnect.values("delay", syn_params["delay"], n, shape, select, rng, spec["rule"], connections, where)
        _check_weights_delays(weight, delay)
        self.kernel.kernel_status.check_delays(delay)
        receptor = syn_params["receptor_type"]
        model_id = self.synapse_model_id(syn_model.name)
        before = self._row_lengths() if return_synapsecollection else None
        if pre_kind != NodeKind.METER and post_kind == NodeKind.NEURON:
            self._check_receptor(post_ids, receptor)
        if syn_model.rule and not (pre_kind == NodeKind.NEURON and post_kind == NodeKind.NEURON):
            raise IllegalConnectionError(
                f"Connect: {syn_model.name} is plastic and connects neurons only, not "
                f"{(pre_kind if pre_kind != NodeKind.NEURON else post_kind).plural}; to make a generator's spikes "
                "plastic, send them through a parrot_neuron")
        if syn_model.rule:
            columns, recorder = self.kernel.plasticity.columns_of_new(syn_model, syn_params, weight, shape, select, rng,
                                                                      spec["rule"])
        if streams.draws:
            self.drawing_connects += 1                 # the next call that draws gets streams of its own
        if n == 0:
            # checked, but the rule drew no pair (p = 0, indegree 0, a condition nobody meets)
            return self._new_connections(before) if return_synapsecollection else None
        if pre_kind == NodeKind.NEURON and post_kind == NodeKind.NEURON:
            # engine indices through the (small) collections, not per synapse through the node table
            pre_nidx = nodes.engine_indices(pre_ids).astype(np.int32)
            post_nidx = nodes.engine_indices(post_ids).astype(np.int32)
            if syn_model.rule:
                self.kernel.plasticity.connect(syn_model, common, columns, recorder, pre_nidx[i_pre], post_nidx[i_post],
                                      weight, delay, receptor, model_id)
            else:
                self.kernel.engine.static.add(pre_nidx[i_pre], target=post_nidx[i_post], weight=weight, delay=delay,
                                       model=model_id, port=receptor)
        elif pre_kind == NodeKind.GENERATOR:
            self.kernel.device_connections.connect_generators(pre_ids[i_pre], post_ids[i_post], weight, delay, receptor,
                                                              model_id, recorded=post_kind == NodeKind.SPIKE_RECORDER)
        else:
            self.kernel.device_connections.attach(pre_kind, pre_ids[i_pre], post_ids[i_post], weight, delay, model_id)
        syn_model.num_connections += n
        if return_synapsecollection:
            return self._new_connections(before)
        return None

    def _layer(self, ids, what):
        """(Layer, rows) of the nodes ``ids`` (``what``: 'pre' or 'post') of a spatial Connect."""
        found = self.kernel.nodes.layer_of(ids)
        if found is None:
            raise IllegalConnectionError(
                f"Connect: {what} must be nodes created with positions, all by one Create call (NEST's layers), for a "
                "mask, a parameter as 'p', use_on_source or spatial parameters as weight or delay")
        return found

    def _streams_of_call(self, spec, pre_ids, post_ids, model_name):
        """The random streams of a new Connect call, which enters the digest.  They are
        numbered by the calls before it that drew random numbers: adding a recorder's Connect
        changes no connection."""
        numbers = sorted((key, value) for key, value in spec.items() if isinstance(value, (bool, int, float)))
        self.log_call(spec["rule"], numbers, model_name, pre_ids=pre_ids, post_ids=post_ids)
        self.connect_calls += 1
        return TargetStreams(self.kernel.status["rng_seed"], self.drawing_connects)

    def log_call(self, *described, pre_ids, post_ids):
        """Enter a call that changes the connections (its description and ends) in the digest
        the processes of a distributed run compare."""
        data = repr(described).encode() + pre_ids.tobytes() + post_ids.tobytes()
        self.digest = hashlib.blake2b(self.digest + data, digest_size=8).digest()

    # -- Disconnect ------------------------------------------------------------------------------

    def disconnect(self, pre, post, conn_spec=None, syn_spec=None):
        """``Disconnect(pre, post, conn_spec, syn_spec)`` (csnn.network.disconnect)."""
        self.kernel.check_not_prepared("Disconnect")
        self._remove(cdisconnect.between(self, pre, post, conn_spec, syn_spec))

    def disconnect_collection(self, sc):
        """``SynapseCollection.disconnect()``: remove its connections."""
        self.kernel.check_not_prepared("Disconnect")
        self._remove(cdisconnect.of_collection(sc))

    def synapse_table(self, kind):
        """The built synapse table of ConnectionKind ``kind`` (STATIC or PLASTIC)."""
        return self._tables()[kind]

    def _remove(self, removed):
        """Remove synapses (ConnectionKind -> (sources, ranks)) from the engine's tables, count
        them off their models and log them for the collections made before."""
        for kind, (a, b) in removed.items():
            table = self.synapse_table(kind)
            slots = table.slots(a, b)
            models, counts = np.unique(table.gather("model", slots), return_counts=True)
            self.kernel.engine.remove_synapses(kind == ConnectionKind.PLASTIC, slots)
            for model_id, count in zip(models.tolist(), counts.tolist()):
                self.kernel.models.get(self.syn_model_names[model_id]).num_connections -= count
        self.removals.log(removed)

    def current(self, sc):
        """The ranks of SynapseCollection ``sc`` renumbered past the removals since it was made
        (-1 for those removed)."""
        return self.removals.renumbered(sc._generation, sc._kind, sc._a, sc._b)

    @staticmethod
    def check_present(sc):
        """Raise when a connection of ``sc`` (renumbered) was removed."""
        cdisconnect.check_present(sc)

    def _set_draws(self, sc):
        """Random streams for ``set`` on the connections of ``sc``: a connection's value is drawn
        from its target's stream at its rank among the collection's connections to that target,
        so every process draws what one process draws for the same connections.  Numbered apart
        from Connect calls: a process may set its own connections alone."""
        self.drawing_sets += 1
        streams = TargetStreams(self.kernel.status["rng_seed"], SET_CALLS + self.drawing_sets - 1)
        target = self.connection_table(sc, ["target"])["target"]
        order = np.argsort(target, kind="stable")
        ordered = target[order]
        rank = np.empty(target.size, np.int64)
        rank[order] = np.arange(target.size) - np.searchsorted(ordered, ordered)
        return streams.elements(target, rank)

    def _parse_syn_spec(self, syn_spec):
        if syn_spec is None:
            syn_spec = {}
        elif isinstance(syn_spec, str):
            syn_spec = {"synapse_model": syn_spec}
        elif not isinstance(syn_spec, dict):
            raise BadTypeError(f"syn_spec must be a synapse model name or a dict, got {syn_spec!r}")
        syn_spec = dict(syn_spec)
        namespace = cexpr.check_namespace(syn_spec.pop("namespace", {}), "syn_spec['namespace']")
        if "model" in syn_spec:
            if "synapse_model" in syn_spec:
                raise BadParameterError("syn_spec gives both 'model' (NEST 2) and 'synapse_model'; give one")
            syn_spec["synapse_model"] = syn_spec.pop("model")
        model = self.kernel.models.get(syn_spec.pop("synapse_model", "static_synapse"), "synapse model", "synapse")
        if model.kind != "synapse":
            raise BadParameterError(f"syn_spec: {model.name!r} is a node model, not a synapse model; "
                                    f"synapse models: {', '.join(self.kernel.models.names('synapse'))}")
        params = dict(model.defaults)
        params["weight_recorder"] = None           # the model's, unless the syn_spec names one
        common = {}
        for key, value in syn_spec.items():
            if key not in model.specs:
                raise unknown_name(f"syn_spec key for {model.name}", key, model.specs)
            if not model.specs[key].writable:
                raise BadParameterError(f"syn_spec: {model.name} parameter {key!r} is read-only")
            if key == "weight_recorder" and not model.rule:
                raise BadParameterError(f"syn_spec: {model.name} has a fixed weight; a weight_recorder records "
                                        "plastic synapses")
            if key in model.common:
                if not model.rule:
                    raise BadParameterError(f"syn_spec: {key!r} of {model.name} is common to all its synapses; set "
                                            f"it with SetDefaults({model.name!r}, {{{key!r}: value}}) or CopyModel")
                common[key] = model.specs[key].check(model.name, value)
                continue
            if key == "receptor_type":
                value = model.specs[key].check(model.name, value)
            if key in ("weight", "delay") and isinstance(value, str):
                value = cexpr.parse(value, f"syn_spec[{key!r}]", namespace, cexpr.NUMBER)
            params[key] = value
        return model, params, common

    def _check_direction(self, pre_ids, pre_kind, post_ids, post_kind):
        first_pre, first_post = int(pre_ids[0]), int(post_ids[0])
        nodes = self.kernel.nodes
        if NodeKind.WEIGHT_RECORDER in (pre_kind, post_kind):
            gid = first_pre if pre_kind == NodeKind.WEIGHT_RECORDER else first_post
            raise IllegalConnectionError(f"Connect: {nodes.describe(gid)} is not connected: give it to a plastic "
                                         "synapse model, CopyModel('stdp_synapse', 'stdp_rec', "
                                         "{'weight_recorder': recorder})")
        if post_kind == NodeKind.GENERATOR:
            raise IllegalConnectionError(f"Connect: {nodes.describe(first_post)} is a stimulation device and "
                                         "cannot receive connections; connect it as Connect(generator, neurons)")
        if pre_kind == NodeKind.SPIKE_RECORDER:
            raise IllegalConnectionError(f"Connect: {nodes.describe(first_pre)} records the spikes sent to it and "
                                         "cannot be a source; connect as Connect(neurons, recorder)")
        if post_kind == NodeKind.METER:
            raise IllegalConnectionError(f"Connect: {nodes.describe(first_post)} samples the neurons it is "
                                         "connected to and cannot be a target; connect as Connect(multimeter, neurons)")
        if post_kind == NodeKind.SPIKE_RECORDER and pre_kind not in (NodeKind.NEURON, NodeKind.GENERATOR):
            raise IllegalConnectionError(f"Connect: {nodes.describe(first_post)} records spikes of neurons and "
                                         f"generators, not of {nodes.describe(first_pre)}")
        if pre_kind == NodeKind.METER and post_kind != NodeKind.NEURON:
            raise IllegalConnectionError(f"Connect: {nodes.describe(first_pre)} can only sample neurons, not "
                                         f"{nodes.describe(first_post)}")
        if pre_kind == NodeKind.GENERATOR:
            models = {nodes.model(g).name: nodes.model(g) for g in np.unique(post_ids).tolist()}
            for gen_gid in np.unique(pre_ids).tolist():
                device = nodes.device(gen_gid)
                if device.ACCEPTS == "current" and post_kind == NodeKind.SPIKE_RECORDER:
                    raise IllegalConnectionError(f"Connect: {nodes.describe(gen_gid)} makes a current, which a "
                                                 f"spike recorder does not record (nor does NEST's)")
                for m in models.values():
                    if device.ACCEPTS == "current" and not m.core.ACCEPTS_CURRENT:
                        raise IllegalConnectionError(f"Connect: {m.name} does not accept currents, so "
                                                     f"{nodes.describe(gen_gid)} cannot be connected to it")
        if pre_kind == NodeKind.METER:
            for gen_gid in np.unique(pre_ids).tolist():
                meter = nodes.device(gen_gid)
                for g in np.unique(post_ids).tolist():
                    m = nodes.model(g)
                    missing = [v for v in meter.params["record_from"] if v not in m.recordables]
                    if missing:
                        raise IllegalConnectionError(
                            f"Connect: {nodes.describe(gen_gid)} records {missing[0]!r}, which {m.name} "
                            f"(id {g}) does not have; its recordables: {list(m.recordables)}")

    def _check_receptor(self, targets, receptor):
        nodes = self.kernel.nodes
        for m in {nodes.model(g).name: nodes.model(g) for g in np.unique(targets).tolist()}.values():
            if receptor not in m.core.PORTS:
                raise IllegalConnectionError(f"Connect: receptor_type {receptor} is not a receptor of {m.name}; "
                                             f"accepted: {list(m.core.PORTS)}")

    # -- queries: they read the tables as they are, never building them ------------------------

    def _tables(self):
        """The synapse tables by connection kind, built (to change them)."""
        self.kernel.engine.build()
        return {ConnectionKind.STATIC: self.kernel.engine.static, ConnectionKind.PLASTIC: self.kernel.engine.plastic}

    def _table_views(self):
        """The synapse tables by connection kind as they read, queued synapses included, without
        building them (SynapseTable.view)."""
        engine = self.kernel.engine
        return {ConnectionKind.STATIC: engine.static.view(engine.n_neurons),
                ConnectionKind.PLASTIC: engine.plastic.view(engine.n_neurons)}

    def _row_lengths(self):
        """What identifies the connections made so far: each synapse table's row lengths (by
        kind), the numbers of streams and attachments."""
        return ({code: np.diff(table.offsets) for code, table in self._table_views().items()},
                self.kernel.device_connections.counts())

    def _all_connections(self, sources=None):
        """Every connection, or at least those from the nodes ``sources`` (gids; the synapse
        tables are read only in their rows): (kind, a, b, source gid, target gid, model id)
        arrays (ConnectionKind says what a and b are)."""
        gids_at = self.kernel.nodes.gids_at
        rows_of = None if sources is None else self.kernel.nodes.engine_indices(sources)
        parts = []
        for kind, table in self._table_views().items():
            src_idx, rank, slot = table.row_slots(rows_of)
            parts.append((np.full(src_idx.size, kind, np.int8), src_idx, rank, gids_at(src_idx),
                          gids_at(table.columns["target"][slot]), table.gather("model", slot).astype(np.int64)))
        parts += self.kernel.device_connections.connections()
        return tuple(np.concatenate(column) for column in zip(*parts))

    def _new_connections(self, before):
        """The connections made since ``before`` (:meth:`_row_lengths`), as a SynapseCollection."""
        rows_before, device_counts = before
        kind, a, b, source, target, model = self._all_connections()
        new = np.ones(kind.size, bool)
        for code, lengths in rows_before.items():
            old_rows = np.zeros(self.kernel.engine.n_neurons, dtype=np.int64)
            old_rows[:lengths.size] = lengths
            sel = kind == code
            new[sel] = b[sel] >= old_rows[a[sel]]
        for code, count in device_counts.items():
            new[kind == code] = a[kind == code] >= count
        order = np.lexsort((target[new], source[new]))
        return SynapseCollection(self.kernel, kind[new][order], a[new][order], b[new][order])

    def get_connections(self, source=None, target=None, synapse_model=None):
        """Connections from ``source`` to ``target`` of ``synapse_model`` (None: any), ordered by
        source and target."""
        source_ids = None if source is None else as_ids(source, "source")
        kind, a, b, src, tgt, model = self._all_connections(source_ids)
        keep = np.ones(kind.size, bool)
        if source is not None:
            keep &= np.isin(src, source_ids)
        if target is not None:
            keep &= np.isin(tgt, as_ids(target, "target"))
        if synapse_model is not None:
            m = self.kernel.models.get(synapse_model, "synapse model", "synapse")
            keep &= model == (self.syn_model_names.index(m.name) if m.name in self.syn_model_names else -1)
        order = np.lexsort((tgt[keep], src[keep]))
        return SynapseCollection(self.kernel, kind[keep][order], a[keep][order], b[keep][order])

    def _plastic_rule(self, sc, table):
        """The plasticity rule's model spec when every connection of ``sc`` is plastic with one
        rule (its parameters and state are then connection properties), else None; ``table``:
        the plastic table."""
        if len(sc) == 0 or not np.all(sc._kind == ConnectionKind.PLASTIC):
            return None
        models = {self.syn_model_names[m] for m in table.gather("model", table.slots(sc._a, sc._b)).tolist()}
        bases = {self.kernel.models.get(m).base for m in models}
        return cstdp.SYNAPSE_MODELS[bases.pop()] if len(bases) == 1 else None

    def connection_table(self, sc, keys=None):
        """Columns of connection properties for a SynapseCollection."""
        tables = self._table_views()
        kind, a, b = sc._kind, sc._a, sc._b
        n = kind.size
        columns = {"source": np.zeros(n, np.int64), "target": np.zeros(n, np.int64), "weight": np.zeros(n),
                   "delay": np.zeros(n), "receptor": np.zeros(n, np.int64), "port": np.zeros(n, np.int64),
                   "synapse_id": np.zeros(n, np.int64), "target_thread": np.zeros(n, np.int64)}
        gids_at = self.kernel.nodes.gids_at
        for code, table in tables.items():
            sel = kind == code
            slot = table.slots(a[sel], b[sel])
            columns["source"][sel] = gids_at(a[sel])
            columns["target"][sel] = gids_at(table.columns["target"][slot])
            columns["weight"][sel] = table.gather("weight", slot)
            columns["delay"][sel] = table.gather("delay", slot)
            columns["receptor"][sel] = table.gather("port", slot)
            columns["synapse_id"][sel] = table.gather("model", slot)
            # a synapse's rank in its source's row on its process (NEST numbers them per thread)
            columns["port"][sel] = b[sel]
        self.kernel.device_connections.fill_properties(columns, kind, a)
        columns["target_thread"] = self.kernel.nodes.placement(columns["target"])[1]
        columns["synapse_model"] = np.array([self.syn_model_names[i] for i in columns["synapse_id"].tolist()],
                                            dtype=object) if n else np.zeros(0, dtype=object)
        # NEST's synapse_id: the model's number, its synapse_modelid (GetDefaults)
        registry_ids = np.array([self.kernel.models.model_id(name) for name in self.syn_model_names], dtype=np.int64)
        columns["synapse_id"] = registry_ids[columns["synapse_id"]] if n else columns["synapse_id"]
        columns.update(self._plastic_columns(sc, tables[ConnectionKind.PLASTIC], columns["synapse_model"]))
        if keys is None:
            return columns
        for key in keys:
            if key not in columns:
                raise unknown_name("connection property", key, columns)
        return {k: columns[k] for k in keys}

    def _plastic_columns(self, sc, table, synapse_model):
        """The parameters and state of the plastic connections of ``sc`` (``table``: the plastic
        table; ``synapse_model``: each connection's model name): arrays, or where other
        connections lack a property, object arrays holding None for them (as NEST's)."""
        plastic = sc._kind == ConnectionKind.PLASTIC
        if not plastic.any():
            return {}
        bases = np.array([self.kernel.models.get(name).base if kind else ""
                          for name, kind in zip(synapse_model.tolist(), plastic.tolist())], dtype=object)
        columns = {}
        for base in sorted(set(bases[plastic].tolist())):
            sel = bases == base
            found = self.kernel.plasticity.properties(cstdp.SYNAPSE_MODELS[base], table,
                                                      table.slots(sc._a[sel], sc._b[sel]), synapse_model[sel])
            if sel.all():
                return found
            for name, values in found.items():
                column = columns.setdefault(name, np.full(sel.size, None, dtype=object))
                for i, value in zip(np.flatnonzero(sel).tolist(), values):
                    column[i] = value
        return columns

    def set_connections(self, sc, params):
        """Change properties of connections ``sc`` (SynapseCollection.set): every value is
        checked before any changes."""
        if not isinstance(params, dict):
            raise BadTypeError(f"set(): params must be a dict, got {params!r}")
        if "weight" in params and len(sc):
            for name in sorted(set(self.connection_table(sc, ["synapse_model"])["synapse_model"].tolist())):
                if "weight" in self.kernel.models.get(name).common:
                    raise BadParameterError(f"set(): the weight of {name} is common to all its synapses; change it "
                                            f"with SetDefaults({name!r}, {{'weight': value}})")
        self._apply(sc, params)

    def set_common_weight(self, model):
        """Every synapse of ``model`` (whose weight is common: static_synapse_hom_w or a copy)
        takes the model's weight, after SetDefaults changed it."""
        sc = self.get_connections(synapse_model=model.name)
        if len(sc):
            self._apply(sc, {"weight": model.defaults["weight"]})

    def _apply(self, sc, params):
        """set_connections once the keys are allowed."""
        if set(params) - {"weight"}:
            # weights may change between runs of one Prepare; delays and rule parameters not
            self.kernel.check_not_prepared(f"set({', '.join(map(repr, sorted(set(params) - {'weight'})))})")
        n = len(sc)
        rule = self._plastic_rule(sc, self._table_views()[ConnectionKind.PLASTIC])
        plastic_keys = [name for name, *_ in rule["parameters"] + rule["state"]] if rule else []
        checked = {}
        draws = None
        for key, value in params.items():
            if rule is not None and key in [name for name, *_ in rule.get("common", ())]:
                raise BadParameterError(f"set(): {key!r} is common to all synapses of the model; change it with "
                                        f"SetDefaults(model, {{{key!r}: value}})")
            if key not in ("weight", "delay") and key not in plastic_keys:
                if key in ("source", "target", "synapse_model", "receptor", "port", "synapse_id", "target_thread"):
                    raise BadParameterError(f"connection property {key!r} is read-only")
                raise unknown_name("connection property", key, ["weight", "delay"] + plastic_keys)
            if isinstance(value, (crandom.Parameter, dict)):
                if draws is None:
                    draws = self._set_draws(sc)
                arr = (value if isinstance(value, crandom.Parameter) else crandom.from_spec(value, key)).sample(draws, n)
            else:
                arr = as_numbers(value, f"set(): {key}")
                if arr.shape not in ((), (n,)):
                    raise BadTypeError(f"set(): {key} must be a number or one value per connection ({n}), got an "
                                       f"array of shape {arr.shape}")
                arr = np.broadcast_to(arr, (n,)).copy()
            checked[key] = arr
        _check_weights_delays(checked.get("weight", np.zeros(0)), checked.get("delay", np.ones(0)))
        self.kernel.kernel_status.check_delays(checked.get("delay", np.ones(0)))
        kind, a, b = sc._kind, sc._a, sc._b
        self.kernel.device_connections.check_change(kind, a, checked)
        tables = self._tables()
        plastic = tables[ConnectionKind.PLASTIC]
        traces = (self.kernel.plasticity.set_values(plastic, plastic.slots(a, b), rule, checked, self.syn_model_names)
                  if rule is not None else {})
        for code, table in tables.items():
            sel = kind == code
            slot = table.slots(a[sel], b[sel])
            for key in ("weight", "delay"):
                if key in checked:
                    table.scatter(key, slot, checked[key][sel])
        new_sets = rule is not None and any(name in checked for name, *_ in rule["parameters"])
        if traces or new_sets or "delay" in checked:
            self.kernel.plasticity.regroup_traces(plastic, sc, traces)
        self.kernel.device_connections.set_values(kind, a, checked)
        if "delay" in checked:
            self.kernel.engine.refresh_delays()
        self.kernel.device_connections.restart(kind, a)


def _check_weights_delays(weight, delay):
    if weight.size and not np.all(np.isfinite(weight)):
        bad = float(weight[~np.isfinite(weight)][0])
        raise BadParameterError(f"weight = {bad!r} is invalid: weights must be finite numbers")
    if delay.size and not np.all(np.isfinite(delay) & (delay > 0)):
        bad = float(delay[~(np.isfinite(delay) & (delay > 0))][0])
        raise BadParameterError(f"delay = {bad!r} ms is invalid: delays must be finite and > 0 ms "
                                "(csnn's delays are continuous; any positive value works)")
