"""The API documentation builds offline from the docstrings, warning-free, and its model page
lists every model of the registry."""
import pathlib
import subprocess
import sys

import pytest

from csnn.network.models import Registry

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"
pytestmark = pytest.mark.source_tree


def test_sphinx_builds_the_documentation(tmp_path):
    pytest.importorskip("sphinx")
    result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q",
                             str(DOCS), str(tmp_path / "html")], cwd=tmp_path, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    models = (tmp_path / "html" / "models.html").read_text()
    for name in Registry().names():
        assert f"<span class=\"pre\">{name}</span>" in models, name
    api = (tmp_path / "html" / "api.html").read_text()
    for documented in ("csnn.Create", "csnn.Connect", "csnn.Simulate", "csnn.read_events", "csnn.analysis.fi_curve",
                       "csnn.plot.raster_with_rate", "csnn.spatial.grid"):
        assert f'id="{documented}"' in api, documented
