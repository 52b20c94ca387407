"""The README stays true: its model table is the registry's, and its code runs."""
import pathlib
import re

import pytest

import csnn
from csnn.models import model_table

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"
pytestmark = pytest.mark.source_tree


def test_model_table_matches_the_registry():
    table = README.read_text().split("<!-- model-table")[1].split("-->", 1)[1].split("<!-- end model-table -->")[0]
    assert table.strip() == model_table().strip()


def test_python_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)         # the blocks' recorders write files into the working directory
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 2
    for code in blocks:
        csnn.ResetKernel()
        exec(compile(code, "README.md", "exec"), {})
