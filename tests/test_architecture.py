"""The package's shape: its layers, no import circles, no module too long to read in one sitting.

The folders are layers.  Lowest first: ``csnn.errors`` (and ``_version``), which imports nothing;
the compiled core ``csnn/_core/``, which imports only itself and ``csnn.errors``; the value modules
at the top (``random``, ``math``, ``spatial``, ``expressions``, ``events``, ``progress``,
``memory``, ``stimuli``, ``hh``: what a user passes in or gets back, each with no kernel);
``csnn/devices/``; ``csnn/network/`` (the kernel and its managers, which create devices); and at
the top the PyNEST API (``csnn/__init__.py``, ``__main__``), the public tools (``analysis``,
``plot``, ``raster_plot``, ``voltage_trace``, ``checkpoint``) and ``csnn/tools/``.  A module
imports its own layer and the layers below, never one above: the core needs nothing of the
facade, devices never need the network, and nothing below the tools needs them.

The import graph is read from the source with ``ast``: every ``import`` and ``from ... import``
of a csnn module, at module level or inside functions (an import inside a function is still a
dependency, only a later one).  A circle makes a module that cannot be read without the one
that reads it, and breaks as soon as one of them imports a name at module level.  The compiled
core's ``.pyx`` and ``.pxd`` files (which ``ast`` cannot read) join the graph of the layer check
through their ``import``, ``cimport`` and ``from csnn... (c)import`` lines.
"""
import ast
import pathlib
import re

import csnn

PACKAGE = pathlib.Path(csnn.__file__).parent
#: the longest a Python module of csnn/ may be, in lines
MAX_LINES = 600
#: the layers, lowest first (the module docstring says why); "pkg.*" is a package and its modules
LAYERS = (
    ("errors", ("csnn.errors", "csnn._version")),
    ("compiled core", ("csnn._core.*",)),
    ("values", ("csnn.target_streams", "csnn.random", "csnn.math", "csnn.logic", "csnn.spatial.*",
                "csnn.spatial_distributions", "csnn.expressions", "csnn.events",
                "csnn.progress", "csnn.memory", "csnn.stimuli", "csnn.hh")),
    ("devices", ("csnn.devices.*",)),
    ("network", ("csnn.network.*",)),
    ("API and tools", ("csnn", "csnn.__main__", "csnn.analysis", "csnn.plot", "csnn.raster_plot",
                       "csnn.voltage_trace", "csnn.checkpoint", "csnn.tools.*")),
)


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path, modules):
    """The csnn modules that the file ``path`` imports, by their dotted names."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            # "from .network import kernel" imports the module csnn.network.kernel; "from ..errors import X"
            # (in csnn/network/) csnn.errors
            found.update(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                         for alias in node.names)
    return {module for module in found if module in modules and module != name}


def import_graph():
    files = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {name: imported_modules(path, files) for name, path in files.items()}


def compiled_import_graph():
    """The csnn modules that the compiled core's ``.pyx`` and ``.pxd`` files import or cimport."""
    statement = re.compile(r"^\s*(?:from\s+(csnn[\w.]*)\s+c?import|c?import\s+(csnn[\w.]*))", re.M)
    graph = {}
    for path in sorted(PACKAGE.rglob("*.pyx")) + sorted(PACKAGE.rglob("*.pxd")):
        imported = {a or b for a, b in statement.findall(path.read_text())}
        graph.setdefault(module_name(path), set()).update(imported - {module_name(path)})
    return graph


def layer_of(module):
    """The index in LAYERS of ``module``'s layer, or None when LAYERS does not place it."""
    for index, (_, members) in enumerate(LAYERS):
        for member in members:
            package = member[:-len(".*")] if member.endswith(".*") else None
            if module == member or package and (module == package or module.startswith(package + ".")):
                return index
    return None


def upward_imports(graph):
    """Every (module, imported) of ``graph`` where the imported module's layer is above the
    importer's."""
    return sorted((module, imported) for module, imports in graph.items() for imported in imports
                  if layer_of(imported) > layer_of(module))


def cycle(graph):
    """One import circle of ``graph`` (a list of modules, the first repeated at the end), or None."""
    state = {}                  # module -> "open" while on the path, "done" once fully explored

    def visit(module, path):
        state[module] = "open"
        for imported in sorted(graph[module]):
            if state.get(imported) == "open":
                return path[path.index(imported):] + [imported]
            if imported not in state:
                found = visit(imported, path + [imported])
                if found:
                    return found
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state:
            found = visit(module, [module])
            if found:
                return found
    return None


