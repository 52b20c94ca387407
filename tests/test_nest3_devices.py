"""NEST 3's devices where they go beyond neurons: spike recorders that record generators (their
own draws, at the emission times, with multiplicities), and, marker ``nest``, the same against
NEST."""

import numpy as np
import pytest

import csnn

from conftest import fresh_nest
from csnn.errors import IllegalConnectionError, KernelStateError

pytestmark = pytest.mark.usefixtures("fresh_kernel")

#: a count must lie within this many standard deviations of its mean (two-sided tail 6e-7 for
#: the Poisson counts of hundreds of spikes here, whose distribution is near normal)
SDS = 5.0


def spike_generator_recorded(sim, runs=(3.0, 7.0)):
    """(senders, times) a spike recorder takes from a spike generator and a parrot it drives."""
    generator = sim.Create("spike_generator", params={"spike_times": [1.0, 2.5, 3.0, 3.3, 6.0],
                                                      "spike_multiplicities": [1, 2, 1, 3, 1]})
    parrot = sim.Create("parrot_neuron")
    recorder = sim.Create("spike_recorder", params={"start": 1.0, "stop": 8.0})
    sim.Connect(generator, recorder, syn_spec={"delay": 2.0})
    sim.Connect(generator, parrot, syn_spec={"delay": 0.5})
    sim.Connect(parrot, recorder)
    for t in runs:
        sim.Simulate(t)
    events = recorder.get("events")
    return np.asarray(events["senders"]).tolist(), np.round(events["times"], 9).tolist()


def test_a_spike_recorder_records_a_generators_spikes_at_their_emission_times():
    senders, times = spike_generator_recorded(csnn)
    # the generator's spikes in (start, stop] at their emission times (not delayed), m times
    # each; the parrot's 0.5 ms later; merged in time order across the two Simulate calls
    gen = [t for s, t in zip(senders, times) if s == 1]
    assert gen == [2.5, 2.5, 3.0, 3.3, 3.3, 3.3, 6.0]
    assert [t for s, t in zip(senders, times) if s == 2] == [1.5, 3.0, 3.0, 3.5, 3.8, 3.8, 3.8, 6.5]
    assert times == sorted(times)
    # GetConnections lists the generator's connection to the recorder, as NEST's does
    conns = csnn.GetConnections(target=csnn.NodeCollection([3]))
    assert sorted(zip(conns.sources(), conns.get("delay"))) == [(1, 2.0), (2, 1.0)]
    assert csnn.GetKernelStatus("num_connections") == 3


def test_split_runs_and_file_backends_record_the_same(tmp_path):
    whole = spike_generator_recorded(csnn, runs=(10.0,))
    csnn.ResetKernel()
    assert spike_generator_recorded(csnn, runs=(0.7, 2.5, 0.3, 6.5)) == whole


def test_each_recorder_gets_the_poisson_generators_draws_for_it():
    csnn.SetKernelStatus({"rng_seed": 11})
    rate, t_sim = 4000.0, 200.0
    generator = csnn.Create("poisson_generator", params={"rate": rate})
    recorders = csnn.Create("spike_recorder", 2)
    parrot = csnn.Create("parrot_neuron")
    csnn.Connect(generator, recorders)
    csnn.Connect(generator, parrot)
    csnn.Connect(parrot, recorders[1])
    csnn.Simulate(t_sim)
    first, second = (recorders[k].get("events") for k in range(2))
    own = second["times"][second["senders"] == generator.global_id]
    relayed = second["times"][second["senders"] == parrot.global_id]
    # a grid generator's spikes are stamped at the ends of 0.1 ms steps, a step's count m times;
    # per target a Poisson process of the rate: its count over t_sim is Poisson(rate t_sim)
    mean = rate * t_sim / 1000.0
    for times in (first["times"], own, relayed):
        assert abs(times.size - mean) <= SDS * np.sqrt(mean)
        steps = times / 0.1
        assert np.allclose(steps, np.round(steps), rtol=0, atol=1e-9)
    # NEST draws anew for every target: the two recorders and the parrot see different trains
    assert not np.array_equal(first["times"], own) and not np.array_equal(own, relayed - 1.0)


def test_what_a_spike_recorder_cannot_record_is_refused():
    recorder = csnn.Create("spike_recorder")
    with pytest.raises(IllegalConnectionError, match="makes a current, which a spike recorder does not record"):
        csnn.Connect(csnn.Create("dc_generator"), recorder)
    generator = csnn.Create("poisson_generator", params={"rate": 10.0})
    conns = csnn.Connect(generator, recorder, return_synapsecollection=True)
    with pytest.raises(KernelStateError, match="no weight or delay to change"):
        conns.set(weight=2.0)
    with pytest.raises(IllegalConnectionError, match="connections of devices cannot be removed"):
        conns.disconnect()


