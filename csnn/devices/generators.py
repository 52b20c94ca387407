"""Stimulation devices: the facade side of generators.

Generators are not simulated as nodes: each connection from a generator is a stream owned by
its target neuron in the core (``csnn/_core/streams.pyx``).  A generator here turns its
parameters into data for the core: spike times, or a piecewise-constant schedule of rate or
current over emission time, active for ``origin + start < t <= origin + stop`` as in NEST.
When parameters change after the simulation has started, the data are rewritten only after the
present time, so spikes and currents already emitted (and in flight for up to one delay) are
delivered unchanged.
"""
import warnings

import numpy as np

from .. import memory as cmemory
from .._core.streams import grid_times, last_steps, stream_kinds
from ..errors import BadParameterError, CSNNWarning
from .device_node import ACTIVITY, Device, check_resolution_multiple


class Generator(Device):
    """Base of generators: owns the data the core's streams read.

    Subclasses say what their data are (``engine_data``) and how new data continue old data
    from the present time on (``splice``); changing parameters mid-run never alters what was
    emitted before.
    """

    KIND = "generator"
    GEN_KIND = None
    ACCEPTS = "spikes"       # what targets must accept: "spikes" or "current"

    def __init__(self, kernel, gid, model, params):
        super().__init__(kernel, gid, model, params)
        self.index = kernel.nodes.generator_index()
        self.blocks = 0          # Connect calls from this generator (seed key of its streams)
        self.data = self.engine_data()
        self._upload()

    @classmethod
    def check_defaults(cls, owner, values):
        if not values["stop"] >= values["start"]:
            raise BadParameterError(f"{owner}: stop = {values['stop']} ms must not be smaller than "
                                    f"start = {values['start']} ms")

    def set(self, changes):
        super().set(changes)
        new = self.engine_data()
        t_now = self.kernel.engine.t_now
        self.data = self.splice(self.data, new, t_now) if t_now > 0 else new
        self._upload()

    def _upload(self):
        times, values, mults = self.data
        self.kernel.engine.set_generator(self.index, self.GEN_KIND, self.gid, times, values, mults)


def _schedule(times, values, t_on, t_off):
    """Breakpoints and values of v(t) = values[i] for times[i] < t <= times[i + 1] (0 before
    times[0]), switched on only in (t_on, t_off]: the value after each breakpoint.  A value may
    be a row of numbers (``values`` of shape (n, columns))."""
    times = np.asarray(times, dtype=float)
    values = np.asarray(values, dtype=float)
    points = np.unique(np.concatenate([times, [t_on, t_off]]))
    points = points[(points >= t_on) & (points <= t_off)]
    index = np.searchsorted(times, points, side="right") - 1
    # (a zero row at the end, for the points before times[0]: with no breakpoints at all, as a
    # new step_current_generator has, it is the only one)
    padded = np.concatenate([values, np.zeros((1,) + values.shape[1:])])
    after = padded[np.where(index >= 0, index, values.shape[0])]
    after[points >= t_off] = 0.0
    return points, after


class ScheduleGenerator(Generator):
    """Generators whose data are a piecewise-constant function of emission time (a rate or a
    current): ``steps()`` gives its steps, the activity window is applied here."""

    def engine_data(self):
        times, values = self.steps()
        points, after = _schedule(times, values, *self.window)
        return points, after, None

    @staticmethod
    def splice(old, new, t_now):
        """Keep ``old`` up to ``t_now`` and ``new`` after it (schedules of breakpoints)."""
        old_t, old_v, _ = old
        new_t, new_v, _ = new
        zero = np.zeros(new_v.shape[1:])
        keep = old_t <= t_now
        i = np.searchsorted(new_t, t_now, side="right")
        v_new = new_v[i - 1] if i > 0 else zero
        v_old = old_v[keep][-1] if keep.any() else zero
        times = [old_t[keep]]
        values = [old_v[keep]]
        if not np.array_equal(v_new, v_old):
            times.append([t_now])
            values.append([v_new])
        times.append(new_t[i:])
        values.append(new_v[i:])
        return np.concatenate(times).astype(float), np.concatenate(values).astype(float), None


