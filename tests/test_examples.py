"""Scripts users run: the examples, ``python -m csnn demo`` and NEST's own brunel_delta_nest.py
with only its imports changed."""
import importlib.util
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run(args, cwd, timeout=300):
    env = dict(os.environ, MPLBACKEND="Agg")
    result = subprocess.run([sys.executable] + args, cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, result.stderr
    return result.stdout


def rates(output):
    return [float(x) for x in re.findall(r"(?:Excitatory|Inhibitory|excitatory|inhibitory) rate\s*:?\s*([0-9.]+)", output)]


def test_brunel_example(tmp_path):
    out = run([str(ROOT / "examples" / "brunel_delta.py"), "--order", "100", "--time", "300",
               "--out", str(tmp_path / "raster.png")], tmp_path)
    # the asynchronous irregular state of this network fires at tens of Hz
    assert all(20.0 < r < 100.0 for r in rates(out)) and len(rates(out)) == 2
    assert (tmp_path / "raster.png").stat().st_size > 0


def test_cli_demo_and_version(tmp_path):
    out = run(["-m", "csnn", "demo", "--order", "50", "--time", "200", "--out", str(tmp_path / "demo.png")], tmp_path)
    assert "excitatory rate" in out and "Figure saved" in out
    deviation = float(re.search(r"closed form: ([0-9.e+-]+) ms", out).group(1))
    assert deviation < 1e-9
    import csnn
    assert run(["-m", "csnn", "--version"], tmp_path).strip() == f"csnn {csnn.__version__}"
    assert "node models" in run(["-m", "csnn", "info"], tmp_path)


def nest_example(name):
    spec = importlib.util.find_spec("nest")
    if spec is None or spec.origin is None:
        pytest.skip("NEST is not installed")
    path = pathlib.Path(spec.origin).parent / "doc" / "examples" / "pynest" / name
    if not path.exists():
        pytest.skip(f"NEST's example {name} is not shipped with this NEST")
    return path.read_text()


def test_nest_brunel_delta_example_runs_with_only_its_imports_changed(tmp_path):
    source = nest_example("brunel_delta_nest.py")
    source = re.sub(r"^import nest\.raster_plot$", "import csnn.raster_plot", source, flags=re.M)
    source = re.sub(r"^import nest$", "import csnn as nest", source, flags=re.M)
    # a smaller network keeps the test short; nothing else changes
    source = re.sub(r"^order = \d+", "order = 100", source, flags=re.M)
    assert "import csnn as nest" in source
    script = tmp_path / "brunel_delta_csnn.py"
    script.write_text(source)
    out = run([str(script)], tmp_path)
    found = rates(out)
    assert len(found) == 2 and all(20.0 < r < 100.0 for r in found), out
    # the example records to ascii files, one per recorder, which raster_plot read back
    assert len(list(tmp_path.glob("brunel-py-*.dat"))) == 2
