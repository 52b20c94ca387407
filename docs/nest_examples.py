"""Run NEST's own example scripts on csnn and on NEST, and write docs/nest_examples.md.

    python docs/nest_examples.py --examples DIR [--nest-python PY] [--only NAME ...] [--timeout S]

``DIR`` is NEST 3.10's ``pynest/examples`` folder from a checkout of nest-simulator (csnn ships
none of NEST's code: ``git clone --depth 1 -b v3.10 https://github.com/nest/nest-simulator`` gives
it).  Each script runs twice in a copy of its folder (so that its data files and helper modules
are found), with matplotlib's Agg backend:

* on csnn, with only the import changed (``import nest`` -> ``import csnn as nest``, ``from nest``
  -> ``from csnn``, ``import nest.x`` -> ``import csnn.x``), by this interpreter;
* on NEST, unchanged, by ``--nest-python`` (default: ../venv-peers/bin/python beside the clone,
  as bench/run.py finds its peers; ``--nest-python none`` skips NEST), unless csnn stopped on
  a model it does not have.

Each run's exit status, time, first failing line and the figures it prints are kept in
docs/nest_examples.json, so ``--only`` reruns some scripts, ``--new`` runs those not run yet,
``--keep-nest`` reuses NEST's kept runs (after a change to csnn), and the table keeps the
others.  A script is in the table as

* **runs**: it finishes on csnn.  Where both runs print figures under the same label (rates,
  CVs, counts...), the largest relative difference is given; "agrees" when every such figure is
  within 10 % (the examples' networks are random and their seeds mean different streams in
  the two simulators, so only statistics can agree), "differs" otherwise;
* **missing model**: csnn stops on a model it does not have (issue 18 lists them);
* **stops**: csnn stops on something else, with its error;
* **not run**: NEST itself does not run it here (MUSIC, SONATA data, packages not installed,
  a time-out), so nothing is compared.
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
RESULTS = HERE / "nest_examples.json"
TABLE = HERE / "nest_examples.md"
#: figures printed under the same label that agree within this relative difference (random
#: networks with different streams: rates and CVs of NEST's examples scatter by a few percent)
AGREE = 0.10
_IMPORTS = [
    (re.compile(r"^(\s*)import nest(\s*(#.*)?)$", re.M), r"\1import csnn as nest\2"),
    (re.compile(r"^(\s*)import nest\.", re.M), r"\1import csnn."),
    (re.compile(r"^(\s*)from nest(\.| )", re.M), r"\1from csnn\2"),
]
#: what a look beyond the printed figures found, shown with a script's status
NOTES = {
    "CampbellSiegert.py": "within statistics: 10 neurons for 20 s at about 0.2 Hz are about 40 spikes, whose "
                          "count scatters by 15 % (s.d.); mean and variance of V agree to 0.1 % and 1 %",
    "brette_et_al_2007/coba.py": "within statistics: the network is bistable (self-sustained at about 14 Hz, or "
                                 "dying out after the 50 ms stimulus) and the seed decides, in both; with rng_seed "
                                 "1 to 6 NEST gave 14.0, 14.5, 0.5, 14.9, 14.7, 1.0 Hz and csnn 13.9, 14.4, 13.9, "
                                 "14.6, 0.5, 13.3 Hz (excitatory)",
    "store_restore_network.py": "the script gives each of its two Creates (2000 and 500 neurons) the V_m of all "
                                "2500; NEST silently takes the first values, csnn refuses the mismatch",
    "ignore_and_spike_mechanism.py": "NEST 3.10's ignore_and_spike parameters of iaf_psc_delta are not in csnn",
}
_MISSING = re.compile(r"UnknownModelError: unknown (?:synapse )?model(?: to copy)? '([^']+)'")
#: labels of what is not a figure of the network (the machine's times, versions, settings)
_NOT_FIGURES = re.compile(r"time|elapsed|version|thread|process|seed|dt\b", re.I)
_FIGURE = re.compile(r"^(?P<label>[A-Za-z][^:=]*?)\s*[:=]\s*(?P<value>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)")


def csnn_source(text):
    """A NEST script with only its import of nest changed to csnn."""
    for pattern, replacement in _IMPORTS:
        text = pattern.sub(replacement, text)
    return text


def scripts(examples):
    """The runnable scripts under ``examples``: files that use nest, directly or through a
    module of their folder, and that no other file of their folder imports (those are the
    modules); links (a folder's run_example.py) are left out."""
    found = []
    for path in sorted(examples.rglob("*.py")):
        if path.name == "__init__.py" or path.is_symlink():
            continue
        siblings = [p for p in path.parent.glob("*.py") if p != path and not p.is_symlink()]
        if any(_imports(p.read_text(errors="replace"), path.stem) for p in siblings):
            continue
        text = path.read_text(errors="replace")
        if "nest" in text or any(_imports(text, p.stem) for p in siblings):
            found.append(path)
    return found


def _imports(text, module):
    return re.search(rf"^\s*(from\s+{module}\s+import|import\s+{module}\b)", text, re.M) is not None


def figures(stdout):
    """Label -> the last number printed as "label: number" or "label = number"."""
    out = {}
    for line in stdout.splitlines():
        match = _FIGURE.match(line.strip())
        if match and not _NOT_FIGURES.search(match["label"]):
            out[" ".join(match["label"].split())] = float(match["value"])
    return out


def run(python, script, rewrite, timeout):
    """Run ``script`` by ``python`` in a copy of its folder: (exit code or "timeout", seconds,
    the last line of stderr, stdout)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = pathlib.Path(tmp) / "example"
        shutil.copytree(script.parent, folder)
        if rewrite:
            for path in folder.rglob("*.py"):
                path.write_text(csnn_source(path.read_text(errors="replace")))
        env = dict(os.environ, MPLBACKEND="Agg", PYTHONUNBUFFERED="1")
        start = time.perf_counter()
        try:
            done = subprocess.run([python, script.name], cwd=folder, env=env, capture_output=True, text=True,
                                  timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return "timeout", time.perf_counter() - start, f"no result within {timeout} s", ""
        seconds = time.perf_counter() - start
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    error = lines[-1].strip() if lines and done.returncode != 0 else ""
    return done.returncode, seconds, error, done.stdout


def compare(ours, theirs):
    """(largest relative difference, its label) of the figures both runs printed, or None."""
    shared = [k for k in ours if k in theirs]
    if not shared:
        return None
    def rel(k):
        scale = max(abs(ours[k]), abs(theirs[k]))
        return 0.0 if scale == 0 else abs(ours[k] - theirs[k]) / scale
    worst = max(shared, key=rel)
    return rel(worst), worst


def status(entry):
    """(status, detail) of a result entry for the table."""
    csnn, nest = entry["csnn"], entry.get("nest")
    if nest is not None and nest["code"] != 0:
        return "not run", f"NEST: {nest['error'][:120]}"
    if csnn["code"] == 0:
        diff = compare(csnn["figures"], nest["figures"]) if nest else None
        if diff is None:
            return "runs", "no figures printed by both to compare"
        worst, label = diff
        return ("runs, agrees" if worst <= AGREE else "runs, differs"), f"largest difference {worst:.1%} ({label})"
    missing = _MISSING.search(csnn["error"])
    if missing:
        return "missing model", missing.group(1)
    return "stops", csnn["error"][:160]


def table(results):
    """docs/nest_examples.md's text."""
    counts = {}
    rows = []
    for name in sorted(results):
        state, detail = status(results[name])
        counts[state] = counts.get(state, 0) + 1
        if name in NOTES:
            detail += f"; {NOTES[name]}"
        nest_s = results[name].get("nest") or {}
        times = f"{results[name]['csnn']['seconds']:.1f}" + (f" / {nest_s['seconds']:.1f}" if nest_s else "")
        rows.append(f"| `{name}` | {state} | {detail.replace('|', '/')} | {times} |")
    summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
    return "\n".join([
        "# NEST's examples on csnn",
        "",
        "<!-- generated by python docs/nest_examples.py; edit that script, not this table -->",
        "",
        "NEST 3.10's `pynest/examples`, each run on csnn with only the import changed and on NEST "
        "unchanged, in the same session (see docs/nest_examples.py for how, and for what *agrees* "
        f"means). {len(rows)} scripts: {summary}.",
        "",
        "| script | on csnn | detail | seconds csnn / NEST |",
        "|---|---|---|---|",
        *rows,
        "",
    ])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=pathlib.Path, required=True, help="NEST 3.10's pynest/examples folder")
    parser.add_argument("--nest-python", default=str(HERE.parent.parent / "venv-peers" / "bin" / "python"),
                        help="a Python with NEST 3.10 ('none': skip NEST)")
    parser.add_argument("--only", nargs="*", default=None, help="scripts to rerun (paths relative to --examples)")
    parser.add_argument("--new", action="store_true", help="only the scripts the kept results do not have")
    parser.add_argument("--keep-nest", action="store_true", help="reuse NEST's kept run of a script (csnn changed)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per run (default 600)")
    args = parser.parse_args(argv)
    if not args.examples.is_dir():
        parser.error(f"--examples: {args.examples} is not a folder (give NEST 3.10's pynest/examples)")
    if args.nest_python != "none" and not pathlib.Path(args.nest_python).exists():
        parser.error(f"--nest-python: {args.nest_python} does not exist (give a Python with NEST 3.10, or 'none')")
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for script in scripts(args.examples):
        name = script.relative_to(args.examples).as_posix()
        if args.only is not None and name not in args.only:
            continue
        if args.new and name in results:
            continue
        entry = {}
        for who, python, rewrite in (("csnn", sys.executable, True), ("nest", args.nest_python, False)):
            if python == "none" or who == "nest" and _MISSING.search(entry["csnn"]["error"]):
                continue     # a model csnn does not have: there is nothing to compare
            if who == "nest" and args.keep_nest and (results.get(name) or {}).get("nest"):
                entry["nest"] = results[name]["nest"]         # NEST's run does not depend on csnn
                continue
            code, seconds, error, stdout = run(python, script, rewrite, args.timeout)
            entry[who] = {"code": code, "seconds": round(seconds, 2), "error": error, "figures": figures(stdout)}
        results[name] = entry
        print(f"{name}: {status(entry)[0]} ({entry['csnn']['seconds']:.1f} s)", flush=True)
        RESULTS.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    TABLE.write_text(table(results))


if __name__ == "__main__":
    main()