class GridPoissonGenerator(ScheduleGenerator):
    """Poisson generators on the resolution grid h, as NEST's ``poisson_generator``: for every
    target separately, each step (s h, (s + 1) h] whose start s h lies in the activity window
    (origin + start, origin + stop] draws a Poisson count with mean rate * h * 1e-3, and a count
    n > 0 is sent as one spike of multiplicity n stamped (s + 1) h.  The data are a schedule of
    rates over the stamps' step numbers (``step_rates()``: the rate of the step stamped k is
    values[i] for times[i] < k <= times[i + 1])."""

    GEN_KIND = stream_kinds()["poisson_grid"]

    @property
    def resolution(self):
        return self.kernel.status["resolution"]

    def engine_data(self):
        times, rates = self.step_rates()
        # steps s active for s h in (on, off]: stamps k = s + 1 in (S_on + 1, S_off + 1]
        on, off = last_steps(np.array(self.window), self.resolution) + 1.0
        points, after = _schedule(times, rates, on, off)
        return points, after, None

    def splice(self, old, new, t_now):
        """From the step after the present on (NEST applies new parameters at the next step)."""
        return super().splice(old, new, float(last_steps(t_now, self.resolution)))


class PoissonGenerator(GridPoissonGenerator):
    """poisson_generator: an independent Poisson count per step for every target, as NEST's.

    Parameters: ``rate`` (Hz), ``origin``, ``start``, ``stop`` (ms).  For each target and each
    step (s h, (s + 1) h] of the resolution h whose start s h lies in ``(origin + start, origin
    + stop]``, a count n is drawn from a Poisson distribution with mean ``rate * h * 1e-3``;
    when n > 0 the target receives one spike of multiplicity n (n times the connection's weight
    at once, summed with its other inputs of that time) stamped (s + 1) h, at (s + 1) h +
    delay.  With start = 0 and stop = 2 ms on a 0.1 ms grid the stamps are 0.2, ..., 2.1 ms,
    as in NEST.  A new rate applies from the step after the present one.  Each connection draws
    from its own random stream, seeded from the kernel's ``rng_seed``.  For spikes at
    continuous times use ``poisson_generator_ps``.
    """

    NAME = "poisson_generator"
    PARAMETERS = (("rate", 0.0, "Hz", "nonnegative", "Mean firing rate"),) + ACTIVITY

    def step_rates(self):
        return [-np.inf], [self.params["rate"]]


class PoissonGeneratorPS(ScheduleGenerator):
    """poisson_generator_ps: an independent Poisson spike train at continuous times for every target.

    Parameters: ``rate`` (Hz), ``dead_time`` (ms), ``origin``, ``start``, ``stop`` (ms).
    Spikes are emitted at exact, continuous times in ``(origin + start, origin + stop]`` and
    reach each target after the connection's delay.  After each spike the train is silent for
    ``dead_time``; intervals are ``dead_time`` plus an exponential interval of mean ``1000 /
    rate - dead_time``, so the mean rate stays ``rate`` (``dead_time`` may not exceed ``1000 /
    rate``).  As in NEST, a train starts in equilibrium: its first spike after it becomes
    active at time a is at a + U ``dead_time`` with probability ``rate * dead_time / 1000`` (U
    uniform in [0, 1)), else at a + ``dead_time`` plus an exponential interval.  Rate changes
    take effect at the present time (the interval under way continues at the new rate); a new
    dead time applies from the next spike.  Each connection draws from its own random stream.
    """

    NAME = "poisson_generator_ps"
    GEN_KIND = stream_kinds()["poisson"]
    PARAMETERS = (
        ("rate", 0.0, "Hz", "nonnegative", "Mean firing rate"),
        ("dead_time", 0.0, "ms", "nonnegative", "Silent time after each spike"),
    ) + ACTIVITY

    @classmethod
    def check_defaults(cls, owner, values):
        super().check_defaults(owner, values)
        if values["rate"] * values["dead_time"] > 1000.0:
            raise BadParameterError(f"{owner}: dead_time = {values['dead_time']} ms is longer than the mean "
                                    f"interval 1000 / rate = {1000.0 / values['rate']} ms; lower the rate or "
                                    "the dead time")

    def steps(self):
        return [-np.inf], [[self.params["rate"], self.params["dead_time"]]]


