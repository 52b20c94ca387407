"""docs/nest_examples.py, the runner of NEST's example scripts: what it changes in a script, which
files it runs, how it reads printed figures and what it reports (on made-up scripts: the
project ships none of NEST's)."""
import importlib.util
import json
import pathlib

import pytest

pytestmark = pytest.mark.source_tree

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("nest_examples", ROOT / "docs" / "nest_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_only_the_import_changes(tool):
    script = ("import nest\nimport nest.raster_plot\nfrom nest import spatial\n"
              "    import nest  # indented\nimport nested_thing\nx = nest.Create('iaf_psc_alpha')\n"
              "print('import nest')\n")
    assert tool.csnn_source(script) == (
        "import csnn as nest\nimport csnn.raster_plot\nfrom csnn import spatial\n"
        "    import csnn as nest  # indented\nimport nested_thing\nx = nest.Create('iaf_psc_alpha')\n"
        "print('import nest')\n")


def test_scripts_leave_out_modules_and_unrelated_files(tool, tmp_path):
    (tmp_path / "main.py").write_text("import nest\nimport helper\n")
    (tmp_path / "helper.py").write_text("import nest\n")
    (tmp_path / "plain.py").write_text("print(1)\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "run.py").write_text("import network\n")
    (tmp_path / "sub" / "network.py").write_text("import nest\n")
    (tmp_path / "sub" / "__init__.py").write_text("")
    found = [p.relative_to(tmp_path).as_posix() for p in tool.scripts(tmp_path)]
    assert found == ["main.py", "sub/run.py"]


def test_figures_are_labelled_numbers_not_the_machines_times(tool):
    out = ("Excitatory rate   : 31.98 Hz\nNumber of synapses: 15637600\nSimulation time   : 9.01 s\n"
           "Building time = 1.3\nmean CV = 0.85\nno figure here\n")
    assert tool.figures(out) == {"Excitatory rate": 31.98, "Number of synapses": 15637600.0, "mean CV": 0.85}


def _entry(csnn_code=0, csnn_error="", csnn_figures=(), nest_code=0, nest_figures=()):
    return {"csnn": {"code": csnn_code, "seconds": 1.0, "error": csnn_error, "figures": dict(csnn_figures)},
            "nest": {"code": nest_code, "seconds": 2.0, "error": "boom" if nest_code else "",
                     "figures": dict(nest_figures)}}


def test_status_of_each_outcome(tool):
    assert tool.status(_entry(csnn_figures={"rate": 10.5}, nest_figures={"rate": 10.0}))[0] == "runs, agrees"
    assert tool.status(_entry(csnn_figures={"rate": 12.0}, nest_figures={"rate": 10.0}))[0] == "runs, differs"
    assert tool.status(_entry())[0] == "runs"
    missing = _entry(csnn_code=1, csnn_error="csnn.errors.UnknownModelError: unknown model 'iaf_cond_exp'. ...")
    assert tool.status(missing) == ("missing model", "iaf_cond_exp")
    assert tool.status(_entry(csnn_code=1, csnn_error="KeyError: 'x'")) == ("stops", "KeyError: 'x'")
    assert tool.status(_entry(nest_code=1))[0] == "not run"


def test_a_run_end_to_end(tool, tmp_path, monkeypatch):
    """A made-up example run on csnn only: the table and the results it keeps."""
    examples = tmp_path / "examples"
    examples.mkdir()
    (examples / "tiny.py").write_text(
        "import nest\nn = nest.Create('iaf_psc_alpha', params={'I_e': 500.0})\nsr = nest.Create('spike_recorder')\n"
        "nest.Connect(n, sr)\nnest.Simulate(100.0)\nprint('spikes:', sr.n_events)\n")
    (examples / "broken.py").write_text("import nest\nnest.Create('no_such_model')\n")
    monkeypatch.setattr(tool, "RESULTS", tmp_path / "results.json")
    monkeypatch.setattr(tool, "TABLE", tmp_path / "table.md")
    tool.main(["--examples", str(examples), "--nest-python", "none", "--timeout", "120"])
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["tiny.py"]["csnn"]["code"] == 0 and results["tiny.py"]["csnn"]["figures"]["spikes"] > 0
    assert tool.status(results["broken.py"]) == ("missing model", "no_such_model")
    table = (tmp_path / "table.md").read_text()
    assert "| `tiny.py` | runs |" in table and "| `broken.py` | missing model | no_such_model |" in table


def test_bad_arguments_are_named(tool, tmp_path, capsys):
    with pytest.raises(SystemExit):
        tool.main(["--examples", str(tmp_path / "absent")])
    assert "--examples" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        tool.main(["--examples", str(tmp_path), "--nest-python", str(tmp_path / "nopython")])
    assert "--nest-python" in capsys.readouterr().err


def test_nest_is_not_run_for_a_missing_model_new_skips_what_ran_and_keep_nest_reuses_nest(tool, tmp_path, monkeypatch):
    examples = tmp_path / "examples"
    examples.mkdir()
    (examples / "broken.py").write_text("import nest\nnest.Create('no_such_model')\n")
    (examples / "later.py").write_text("import nest\nprint('nodes:', len(nest.Create('iaf_psc_alpha', 3)))\n")
    # a stand-in for NEST's Python that leaves a mark for each script it is given
    marks = tmp_path / "marks"
    fake = tmp_path / "fake_python"
    fake.write_text(f"#!/bin/sh\necho \"$1\" >> {marks}\n")
    fake.chmod(0o755)
    monkeypatch.setattr(tool, "RESULTS", tmp_path / "results.json")
    monkeypatch.setattr(tool, "TABLE", tmp_path / "table.md")
    tool.main(["--examples", str(examples), "--nest-python", str(fake), "--only", "broken.py"])
    assert not marks.exists()
    tool.main(["--examples", str(examples), "--nest-python", str(fake), "--new"])
    assert marks.read_text().split() == ["later.py"]
    results = json.loads((tmp_path / "results.json").read_text())
    assert sorted(results) == ["broken.py", "later.py"] and results["later.py"]["csnn"]["figures"] == {"nodes": 3.0}
    # after a change to csnn: csnn's runs again, NEST's kept run is reused
    tool.main(["--examples", str(examples), "--nest-python", str(fake), "--only", "later.py", "--keep-nest"])
    assert marks.read_text().split() == ["later.py"]
    assert json.loads((tmp_path / "results.json").read_text())["later.py"]["nest"] == results["later.py"]["nest"]
