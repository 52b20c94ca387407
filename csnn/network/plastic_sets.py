"""Plastic synapses' parameter sets: what a plastic connection's rule reads besides its own state.

Connections of a plastic model share a parameter set per (model, weight recorder, row of
per-connection parameter values): :class:`PlasticSets` numbers the sets (at most 65535), gives
the engine their records at Prepare, checks and stores a Connect call's plastic columns, and
reads and changes the parameters and state of existing plastic connections.
"""
import numbers
import warnings

import numpy as np

from .._core import stdp as cstdp
from ..devices.recorders import WeightRecorder
from ..errors import BadParameterError, CSNNWarning, IllegalConnectionError, KernelStateError
from . import connect as cconnect
from .kinds import ConnectionKind
from .models import check_plastic_weights
from .nodes import as_ids


class PlasticSets:
    """The parameter sets of one kernel's plastic synapses."""

    def __init__(self, kernel):
        self.kernel = kernel
        self.sets = {}                                # parameter-set key -> index
        self.readout_models = []                      # models with a readout log in the engine

    def columns_of_new(self, model, params, weight, shape, select, rng, rule):
        """Check the per-connection parameters and state of the plastic connections of a
        Connect call (``weight``: theirs; ``shape``, ``select``, ``rng``: as
        :func:`csnn.network.connect.values` takes them) -> (columns of values, the weight
        recorder given in the syn_spec or None)."""
        n = weight.size
        spec = cstdp.SYNAPSE_MODELS[model.base]
        columns = {}
        for name, *_ in spec["parameters"] + spec["state"]:
            value = params[name]
            if isinstance(value, (numbers.Real, np.number)):   # one value for all: checked once
                columns[name] = np.full(n, model.specs[name].check(model.name, value))
            else:
                values = cconnect.values(name, value, n, shape, select, rng, rule)
                columns[name] = model.specs[name].check_array(model.name, values)
        wmax = columns["Wmax"] if "Wmax" in columns else np.full(n, model.defaults["Wmax"])
        check_plastic_weights(model.name, model.rule, weight, wmax)
        recorder = params["weight_recorder"]
        if recorder is not None:
            recorder = int(as_ids(recorder, "syn_spec weight_recorder")[0])
        self.weight_recorder_index(model.name, recorder if recorder is not None else model.defaults["weight_recorder"])
        return columns, recorder

    def connect(self, model, common, columns, recorder, src, tgt, weight, delay, receptor, model_id):
        """Plastic synapses with checked ``columns`` (:meth:`columns_of_new`): per-connection
        parameter values become parameter sets; common parameters given in the syn_spec (NEST 2
        scripts) go to the model."""
        spec = cstdp.SYNAPSE_MODELS[model.base]
        if common:
            self._set_common(model, common)
        set_index = self.parameter_sets(model, recorder, {name: columns[name] for name, *_ in spec["parameters"]},
                                         src.size)
        self.kernel.engine.plastic.add_columns({row[5]: cstdp.RULE_COLUMNS[row[5]] for row in spec["state"]
                                         if row[5] in cstdp.RULE_COLUMNS})
        state = {row[5]: np.asarray(columns[row[0]]) for row in spec["state"]}
        traces = {trace_field(column): state.pop(column) for column in list(state) if trace_field(column)}
        state.update(self.kernel.engine.traces.block_columns(self.kernel.engine.plastic, src, delay, set_index, traces))
        self.kernel.engine.plastic.add(src, target=tgt, weight=weight, delay=delay, model=model_id, port=receptor,
                                set=set_index, **state)

    def _set_common(self, model, common):
        """Apply common parameters given in a syn_spec to the model, as NEST 2 did, warning when
        this changes synapses that exist already."""
        changed = [key for key, value in common.items()
                   if not np.array_equal(np.asarray(model.defaults[key]), np.asarray(value))]
        self.kernel.models.set_defaults(model, common)
        if changed and model.num_connections:
            warnings.warn(f"Connect: {', '.join(changed)} given in syn_spec are common properties of "
                          f"{model.name}: they now apply to its {model.num_connections} existing synapses too",
                          CSNNWarning, stacklevel=4)

    def parameter_sets(self, model, recorder, columns, n):
        """Set index of each connection: one set per (model, weight recorder, parameter row);
        the common parameters of ``_hom`` models are read from the model when the sets are
        built.  ``recorder``: the weight recorder given in the syn_spec, None for the model's."""
        names = sorted(columns)
        # each row's code in the mixed radix of its columns' distinct values (one value per
        # column, the usual case, gives a single code without sorting rows)
        code = np.zeros(n, dtype=np.int64)
        distinct = []
        for name in names:
            column = np.asarray(columns[name], dtype=float)
            if column.size and np.all(column == column[0]):
                values, inverse = column[:1], np.zeros(n, dtype=np.int64)
            else:
                values, inverse = np.unique(column, return_inverse=True)
            code = code * values.size + np.ravel(inverse)
            distinct.append(values)
        if code.any():
            codes, inverse = np.unique(code, return_inverse=True)
        else:
            codes, inverse = np.zeros(1, dtype=np.int64), code
        index = np.empty(codes.size, dtype=np.int64)
        for u, c in enumerate(codes.tolist()):
            row = []
            for values in reversed(distinct):
                c, k = divmod(c, values.size)
                row.append(float(values[k]))
            key = (model.name, recorder) + tuple(zip(names, reversed(row)))
            if key not in self.sets:
                if len(self.sets) >= 65535:
                    raise BadParameterError(f"{model.name}: more than 65535 distinct parameter sets; give "
                                            "plasticity parameters as a few values, not one per synapse")
                self.sets[key] = len(self.sets)
            index[u] = self.sets[key]
        return index[np.ravel(inverse)]

    def weight_recorder_index(self, owner, gid):
        """The engine index of the weight recorder with id ``gid`` (-1 for None)."""
        if gid is None:
            return -1
        gid = int(as_ids(gid, f"{owner}'s weight_recorder")[0])
        device = self.kernel.nodes.device(gid)
        if not isinstance(device, WeightRecorder):
            raise IllegalConnectionError(f"{owner}: weight_recorder {gid} is a "
                                         f"{self.kernel.nodes.model(gid).name}, not a weight_recorder")
        return device.index

    def records(self):
        """The parameter sets as records for the engine, and the models with a readout log
        (stdp_facetshw_synapse_hom, in the order of the records' ``readout_log``)."""
        records = np.zeros(len(self.sets), dtype=cstdp.SET_DTYPE)
        logged = []
        for key, index in self.sets.items():
            name, recorder, *pairs = key
            model = self.kernel.models.get(name)
            record = records[index:index + 1]
            record["rule"] = model.rule
            record["weight_recorder"] = self.weight_recorder_index(
                name, recorder if recorder is not None else model.defaults["weight_recorder"])
            record["readout_log"] = -1
            if "no_synapses" in model.common:
                if model not in logged:
                    logged.append(model)
                record["readout_log"] = logged.index(model)
            for param, value in pairs + [(c, model.defaults[c]) for c in model.common if c != "no_synapses"]:
                record[param] = value
            for param, value in model.derived.items():
                if param in records.dtype.names:
                    record[param] = value(model.defaults)
        return records, logged

    def set_values(self, table, slot, rule, checked, model_names):
        """New parameter values or states for plastic connections (parameters: new sets, which
        keep the weight recorder the connections had).  Returns the new values of the traces
        kept in trace groups (field -> values), which :meth:`regroup_traces` applies."""
        models = table.gather("model", slot)
        names = [name for name, *_ in rule["parameters"]]
        for key in names + [name for name, *_ in rule["state"]]:
            if key in checked:
                model = self.kernel.models.get(model_names[int(models[0])])
                checked[key] = model.specs[key].check_array(model.name, checked[key])
        old_sets = table.columns["set"][slot]
        records = self.records()[0][old_sets]
        wmax = checked.get("Wmax", records["Wmax"])
        weight = checked.get("weight", table.gather("weight", slot))
        check_plastic_weights("set()", records["rule"], weight, wmax)
        if any(key in checked for key in names):
            keys = list(self.sets)
            recorders = np.array([keys[k][1] for k in old_sets.tolist()] + [None], dtype=object)[:-1]
            groups = {(m, r) for m, r in zip(models.tolist(), recorders.tolist())}
            for model_id, recorder in groups:
                sel = (models == model_id) & np.array([r == recorder for r in recorders.tolist()], dtype=bool)
                columns = {name: checked.get(name, records[name])[sel] for name in names}
                model = self.kernel.models.get(model_names[model_id])
                table.columns["set"][slot[sel]] = self.parameter_sets(model, recorder, columns, int(sel.sum()))
        traces = {}
        for name, *_, column in rule["state"]:
            if name in checked and trace_field(column):
                traces[trace_field(column)] = checked[name]
            elif name in checked:
                table.columns[column][slot] = checked[name]
        return traces

    def regroup_traces(self, table, sc, traces):
        """The plastic connections of ``sc`` whose delay, parameters or traces (``traces``: field
        -> new value per connection of ``sc``) changed move to the trace groups of their new
        keys (copy on write: the groups' other synapses keep theirs), or get them as their own
        when the table keeps traces per synapse."""
        sel = sc._kind == ConnectionKind.PLASTIC
        if not sel.any():
            return
        slot = table.slots(sc._a[sel], sc._b[sel])
        self.kernel.engine.traces.rewrite(table, slot, sc._a[sel], table.gather("delay", slot), table.columns["set"][slot],
                                   {field: values[sel] for field, values in traces.items()})


    def properties(self, rule, table, slot, synapse_models):
        """The parameters and state of the plastic connections at ``slot`` of ``table``, all of
        ``rule``, whose synapse models are named by ``synapse_models``: name -> column."""
        columns = {}
        records = self.records()[0][table.columns["set"][slot]]
        for name, *_ in rule["parameters"]:
            columns[name] = records[name].copy()
        for name, default, *_, column in rule["state"]:
            values = (self.kernel.engine.traces.values(trace_field(column), table, slot)
                      if trace_field(column) else table.columns[column][slot])
            columns[name] = values.astype(type(default))
        models = [self.kernel.models.get(name) for name in synapse_models.tolist()]
        for name, *_ in rule.get("common", ()):
            values = [m.defaults[name] for m in models]
            columns[name] = (np.array(values + [None], dtype=object)[:-1] if isinstance(values[0], list)
                             else np.array(values))
        return columns

    def upload(self):
        """Give the engine the parameter sets (at Prepare), after checking the weights of the
        models whose weights the engine reads out (stdp_facetshw_synapse_hom)."""
        engine = self.kernel.engine
        records, self.readout_models = self.records()
        if self.readout_models and engine.n_ranks > 1:
            raise KernelStateError(f"Prepare: {self.readout_models[0].name} numbers its synapses in the order of "
                                   f"the whole network's spikes, and each of the {engine.n_ranks} MPI processes "
                                   "holds only the synapses onto its own neurons; run it on one process")
        if self.readout_models:
            engine.build()
            table = engine.plastic
            sets = table.columns["set"]
            check_plastic_weights("Prepare", records["rule"][sets], table.column("weight"), records["Wmax"][sets])
        engine.plasticity.set_stdp_sets(records, [m.defaults["no_synapses"] for m in self.readout_models])

    def count_readouts(self):
        """After a run: the synapses stdp_facetshw_synapse_hom models numbered (a common property)."""
        for model, count in zip(self.readout_models, self.kernel.engine.plasticity.readout_counts().tolist()):
            model.defaults["no_synapses"] = count


def trace_field(column):
    """The trace-group field a plastic state row is kept in (its column "traces.<field>"), or
    None for a column of the plastic table."""
    return column[len("traces."):] if column.startswith("traces.") else None
