"""The README and the guide stay true: the guide's model table is the registry's, the README's
performance summary and bench/README.md's targets are the ones bench/summary.py makes from the
tracked results (docs/scaling.md's tables those of bench/scaling_model.py), and their code runs."""
import pathlib
import re

import pytest

import csnn
from csnn.network.models import model_table

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
GUIDE = ROOT / "docs" / "guide.md"
BENCH_README = ROOT / "bench" / "README.md"
SCALING = ROOT / "docs" / "scaling.md"
pytestmark = pytest.mark.source_tree


def generated_block(path, marker):
    """The text between ``<!-- marker ... -->`` and ``<!-- end marker -->`` in ``path``."""
    text = path.read_text()
    assert f"<!-- {marker}" in text, f"{path.name} lost its {marker} markers"
    return text.split(f"<!-- {marker}")[1].split("-->", 1)[1].split(f"<!-- end {marker} -->")[0]


def test_model_table_matches_the_registry():
    assert generated_block(GUIDE, "model-table").strip() == model_table().strip()


@pytest.mark.parametrize("path, marker, module, table", [
    (README, "bench-summary", "summary", "summary_table"),
    (BENCH_README, "bench-targets", "summary", "targets_table"),
    (SCALING, "scaling-model", "scaling_model", "scaling_table")], ids=["summary", "targets", "scaling"])
def test_performance_tables_match_the_tracked_results(path, marker, module, table, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    tables = __import__(module)
    assert generated_block(path, marker).strip() == getattr(tables, table)().strip()


def test_readme_names_every_neuron_model_in_its_limitations(fresh_kernel):
    """The Limitations section lists the neuron models csnn has: a new model must be added there
    (a fresh kernel: the copies other tests made are not csnn's models)."""
    limitations = README.read_text().split("## Limitations")[1].split("\n## ")[0]
    neurons = [name for name in csnn.Models("nodes")
               if csnn.GetDefaults(name).get("element_type") == "neuron"]
    assert neurons, "no neuron models found"
    missing = [name for name in neurons if f"`{name}`" not in limitations]
    assert not missing, f"README's Limitations does not list {missing}"


@pytest.mark.parametrize("path", [README, GUIDE], ids=lambda p: p.name)
def test_python_blocks_run(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)         # the blocks' recorders write files into the working directory
    blocks = re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)
    assert len(blocks) >= 2
    for code in blocks:
        csnn.ResetKernel()
        exec(compile(code, path.name, "exec"), {})
