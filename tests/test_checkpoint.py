"""Checkpoints (csnn.save / csnn.load): a run split by save and load in another process is
bit-identical to an uninterrupted one, for every neuron model, generator, recorder and synapse
type together (each neuron model alone: test_neuron_contract.py); bad files are refused with a
clear error."""
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import csnn
import every_model
from every_model import PLASTIC

pytestmark = pytest.mark.usefixtures("fresh_kernel")

TESTS = pathlib.Path(__file__).resolve().parent
#: the split: mid-window, with spikes in flight (delays up to 4 ms)
T_SAVE, T_AFTER = 43.37, 56.63


def build(threads):
    """every_model's network (every neuron model, generator kind, recorder and synapse type)."""
    every_model.build(threads)


def results():
    """Everything a run produces, read through the API as a user would after csnn.load."""
    out = {}
    for model in ("spike_recorder", "multimeter", "voltmeter", "weight_recorder"):
        for k, recorder in enumerate(csnn.GetNodes({"model": model})):
            for key, values in recorder.get("events").items():
                out[f"{model}{k}.{key}"] = np.asarray(values)
    for model in PLASTIC:
        conns = csnn.GetConnections(synapse_model=f"{model}_rec").get()
        for key in ("source", "target", "weight", "delay"):
            out[f"{model}.{key}"] = np.asarray(conns[key])
    out["time"] = np.array(csnn.GetKernelStatus("biological_time"))
    out["spikes"] = np.array(csnn.GetKernelStatus("local_spike_counter"))
    return out


def phase(name, directory, threads):
    """One process of the test: 'whole' (no checkpoint), 'save' (first part) or 'load'."""
    csnn.set_verbosity("M_ERROR")
    checkpoint = os.path.join(directory, "run.csnn")
    if name == "load":
        csnn.load(checkpoint)
    else:
        build(threads)
        csnn.Simulate(T_SAVE)
        if name == "save":
            csnn.save(checkpoint)
            return
    csnn.Simulate(T_AFTER)
    np.savez(os.path.join(directory, f"{name}.npz"), **results())


