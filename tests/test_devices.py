"""Generators and recorders: Poisson statistics, activity windows, parameter changes mid-run,
multimeter sampling and the ascii backend."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import csnn


def recorded_parrots(generator_params, n_targets, t_end, seed=1, model="poisson_generator"):
    csnn.ResetKernel()
    csnn.SetKernelStatus({"rng_seed": seed})
    gen = csnn.Create(model, params=generator_params)
    parrots = csnn.Create("parrot_neuron", n_targets)
    csnn.Connect(gen, parrots)
    sr = csnn.Create("spike_recorder")
    csnn.Connect(parrots, sr)
    csnn.Simulate(t_end)
    ev = sr.get("events")
    return parrots, [ev["times"][ev["senders"] == p] for p in parrots.tolist()]


@settings(max_examples=10, deadline=None)
@given(rate=st.floats(5.0, 500.0), seed=st.integers(1, 2 ** 31))
def test_poisson_ps_rate_and_cv(rate, seed):
    t_end = 20000.0
    _, trains = recorded_parrots({"rate": rate}, 5, t_end, seed, model="poisson_generator_ps")
    counts = np.array([t.size for t in trains])
    expected = rate * t_end / 1000.0
    # Poisson counts: mean = variance = expected; 4 sigma of the total over 5 trains
    assert abs(counts.sum() - 5 * expected) < 4 * math.sqrt(5 * expected)
    isi = np.concatenate([np.diff(t) for t in trains])
    # CV of exponential intervals is 1; its standard error is ~1/sqrt(n) for n intervals
    cv = isi.std() / isi.mean()
    assert abs(cv - 1.0) < 4.0 / math.sqrt(isi.size)
    # the delay (1 ms) shifts every train: nothing arrives before it
    assert min(t[0] for t in trains if t.size) > 1.0


def test_poisson_ps_trains_are_independent_across_targets():
    _, trains = recorded_parrots({"rate": 200.0}, 4, 20000.0, seed=3, model="poisson_generator_ps")
    bins = np.arange(0.0, 20001.0, 5.0)
    counts = np.array([np.histogram(t, bins)[0] for t in trains])
    corr = np.corrcoef(counts)
    off_diagonal = corr[~np.eye(4, dtype=bool)]
    # 4000 bins: the correlation of independent counts has standard error 1/sqrt(4000) ~ 0.016
    assert np.all(np.abs(off_diagonal) < 4 / math.sqrt(bins.size - 1))
    # continuous times: no two trains share a spike time
    all_times = np.concatenate(trains)
    assert np.unique(all_times).size == all_times.size


def test_poisson_ps_activity_window_and_rate_change():
    csnn.ResetKernel()
    gen = csnn.Create("poisson_generator_ps", params={"rate": 1000.0, "start": 100.0, "stop": 300.0, "origin": 50.0})
    parrot = csnn.Create("parrot_neuron")
    csnn.Connect(gen, parrot, syn_spec={"delay": 2.0})
    sr = csnn.Create("spike_recorder")
    csnn.Connect(parrot, sr)
    csnn.Simulate(250.0)
    gen.set(rate=100.0)           # from t = 250 on: 100 Hz until origin + stop = 350
    csnn.Simulate(200.0)
    t = sr.get("events")["times"]
    assert t.min() > 152.0 and t.max() <= 352.0
    early = np.sum((t > 152.0) & (t <= 252.0))      # 100 ms at 1000 Hz: 100 expected
    late = np.sum((t > 252.0) & (t <= 352.0))       # 100 ms at 100 Hz: 10 expected
    assert abs(early - 100) < 4 * 10 and abs(late - 10) < 4 * math.sqrt(10) + 1


def test_spike_generator_window_origin_and_weights():
    csnn.ResetKernel()
    gen = csnn.Create("spike_generator", params={
        "spike_times": [1.0, 2.0, 3.0, 4.0], "spike_weights": [1.0, 2.0, 3.0, 4.0],
        "origin": 10.0, "start": 1.0, "stop": 3.0})
    nrn = csnn.Create("iaf_psc_delta", params={"tau_m": 1e6, "C_m": 1e6})    # nearly a pure integrator
    csnn.Connect(gen, nrn, syn_spec={"weight": 0.5, "delay": 1.0})
    csnn.Simulate(20.0)
    # emitted: 12.0 and 13.0 (in (11, 13]) with weights 2 and 3, times 0.5
    assert nrn.get("V_m") == pytest.approx(-70.0 + 2.5, abs=1e-3)


def test_spike_generator_change_keeps_spikes_in_flight():
    csnn.ResetKernel()
    gen = csnn.Create("spike_generator", params={"spike_times": [1.0, 2.0, 3.0]})
    parrot = csnn.Create("parrot_neuron")
    csnn.Connect(gen, parrot, syn_spec={"delay": 1.0})
    sr = csnn.Create("spike_recorder")
    csnn.Connect(parrot, sr)
    csnn.Simulate(1.5)                     # the spike at 1.0 is in flight (arrives 2.0)
    with pytest.warns(csnn.CSNNWarning, match="not emitted"):
        gen.set(spike_times=[1.2, 2.5])    # 1.2 lies in the past and is dropped, with a warning
    csnn.Simulate(5.0)
    assert sr.get("events")["times"].tolist() == [2.0, 3.5]


def test_dc_amplitude_change_mid_run():
    csnn.ResetKernel()
    nrn = csnn.Create("iaf_psc_delta")
    dc = csnn.Create("dc_generator", params={"amplitude": 100.0})
    csnn.Connect(dc, nrn, syn_spec={"delay": 1.0})
    csnn.Simulate(10.0)
    dc.set(amplitude=300.0)       # emitted from t = 10, reaching the neuron at 11
    csnn.Simulate(5.0)
    tau, r = 10.0, 10.0 / 250.0
    u10 = 100.0 * r * (1 - math.exp(-(11.0 - 1.0) / tau))     # at t = 11 (current on since 1.0)
    u15 = 300.0 * r + (u10 - 300.0 * r) * math.exp(-4.0 / tau)
    assert nrn.get("V_m") == pytest.approx(-70.0 + u15, abs=1e-9)


def test_multimeter_sample_times_follow_nest():
    """Samples at k * interval; Simulate(T) records those before T, the next call the one at T."""
    csnn.ResetKernel()
    nrns = csnn.Create("iaf_psc_delta", 2, params={"I_e": 400.0})
    mm = csnn.Create("multimeter", params={"record_from": ["V_m"], "interval": 1.0})
    csnn.Connect(mm, nrns)
    csnn.Simulate(5.0)
    ev = mm.get("events")
    assert ev["times"].tolist() == [1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 4.0]
    assert ev["senders"].tolist() == [1, 2] * 4
    csnn.Simulate(5.0)
    assert mm.get("events")["times"][::2].tolist() == list(np.arange(1.0, 10.0))
    # values are the exact potential at the sample times: V_inf - E_L = 16 mV
    v = mm.get("events")["V_m"][::2]
    np.testing.assert_allclose(v, -70.0 + 16.0 * (1 - np.exp(-np.arange(1.0, 10.0) / 10.0)), atol=1e-12)


def test_multimeter_window_and_decimal_interval():
    csnn.ResetKernel()
    mm = csnn.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1,
                                           "origin": 0.3, "start": 1.2, "stop": 3.0})
    nrn = csnn.Create("iaf_psc_delta")
    csnn.Connect(mm, nrn)
    csnn.Simulate(6.0)
    times = mm.get("events")["times"]
    # samples in (1.5, 3.3], at exactly-rounded decimal times
    assert times.tolist() == [k / 10 for k in range(16, 34)]


def test_recorder_window_and_clearing():
    csnn.ResetKernel()
    gen = csnn.Create("spike_generator", params={"spike_times": [1.0, 2.0, 3.0, 4.0]})
    parrot = csnn.Create("parrot_neuron")
    csnn.Connect(gen, parrot, syn_spec={"delay": 0.5})
    sr = csnn.Create("spike_detector", params={"start": 2.0, "stop": 4.0, "withgid": True, "withtime": True})
    csnn.Connect(parrot, sr)
    csnn.Simulate(10.0)
    assert sr.get("events")["times"].tolist() == [2.5, 3.5]
    assert sr.get("n_events") == 2
    sr.n_events = 0
    assert sr.get("n_events") == 0 and sr.get("events")["times"].size == 0


def test_ascii_backend_writes_nest_style_files(tmp_path):
    csnn.ResetKernel()
    csnn.SetKernelStatus({"data_path": str(tmp_path), "data_prefix": "run-"})
    gen = csnn.Create("spike_generator", params={"spike_times": [1.0, 2.5]})
    parrot = csnn.Create("parrot_neuron")
    csnn.Connect(gen, parrot)
    sr = csnn.Create("spike_recorder", params={"record_to": "ascii", "label": "spikes"})
    csnn.Connect(parrot, sr)
    csnn.Simulate(5.0)
    path = tmp_path / f"run-spikes-{sr.global_id}-0.dat"
    data = np.loadtxt(path, comments="#", skiprows=2)
    assert data.tolist() == [[2.0, 2.0], [2.0, 3.5]]
    assert sr.get("n_events") == 2
    # a second kernel must not overwrite the file unless allowed
    csnn.ResetKernel()
    csnn.SetKernelStatus({"data_path": str(tmp_path), "data_prefix": "run-"})
    gen = csnn.Create("spike_generator", params={"spike_times": [1.0]})
    parrot = csnn.Create("parrot_neuron")
    sr = csnn.Create("spike_recorder", params={"record_to": "ascii", "label": "spikes"})
    with pytest.raises(csnn.CSNNError, match="overwrite_files"):
        csnn.Simulate(1.0)
