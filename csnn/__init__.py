"""csnn: an exact, event-driven spiking neural network simulator with the PyNEST API.

Replace ``import nest`` with ``import csnn as nest``: ``Create``, ``Connect``, ``Simulate``,
``GetStatus``/``SetStatus``, ``NodeCollection.get``/``set`` and the rest work as in PyNEST
(NEST 3 names, and the NEST 2 names old tutorials use).  Spike times are exact: neurons are
integrated in closed form between events, with no time grid.
"""
import sys as _sys
import types as _types

import numpy as _np

# first: in a tree without the compiled core, this import says what to do (csnn/_core/__init__.py)
from . import _core
from . import analysis, hh, logic, math, plot, random, spatial, spatial_distributions, stimuli
from ._version import __version__
from .checkpoint import load, save
from .devices import read_events
from .errors import (BadTypeError as _BadTypeError, CSNNError, CSNNWarning, NESTError, NESTErrors,
                     UnknownAttributeError as _UnknownAttributeError, unknown_name as _unknown_name)
from .network import kernel as _kernel
from .network.models import ALIASES as _MODEL_ALIASES
from .network import processes as _processes
from .network.kernel_status import NOT_OFFERED as _NOT_OFFERED, not_offered as _not_offered
from .network.verbosity import VerbosityLevel, get_verbosity, message, set_verbosity
from .network.nodes import NodeCollection, SynapseCollection, as_ids as _as_ids, status_keys as _status_keys
from .network.results import (check_output as _check_output, serialize_data, status_tuple as _status_tuple,
                              to_json)
from .spatial import Mask
from .tools.gather import gather_events
from .tools.layer_plots import PlotLayer, PlotProbabilityParameter, PlotSources, PlotTargets
from .tools.layers import (Displacement, Distance, DumpLayerConnections, DumpLayerNodes, FindCenterElement,
                           FindNearestElement, GetSourceNodes, GetSourcePositions, GetTargetNodes, GetTargetPositions,
                           SelectNodesByMask)

# under an MPI launcher of several processes: join them, so that one's error ends them all
_processes.start()

__all__ = [
    "Create", "Connect", "Simulate", "Run", "Prepare", "Cleanup", "RunManager", "ResetKernel",
    "GetStatus", "SetStatus", "GetDefaults", "SetDefaults", "CopyModel", "Models",
    "GetKernelStatus", "SetKernelStatus", "GetConnections", "GetPosition", "NodeCollection",
    "SynapseCollection", "set_verbosity", "get_verbosity", "VerbosityLevel", "Rank", "CSNNWarning",
    "NumProcesses", "SyncProcesses", "CSNNError", "NESTError", "random", "math", "spatial", "hh", "analysis", "plot",
    "read_events", "gather_events", "save", "load", "GetNodes", "__version__", "set", "get", "NESTErrors",
    "GetLocalNodeCollection", "CreateParameter", "Disconnect", "Install", "SonataNetwork", "logic",
    "spatial_distributions", "CreateMask", "Mask", "Displacement", "Distance", "FindNearestElement",
    "FindCenterElement", "GetTargetNodes", "GetSourceNodes", "GetTargetPositions", "GetSourcePositions",
    "SelectNodesByMask", "DumpLayerNodes", "DumpLayerConnections", "PlotLayer", "PlotTargets", "PlotSources",
    "PlotProbabilityParameter", "PrintNodes", "to_json", "serialize_data", "message",
]


# -- nodes --------------------------------------------------------------------------------------

def Create(model, n=1, params=None, positions=None):
    """Create ``n`` nodes of ``model``; returns a NodeCollection.

    ``params``: one dict for all nodes, a list of dicts (one per node) or a dict whose values
    are lists/arrays (one value per node) or csnn.random parameters.  ``positions``: an array
    of shape (n, 2) or (n, 3), or a layout of :mod:`csnn.spatial` (``free``, ``grid``: it sets
    the number of nodes, as in NEST), read back with ``GetPosition`` and usable in connection
    expressions as ``x_pre``, ``y_post``, ...  As in NEST, ``Create(model, params)`` with a dict
    as the second and last argument creates one node with those parameters.
    """
    if isinstance(n, dict):
        if params is not None or positions is not None:
            raise NESTError("Create: a parameter dict may be the second argument only when Create is called with "
                            f"two arguments, got n = {n!r} with params or positions as well")
        n, params = 1, n
    return _kernel.current().nodes.create(model, n, params, positions)