class InhomogeneousPoissonGenerator(GridPoissonGenerator):
    """inhomogeneous_poisson_generator: Poisson counts per step with a piecewise-constant rate.

    Parameters: ``rate_times`` (ms, increasing, multiples of the resolution h) and
    ``rate_values`` (Hz, >= 0), set together; ``allow_offgrid_times``; ``origin``, ``start``,
    ``stop`` (ms).  As NEST's: the step stamped (s + 1) h draws its count with the rate of the
    last ``rate_times`` entry at or before (s + 1) h (the rate changes one step ahead of its
    time), within the activity window of ``poisson_generator``, whose other rules it follows.
    ``rate_times`` must lie after the present time and on the grid; with
    ``allow_offgrid_times`` a time inside a step is moved to the step's end (``GetStatus``
    shows the times used).  New rates set during a simulation apply from their first time on;
    until then the rate in effect continues.
    """

    NAME = "inhomogeneous_poisson_generator"
    PARAMETERS = (
        ("rate_times", np.zeros(0), "ms", "times", "Times at which the rate changes"),
        ("rate_values", np.zeros(0), "Hz", "times", "Rate from each of rate_times on"),
        ("allow_offgrid_times", False, "", "bool", "Move rate_times inside a step to its end (else refused)"),
    ) + ACTIVITY

    def __init__(self, kernel, gid, model, params):
        self.held = 0.0          # the rate before the first of rate_times (Hz)
        owner = f"{model.name} (id {gid})"
        values = dict(model.defaults, **params)
        _check_rates_together(owner, params)
        times = _grid_rate_times(owner, values, kernel.status["resolution"], kernel.engine.t_now)
        super().__init__(kernel, gid, model, dict(params, rate_times=times))

    @classmethod
    def check_defaults(cls, owner, values):
        super().check_defaults(owner, values)
        _check_steps(owner, values["rate_times"], values["rate_values"], "rate")
        if np.any(values["rate_values"] < 0):
            raise BadParameterError(f"{owner}: rate_values must be >= 0 Hz, got "
                                    f"{float(values['rate_values'].min())!r}")

    def validate(self, changes):
        _check_rates_together(self.owner, changes)
        super().validate(changes)
        if "rate_times" in changes:
            _grid_rate_times(self.owner, dict(self.params, **changes), self.resolution, self.kernel.engine.t_now)

    def set(self, changes):
        if "rate_times" in changes:
            # NEST keeps the rate of the last step sent until the first of the new rate_times
            self.held = self.rate_of_step(last_steps(self.kernel.engine.t_now, self.resolution))
            changes = dict(changes, rate_times=_grid_rate_times(self.owner, dict(self.params, **changes),
                                                                self.resolution, self.kernel.engine.t_now))
        super().set(changes)

    def rate_of_step(self, k):
        """The rate (Hz) of the step stamped k, the activity window aside."""
        times, rates = self.step_rates()
        return float(rates[np.searchsorted(times, k, side="left") - 1])

    def step_rates(self):
        # the rate of rate_times[i] (step R) is that of the steps stamped R and later
        times = last_steps(self.params["rate_times"], self.resolution) - 1.0
        return np.concatenate([[-np.inf], times]), np.concatenate([[self.held], self.params["rate_values"]])


def _check_rates_together(owner, params):
    if ("rate_times" in params) != ("rate_values" in params):
        raise BadParameterError(f"{owner}: rate_times and rate_values must be set together (as in NEST): "
                                f"only {'rate_times' if 'rate_times' in params else 'rate_values'} was given")


def _grid_rate_times(owner, values, resolution, t_now):
    """An inhomogeneous_poisson_generator's rate_times (ms) as NEST takes them: after the present
    time ``t_now``, on the grid of ``resolution``, or moved to the end of their step with
    allow_offgrid_times, and strictly increasing then."""
    times = np.asarray(values["rate_times"], dtype=float)
    if times.size and not times.min() > t_now:
        raise BadParameterError(f"{owner}: rate_times must lie after the present time, {t_now} ms; got "
                                f"{float(times.min())!r} ms")
    steps = -last_steps(-times, resolution)        # the step at or after each time
    off_grid = steps != last_steps(times, resolution)
    if off_grid.any() and not values["allow_offgrid_times"]:
        raise BadParameterError(f"{owner}: rate_times entry {float(times[off_grid][0])!r} ms is not a multiple of "
                                f"the resolution, {resolution} ms; give times on the grid, or set "
                                "allow_offgrid_times = True to move them to the end of their step")
    if steps.size > 1 and np.any(np.diff(steps) <= 0):
        k = int(np.flatnonzero(np.diff(steps) <= 0)[0])
        raise BadParameterError(f"{owner}: rate_times {float(times[k])!r} and {float(times[k + 1])!r} ms fall in "
                                f"the same step of {resolution} ms; moved to its end they would coincide")
    return grid_times(steps, resolution)