def test_a_checkpoint_keeps_the_recorded_generators_state(tmp_path):
    csnn.SetKernelStatus({"rng_seed": 2})
    generator = csnn.Create("poisson_generator", params={"rate": 500.0})
    recorder = csnn.Create("spike_recorder")
    csnn.Connect(generator, recorder)
    csnn.Simulate(100.0)
    whole_first = recorder.get("events")["times"]
    csnn.Simulate(100.0)
    whole = recorder.get("events")["times"]
    csnn.ResetKernel()
    csnn.SetKernelStatus({"rng_seed": 2})
    generator = csnn.Create("poisson_generator", params={"rate": 500.0})
    recorder = csnn.Create("spike_recorder")
    csnn.Connect(generator, recorder)
    csnn.Simulate(100.0)
    csnn.save(tmp_path / "net.ckpt")
    csnn.load(tmp_path / "net.ckpt")
    csnn.Simulate(100.0)
    recorder = csnn.GetNodes({"model": "spike_recorder"})
    assert np.array_equal(whole_first, whole[:whole_first.size])
    assert np.array_equal(recorder.get("events")["times"], whole)


@pytest.mark.nest
def test_a_recorded_spike_generator_is_recorded_as_by_nest():
    nest = fresh_nest()
    assert spike_generator_recorded(csnn) == spike_generator_recorded(nest)


# -- recorders: time_in_steps, multimeter offset, weight_recorder senders/targets ----------------

def offset_samples(sim):
    """(times, V_m) of a multimeter with an offset, an activity window and time_in_steps off,
    sampling an iaf_psc_delta under a constant current, and of one created after a run."""
    neuron = sim.Create("iaf_psc_delta", params={"I_e": 300.0})
    meter = sim.Create("multimeter", params={"record_from": ["V_m"], "interval": 2.0, "offset": 0.5,
                                             "origin": 1.0, "start": 3.0, "stop": 15.0})
    sim.Connect(meter, neuron)
    sim.Simulate(20.0)
    late = sim.Create("multimeter", params={"record_from": ["V_m"], "interval": 1.0, "offset": 0.3})
    sim.Connect(late, neuron)
    sim.Simulate(5.0)
    return [(np.round(m.get("events")["times"], 9).tolist(), m.get("events")["V_m"]) for m in (meter, late)]


def test_a_multimeter_samples_from_its_offset_every_interval():
    (times, _), (late, _) = offset_samples(csnn)
    # offset + k interval, k >= 0, within (origin + start, origin + stop]
    assert times == [4.5, 6.5, 8.5, 10.5, 12.5, 14.5]
    # created at 20 ms: its samples are offset + k interval after the present
    assert late == [20.3, 21.3, 22.3, 23.3, 24.3]
    meter = csnn.Create("multimeter", params={"record_from": ["V_m"]})
    with pytest.raises(csnn.CSNNError, match="offset = 0.25 ms must be a multiple of the resolution"):
        meter.set(offset=0.25)
    csnn.Connect(meter, csnn.GetNodes({"model": "iaf_psc_delta"}))
    with pytest.raises(KernelStateError, match="offset cannot change after the multimeter has been connected"):
        meter.set(offset=0.5)


def stepped_events(sim):
    """Events of a spike recorder and a multimeter with time_in_steps, on the grid (parrots) and
    off it (a precise neuron's spikes in csnn: not compared with NEST's grid neuron)."""
    generator = sim.Create("spike_generator", params={"spike_times": [1.0, 2.3, 7.7]})
    parrot = sim.Create("parrot_neuron")
    recorder = sim.Create("spike_recorder", params={"time_in_steps": True})
    sim.Connect(generator, parrot, syn_spec={"delay": 1.0})
    sim.Connect(parrot, recorder)
    sim.Simulate(10.0)
    return recorder.get("events")


def test_time_in_steps_gives_steps_and_offsets():
    events = stepped_events(csnn)
    assert events["times"].dtype == np.int64 and events["times"].tolist() == [20, 33, 87]
    assert events["offsets"].tolist() == [0.0, 0.0, 0.0]
    csnn.ResetKernel()                   # a recorder with time_in_steps is made before Simulate, as in NEST
    neuron = csnn.Create("iaf_psc_alpha", params={"I_e": 500.0})
    recorder = csnn.Create("spike_recorder", params={"time_in_steps": True, "record_to": "ascii"})
    csnn.SetKernelStatus({"overwrite_files": True})
    plain = csnn.Create("spike_recorder")
    csnn.Connect(neuron, recorder + plain)
    csnn.Simulate(50.0)
    with pytest.raises(KernelStateError, match="time_in_steps cannot change after Simulate"):
        recorder.set(time_in_steps=False)
    for model in ("spike_recorder", "multimeter", "weight_recorder"):   # nor be given to new recorders, as in NEST
        with pytest.raises(KernelStateError, match=f"{model}: time_in_steps cannot be set after Simulate"):
            csnn.Create(model, params={"time_in_steps": True})
    # a spike at t is the step ending at or after t, offset by the time before that end
    t = plain.get("events")["times"]
    saved = csnn.read_events(recorder.get("filenames")[0])
    assert saved["times"].tolist() == np.ceil(t / 0.1 - 1e-9).astype(int).tolist()
    assert np.allclose(saved["times"] * 0.1 - saved["offsets"], t, rtol=0, atol=1e-3)  # ascii: 3 digits
    assert np.all((saved["offsets"] >= 0) & (saved["offsets"] < 0.1))


