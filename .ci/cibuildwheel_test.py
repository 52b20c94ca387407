"""Run the test step of pyproject.toml's ``[tool.cibuildwheel]`` the way cibuildwheel runs it on
Linux, against a wheel already installed in a virtual environment.

    python .ci/cibuildwheel_test.py PROJECT VENV

As cibuildwheel does: install ``test-requires`` into VENV, copy ``test-sources`` (relative to
PROJECT) into a fresh temporary directory, and run ``test-command`` in a shell from there with
VENV's ``bin`` first on PATH (``{project}`` and ``{package}`` stand for PROJECT).  Then check
that the tests imported csnn from VENV, not from a source tree (``tests/conftest.py`` prints
where csnn was imported from in pytest's header), and that none was skipped for another reason
than NEST's absence.  Needs Python >= 3.11 (tomllib).
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib


#: test options of cibuildwheel that this script does not reproduce
UNSUPPORTED = ("before-test", "test-environment", "test-extras", "test-groups")


def settings(project):
    """The test settings of ``[tool.cibuildwheel]``, with its ``linux`` table's overrides."""
    config = tomllib.loads((project / "pyproject.toml").read_text())["tool"]["cibuildwheel"]
    config = {**config, **config.get("linux", {})}
    unsupported = [name for name in UNSUPPORTED if name in config]
    if unsupported:
        sys.exit(f"cibuildwheel_test: [tool.cibuildwheel] sets {', '.join(unsupported)}, which this script does "
                 "not reproduce: teach it to, so that it still runs the tests as cibuildwheel does")
    return config


def as_list(value):
    """A cibuildwheel list option: a TOML array, or a string of space-separated items."""
    return list(value) if isinstance(value, list) else value.split()


def copy_sources(project, sources, destination):
    """Copy each of ``sources`` (paths relative to ``project``) to the same place in ``destination``."""
    for source in sources:
        target = destination / source
        target.parent.mkdir(parents=True, exist_ok=True)
        if (project / source).is_dir():
            shutil.copytree(project / source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(project / source, target)


def run_tests(project, venv):
    """Install the test requirements, run the test command; returns its output (raises on failure)."""
    config = settings(project)
    python = str(venv / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "--quiet"] + as_list(config["test-requires"]), check=True)
    command = config["test-command"]
    command = " && ".join(command) if isinstance(command, list) else command
    command = command.replace("{project}", str(project)).replace("{package}", str(project))
    env = {name: value for name, value in os.environ.items() if name not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env['PATH']}", VIRTUAL_ENV=str(venv))
    with tempfile.TemporaryDirectory() as directory:
        copy_sources(project, as_list(config.get("test-sources", [])), pathlib.Path(directory))
        holding = ", ".join(os.listdir(directory)) or "nothing"
        print(f"cibuildwheel_test: in {directory} (with {holding}): {command}", flush=True)
        proc = subprocess.Popen(command, shell=True, cwd=directory, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        output = []
        for line in proc.stdout:          # shown as it comes, and kept for the checks below
            print(line, end="", flush=True)
            output.append(line)
        if proc.wait() != 0:
            sys.exit(f"cibuildwheel_test: the test command failed (exit status {proc.returncode})")
    return "".join(output)


def main():
    project, venv = (pathlib.Path(arg).resolve() for arg in sys.argv[1:3])
    output = run_tests(project, venv)
    imported = re.search(r"^csnn \S+ imported from (\S+)", output, flags=re.M)
    if imported is None:
        sys.exit("cibuildwheel_test: pytest's header does not say where csnn was imported from")
    if not pathlib.Path(imported.group(1)).is_relative_to(venv):
        sys.exit(f"cibuildwheel_test: the tests imported csnn from {imported.group(1)}, not from the wheel "
                 f"in {venv}")
    # pytest's -ra summary: a skip other than NEST's absence (by design: NEST is not installed here)
    # needs something test-requires lacks, or a marker the test command deselects
    skips = re.findall(r"^SKIPPED \[\d+\] (.*)$", output, flags=re.M)
    unexpected = [reason for reason in skips if "could not import 'nest'" not in reason]
    if unexpected:
        sys.exit("cibuildwheel_test: tests skipped: " + "; ".join(unexpected) + " (add what they need to "
                 "test-requires, or mark them nest, source_tree or mpi)")
    print(f"cibuildwheel_test: the tests ran against the wheel installed in {venv}")


if __name__ == "__main__":
    main()