class DCGenerator(ScheduleGenerator):
    """dc_generator: a constant current.

    Parameters: ``amplitude`` (pA), ``origin``, ``start``, ``stop`` (ms).  The generator emits
    ``amplitude`` during ``(origin + start, origin + stop]``; a target receives it one
    connection delay later, times the connection weight, switching at exactly those instants.
    (NEST's grid generators cannot act in the first step: with ``start = 0`` NEST switches one
    resolution step later.)
    """

    NAME = "dc_generator"
    GEN_KIND = stream_kinds()["current"]
    ACCEPTS = "current"
    PARAMETERS = (("amplitude", 0.0, "pA", "finite", "Current amplitude"),) + ACTIVITY

    def steps(self):
        return [-np.inf], [self.params["amplitude"]]


class StepCurrentGenerator(ScheduleGenerator):
    """step_current_generator: a piecewise-constant current.

    Parameters: ``amplitude_times`` (ms, increasing) and ``amplitude_values`` (pA): the current
    is ``amplitude_values[i]`` after ``amplitude_times[i]`` (0 before the first), within
    ``(origin + start, origin + stop]``; it switches at exactly those times (plus the delay).
    """

    NAME = "step_current_generator"
    GEN_KIND = stream_kinds()["current"]
    ACCEPTS = "current"
    PARAMETERS = (
        ("amplitude_times", np.zeros(0), "ms", "times", "Times at which the current changes"),
        ("amplitude_values", np.zeros(0), "pA", "times", "Current from each of amplitude_times on"),
        ("allow_offgrid_times", False, "", "bool", "Accepted for NEST compatibility (there is no grid)"),
    ) + ACTIVITY

    @classmethod
    def check_defaults(cls, owner, values):
        super().check_defaults(owner, values)
        _check_steps(owner, values["amplitude_times"], values["amplitude_values"], "amplitude")

    def steps(self):
        return self.params["amplitude_times"], self.params["amplitude_values"]


def _check_steps(owner, times, values, name):
    if times.size != values.size:
        raise BadParameterError(f"{owner}: {name}_times has {times.size} entries but {name}_values has "
                                f"{values.size}; give one value per time")
    if times.size > 1 and np.any(np.diff(times) <= 0):
        k = int(np.flatnonzero(np.diff(times) <= 0)[0])
        raise BadParameterError(f"{owner}: {name}_times must be strictly increasing; {float(times[k])!r} "
                                f"is followed by {float(times[k + 1])!r}")


class SpikeTrainGenerator(Generator):
    """Generators whose data are spike times sent to every target alike."""

    GEN_KIND = stream_kinds()["spikes"]
    WARN_PAST = False          # warn when new spike times lie in the past

    def splice(self, old, new, t_now):
        old_t, old_w, old_m = old
        new_t, new_w, new_m = new
        keep = old_t <= t_now
        late = new_t > t_now
        dropped = int((~late).sum()) - int(np.isin(new_t[~late], old_t[keep]).sum())
        if dropped > 0 and self.WARN_PAST:
            warnings.warn(f"{self.owner}: {dropped} spike time(s) at or before "
                          f"the present time {t_now} ms were not emitted; spikes can only be "
                          "scheduled in the future", CSNNWarning, stacklevel=4)

        def column(old_c, new_c, n_old, n_new):
            if old_c is None and new_c is None:
                return None
            old_c = np.ones(n_old) if old_c is None else old_c[keep]
            new_c = np.ones(n_new) if new_c is None else new_c[late]
            return np.concatenate([old_c, new_c])

        n_old, n_new = int(keep.sum()), int(late.sum())
        return (np.concatenate([old_t[keep], new_t[late]]), column(old_w, new_w, n_old, n_new),
                column(old_m, new_m, n_old, n_new))


