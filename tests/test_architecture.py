"""The package's shape: no import circles, no module too long to read in one sitting.

The import graph is read from the source with ``ast``: every ``import`` and ``from ... import``
of a csnn module, at module level or inside functions (an import inside a function is still a
dependency, only a later one).  A circle makes a module that cannot be read without the one
that reads it, and breaks as soon as one of them imports a name at module level.
"""
import ast
import pathlib

import csnn

PACKAGE = pathlib.Path(csnn.__file__).parent
#: the longest a module of csnn/ (not the compiled core) may be, in lines
MAX_LINES = 600


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
            # "from . import kernel" imports the module csnn.kernel; "from .errors import X" csnn.errors
            found.update(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                         for alias in node.names)
    return {module for module in found if module in modules and module != name}


def import_graph():
    files = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {name: imported_modules(path, files) for name, path in files.items()}


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
    assert {"csnn.kernel", "csnn.nodes", "csnn.errors"} <= set(graph)
    assert "csnn.errors" in graph["csnn.nodes"]          # from .errors import ... (module level)
    assert "csnn.kernel" in graph["csnn"]                 # from . import kernel as _kernel
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_the_package_has_no_import_circle():
    found = cycle(import_graph())
    assert found is None, "import circle: " + " -> ".join(found)


def test_no_module_is_longer_than_max_lines():
    lengths = {path.name: len(path.read_text().splitlines()) for path in PACKAGE.glob("*.py")}
    too_long = {name: n for name, n in lengths.items() if n > MAX_LINES}
    assert not too_long, f"modules above {MAX_LINES} lines (split them along their seams): {too_long}"