def test_the_graph_sees_function_level_and_relative_imports():
    graph = import_graph()
    assert {"csnn.network.kernel", "csnn.network.nodes", "csnn.errors"} <= set(graph)
    assert "csnn.errors" in graph["csnn.network.nodes"]   # from ..errors import ... (module level)
    assert "csnn.network.kernel" in graph["csnn"]          # from .network import kernel as _kernel
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_the_layer_check_sees_an_import_from_below_to_above():
    assert upward_imports({"csnn.network.kernel": {"csnn.tools.recorded", "csnn.devices"},
                           "csnn.tools.recorded": {"csnn.network.nodes", "csnn.errors"},
                           "csnn._core.engine": {"csnn.errors", "csnn.random"}}) == [
        ("csnn._core.engine", "csnn.random"), ("csnn.network.kernel", "csnn.tools.recorded")]
    assert compiled_import_graph()["csnn._core.engine"] >= {"csnn._core.delivery", "csnn._core.stdp"}


def test_every_module_has_a_layer():
    modules = set(import_graph()) | set(compiled_import_graph())
    unplaced = sorted(module for module in modules if layer_of(module) is None)
    assert not unplaced, f"modules in no layer (add them to LAYERS, in the lowest layer they fit): {unplaced}"


def test_no_module_imports_a_layer_above_its_own():
    graph = import_graph()
    for module, imports in compiled_import_graph().items():
        graph.setdefault(module, set()).update(imports)
    found = [f"{module} ({LAYERS[layer_of(module)][0]}) imports {imported} ({LAYERS[layer_of(imported)][0]})"
             for module, imported in upward_imports(graph)]
    assert not found, "imports from a lower layer to a higher one:\n" + "\n".join(found)


def test_the_package_has_no_import_circle():
    found = cycle(import_graph())
    assert found is None, "import circle: " + " -> ".join(found)


def test_no_module_is_longer_than_max_lines():
    lengths = {str(path.relative_to(PACKAGE)): len(path.read_text().splitlines()) for path in PACKAGE.rglob("*.py")}
    too_long = {name: n for name, n in lengths.items() if n > MAX_LINES}
    assert not too_long, f"modules above {MAX_LINES} lines (split them along their seams): {too_long}"


def test_queries_leave_the_engine_unbuilt():
    """Queries read what exists: on a network never simulated, GetConnections, get() of
    connections and nodes, GetStatus and the kernel status leave the queued synapses queued (the
    engine merges them into its tables at Prepare) and return what was connected."""
    csnn.ResetKernel()
    neurons = csnn.Create("iaf_psc_alpha", 3)
    generator = csnn.Create("poisson_generator", params={"rate": 10.0})
    recorder = csnn.Create("spike_recorder")
    csnn.Connect(neurons, neurons, "one_to_one", {"weight": 2.0, "delay": 1.5})
    csnn.Connect(neurons[:2], neurons[2], syn_spec={"synapse_model": "stdp_synapse", "weight": 3.0})
    csnn.Connect(generator, neurons)
    csnn.Connect(neurons, recorder)
    engine = csnn.network.kernel.current().engine
    tables = (engine.static, engine.plastic)
    queued = [table.size for table in tables]
    assert not any(table.built(engine.n_neurons) for table in tables)

    everything = csnn.GetConnections()
    plastic = csnn.GetConnections(synapse_model="stdp_synapse")
    answers = (everything.get(), csnn.GetStatus(everything), plastic.get(), plastic.get("tau_plus"),
               csnn.GetStatus(neurons), neurons.get("V_m"), csnn.GetKernelStatus(),
               csnn.GetKernelStatus("num_connections"), csnn.GetConnections(source=neurons[0], target=neurons[0]).get("weight"))

    assert not any(table.built(engine.n_neurons) for table in tables)
    assert [table.size for table in tables] == queued
    table, status, plastic_table = answers[:3]
    assert len(everything) == answers[7] == 3 + 2 + 3 + 3
    assert sorted(table["synapse_model"]) == ["static_synapse"] * 9 + ["stdp_synapse"] * 2
    assert plastic_table["weight"] == [3.0, 3.0] and plastic_table["target"] == [3, 3]
    assert answers[3] == [20.0, 20.0]                             # stdp_synapse's default tau_plus (ms)
    assert [row["weight"] for row in status if row["synapse_model"] == "static_synapse"
            and row["target"] in (1, 2, 3) and row["source"] in (1, 2, 3)] == [2.0, 2.0, 2.0]
    assert answers[8] == 2.0          # neuron 1's one static synapse (to itself)