def stdp_weights_recorded(**filters):
    """The weight recorder's events of an stdp network of parrots, with ``filters``."""
    csnn.ResetKernel()
    csnn.SetKernelStatus({"rng_seed": 4})
    recorder = csnn.Create("weight_recorder")
    parrots = csnn.Create("parrot_neuron", 6)
    recorder.set({key: parrots[value] for key, value in filters.items()})
    csnn.CopyModel("stdp_synapse", "stdp_rec", {"weight_recorder": recorder})
    drive = csnn.Create("poisson_generator", params={"rate": 60.0})
    csnn.Connect(drive, parrots)
    csnn.Connect(parrots[:3], parrots[3:], "all_to_all", {"synapse_model": "stdp_rec", "receptor_type": 1})
    csnn.Simulate(300.0)
    return recorder.get("events"), recorder.get("n_events")


def test_a_weight_recorder_keeps_the_synapses_of_its_senders_and_targets():
    every, n_every = stdp_weights_recorded()
    some, n_some = stdp_weights_recorded(senders=slice(0, 2), targets=slice(4, 6))
    # the recorder is node 1, the parrots 2 to 7: senders 2, 3 and targets 6, 7
    keep = np.isin(every["senders"], [2, 3]) & np.isin(every["targets"], [6, 7])
    assert 0 < n_some == keep.sum() < n_every
    for key in ("senders", "targets", "times", "weights"):
        assert np.array_equal(some[key], every[key][keep])
    with pytest.raises(csnn.CSNNError, match="senders = 'abc' is invalid"):
        csnn.Create("weight_recorder", params={"senders": "abc"})


@pytest.mark.nest
def test_offsets_and_time_in_steps_are_nests():
    nest = fresh_nest()
    theirs = offset_samples(nest)
    ours = offset_samples(csnn)
    for (t_ours, v_ours), (t_theirs, v_theirs) in zip(ours, theirs):
        # NEST holds the samples up to the last min-delay slice: a prefix of csnn's (design.md)
        assert len(t_theirs) >= len(t_ours) - 1 and t_ours[:len(t_theirs)] == t_theirs
        # both integrate the linear membrane exactly; they differ by rounding only
        assert np.allclose(v_ours[:len(v_theirs)], v_theirs, rtol=1e-9, atol=0)
    nest.ResetKernel()
    csnn.ResetKernel()
    theirs, ours = stepped_events(nest), stepped_events(csnn)
    assert ours["times"].tolist() == theirs["times"].tolist()
    assert ours["offsets"].tolist() == theirs["offsets"].tolist()


# -- what NEST has and csnn does not offer ---------------------------------------------------------

def test_music_sonata_and_install_say_csnn_does_not_offer_them():
    with pytest.raises(csnn.errors.UnknownModelError, match="MUSIC proxies, which csnn does not offer"):
        csnn.Create("music_event_in_proxy")
    with pytest.raises(csnn.errors.UnknownModelError, match="MUSIC"):
        csnn.Create("music_cont_out_proxy")
    with pytest.raises(csnn.CSNNError, match="does not read SONATA"):
        csnn.SonataNetwork("circuit_config.json")
    with pytest.raises(csnn.CSNNError, match="Install\\('nestmlmodule'\\): csnn cannot load NEST extension modules"):
        csnn.Install("nestmlmodule")


def test_a_multimeter_counts_the_samples_it_holds_when_a_run_ends_chunks_early():
    """A spike recorder of a generator makes a run stop between chunks (to merge the
    generator's spikes); the multimeter's rows reserved beyond a chunk's end are then dropped
    as never recorded, so n_events stays the number of samples held (found by the API fuzzer:
    70 counted for 60 held)."""
    neuron = csnn.Create("iaf_psc_delta")
    csnn.Simulate(5.0)
    recorders = csnn.Create("spike_recorder", 3)
    meter = csnn.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
    csnn.Connect(meter, neuron)
    csnn.Connect(csnn.Create("poisson_generator", params={"rate": 2000.0}), recorders)
    csnn.Simulate(6.0)
    times = np.asarray(meter.get("events")["times"])
    assert times.size == 60 and meter.get("n_events") == 60