def GetStatus(nodes, keys=None, output=""):
    """NEST's GetStatus: a tuple with one dict per node (or connection); with a key, its values
    (a tuple for nodes, a list for several connections, ``(value,)`` for one); with a list of
    keys, a tuple of tuples.  ``output='json'``: that as a JSON string."""
    _check_output(output, "GetStatus")
    if isinstance(nodes, SynapseCollection):
        collection, sequence = nodes, list
        nodes._check_alive()
    else:
        collection, sequence = NodeCollection._from_ids(_kernel.current(), _as_ids(nodes)), tuple
    names = _status_keys(keys, "GetStatus")
    if not len(collection):
        result = ()
    else:
        result = _status_tuple(collection._table(names), keys, sequence)
    return to_json(result) if output == "json" else result


def SetStatus(nodes, params, val=None):
    """Set parameters of nodes or connections: ``SetStatus(nodes, {'I_e': 376.0})``,
    ``SetStatus(nodes, [dict, dict])`` (one per node), ``SetStatus(nodes, 'V_m', -60.)``."""
    if val is not None:
        if not isinstance(params, str):
            raise NESTError(f"SetStatus: with a value, params must be a parameter name, got {params!r}")
        params = {params: val}
    elif isinstance(params, str):
        raise NESTError(f"SetStatus: give a value for {params!r}: SetStatus(nodes, {params!r}, value)")
    if isinstance(nodes, SynapseCollection):
        nodes.set(params[0] if isinstance(params, (list, tuple)) and len(params) == 1 else params)
        return
    _kernel.current().node_status.set_status(_as_ids(nodes), params)


def GetNodes(properties=None, local_only=False):
    """All nodes whose status has every ``properties`` value (NEST's GetNodes), as a
    NodeCollection in id order: ``GetNodes({'model': 'spike_recorder'})``.  On several MPI
    processes another process's neuron has only the status of NEST's proxy nodes (model,
    global_id, local, ...), so it matches only such keys; ``local_only=True`` returns this
    process's nodes only."""
    k = _kernel.current()
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        raise _BadTypeError(f"GetNodes: properties = {properties!r} is invalid: give a dict of status values, "
                           "such as {'model': 'spike_recorder'}")
    _status_keys(list(properties), "GetNodes")
    ids = _np.arange(1, k.nodes.size() + 1, dtype=_np.int64)
    local = k.nodes.placement(ids)[0]
    if local_only:
        ids, local = ids[local], local[local]
    # nodes whose status has every key (as in NEST, a node without one does not match)
    has_keys = {}
    for g, here in zip(ids.tolist(), local.tolist()):
        kind = (k.nodes.model(g).name, here)
        if kind not in has_keys:
            status = k.node_status.node_status(g)
            has_keys[kind] = all(key in status for key in properties)
    ids = ids[[has_keys[k.nodes.model(g).name, here] for g, here in zip(ids.tolist(), local.tolist())]] \
        if ids.size else ids
    if properties and ids.size:
        rows = k.node_status.get_status(ids, list(properties))
        ids = ids[[all(_equal(row[key], value) for key, value in properties.items()) for row in rows]]
    return NodeCollection._from_ids(k, ids)


def CreateParameter(parametertype, specs):
    """A parameter as NEST 3 creates them: ``CreateParameter('normal', {'mean': 0.0, 'std':
    1.0})`` is ``csnn.random.normal(mean=0.0, std=1.0)``; the spatial types ('distance',
    'position', 'gaussian', 'exp_distribution', 'gaussian2d', 'gamma', 'gabor') are those of
    :mod:`csnn.spatial` and :mod:`csnn.spatial_distributions`."""
    return random.create_parameter(parametertype, specs, {**random.PARAMETER_TYPES, **spatial.PARAMETER_TYPES})


def CreateMask(masktype, specs, anchor=None):
    """A spatial mask for Connect's ``conn_spec['mask']``, as NEST's: ``CreateMask('circular',
    {'radius': 0.5})``; types, parameters and ``anchor``: :mod:`csnn.spatial.masks`."""
    return spatial.create_mask(masktype, specs, anchor)


