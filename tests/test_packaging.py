"""Packaging: the distribution name and version the command line prints, and what importing csnn
from a directory without its compiled core says (a clone's ``csnn/`` hiding the installed
package, or a source tree never built in place)."""
import importlib.machinery
import importlib.metadata
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

import csnn
import csnn.__main__ as cli
from csnn import _core

#: the csnn package under test (installed, or a tree built in place) and the directory holding it
PACKAGE = pathlib.Path(csnn.__file__).resolve().parent
HOLDER = PACKAGE.parent


def test_version_names_the_distribution(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--version"])
    assert capsys.readouterr().out.strip() == f"csnn-sim {csnn.__version__}"
    assert importlib.metadata.version("csnn-sim") == csnn.__version__


def test_version_says_when_pip_did_not_install_the_code(monkeypatch):
    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)
    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    assert cli.installed_version() == f"csnn-sim {csnn.__version__} (not installed with pip)"
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "0.0.1")
    assert cli.installed_version() == \
        f"csnn-sim 0.0.1 (as pip recorded it; the code imported is {csnn.__version__})"


def test_info_names_the_distribution_and_where_csnn_is_imported_from(capsys):
    cli.main(["info"])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"csnn-sim {csnn.__version__} (Python ")
    assert out[1] == f"  imported as csnn from {PACKAGE}"


def copy_without_core(destination, keep=()):
    """A copy of the csnn package under test in ``destination``/csnn whose compiled core modules
    are removed, except those named in ``keep``; returns the copy's directory."""
    copy = destination / "csnn"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    for module in (copy / "_core").iterdir():
        built = [s for s in importlib.machinery.EXTENSION_SUFFIXES if module.name.endswith(s)]
        if built and module.name[:-len(built[0])] not in keep:
            module.unlink()
    return copy


def python(args, cwd, pythonpath=None):
    """Run this interpreter in ``cwd`` with ``pythonpath`` as PYTHONPATH (none when None)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run([sys.executable] + args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def test_unbuilt_tree_in_the_working_directory_says_what_to_do(tmp_path):
    """The issue's case: csnn installed, and ``python -m csnn demo`` run in the clone's root,
    whose uncompiled csnn/ comes first on sys.path.  (PYTHONPATH puts the csnn under test after
    the working directory, as site-packages is.)"""
    copy = copy_without_core(tmp_path)
    result = python(["-m", "csnn", "demo"], tmp_path, pythonpath=HOLDER)
    assert result.returncode == 1
    message = result.stderr[result.stderr.index("csnn.errors.CoreNotBuiltError: "):]
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    n_modules = len(list((copy / "_core").glob("*.pyx")))
    assert message.splitlines() == [
        f"csnn.errors.CoreNotBuiltError: csnn is being imported from {copy}, where its compiled core is missing:",
        f"csnn/_core has no extension module for this Python (*{suffix}) of any of its {n_modules} modules.",
        f"A built csnn is installed at {PACKAGE}, but this directory hides it: Python imports",
        "from the current directory first (python -m, python -c and the interactive prompt).",
        "Either",
        "  - run from another directory, or use the csnn command (csnn demo, csnn info), which",
        "    imports the installed package (pip install . installs it); or",
        f"  - build the core in place: pip install -e . (in {tmp_path})"]


def test_unbuilt_tree_is_an_import_error_naming_the_missing_modules(tmp_path):
    """Tools that catch ImportError keep working, and a partly built core names what is missing."""
    built = {"crossing", "engine", "inbox"}
    copy = copy_without_core(tmp_path, keep=built)
    code = ("try:\n    import csnn\n"
            "except ImportError as error:\n"
            "    print(' '.join(cls.__name__ for cls in type(error).__mro__))\n    print(error)")
    result = python(["-c", code], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "CoreNotBuiltError CSNNError ImportError Exception BaseException object"
    assert lines[1] == f"csnn is being imported from {copy}, where its compiled core is missing:"
    missing = sorted(p.stem for p in (copy / "_core").glob("*.pyx") if p.stem not in built)
    assert lines[2].endswith(f"of {', '.join(missing)}.")
    assert lines[-1] == f"  - build the core in place: pip install -e . (in {tmp_path})"


def test_message_claims_no_installed_copy_when_there_is_none(tmp_path, monkeypatch):
    copy = copy_without_core(tmp_path)
    monkeypatch.setattr(sys, "path", [str(tmp_path)])      # nothing but the unbuilt tree
    message = _core.not_built_message(str(copy), _core.core_modules(copy / "_core")).splitlines()
    assert message[2] == "Either" and len(message) == 6