class SpikeGenerator(SpikeTrainGenerator):
    """spike_generator: spikes at given times.

    Parameters: ``spike_times`` (ms, > 0, sorted), ``spike_weights`` (empty, or one factor per
    spike multiplying the connection weight), ``spike_multiplicities`` (empty, or one integer per
    spike), ``origin``, ``start``, ``stop``.  Spikes at ``origin + t`` are emitted when in
    ``(origin + start, origin + stop]``.  Times are used exactly as given: csnn has no grid, so
    NEST's ``precise_times``, ``allow_offgrid_times`` and ``shift_now_spikes`` have no effect.
    """

    NAME = "spike_generator"
    WARN_PAST = True
    PARAMETERS = (
        ("spike_times", np.zeros(0), "ms", "times", "Spike times"),
        ("spike_weights", np.zeros(0), "", "times", "Weight factor of each spike (empty: 1)"),
        ("spike_multiplicities", np.zeros(0), "", "times", "Multiplicity of each spike (empty: 1)"),
        ("precise_times", False, "", "bool", "Accepted for NEST compatibility (times are always exact)"),
        ("allow_offgrid_times", False, "", "bool", "Accepted for NEST compatibility (there is no grid)"),
        ("shift_now_spikes", False, "", "bool", "Accepted for NEST compatibility (there is no grid)"),
    ) + ACTIVITY

    @classmethod
    def check_defaults(cls, owner, values):
        super().check_defaults(owner, values)
        times = values["spike_times"]
        if times.size and not times.min() > 0:
            raise BadParameterError(f"{owner}: spike_times must be > 0 ms, got {float(times.min())!r}")
        if times.size > 1 and np.any(np.diff(times) < 0):
            k = int(np.flatnonzero(np.diff(times) < 0)[0])
            raise BadParameterError(f"{owner}: spike_times must be sorted; {float(times[k])!r} comes before "
                                    f"{float(times[k + 1])!r}")
        for key in ("spike_weights", "spike_multiplicities"):
            if values[key].size not in (0, times.size):
                raise BadParameterError(f"{owner}: {key} has {values[key].size} entries but spike_times "
                                        f"has {times.size}; give one per spike or none")
        mults = values["spike_multiplicities"]
        if mults.size and (np.any(mults < 1) or np.any(mults != np.round(mults)) or np.any(mults > 65535)):
            raise BadParameterError(f"{owner}: spike_multiplicities must be integers in [1, 65535]")

    def engine_data(self):
        p = self.params
        t_on, t_off = self.window
        times = p["origin"] + p["spike_times"]
        active = (times > t_on) & (times <= t_off)
        weights = p["spike_weights"][active] if p["spike_weights"].size else None
        mults = p["spike_multiplicities"][active] if p["spike_multiplicities"].size else None
        return times[active], weights, mults


#: bytes a pulse packet's spike takes while it is drawn: its centre, its normal draw, its time
#: sorted and selected, and the engine's copy (8 bytes each)
PACKET_SPIKE_BYTES = 48


class PulsepacketGenerator(SpikeTrainGenerator):
    """pulsepacket_generator: packets of spikes around given times.

    Parameters: ``pulse_times`` (ms), ``activity`` (spikes per packet), ``sdev`` (ms): each
    packet has ``activity`` spikes at times drawn from a normal distribution centred on its
    pulse time with standard deviation ``sdev``; every target receives the same spikes.  Times
    are drawn (with the kernel's seed) whenever the parameters are set, and only those in
    ``(origin + start, origin + stop]`` and after 0 are emitted.
    """

    NAME = "pulsepacket_generator"
    PARAMETERS = (
        ("pulse_times", np.zeros(0), "ms", "times", "Centres of the packets"),
        ("activity", 0, "", "count", "Spikes per packet"),
        ("sdev", 0.0, "ms", "nonnegative", "Standard deviation of the spike times around the centre"),
    ) + ACTIVITY

    @classmethod
    def check_defaults(cls, owner, values):
        super().check_defaults(owner, values)
        # the spike times of every packet are drawn at once (engine_data)
        spikes = values["activity"] * values["pulse_times"].size
        cmemory.require(spikes * PACKET_SPIKE_BYTES, f"{owner}: activity = {values['activity']} spikes in each "
                        f"of {values['pulse_times'].size} packets", f"({PACKET_SPIKE_BYTES} bytes each)",
                        "lower activity or give fewer pulse_times")

    def engine_data(self):
        p = self.params
        t_on, t_off = self.window
        centres = np.repeat(p["origin"] + p["pulse_times"], p["activity"])
        times = np.sort(centres + self.kernel.rng.normal(0.0, 1.0, centres.size) * p["sdev"])
        return times[(times > max(t_on, 0.0)) & (times <= t_off)], None, None


class StepCurrent(Generator):
    """Currents constant over steps of ``dt``, drawn per target and per step by the core
    (noise, Ornstein-Uhlenbeck, sampled sinusoid).  Their data are parameter epochs: a change
    at time T adds an epoch that takes over from its first change point after T (the next step
    boundary for a new mean, as in NEST)."""

    ACCEPTS = "current"

    def engine_data(self):
        return np.array([-np.inf]), np.asarray(self.step_parameters(), dtype=float), None

    def step_parameters(self):
        """The row of STEP_PARAMETERS of the core (csnn/_core/streams.pyx)."""
        raise NotImplementedError

    @staticmethod
    def splice(old, new, t_now):
        return (np.concatenate([old[0], [t_now]]), np.concatenate([old[1], new[1]]), None)