def PrintNodes():
    """Print the ranges of node ids and their models, one line per run of one model, as NEST
    lays them out: ``  1 .. 100 iaf_psc_alpha`` (ids right-aligned to the largest's width)."""
    k = _kernel.current()
    names = [k.nodes.model(g).name for g in range(1, k.nodes.size() + 1)]
    width = len(str(len(names)))
    first = 1
    for last in range(1, len(names) + 1):
        if last == len(names) or names[last] != names[first - 1]:
            ids = f"{first:>{width}}" + (f" .. {last:>{width}}" if last > first else "")
            print(f"{ids:<{2 * width + 4}} {names[first - 1]}")
            first = last + 1


def GetLocalNodeCollection(nodes):
    """The nodes of ``nodes`` this MPI process holds (NEST's function): on one process all of
    them; on several, this process's neurons and every device (each process has every device,
    as NEST's)."""
    k = _kernel.current()
    ids = _np.asarray(_as_ids(nodes), dtype=_np.int64)
    return NodeCollection._from_ids(k, ids[k.nodes.placement(ids)[0]] if ids.size else ids)


def _equal(status_value, wanted):
    return bool(_np.all(_np.asarray(status_value) == _np.asarray(wanted)))


def GetPosition(nodes):
    """Positions given to ``Create``: a tuple for one node, else a tuple of tuples."""
    k = _kernel.current()
    ids = _as_ids(nodes)
    positions = k.nodes.position_array(ids)
    missing = _np.isnan(positions[:, 0])
    if missing.any():
        raise NESTError(f"GetPosition: node {ids[missing][0]} was created without positions")
    pos = tuple(tuple(p[~_np.isnan(p)].tolist()) for p in positions)
    return pos[0] if len(pos) == 1 else pos


# -- models -------------------------------------------------------------------------------------

def Models(mtype="all", sel=None):
    """Names of the available models (``mtype``: 'all', 'nodes' or 'synapses'), optionally
    only those containing ``sel``: NEST 2's function, so its node models' NEST 2 names
    (``spike_detector``, ``iaf_neuron``) are listed too, as NEST 2 scripts look for them here
    (NEST 3's ``node_models`` has only NEST 3's)."""
    reg = _kernel.current().models
    if mtype not in ("all", "nodes", "synapses"):
        raise NESTError(f"Models: mtype = {mtype!r} is invalid; accepted: 'all', 'nodes', 'synapses'")
    if sel is not None and not isinstance(sel, str):
        raise _BadTypeError(f"Models: sel = {sel!r} is invalid: give a part of model names (a string) or None")
    names = reg.names() if mtype == "all" else reg.names("synapse" if mtype == "synapses" else "nodes")
    if mtype != "synapses":
        names = sorted(names + list(_MODEL_ALIASES))
    return tuple(n for n in names if sel is None or sel in n)


def GetDefaults(model, keys=None, output=""):
    """Defaults of a model: a dict, one value for a key, a list for a list (or set) of keys."""
    reg = _kernel.current().models
    m = reg.get(model)
    d = dict(m.defaults)
    d.update({"model": m.name, "element_type": m.element_type})
    if m.kind == "neuron":
        d["recordables"] = list(m.recordables)
    if m.kind == "synapse":
        d["num_connections"] = m.num_connections
        d["synapse_model"] = m.name
        d["synapse_modelid"] = reg.model_id(m.name)          # the synapse_id of its connections, as NEST's
        d.update({key: value(m.defaults) for key, value in m.derived.items()})
    if keys is None:
        return d
    names = _status_keys(keys, "GetDefaults")
    for key in names:
        if key not in d:
            from .network.models import unknown_parameter
            raise unknown_parameter(m, key)
    return d[keys] if isinstance(keys, str) else [d[key] for key in names]


def SetDefaults(model, params, val=None):
    """Change a model's defaults for nodes and connections made later."""
    if val is not None:
        params = {params: val}
    k = _kernel.current()
    k.check_not_prepared("SetDefaults")
    k.models.set_defaults(model, params)
    changed = k.models.get(model)
    if "weight" in changed.common and not changed.rule and "weight" in params:
        k.connections.set_common_weight(changed)          # static_synapse_hom_w: every synapse's weight


def CopyModel(existing, new, params=None):
    """Register ``new`` as a copy of model ``existing``, with ``params`` as its defaults."""
    k = _kernel.current()
    k.check_not_prepared("CopyModel")
    k.models.copy_model(existing, new, params)


# -- connections --------------------------------------------------------------------------------

