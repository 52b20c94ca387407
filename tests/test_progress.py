"""Simulate's progress display (csnn/progress.py): when it shows, what it shows, and that running
in chunks for it changes nothing."""
import io
import sys

import numpy as np
import pytest

import csnn
from csnn import progress

pytestmark = pytest.mark.usefixtures("fresh_kernel")


class Terminal(io.StringIO):
    """A stream that says it is an interactive terminal."""

    def isatty(self):
        return True


def network(seed=3):
    """A small recurrent network with Poisson drive; returns its spike recorder."""
    csnn.SetKernelStatus({"rng_seed": seed})
    neurons = csnn.Create("iaf_psc_exp", 200, params={"I_e": 200.0})
    drive = csnn.Create("poisson_generator", params={"rate": 8000.0})
    recorder = csnn.Create("spike_recorder")
    csnn.Connect(drive, neurons, syn_spec={"weight": 40.0})
    csnn.Connect(neurons, neurons, {"rule": "fixed_indegree", "indegree": 20}, {"weight": 30.0, "delay": 1.3})
    csnn.Connect(neurons, recorder)
    return recorder


def spikes_with(mode, stream, monkeypatch, t=500.0):
    """The network's spikes from Simulate(t) with progress_bar = mode, stderr being ``stream``."""
    csnn.ResetKernel()
    recorder = network()
    csnn.SetKernelStatus({"progress_bar": mode})
    monkeypatch.setattr(sys, "stderr", stream)
    csnn.Simulate(t)
    monkeypatch.undo()
    events = recorder.get("events")
    return events["senders"], events["times"]


def test_chunked_run_gives_the_same_spikes(monkeypatch):
    """Chunks of one window each (the smallest the display makes), resumed: the spikes of one
    uninterrupted call, bit for bit (psc neurons' crossing searches depend on the windows they
    are asked about, so chunks must not add any)."""
    stream = io.StringIO()
    plain = spikes_with(False, stream, monkeypatch)
    monkeypatch.setattr(progress, "UPDATE_EVERY", 0.0)
    shown = spikes_with(True, stream, monkeypatch)
    assert plain[0].size > 1000
    np.testing.assert_array_equal(plain[0], shown[0])
    np.testing.assert_array_equal(plain[1], shown[1])


def test_forced_display_on_a_log_writes_one_line_per_tenth(monkeypatch):
    stream = io.StringIO()
    spikes_with(True, stream, monkeypatch)
    lines = stream.getvalue().splitlines()
    assert 2 <= len(lines) <= 11
    assert lines[-1].startswith("[ 100.0% ] biological time 500.0 ms (500.0 of 500.0 ms)")
    assert all("events/s" in line and "s left" in line for line in lines)


def test_auto_mode_stays_quiet_off_a_terminal_and_on_short_runs(monkeypatch):
    stream = io.StringIO()
    spikes_with("auto", stream, monkeypatch)
    assert stream.getvalue() == ""
    terminal = Terminal()
    spikes_with("auto", terminal, monkeypatch)          # far shorter than AUTO_AFTER
    assert terminal.getvalue() == ""


def test_auto_mode_shows_on_a_terminal_after_a_while(monkeypatch):
    monkeypatch.setattr(progress, "AUTO_AFTER", 0.0)
    monkeypatch.setattr(progress, "_tqdm_bar", lambda total, stream: None)     # the plain line
    terminal = Terminal()
    with monkeypatch.context() as patch:
        spikes_with("auto", terminal, patch)
    text = terminal.getvalue()
    assert text.startswith("\r[") and text.endswith("\n")
    assert "[ 100.0% ] biological time 500.0 ms" in text.rsplit("\r", 1)[1]


def test_kernel_switches():
    assert csnn.GetKernelStatus("progress_bar") == "auto"
    for value in ("auto", True, False):
        csnn.SetKernelStatus({"progress_bar": value})
        assert csnn.GetKernelStatus("progress_bar") == value
    with pytest.raises(csnn.CSNNError, match=r"progress_bar = 'yes' is invalid; accepted: 'auto', True, False"):
        csnn.SetKernelStatus({"progress_bar": "yes"})


def test_print_time_shows_progress_like_nest(capfd):
    network()
    csnn.SetKernelStatus({"print_time": True})
    csnn.Simulate(200.0)
    err = capfd.readouterr().err
    assert "biological time 200.0 ms" in err and "events/s" in err
