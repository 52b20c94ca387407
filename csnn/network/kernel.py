"""The Python side of a simulation: one :class:`Kernel` composes the managers that own its parts.

One kernel exists at a time (:mod:`csnn.network.session`; ``ResetKernel`` replaces it).  As NEST's
kernel does, it holds a manager per concern, each in its own module, and keeps only the
lifecycle (Prepare, Run, Cleanup, Simulate; ResetKernel makes a new kernel):

* ``nodes`` (:mod:`csnn.network.node_manager`): creating nodes, the node tables, neuron populations
  (numpy structured arrays whose layout is each model's C struct), devices, positions;
* ``node_status`` (:mod:`csnn.network.node_status`): GetStatus/SetStatus of nodes;
* ``kernel_status`` (:mod:`csnn.network.kernel_status`): the kernel's settings and status;
* ``connections`` (:mod:`csnn.network.connection_manager`): Connect (rules, syn_spec, checks, storage),
  GetConnections, get/set of connections;
* ``plasticity`` (:mod:`csnn.network.plastic_sets`): the parameter sets of plastic synapses;
* ``device_connections`` (:mod:`csnn.network.device_connections`): generators' streams and the
  attachments of recorders and multimeters.

The managers validate every input and hand the core (:class:`csnn._core.engine.Engine`) flat
typed arrays; they ask each other through small methods, by way of the kernel they share.
"""
import functools
import numbers
import warnings

import numpy as np

from .. import progress as cprogress
from .. import random as crandom
from .._core import rng as crng
from .._core.engine import Engine, MAX_WINDOW
from .._version import __version__
from ..errors import BadParameterError, BadTypeError, CSNNWarning, KernelStateError, to_float
from . import processes, session
from .connection_manager import ConnectionManager
from .device_connections import DeviceConnections
from .kernel_status import KernelStatus
from .models import Registry
from .node_manager import NodeManager
from .node_status import NodeStatus
from .plastic_sets import PlasticSets
from .session import current, install, reset

__all__ = ["Kernel", "current", "install", "reset", "short_delay_message"]


class Kernel:
    """Nodes, models, connections and the clock of one simulation: the managers of its parts and
    its lifecycle."""

    def __init__(self):
        self.engine = Engine()
        exchange = processes.spike_exchange()
        if exchange is not None:
            self.engine.distribute(exchange)
        self.models = Registry()
        self.version = __version__
        self.kernel_status = KernelStatus(self)
        self.engine.set_resolution(self.status["resolution"])
        self.nodes = NodeManager(self)
        self.node_status = NodeStatus(self)
        self.connections = ConnectionManager(self)
        self.plasticity = PlasticSets(self)
        self.device_connections = DeviceConnections(self)
        self.prepared = False
        self.started = False
        self.reseed()

    @property
    def status(self):
        """The kernel's settings (a dict: resolution, rng_seed, data_path, ...)."""
        return self.kernel_status.settings

    @property
    def populations(self):
        """Each built-in neuron model's Population (for tests and tools)."""
        return self.nodes.populations

    @property
    def stdp_sets(self):
        """The plastic parameter sets (for tests and tools)."""
        return self.plasticity.sets

    def reseed(self):
        """The random numbers of Create and Connect start again from the seed."""
        seed = self.status["rng_seed"]
        self.rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(crng.PURPOSE_CONNECT,))))
        self.connections.restart_streams()

    def check_not_prepared(self, what):
        """The network and the synapse parameters are fixed between Prepare and Cleanup (the
        engine was given them at Prepare), as in NEST."""
        if self.prepared:
            raise KernelStateError(f"{what}: the network cannot change between Prepare and Cleanup; call "
                                   "Cleanup first")

    # -- lifecycle ----------------------------------------------------------------------------

    def prepare(self):
        """Give the engine the network (Prepare): populations, trace constants, parameter sets;
        recorders open their files."""
        if self.prepared:
            raise KernelStateError("Prepare: the kernel is already prepared; call Cleanup first")
        self.kernel_status.restart("time_simulate")
        with self.kernel_status.timed("time_simulate"):
            self._prepare()

    def _prepare(self):
        with self.kernel_status.timed("time_communicate_prepare"):
            processes.agree("Prepare", network_size=self.nodes.size(), rng_seed=self.status["rng_seed"],
                            resolution=self.status["resolution"],
                            connect_calls=(self.connections.connect_calls, self.connections.digest.hex()))
        self.engine.bind(self.nodes.bound_populations())
        self.nodes.send_archive()
        self.plasticity.upload()
        self.engine.prepare()
        slow = short_delay_message(self.engine.min_delay, self.status["resolution"])
        if slow:
            warnings.warn(slow, CSNNWarning, stacklevel=4)
        for recorder in self.nodes.recorders():
            recorder.open()
        self.prepared = True

    def run(self, t):
        """Simulate ``t`` ms after Prepare."""
        if not self.prepared:
            raise KernelStateError("Run: call Prepare first (or use Simulate)")
        t = _check_time("Run", t)
        processes.agree("Run", time=t)
        self.kernel_status.spikes_before_run = self.engine.n_spikes
        if t == 0:
            return
        with self.kernel_status.timed("time_simulate"):
            self._run(t)

    def _run(self, t):
        self.started = True
        t_stop = _snap(self.engine.t_now + t, self.status["resolution"])
        try:
            serviced = [recorder for recorder in self.nodes.recorders() if recorder.bounded]
            # where each chunk's rows start in the recorders that complete them: spike recorders
            # that record generators, weight recorders that keep some synapses only
            chunked = self.device_connections.generator_recorders() + [
                recorder for recorder in self.nodes.recorders() if getattr(recorder, "filtered", False)]
            rows = {recorder: recorder.log.n_events for recorder in chunked}
            cprogress.run(self.engine, t_stop, True if self.status["print_time"] else self.status["progress_bar"],
                          between=functools.partial(_between, self, serviced, rows) if serviced or rows else None)
        finally:
            self.plasticity.count_readouts()

    def cleanup(self):
        """End a sequence of Runs: recorders write out their events."""
        if not self.prepared:
            raise KernelStateError("Cleanup: the kernel is not prepared")
        for recorder in self.nodes.recorders():
            recorder.flush()
        self.prepared = False

    def simulate(self, t):
        """Prepare, Run ``t`` ms, Cleanup."""
        _check_time("Simulate", t)
        self.prepare()
        try:
            self.run(t)
        finally:
            self.cleanup()

    def close_files(self):
        """Close the recorders' files (the kernel is being replaced)."""
        for recorder in self.nodes.recorders():
            recorder.close()


