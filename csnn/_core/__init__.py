"""csnn's compiled engine.

The modules here are Cython extensions; the facade in :mod:`csnn` validates every input and
hands the core typed numpy arrays.  The core assumes valid arrays and skips bounds checks.

Importing this package first checks that every ``.pyx`` module here has its extension module
built for the running interpreter.  When one is missing (a source tree that was never built in
place, typically a clone's ``csnn/`` shadowing the installed package because Python puts the
current directory first on ``sys.path``), :class:`csnn.errors.CoreNotBuiltError` says where,
and how to get out, instead of Python's ``cannot import name 'rng' from 'csnn._core'``.
"""
import importlib.machinery
import os
import sys

from ..errors import CoreNotBuiltError


def core_modules(directory):
    """For each ``.pyx`` module in ``directory`` (sorted by name): whether an extension module
    this interpreter can import was built from it there (not so when none was built, or one
    for another Python version only)."""
    files = os.listdir(directory)
    built = {name[:-len(suffix)] for name in files for suffix in importlib.machinery.EXTENSION_SUFFIXES
             if name.endswith(suffix)}
    sources = sorted(name[:-len(".pyx")] for name in files if name.endswith(".pyx"))
    return {name: name in built for name in sources}


def built_copy_elsewhere(package_dir):
    """The directory of another csnn package with its core built that ``import csnn`` would find
    without ``package_dir``'s parent on ``sys.path`` (the installed one), or None."""
    shadowing = os.path.realpath(os.path.dirname(package_dir))
    others = [entry for entry in sys.path if os.path.realpath(entry or os.curdir) != shadowing]
    spec = importlib.machinery.PathFinder.find_spec("csnn", others)
    if spec is None or spec.origin is None:
        return None
    other = os.path.dirname(spec.origin)
    return other if all(core_modules(os.path.join(other, "_core")).values()) else None


def not_built_message(package_dir, modules):
    """What :class:`CoreNotBuiltError` says: where, what is missing, and the two ways out."""
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    missing = [name for name, built in modules.items() if not built]
    what = f"any of its {len(modules)} modules" if len(missing) == len(modules) else ", ".join(missing)
    lines = [f"csnn is being imported from {package_dir}, where its compiled core is missing:",
             f"csnn/_core has no extension module for this Python (*{suffix}) of {what}."]
    installed = built_copy_elsewhere(package_dir)
    if installed is not None:
        lines += [f"A built csnn is installed at {installed}, but this directory hides it: Python imports",
                  "from the current directory first (python -m, python -c and the interactive prompt)."]
    lines += ["Either",
              "  - run from another directory, or use the csnn command (csnn demo, csnn info), which",
              "    imports the installed package (pip install . installs it); or",
              f"  - build the core in place: pip install -e . (in {os.path.dirname(package_dir)})"]
    return "\n".join(lines)


def require_built():
    """Raise :class:`CoreNotBuiltError` unless every module of the core is built here."""
    package_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    modules = core_modules(os.path.join(package_dir, "_core"))
    if not all(modules.values()):
        raise CoreNotBuiltError(not_built_message(package_dir, modules))


require_built()