def run_phase(name, directory, threads):
    code = f"import sys; sys.path.insert(0, {str(TESTS)!r}); import test_checkpoint as t; " \
           f"t.phase({name!r}, {str(directory)!r}, {threads})"
    # from the temporary directory: the installed csnn, not the source tree, is imported
    done = subprocess.run([sys.executable, "-c", code], cwd=directory, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr


def test_save_and_load_in_another_process_continue_bit_identically(tmp_path):
    """Every model, generator kind, recorder and synapse type in one network: saved mid-run on
    two threads and loaded in another process, it continues bit for bit as one thread runs it
    without a checkpoint (each neuron model alone, with 1 to 4 threads: test_neuron_contract.py)."""
    for name, threads in (("whole", 1), ("save", 2), ("load", 2)):
        run_phase(name, tmp_path, threads)
    whole, resumed = np.load(tmp_path / "whole.npz"), np.load(tmp_path / "load.npz")
    assert sorted(whole.files) == sorted(resumed.files)
    assert whole["spike_recorder0.times"].size > 1000 and whole["weight_recorder0.times"].size > 100
    assert whole["time"] == T_SAVE + T_AFTER
    for key in whole.files:
        np.testing.assert_array_equal(resumed[key], whole[key], err_msg=key)
    # the checkpoint left no temporary file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["load.npz", "run.csnn", "whole.npz"]


def saved(tmp_path):
    csnn.Connect(csnn.Create("poisson_generator", params={"rate": 100.0}), csnn.Create("iaf_psc_delta", 3))
    csnn.Simulate(10.0)
    path = tmp_path / "k.csnn"
    csnn.save(path)
    return path


def test_loading_restores_recorders_and_kernel_in_process(tmp_path):
    neurons = csnn.Create("iaf_psc_exp", 5, params={"I_e": 400.0})
    recorder = csnn.Create("spike_recorder")
    csnn.Connect(neurons, recorder)
    csnn.Simulate(100.0)
    before = recorder.get("events")
    csnn.save(tmp_path / "k.csnn")
    csnn.ResetKernel()
    csnn.load(tmp_path / "k.csnn")
    [loaded] = csnn.GetNodes({"model": "spike_recorder"})
    np.testing.assert_array_equal(loaded.get("events")["times"], before["times"])
    assert csnn.GetKernelStatus("biological_time") == 100.0
    assert csnn.GetNodes({"model": "iaf_psc_exp", "I_e": 400.0}).tolist() == neurons.tolist()
    assert csnn.NodeCollection([recorder.global_id]).get("n_events") == before["times"].size


def test_truncated_corrupted_and_foreign_files_are_refused(tmp_path):
    path = saved(tmp_path)
    data = path.read_bytes()
    cases = {
        "truncated": (data[:-10], r"is truncated or has trailing data: its payload has \d+ bytes, its header says \d+"),
        "corrupted": (data[:100] + bytes([data[100] ^ 1]) + data[101:], "is corrupted: the checksum"),
        "foreign": (b"PK\x03\x04 not a checkpoint", "is not a csnn checkpoint"),
        "version": (data[:8] + (99).to_bytes(4, "little") + data[12:], "has checkpoint format version 99; this csnn"),
    }
    for name, (content, message) in cases.items():
        bad = tmp_path / f"{name}.csnn"
        bad.write_bytes(content)
        with pytest.raises(csnn.CSNNError, match=message):
            csnn.load(bad)
    # the kernel in use is untouched by a refused file
    assert csnn.GetKernelStatus("biological_time") == 10.0


def write_checkpoint(path, payload):
    """A file with a valid header (this csnn's format version, the payload's length and checksum)."""
    import hashlib

    from csnn import checkpoint

    header = checkpoint._HEADER.pack(checkpoint.MAGIC, checkpoint.FORMAT_VERSION, len(payload),
                                     hashlib.sha256(payload).digest())
    path.write_bytes(header + payload)


def test_a_checkpoint_never_unpickles_foreign_code(tmp_path):
    """A file with a valid header whose payload names os.system is refused before the call."""
    import pickle

    class Evil:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    write_checkpoint(tmp_path / "evil.csnn", pickle.dumps({"kernel": Evil()}))
    with pytest.raises(csnn.CSNNError, match=r"names posix.system|names os.system"):
        csnn.load(tmp_path / "evil.csnn")
    assert not (tmp_path / "pwned").exists()


def test_a_checkpoint_naming_a_class_this_csnn_does_not_have_is_refused_by_name(tmp_path):
    """Checkpoints name classes by module path: one written before the kernel moved to
    csnn/network/ (format 4 of 137f83e pickled csnn.kernel.Kernel) is refused with the class it
    names, not with Python's ModuleNotFoundError; so is a class missing from a module."""
    for module, name in (("csnn.kernel", "Kernel"), ("csnn.network.kernel", "OldKernel")):
        write_checkpoint(tmp_path / "old.csnn", f"c{module}\n{name}\n.".encode())   # GLOBAL, STOP
        with pytest.raises(csnn.CSNNError, match=rf"names {module}\.{name}, which this csnn .* does not have: "
                                                 "it was written by another version of csnn"):
            csnn.load(tmp_path / "old.csnn")


def test_save_is_atomic_and_refused_while_prepared(tmp_path):
    path = saved(tmp_path)
    first = path.read_bytes()
    csnn.Prepare()
    with pytest.raises(csnn.CSNNError, match="save: the kernel is between Prepare and Cleanup"):
        csnn.save(path)
    csnn.Cleanup()
    assert path.read_bytes() == first
    csnn.Simulate(5.0)
    csnn.save(path)
    assert path.read_bytes() != first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.csnn"]


def test_a_narrower_window_grid_mid_run_keeps_every_spike():
    """A Connect that lowers the smallest delay re-makes the window grid mid-run: every spike
    of every model stays where it was (a crossing found for a state is final whatever windows
    ask for it)."""
    def spike_times(narrow_at):
        build(1)
        csnn.Simulate(narrow_at)
        first, second = csnn.Create("parrot_neuron"), csnn.Create("parrot_neuron")
        csnn.Connect(first, second, syn_spec={"delay": 0.3})      # the grid is re-made 0.3 ms wide
        csnn.Simulate(100.0 - narrow_at)
        return csnn.GetNodes({"model": "spike_recorder"})[0].get("events")["times"]
    np.testing.assert_array_equal(spike_times(T_SAVE), spike_times(100.0 - 1e-9))