session.set_factory(Kernel)
crandom.set_value_generator(lambda: current().rng)


#: a smallest delay below resolution / SHORT_DELAY_FRACTION warns at Prepare (short_delay_message)
SHORT_DELAY_FRACTION = 10


def short_delay_message(min_delay, resolution):
    """The warning for a smallest delay (ms) far below the resolution (ms), else None.

    Simulate advances in windows of the smallest delay, and a window costs 5 to 10 us even when
    nothing happens in it (docs/design.md), so a tiny delay makes every simulated second slow.
    NEST refuses delays below the resolution; csnn's delays are continuous, so it accepts them,
    but one below a tenth of the resolution is most likely a delay written in seconds (Brian 2's
    units: 0.0015 for 1.5 ms) or a placeholder for "no delay".
    """
    if not min_delay < resolution / SHORT_DELAY_FRACTION:
        return None
    windows = f"{1000.0 / min(min_delay, MAX_WINDOW):,.0f}".replace(",", " ")
    return (f"delays are in ms: the smallest delay, {min_delay:g} ms, with resolution {resolution:g} ms means "
            f"{windows} windows per simulated second (Simulate advances in windows of the smallest delay, a few "
            f"microseconds each even when nothing happens).  If the delays were meant in seconds, give them in ms "
            f"({min_delay:g} s = {min_delay * 1000.0:g} ms); delays of at least resolution / {SHORT_DELAY_FRACTION} "
            f"= {resolution / SHORT_DELAY_FRACTION:g} ms do not warn.")


def _between(kernel, serviced, rows):
    """Between chunks of a run: the spike recorders that record generators take the chunk's
    events of theirs and the others of ``rows`` complete the chunk's rows (``rows``: recorder
    -> the row the chunk's events start at), then recorders write out or bound their events
    (Recorder.service)."""
    kernel.device_connections.record_generated(rows)
    for recorder, first_row in rows.items():
        recorder.chunk_recorded(first_row)
    for recorder in serviced:
        recorder.service()
    for recorder in rows:
        rows[recorder] = recorder.log.n_events


def _snap(t, resolution):
    """``t`` moved onto the resolution grid when rounding alone separates them (within 1e-9 of a
    step): then 1000 calls of Simulate(0.1) end at exactly 100.0 ms.  Grid times are computed
    as k / (1 / resolution) when that is exact, so 0.3 is 0.3."""
    steps = t / resolution
    k = round(steps)
    if k == 0 or abs(steps - k) > 1e-9:
        return t
    inverse = 1.0 / resolution
    return k / inverse if inverse == round(inverse) else k * resolution


def _check_time(what, t):
    """A simulation duration: a finite number of ms >= 0."""
    if isinstance(t, (bool, np.bool_)) or not isinstance(t, (numbers.Real, np.number)):
        raise BadTypeError(f"{what}: t = {t!r} is invalid: must be a finite number of ms >= 0, got a {type(t).__name__}")
    t = to_float(t, f"{what}: t")
    if not np.isfinite(t) or t < 0:
        raise BadParameterError(f"{what}: t = {t!r} is invalid: must be a finite number of ms >= 0")
    return t
