"""Recorders' file backends (record_to 'ascii', 'csv', 'npz') and read_events: what a file holds
after several Simulate calls equals what the same recorder keeps in memory."""
import numpy as np
import pytest

import csnn
from csnn.devices import read_events

pytestmark = pytest.mark.usefixtures("fresh_kernel")

FILE_BACKENDS = ("ascii", "csv", "npz")


def record(backend, tmp_path, label):
    """Spikes, V_m samples and plastic weights of a small driven network, recorded once to
    ``backend`` and once to memory over three Simulate calls; returns the file recorders'
    paths with the memory recorders' events."""
    csnn.SetKernelStatus({"data_path": str(tmp_path), "rng_seed": 7})
    drive = csnn.Create("poisson_generator", params={"rate": 4000.0})
    neurons = csnn.Create("iaf_psc_alpha", 3)
    csnn.Connect(drive, neurons, syn_spec={"weight": 120.0})
    recorders = {}
    for name in ("file", "memory"):
        to = backend if name == "file" else "memory"
        spikes = csnn.Create("spike_recorder", params={"record_to": to, "label": f"{label}-spikes"})
        meter = csnn.Create("multimeter", params={"record_to": to, "record_from": ["V_m", "I_syn_ex"],
                                                  "interval": 0.5, "label": f"{label}-meter"})
        weights = csnn.Create("weight_recorder", params={"record_to": to, "label": f"{label}-weights"})
        csnn.Connect(neurons, spikes)
        csnn.Connect(meter, neurons)
        csnn.CopyModel("stdp_synapse", f"plastic_{name}", {"weight_recorder": weights, "weight": 50.0})
        csnn.Connect(neurons[:2], neurons[2:], syn_spec={"synapse_model": f"plastic_{name}"})
        recorders[name] = (spikes, meter, weights)
    for t in (40.0, 35.5, 60.0):
        csnn.Simulate(t)
    paths = [rec.get("filenames")[0] for rec in recorders["file"]]
    return paths, [rec.get("events") for rec in recorders["memory"]]


@pytest.mark.parametrize("backend", FILE_BACKENDS)
def test_files_hold_what_memory_holds(backend, tmp_path):
    paths, expected = record(backend, tmp_path, backend)
    assert expected[0]["times"].size > 10 and expected[2]["times"].size > 10   # spikes and weights
    for path, events in zip(paths, expected):
        assert path.endswith({"ascii": ".dat", "csv": ".csv", "npz": ".npz"}[backend])
        read = read_events(path)
        assert sorted(read) == sorted(events)
        if "ports" in events:
            # a synapse's port is its rank in its source's row: the file recorder's synapses
            # were connected first
            events = dict(events, ports=events["ports"] - 1)
        for key, values in events.items():
            assert read[key].dtype.kind == values.dtype.kind, key
            if backend == "ascii" and values.dtype.kind == "f":
                # NEST's text format: 'precision' (3) digits after the point
                np.testing.assert_allclose(read[key], values, rtol=0, atol=0.5e-3, err_msg=key)
            else:
                # csv writes the shortest exact text of each float, npz the floats themselves
                np.testing.assert_array_equal(read[key], values, err_msg=key)


@pytest.mark.parametrize("backend", FILE_BACKENDS)
def test_file_backends_keep_existing_files_unless_allowed(backend, tmp_path):
    path = tmp_path / f"spike_recorder-1-0{ {'ascii': '.dat', 'csv': '.csv', 'npz': '.npz'}[backend] }"
    path.write_text("precious")
    csnn.SetKernelStatus({"data_path": str(tmp_path)})
    csnn.Create("spike_recorder", params={"record_to": backend})
    with pytest.raises(csnn.CSNNError, match="overwrite_files"):
        csnn.Simulate(1.0)
    assert path.read_text() == "precious"
    csnn.SetKernelStatus({"overwrite_files": True})
    csnn.Simulate(1.0)
    assert read_events(path)["times"].size == 0


def test_npz_file_is_replaced_whole_after_each_call(tmp_path):
    csnn.SetKernelStatus({"data_path": str(tmp_path)})
    gen = csnn.Create("spike_generator", params={"spike_times": [1.0, 2.5, 7.0]})
    parrot = csnn.Create("parrot_neuron")
    sr = csnn.Create("spike_recorder", params={"record_to": "npz"})
    csnn.Connect(gen, parrot)
    csnn.Connect(parrot, sr)
    csnn.Simulate(5.0)
    [path] = sr.get("filenames")
    np.testing.assert_array_equal(read_events(path)["times"], [2.0, 3.5])
    csnn.Simulate(5.0)
    np.testing.assert_array_equal(read_events(path)["times"], [2.0, 3.5, 8.0])
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.rsplit("/", 1)[1]]   # no temporary left


def test_read_events_rejects_other_files(tmp_path):
    other = tmp_path / "data.txt"
    other.write_text("1 2\n")
    with pytest.raises(csnn.CSNNError, match=r"read_events: path = .*data\.txt.*accepted: the \.dat, \.csv and \.npz"):
        read_events(other)
    empty = tmp_path / "empty.csv"
    empty.write_text("# only a comment\n")
    with pytest.raises(csnn.CSNNError, match="no header line"):
        read_events(empty)


def test_bad_backend_is_named():
    with pytest.raises(csnn.CSNNError, match=r"record_to = 'hdf5' is invalid; accepted: 'memory', 'ascii', "
                                             r"'csv', 'npz', 'screen'"):
        csnn.Create("spike_recorder", params={"record_to": "hdf5"})
