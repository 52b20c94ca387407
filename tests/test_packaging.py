"""Packaging: the distribution name and version the command line prints."""
import importlib.metadata
import pathlib

import pytest

import csnn
import csnn.__main__ as cli

#: the csnn package under test (installed, or a tree built in place)
PACKAGE = pathlib.Path(csnn.__file__).resolve().parent


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
    assert cli.installed_version() == f"csnn-sim 0.0.1 (as pip recorded it; the code imported is {csnn.__version__})"


def test_info_names_the_distribution_and_where_csnn_is_imported_from(capsys):
    cli.main(["info"])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"csnn-sim {csnn.__version__} (Python ")
    assert out[1] == f"  imported as csnn from {PACKAGE}"