def Connect(pre, post, conn_spec=None, syn_spec=None, return_synapsecollection=False):
    """Connect ``pre`` to ``post`` with a rule (``conn_spec``) and a synapse (``syn_spec``).

    Rules: 'all_to_all' (default), 'one_to_one', 'fixed_indegree', 'fixed_outdegree',
    'fixed_total_number', 'pairwise_bernoulli', 'pairwise_poisson' (key
    'pairwise_avg_num_conns'), 'symmetric_pairwise_bernoulli' (key 'p'; NEST's flags
    allow_autapses=False, allow_multapses=True, make_symmetric=True), and Brian 2's 'expression' (keys 'condition',
    'p', 'j', 'n', 'skip_if_invalid', 'namespace': ``{'rule': 'expression', 'condition':
    'abs(i - j) < 4 and i != j', 'p': 0.2}``; :mod:`csnn.expressions`).  ``syn_spec``: a
    synapse model name or a dict with 'synapse_model' (NEST 2: 'model'), 'weight', 'delay' (ms,
    > 0, continuous) and 'receptor_type'; weights and delays may be numbers, arrays,
    csnn.random parameters, NEST 2 distribution dicts or expressions of ``i``, ``j`` and the
    positions (``'exp(-(x_pre - x_post)**2 / (2 * width**2))'`` with ``'namespace': {'width':
    w}``).  Devices connect as in NEST: Connect(generator, neurons), Connect(neurons,
    spike_recorder), Connect(multimeter, neurons).

    Between layers (nodes created with positions), as NEST 3's spatial module:
    'pairwise_bernoulli', 'fixed_indegree' and 'fixed_outdegree' take a 'mask'
    (:func:`CreateMask` or a dict such as ``{'circular': {'radius': 0.5}}``) and a probability
    'p' that may be a spatial parameter (``csnn.spatial_distributions.gaussian(
    csnn.spatial.distance, std=0.2)``), with 'use_on_source' and 'allow_oversized_mask';
    weights and delays may be spatial parameters too (:mod:`csnn.network.spatial_connect`).
    """
    return _kernel.current().connections.connect(pre, post, conn_spec, syn_spec, return_synapsecollection)


def Disconnect(pre, post=None, conn_spec=None, syn_spec=None):
    """Remove connections between neurons: ``Disconnect(collection)`` those of a
    SynapseCollection; ``Disconnect(pre, post, conn_spec='one_to_one', syn_spec='static_synapse')``
    one connection of the synapse model per pair of the rule ('one_to_one' or 'all_to_all'),
    the oldest of a pair's; every pair must have one, else nothing is removed.  Between
    Simulate calls; later spikes no longer travel the removed synapses, the others keep their
    weights and plasticity state (:mod:`csnn.network.disconnect`)."""
    if isinstance(pre, SynapseCollection):
        if post is not None or conn_spec is not None or syn_spec is not None:
            raise _BadTypeError("Disconnect(collection) takes no post, conn_spec or syn_spec: the SynapseCollection "
                                "names the connections")
        pre.disconnect()
        return
    if post is None:
        raise _BadTypeError(f"Disconnect: give a SynapseCollection, or pre and post nodes; got {pre!r} alone")
    _kernel.current().connections.disconnect(pre, post, conn_spec, syn_spec)


def GetConnections(source=None, target=None, synapse_model=None, synapse_label=None):
    """Connections from ``source`` to ``target`` (all when None) as a SynapseCollection."""
    if synapse_label is not None:
        raise NESTError("GetConnections: synapse_label is not available in csnn (no labelled synapse models)")
    return _kernel.current().connections.get_connections(source, target, synapse_model)


# -- simulation ---------------------------------------------------------------------------------

def Simulate(t):
    """Simulate ``t`` ms (continues where the previous call stopped)."""
    _kernel.current().simulate(t)


def Prepare():
    """Prepare a sequence of ``Run`` calls."""
    _kernel.current().prepare()


def Run(t):
    """Simulate ``t`` ms after ``Prepare``."""
    _kernel.current().run(t)


def Cleanup():
    """End a sequence of ``Run`` calls (recorders write their files)."""
    _kernel.current().cleanup()


class RunManager:
    """Context manager calling Prepare and Cleanup: ``with RunManager(): Run(10.)``."""

    def __enter__(self):
        Prepare()
        return self

    def __exit__(self, *exc):
        Cleanup()
        return False


