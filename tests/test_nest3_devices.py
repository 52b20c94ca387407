"""NEST 3's devices where they go beyond neurons: spike recorders that record generators (their
own draws, at the emission times, with multiplicities), and, marker ``nest``, the same against
NEST."""
import warnings

import numpy as np
import pytest

import csnn
from csnn.errors import IllegalConnectionError, KernelStateError

pytestmark = pytest.mark.usefixtures("fresh_kernel")

#: a count must lie within this many standard deviations of its mean (two-sided tail 6e-7 for
#: the Poisson counts of hundreds of spikes here, whose distribution is near normal)
SDS = 5.0


def quiet_nest():
    nest = pytest.importorskip("nest")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    return nest


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
    assert sorted(zip(conns.sources(), conns.get("delay").tolist())) == [(1, 2.0), (2, 1.0)]
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
    nest = quiet_nest()
    assert spike_generator_recorded(csnn) == spike_generator_recorded(nest)