class NoiseGenerator(StepCurrent):
    """noise_generator: Gaussian white noise current, independent for every target.

    Parameters: ``mean`` (pA), ``std`` (pA), ``dt`` (ms, a multiple of the resolution,
    default 1), ``std_mod`` (pA), ``frequency`` (Hz), ``phase`` (degrees), and the activity
    window.  The current is constant over each step (j dt, (j + 1) dt] and equals
    ``mean + (std + std_mod sin(2 pi frequency t_j + phase)) xi_j`` with independent standard
    normal xi_j per step and per target, as in NEST.
    """

    NAME = "noise_generator"
    GEN_KIND = stream_kinds()["noise"]
    PARAMETERS = (
        ("mean", 0.0, "pA", "finite", "Mean current"),
        ("std", 0.0, "pA", "nonnegative", "Standard deviation of the current"),
        ("dt", 1.0, "ms", "positive", "Interval between new values"),
        ("std_mod", 0.0, "pA", "nonnegative", "Modulation amplitude of the standard deviation"),
        ("frequency", 0.0, "Hz", "nonnegative", "Frequency of the modulation"),
        ("phase", 0.0, "deg", "finite", "Phase of the modulation"),
    ) + ACTIVITY

    def __init__(self, kernel, gid, model, params):
        check_resolution_multiple(f"{model.name} (id {gid})", "dt", dict(model.defaults, **params)["dt"],
                                  kernel.status["resolution"])
        super().__init__(kernel, gid, model, params)

    def validate(self, changes):
        if "dt" in changes:
            check_resolution_multiple(self.owner, "dt", changes["dt"], self.kernel.status["resolution"])
        super().validate(changes)

    def step_parameters(self):
        p = self.params
        return [p["mean"], p["std"], p["dt"], p["std_mod"], 2e-3 * np.pi * p["frequency"],
                np.deg2rad(p["phase"]), *self.window]


class OUNoiseGenerator(NoiseGenerator):
    """ou_noise_generator: Ornstein-Uhlenbeck current, independent for every target.

    Parameters: ``mean`` (pA), ``std`` (pA, stationary standard deviation), ``tau`` (ms,
    correlation time), ``dt`` (ms, a multiple of the resolution, default 0.1) and the activity
    window.  The current is constant over each step (j dt, (j + 1) dt]; successive values
    follow the exact OU transition x' = mean + (x - mean) e^{-dt/tau} + std sqrt(1 - e^{-2 dt/tau}) xi,
    starting from the stationary distribution, so mean, variance and autocorrelation
    std^2 e^{-|t|/tau} hold exactly at the steps whatever dt is.
    """

    NAME = "ou_noise_generator"
    GEN_KIND = stream_kinds()["ou"]
    PARAMETERS = (
        ("mean", 0.0, "pA", "finite", "Mean current"),
        ("std", 0.0, "pA", "nonnegative", "Stationary standard deviation of the current"),
        ("tau", 10.0, "ms", "positive", "Correlation time"),
        ("dt", 0.1, "ms", "positive", "Interval between new values"),
    ) + ACTIVITY

    def step_parameters(self):
        p = self.params
        return [p["mean"], p["std"], p["dt"], p["tau"], 0.0, 0.0, *self.window]


class ACGenerator(StepCurrent):
    """ac_generator: sinusoidal current.

    Parameters: ``amplitude`` (pA), ``offset`` (pA), ``frequency`` (Hz), ``phase`` (degrees)
    and the activity window.  As NEST's ac_generator, the current is held over each step of
    the kernel's resolution h: over (j h, (j + 1) h] it is
    ``offset + amplitude sin(2 pi frequency j h + phase)``.
    """

    NAME = "ac_generator"
    GEN_KIND = stream_kinds()["ac"]
    PARAMETERS = (
        ("amplitude", 0.0, "pA", "finite", "Amplitude of the sinusoid"),
        ("offset", 0.0, "pA", "finite", "Constant offset"),
        ("frequency", 0.0, "Hz", "nonnegative", "Frequency"),
        ("phase", 0.0, "deg", "finite", "Phase"),
    ) + ACTIVITY

    def step_parameters(self):
        p = self.params
        return [p["offset"], p["amplitude"], self.kernel.status["resolution"], 0.0,
                2e-3 * np.pi * p["frequency"], np.deg2rad(p["phase"]), *self.window]