def ResetKernel():
    """Discard all nodes, connections and model changes; time restarts at 0."""
    _kernel.reset()


def GetKernelStatus(keys=None):
    """Kernel status: a dict, one value for a key, a tuple for a list of keys."""
    value = _kernel.current().kernel_status.get(keys)
    return tuple(value) if isinstance(keys, (list, tuple)) else value


def SetKernelStatus(params):
    """Set kernel parameters: rng_seed, resolution, local_num_threads, print_time, ..."""
    _kernel.current().kernel_status.set(params)


def Rank():
    """This process's MPI rank: 0 unless an MPI launcher started the script on several
    processes (csnn.network.processes: each simulates its share of the neurons)."""
    return _processes.rank()


def NumProcesses():
    """Number of MPI processes the script was started on: 1 without an MPI launcher."""
    return _processes.num_processes()


def SyncProcesses():
    """Wait until every MPI process of the script gets here (nothing on one process)."""
    _processes.sync()


# -- what NEST has and csnn does not offer --------------------------------------------------------

def Install(module_name):
    """NEST's Install loads an extension module (NESTML-generated models, ...): csnn has none to
    load, so it raises, naming the module."""
    raise CSNNError(f"Install({module_name!r}): csnn cannot load NEST extension modules (NESTML-generated or other "
                    "C++ models); its models are built in (csnn.Models()), and a new one is written in csnn's core "
                    "(docs/design.md, 'Where a new thing goes'; README, Limitations)")


class SonataNetwork:
    """NEST's SONATA network reader: csnn does not read SONATA files, so making one raises."""

    def __init__(self, *args, **kwargs):
        raise CSNNError("SonataNetwork: csnn does not read SONATA network descriptions; build the network with "
                        "Create and Connect (README, Limitations)")


# -- kernel attributes (NEST 3: nest.resolution = 0.1, nest.biological_time, ...) --------------

_ATTRIBUTES = ("biological_time", "rng_seed", "resolution", "local_num_threads",
               "total_num_virtual_procs", "print_time", "overwrite_files", "data_path",
               "data_prefix", "num_connections", "network_size", "min_delay", "max_delay",
               "node_models", "synapse_models", "connection_rules", "dict_miss_is_error",
               "local_spike_counter", "num_processes", "off_grid_spiking", "tics_per_ms",
               "ms_per_tic", "tics_per_step", "memory_size", "build_info", "kernel_status", "to_do",
               "recording_backends", "stimulation_backends", "verbosity")


def _kernel_set(**params):
    """NEST 3's ``nest.set(resolution=0.1, rng_seed=12)``: SetKernelStatus with keywords."""
    SetKernelStatus(params)


def _kernel_get(*keys):
    """NEST 3's ``nest.get()``: the kernel status (a dict); ``nest.get("resolution")`` one
    value, ``nest.get("resolution", "rng_seed")`` a tuple of them."""
    if not keys:
        return GetKernelStatus()
    return GetKernelStatus(keys[0] if len(keys) == 1 else list(keys))


class _Module(_types.ModuleType):
    def __getattr__(self, name):
        if name == "kernel_status":
            return GetKernelStatus()
        if name in _ATTRIBUTES:
            return _kernel.current().kernel_status.get(name)
        if name in _NOT_OFFERED:
            raise _not_offered(name, _UnknownAttributeError)
        raise AttributeError(f"module 'csnn' has no attribute {name!r}")

    def __setattr__(self, name, value):
        if name == "kernel_status":
            raise AttributeError("csnn.kernel_status is read-only: set kernel attributes one by one, with "
                                 "csnn.set(...) or SetKernelStatus({...})")
        if name in _ATTRIBUTES:
            _kernel.current().kernel_status.set({name: value})
        elif name in _NOT_OFFERED:
            raise _not_offered(name, _UnknownAttributeError)
        elif name in self.__dict__ or isinstance(value, _types.ModuleType):
            # replacing what the module has (a test's monkeypatch), or a submodule being imported
            super().__setattr__(name, value)
        else:
            # nest.rng_type = ... on a kernel attribute csnn does not have must not pass silently
            raise _unknown_name("kernel attribute", name, _ATTRIBUTES, AttributeError)


# NEST 3's nest.set and nest.get, bound last: as module globals they shadow the builtin set in
# this module's functions, none of which may call it
globals().update(set=_kernel_set, get=_kernel_get)
_sys.modules[__name__].__class__ = _Module
