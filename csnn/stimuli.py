"""Input spike trains for classic experiments, generated with numpy and fed to csnn through
``spike_generator`` nodes.

:func:`masquelier_pattern` builds the input of Masquelier, Guyonneau & Thorpe (2008), "Spike
timing dependent plasticity finds the start of repeating patterns in continuous spike
trains", PLoS ONE 3(1): e1377: afferents firing as Poisson processes whose rates drift at
random, in which a 50 ms spatio-temporal spike pattern of half the afferents is repeated at
irregular intervals, jittered and buried in extra Poisson noise.  The details follow the
paper's Methods and the input code of its replication by Hathway & Goodman (2018), "[Re]
Spike Timing Dependent Plasticity Finds the Start of Repeating Patterns in Continuous Spike
Trains", ReScience 4(1) (github.com/ReScience-Archives/Hathway-Goodman-2018,
``code/create_input.py``, which is a port of the authors' Matlab code).
:func:`afferent_rates` returns the rate traces behind that input.

All times are in ms and all rates in Hz.  Spike times are exact floating-point numbers, not
multiples of a time step, as csnn simulates in continuous time.
"""
import math
import numbers
from dataclasses import dataclass

import numpy as np

from .errors import BadParameterError, BadTypeError

__all__ = ["MasquelierInput", "masquelier_pattern", "afferent_rates", "RATE_STEP"]

#: ms: the time step of the rate random walk and of spike drawing (the paper's dt = 1 ms).
RATE_STEP = 1.0
# Each step the rate's slope changes by a uniform draw from +-max_rate_change / 5, i.e.
# +-360 Hz/s for the paper's 1800 Hz/s (the replication's make_single_train adds a fifth of
# max_change_speed times a uniform number in [-1, 1)).
_SLOPE_KICK_FRACTION = 1.0 / 5.0
# Time steps generated at once, at most: 1000 steps x 2000 afferents is 16 MB per float64
# array, so memory stays flat however long the input is (see _chunk_steps).
_CHUNK_STEPS = 1000
_CHUNK_VALUES = 2_000_000
# Spawn-key component naming this module's random streams, so that they differ from children
# a caller spawns from the same SeedSequence.
_STREAM_KEY = 0x6D617371
_STREAMS = ("rates", "spikes", "windows", "jitter", "noise")


@dataclass(frozen=True, eq=False)
class MasquelierInput:
    """The spike trains made by :func:`masquelier_pattern` (arrays are read-only).

    Attributes
    ----------
    times : float64 array, ms
        Every spike time, ascending, all in ``(0, duration)``.
    senders : int32 array
        The afferent (``0 .. n_afferents - 1``) that emits each spike of ``times``.
    pattern_onsets : float64 array, ms
        Start of each window in which the pattern is presented, ascending.
    pattern_afferents : int64 array
        The afferents that take part in the pattern (``0 .. n_pattern_afferents - 1``).
    pattern_duration : float, ms
        Length of a pattern window.
    duration : float, ms
        Length of the whole input (``repeats`` copies of the generated input).
    n_afferents : int
        Number of afferents.
    """

    times: np.ndarray
    senders: np.ndarray
    pattern_onsets: np.ndarray
    pattern_afferents: np.ndarray
    pattern_duration: float
    duration: float
    n_afferents: int

    def spike_times(self, afferent):
        """The sorted spike times (ms) of one afferent."""
        afferent = _check_int("MasquelierInput.spike_times", "afferent", afferent, 0,
                              self.n_afferents - 1)
        return self.times[self.senders == afferent]

    def trains(self):
        """A list with the sorted spike times (ms) of every afferent, indexed by afferent.

        Each train can be given to its own ``spike_generator`` as ``spike_times`` (all times
        are > 0, as ``spike_generator`` requires).
        """
        # A stable sort by afferent keeps each train in time order.
        by_afferent = self.times[np.argsort(_sort_keys(self.senders, self.n_afferents), kind="stable")]
        ends = np.cumsum(np.bincount(self.senders, minlength=self.n_afferents))
        return np.split(by_afferent, ends[:-1])


def masquelier_pattern(n_afferents=2000, duration=150_000.0, *, n_pattern_afferents=None,
                       pattern_duration=50.0, pattern_frequency=0.25, jitter=1.0, noise_rate=10.0,
                       min_rate=0.0, max_rate=90.0, max_rate_change=1800.0, max_silence=50.0,
                       repeats=1, seed=None):
    """The repeating-pattern input of Masquelier, Guyonneau & Thorpe (2008).

    Sources: "paper" is Masquelier et al. (2008), Methods; "replication" is Hathway & Goodman
    (2018), ``code/create_input.py`` (functions ``make_single_train``,
    ``make_pattern_presentation_array``, ``copy_and_paste_jittered_pattern``, ``add_noise``,
    ``triple_input_runtime``).  Every default is the paper's value.

    Construction:

    1. Background (paper; replication ``make_single_train``).  Each afferent fires as a
       Poisson process whose rate r changes every ``RATE_STEP`` = 1 ms: in each 1 ms bin it
       spikes with probability r * 1 ms, at a uniformly drawn time within the bin; then r
       moves by its slope s times 1 ms and is clipped to [min_rate, max_rate]; then s moves
       by a uniform draw from [-max_rate_change / 5, +max_rate_change / 5] and is clipped to
       [-max_rate_change, +max_rate_change].  r starts uniform in [min_rate, max_rate], s
       uniform in [-max_rate_change, max_rate_change].  See :func:`afferent_rates`.
    2. No afferent stays silent longer than ``max_silence`` (paper and replication: every
       afferent spikes at least once every 50 ms).  As in the replication (its
       ``virtual_pre_sim_spike``), the clock starts from a virtual spike at a uniform time in
       [-max_silence, 0], and when ``max_silence`` has passed since the last spike without a
       new one, a spike is added at a uniform time in the 1 ms before that deadline.  (The
       replication adds it in the first 1 ms bin that ends after the deadline, so its gaps
       reach max_silence + 1 ms; here they never exceed ``max_silence``.)  Pasting the
       pattern (step 4) can leave longer gaps in the pattern afferents at the edges of
       pattern windows, as in the replication.
    3. Pattern windows (replication ``make_pattern_presentation_array``).  The input is cut
       into consecutive windows of ``pattern_duration`` from time 0 (a last, partial window
       never holds the pattern); exactly
       ``floor(n_windows * pattern_frequency)`` of them, never two adjacent ones, hold the
       pattern.  They are drawn uniformly among all such placements (the replication picks
       random windows one at a time, rejecting neighbours of chosen ones, which can stall
       above a frequency of about 0.43 and which it replaces by strict alternation at 0.5).
    4. Pattern (replication ``copy_and_paste_jittered_pattern``).  The activity of afferents
       ``0 .. n_pattern_afferents - 1`` in the first pattern window is the pattern.  In
       every pattern window, the first one included, their own spikes are removed and the
       pattern's spikes are pasted, each shifted by its own Gaussian jitter of standard
       deviation ``jitter`` (paper: 1 ms), drawn anew at each presentation.  The other
       afferents keep their activity.  Jittered spikes may leave their window; those that
       fall outside (0, duration) are dropped (the replication clips them to 0 in the first
       window only).
    5. Noise (paper; replication ``add_noise``).  Every afferent gets an extra homogeneous
       Poisson train of rate ``noise_rate``, over the whole input, pattern windows included.
       (The replication draws it with 1 ms Bernoulli bins, a close approximation.)
    6. Repeats (replication ``triple_input_runtime``, which makes 150 s and concatenates 3
       copies for its 450 s runs).  ``repeats`` copies of the input are concatenated, each
       shifted by ``duration``.

    With the defaults the background fires at about 54 Hz per afferent (45 Hz from the rate
    walk, whose mean is (min_rate + max_rate) / 2 by symmetry, plus the spikes added in
    step 2) and the input at about 64 Hz, the averages the replication gives (54 Hz and
    64 Hz).

    The steps use independent random streams derived from ``seed``, so changing e.g.
    ``noise_rate``, ``jitter`` or ``n_pattern_afferents`` leaves the other parts of the input
    unchanged; the rates are those :func:`afferent_rates` returns for the same seed and rate
    parameters.

    Cost: the paper's input (2000 afferents, 150 s, 19 million spikes, 220 MB of output)
    takes about 5 s and peaks at about 0.5 GB; time and memory grow with the number of
    afferents times the duration, and ``repeats`` multiplies the output.

    Parameters
    ----------
    n_afferents : int
        Number of afferents (paper: 2000).
    duration : float, ms
        Length of the generated input, before repetition (paper: 150 s, presented 3 times).
    n_pattern_afferents : int or None
        Afferents ``0 .. n_pattern_afferents - 1`` take part in the pattern; None means half
        of the afferents, rounded down (paper: 1000 of 2000).
    pattern_duration : float, ms
        Length of the pattern and of the windows (paper: 50 ms).
    pattern_frequency : float in (0, 0.5]
        Fraction of the windows that hold the pattern (paper: 0.25).
    jitter : float, ms
        Standard deviation of the Gaussian jitter of pattern spikes (paper: 1 ms).
    noise_rate : float, Hz
        Rate of the Poisson noise added to every afferent (paper: 10 Hz).
    min_rate, max_rate : float, Hz
        Bounds of the background rate (paper: 0 and 90 Hz); max_rate <= 1000 Hz, so that a
        1 ms bin spikes with probability at most 1.
    max_rate_change : float, Hz/s
        Bound on the rate's slope (paper: 1800 Hz/s, enough to go from 0 to 90 Hz in 50 ms;
        the replication computes it as max_rate / max_silence).
    max_silence : float, ms
        Longest gap allowed between background spikes (paper: 50 ms); ``math.inf`` turns
        step 2 off.  Must exceed ``RATE_STEP`` (1 ms).
    repeats : int
        Number of copies of the input to concatenate (the paper presents 150 s 3 times).
    seed : None, int, numpy.random.SeedSequence or numpy.random.Generator
        Source of randomness: the same int or SeedSequence always gives the same input; a
        Generator is advanced; None draws fresh entropy.

    Returns
    -------
    MasquelierInput

    Raises
    ------
    ValueError, TypeError
        (csnn's ``BadParameterError`` and ``BadTypeError``) for invalid arguments, before
        anything is generated.
    """
    where = "masquelier_pattern"
    n_afferents = _check_int(where, "n_afferents", n_afferents, 1, 2**31 - 1)
    if n_pattern_afferents is None:
        n_pattern_afferents = n_afferents // 2
        if n_pattern_afferents < 1:
            raise BadParameterError(f"{where}: n_pattern_afferents=None means half of n_afferents, "
                                    f"which is 0 for n_afferents={n_afferents}; give n_afferents >= 2 "
                                    "or n_pattern_afferents=1")
    else:
        n_pattern_afferents = _check_int(where, "n_pattern_afferents", n_pattern_afferents, 1,
                                         n_afferents, f"an int in [1, n_afferents={n_afferents}]")
    duration = _check_real(where, "duration", duration, "positive")
    pattern_duration = _check_real(where, "pattern_duration", pattern_duration, "positive")
    if pattern_duration > duration:
        raise BadParameterError(f"{where}: pattern_duration must be <= duration={duration!r} ms, "
                                f"got {pattern_duration!r}")
    pattern_frequency = _check_real(where, "pattern_frequency", pattern_frequency, "frequency")
    jitter = _check_real(where, "jitter", jitter, "nonnegative")
    noise_rate = _check_real(where, "noise_rate", noise_rate, "nonnegative")
    min_rate, max_rate, max_rate_change = _check_rate_walk(where, min_rate, max_rate, max_rate_change)
    max_silence = _check_real(where, "max_silence", max_silence, "silence")
    repeats = _check_int(where, "repeats", repeats, 1, 2**31 - 1)
    n_windows = _n_windows(duration, pattern_duration)
    # The tolerance makes e.g. 0.29 of 100 windows 29, not floor(28.999999999999996) = 28.
    n_presentations = math.floor(n_windows * pattern_frequency + 1e-9)
    if n_presentations < 1:
        raise BadParameterError(
            f"{where}: duration={duration!r} ms holds {n_windows} window(s) of pattern_duration="
            f"{pattern_duration!r} ms, and pattern_frequency={pattern_frequency!r} of them is "
            f"{n_presentations} pattern presentations; give a duration of at least "
            f"{math.ceil(1 / pattern_frequency) * pattern_duration!r} ms or a higher pattern_frequency")
    streams = _random_streams(where, seed)

    background = _background(streams, n_afferents, duration, min_rate, max_rate, max_rate_change,
                             max_silence)
    window_index = _pattern_windows(streams["windows"], n_windows, n_presentations)
    onsets = window_index * pattern_duration
    # One more window than n_windows: a last, partial one (and room for rounding).
    is_pattern_window = np.zeros(n_windows + 2, dtype=bool)
    is_pattern_window[window_index] = True
    chunk_ms = _chunk_steps(n_afferents) * RATE_STEP
    pattern_t, pattern_a = _cut_pattern(background, chunk_ms, window_index[0], pattern_duration,
                                        n_pattern_afferents)
    pasted_t, pasted_a = _paste_pattern(streams["jitter"], pattern_t, pattern_a, onsets, jitter)
    times, senders = _assemble(background, chunk_ms, pasted_t, pasted_a, streams["noise"],
                               noise_rate, n_afferents, n_pattern_afferents, is_pattern_window,
                               pattern_duration, duration)
    if repeats > 1:
        shifts = np.arange(repeats) * duration
        times = (times[None, :] + shifts[:, None]).ravel()
        senders = np.tile(senders, repeats)
        onsets = (onsets[None, :] + shifts[:, None]).ravel()
    for array in (times, senders, onsets):
        array.flags.writeable = False
    pattern_afferents = np.arange(n_pattern_afferents)
    pattern_afferents.flags.writeable = False
    return MasquelierInput(times=times, senders=senders, pattern_onsets=onsets,
                           pattern_afferents=pattern_afferents, pattern_duration=pattern_duration,
                           duration=duration * repeats, n_afferents=n_afferents)


def afferent_rates(n_afferents, duration, *, min_rate=0.0, max_rate=90.0, max_rate_change=1800.0,
                   seed=None):
    """The rate traces (Hz) of the background activity of :func:`masquelier_pattern`.

    Returns a float64 array of shape ``(n_steps, n_afferents)``, ``n_steps = ceil(duration /
    RATE_STEP)``: row k is each afferent's rate during ``[k, k + 1) * RATE_STEP`` ms.  The
    rate follows the paper's random walk (see step 1 of :func:`masquelier_pattern`): it stays
    in [min_rate, max_rate] and changes by at most max_rate_change * 1 ms per step.  With the
    same seed and rate parameters these are exactly the rates behind
    ``masquelier_pattern(n_afferents, duration, ...)``.  The array holds 8 bytes per
    afferent and ms (2.4 GB for the paper's 2000 afferents over 150 s): meant for inspecting
    shorter stretches.

    Parameters: ``n_afferents`` (int), ``duration`` (ms), ``min_rate``, ``max_rate`` (Hz),
    ``max_rate_change`` (Hz/s) and ``seed`` as in :func:`masquelier_pattern`.
    """
    where = "afferent_rates"
    n_afferents = _check_int(where, "n_afferents", n_afferents, 1, 2**31 - 1)
    duration = _check_real(where, "duration", duration, "positive")
    min_rate, max_rate, max_rate_change = _check_rate_walk(where, min_rate, max_rate, max_rate_change)
    rng = _random_streams(where, seed)["rates"]
    n_steps = _n_steps(duration)
    all_rates = np.empty((n_steps, n_afferents))
    for first, rates in _rate_chunks(rng, n_afferents, n_steps, min_rate, max_rate, max_rate_change):
        all_rates[first:first + rates.shape[0]] = rates
    return all_rates


# -- generation -------------------------------------------------------------------------------

def _rate_chunks(rng, n_afferents, n_steps, min_rate, max_rate, max_rate_change):
    """Yield ``(first_step, rates)`` with rates[k, a] the rate (Hz) of afferent a during step
    first_step + k, _chunk_steps(n_afferents) steps at a time.  The array is reused for the
    next chunk: copy what you keep."""
    step_s = RATE_STEP * 1e-3
    rate = rng.uniform(min_rate, max_rate, n_afferents)
    # The slope is kept in Hz per step, so that each step adds it to the rate directly.
    max_slope = max_rate_change * step_s
    slope = rng.uniform(-max_slope, max_slope, n_afferents)
    max_kick = _SLOPE_KICK_FRACTION * max_slope
    # One row more than a chunk: the rate after the chunk's last step, where the next starts.
    chunk = _chunk_steps(n_afferents)
    buffer = np.empty((min(chunk, n_steps) + 1, n_afferents))
    kicks = np.empty((buffer.shape[0] - 1, n_afferents), dtype=np.float32)
    for first in range(0, n_steps, chunk):
        n = min(chunk, n_steps - first)
        # Uniform kicks in [-max_kick, max_kick), drawn in time-major order, so that chunks
        # draw the same numbers as one draw for all steps would.  float32 halves the cost of
        # the 3e8 draws of the paper's input; its 2**-24 resolution is immaterial here.
        rng.random(out=kicks[:n], dtype=np.float32)
        kicks[:n] *= 2 * max_kick
        kicks[:n] -= max_kick
        rates = buffer[:n + 1]
        rates[0] = rate
        for k in range(n):
            # The replication's order: the rate moves by the old slope, then the slope moves.
            # (np.minimum/np.maximum rather than np.clip, whose Python wrapper costs more
            # than the arithmetic on 2000 numbers.)
            rate_next = rates[k + 1]
            np.add(rates[k], slope, out=rate_next)
            np.minimum(rate_next, max_rate, out=rate_next)
            np.maximum(rate_next, min_rate, out=rate_next)
            slope += kicks[k]
            np.minimum(slope, max_slope, out=slope)
            np.maximum(slope, -max_slope, out=slope)
        rate[:] = rates[n]
        yield first, rates[:n]


def _background(streams, n_afferents, duration, min_rate, max_rate, max_rate_change, max_silence):
    """Background spikes (steps 1 and 2), as a list of (times, senders) per chunk of
    _chunk_steps(n_afferents) steps; chunk c's times lie in (start_c - RATE_STEP, end_c),
    where the difference comes from spikes added in the 1 ms before a deadline."""
    rng = streams["spikes"]
    n_steps = _n_steps(duration)
    forcing = math.isfinite(max_silence)
    # The clock of the silence rule starts from a virtual spike before 0 (replication), so
    # that the afferents' first added spikes are spread over the first max_silence.
    last_spike = -rng.random(n_afferents) * max_silence if forcing else None
    p_max = max_rate * RATE_STEP * 1e-3
    chunks = []
    for first, rates in _rate_chunks(streams["rates"], n_afferents, n_steps, min_rate, max_rate,
                                     max_rate_change):
        # Bin (k, a) spikes with probability rates[k, a] * 1 ms.  Candidate bins are drawn
        # with the top probability and each is kept with probability rate / max_rate
        # (thinning: exact for independent bins), so only ~10% of the bins need a random
        # number.  Bins are numbered time-major, as rates is laid out.
        bins = _bernoulli_bins(rng, p_max, rates.size)
        keep = rng.random(bins.size) * max_rate < rates.ravel()[bins]
        steps, senders = np.divmod(bins[keep], n_afferents)
        times = (first + steps + rng.random(steps.size)) * RATE_STEP
        senders = senders.astype(np.int32)
        if forcing:
            # Group by afferent (a stable sort keeps each afferent's spikes in time order).
            by_afferent = np.argsort(_sort_keys(senders, n_afferents), kind="stable")
            times, senders = times[by_afferent], senders[by_afferent]
            end = min((first + rates.shape[0]) * RATE_STEP, duration)
            added_t, added_a = _fill_silences(rng, times, senders, last_spike, end, max_silence)
            times = np.concatenate([times, added_t])
            senders = np.concatenate([senders, added_a])
        chunks.append((times, senders))
    return chunks


def _bernoulli_bins(rng, p, n_bins):
    """Indices (ascending) of the bins among n_bins that succeed, each independently with
    probability p, drawn as geometric gaps between successes."""
    if p <= 0.0:
        return np.zeros(0, dtype=np.int64)
    if p >= 1.0:
        return np.arange(n_bins)
    # floor(E / -log(1 - p)) with E ~ Exp(1) is geometric: P(>= k) = (1 - p)**k.  It is
    # faster than rng.geometric; float64 holds the positions exactly (n_bins < 2**53).
    scale = -1.0 / math.log1p(-p)
    mean = p * n_bins
    parts, position = [], -1.0
    while position < n_bins - 1:
        gaps = np.floor(rng.standard_exponential(int(mean + 6 * math.sqrt(mean) + 16)) * scale) + 1.0
        positions = position + np.cumsum(gaps)
        parts.append(positions)
        position = positions[-1]
    bins = np.concatenate(parts)
    return bins[bins < n_bins].astype(np.int64)


def _fill_silences(rng, times, senders, last_spike, end, max_silence):
    """Spikes to add so that no gap between spikes exceeds max_silence, up to ``end``.

    ``times``/``senders``: this chunk's spikes grouped by afferent, in time order;
    ``last_spike``: each afferent's last spike before the chunk, updated in place.  A spike
    is added at a uniform time in the 1 ms before each deadline (last spike + max_silence)
    that passes without a spike; the next deadline counts from the added spike.
    """
    n_afferents = last_spike.size
    # Gaps to check: from each afferent's previous spike to each of its spikes here, and
    # from its last spike to the end of the chunk.
    first_of_afferent = np.ones(times.size, dtype=bool)
    first_of_afferent[1:] = senders[1:] != senders[:-1]
    previous = np.empty_like(times)
    previous[1:] = times[:-1]
    previous[first_of_afferent] = last_spike[senders[first_of_afferent]]
    last_of_afferent = np.r_[first_of_afferent[1:], True] if times.size else first_of_afferent
    tail_start = last_spike.copy()
    tail_start[senders[last_of_afferent]] = times[last_of_afferent]

    gap_start = np.concatenate([previous, tail_start])
    gap_end = np.concatenate([times, np.full(n_afferents, end)])
    gap_afferent = np.concatenate([senders, np.arange(n_afferents, dtype=np.int32)])
    is_tail = np.r_[np.zeros(times.size, dtype=bool), np.ones(n_afferents, dtype=bool)]
    added_t, added_a = [], []
    open_gaps = np.flatnonzero(gap_start + max_silence < gap_end)
    while open_gaps.size:
        spike = gap_start[open_gaps] + max_silence - rng.random(open_gaps.size) * RATE_STEP
        added_t.append(spike)
        added_a.append(gap_afferent[open_gaps])
        gap_start[open_gaps] = spike
        open_gaps = open_gaps[spike + max_silence < gap_end[open_gaps]]
    last_spike[:] = gap_start[is_tail]
    if not added_t:
        return np.zeros(0), np.zeros(0, dtype=np.int32)
    return np.concatenate(added_t), np.concatenate(added_a)


def _pattern_windows(rng, n_windows, n_presentations):
    """Indices (ascending) of n_presentations windows out of n_windows, no two adjacent,
    uniformly among all such choices: choosing k non-adjacent slots out of n is choosing k
    slots out of n - k + 1 and spreading them apart by one."""
    chosen = np.sort(rng.choice(n_windows - n_presentations + 1, n_presentations, replace=False))
    return chosen + np.arange(n_presentations)


def _spikes_between(chunks, chunk_ms, start, stop):
    """Background spikes with start <= t < stop, from the chunks that can hold them."""
    # Chunk j holds times in (j * chunk_ms - RATE_STEP, (j + 1) * chunk_ms).
    first = max(0, math.floor(start / chunk_ms))
    last = min(len(chunks) - 1, math.ceil((stop + RATE_STEP) / chunk_ms) - 1)
    parts_t, parts_a = [], []
    for times, senders in chunks[first:last + 1]:
        inside = (times >= start) & (times < stop)
        parts_t.append(times[inside])
        parts_a.append(senders[inside])
    return np.concatenate(parts_t), np.concatenate(parts_a)


def _window_of(times, pattern_duration):
    """The window index of each time (>= 0).  Cutting out the pattern and clearing the
    pattern windows both use this, so that they agree on spikes at window edges."""
    return (times * (1.0 / pattern_duration)).astype(np.int64)


def _cut_pattern(chunks, chunk_ms, window, pattern_duration, n_pattern_afferents):
    """The pattern: the spikes of the pattern afferents in the given window, as times
    relative to its onset and senders."""
    onset = window * pattern_duration
    times, senders = _spikes_between(chunks, chunk_ms, max(onset - RATE_STEP, 0.0),
                                     onset + pattern_duration + RATE_STEP)
    in_pattern = (senders < n_pattern_afferents) & (_window_of(times, pattern_duration) == window)
    return times[in_pattern] - onset, senders[in_pattern]


def _paste_pattern(rng, pattern_t, pattern_a, onsets, jitter):
    """The pattern's spikes at every presentation, each with its own jitter, sorted by time."""
    times = (onsets[:, None] + pattern_t[None, :]).ravel()
    if jitter > 0:
        times += rng.normal(0.0, jitter, times.size)
    senders = np.tile(pattern_a, onsets.size)
    order = np.argsort(times, kind="stable")
    return times[order], senders[order]


def _assemble(background, chunk_ms, pasted_t, pasted_a, noise_rng, noise_rate, n_afferents,
              n_pattern_afferents, is_pattern_window, pattern_duration, duration):
    """The final input (steps 4 and 5), sorted by time, built one chunk of time at a time:
    background without the pattern afferents' own spikes in pattern windows, the pasted
    pattern and the noise."""
    out_t, out_a = [], []
    for c in range(len(background)):
        start, stop = c * chunk_ms, min((c + 1) * chunk_ms, duration)
        times, senders = _spikes_between(background, chunk_ms, start, stop)
        replaced = is_pattern_window[_window_of(times, pattern_duration)]
        replaced &= senders < n_pattern_afferents
        times, senders = times[~replaced], senders[~replaced]

        lo, hi = np.searchsorted(pasted_t, [start, stop])
        # n_afferents independent Poisson trains of one rate are one train of n_afferents
        # times that rate whose spikes go to uniformly drawn afferents.
        count = noise_rng.poisson(n_afferents * noise_rate * (stop - start) * 1e-3)
        noise_t = start + noise_rng.random(count) * (stop - start)
        noise_a = noise_rng.integers(0, n_afferents, count, dtype=np.int32)

        times = np.concatenate([times, pasted_t[lo:hi], noise_t])
        senders = np.concatenate([senders, pasted_a[lo:hi], noise_a])
        # start + u * (stop - start) can round up to stop; and spike_generator takes only
        # times > 0.
        inside = times < stop
        if c == 0:
            inside &= times > 0
        times, senders = times[inside], senders[inside]
        order = _time_order(times, start, stop)
        out_t.append(times[order])
        out_a.append(senders[order])
        background[c] = None  # no later chunk of time needs it: free its memory
    return np.concatenate(out_t), np.concatenate(out_a)


def _time_order(times, start, stop):
    """argsort of times, all in [start, stop), in linear time: a stable radix sort on 16-bit
    keys (numpy's choice for such keys) puts each time among its ~2 neighbours, then
    timsort, which is linear on such nearly sorted input, finishes the job."""
    keys = ((times - start) * (65535.0 / (stop - start))).astype(np.uint16)
    coarse = np.argsort(keys, kind="stable")
    return coarse[np.argsort(times[coarse], kind="stable")]


# -- helpers ----------------------------------------------------------------------------------

def _chunk_steps(n_afferents):
    """Steps per chunk: _CHUNK_STEPS, fewer for many afferents so that a chunk of rates
    holds about _CHUNK_VALUES numbers, but at least 20."""
    return max(20, min(_CHUNK_STEPS, _CHUNK_VALUES // n_afferents))


def _sort_keys(senders, n_afferents):
    """senders as keys for a stable argsort: with ids that fit 16 bits numpy sorts by radix,
    in linear time."""
    return senders.astype(np.uint16) if n_afferents <= 1 << 16 else senders


def _n_steps(duration):
    return math.ceil(duration / RATE_STEP)


def _n_windows(duration, pattern_duration):
    # A tolerance so that e.g. 0.3 ms / 0.1 ms counts 3 windows, not 2.9999999999999996 -> 2.
    return math.floor(duration / pattern_duration + 1e-9)


def _random_streams(where, seed):
    """Independent Generators, one per step of the construction, derived from ``seed``."""
    if isinstance(seed, np.random.Generator):
        root = np.random.SeedSequence(seed.integers(0, 2**63, size=4))
    elif isinstance(seed, np.random.SeedSequence):
        root = seed
    elif seed is None:
        root = np.random.SeedSequence()
    else:
        seed = _check_int(where, "seed", seed, 0, None,
                          "None, an int >= 0, a numpy SeedSequence or a numpy Generator")
        root = np.random.SeedSequence(seed)
    # Children keyed explicitly (not root.spawn, which counts calls) so that passing the same
    # SeedSequence twice gives the same input.
    return {name: np.random.default_rng(np.random.SeedSequence(
        root.entropy, spawn_key=tuple(root.spawn_key) + (_STREAM_KEY, i), pool_size=root.pool_size))
        for i, name in enumerate(_STREAMS)}


def _check_int(where, name, value, low, high, accepted=None):
    if accepted is None:
        accepted = f"an int >= {low}" if high is None else f"an int in [{low}, {high}]"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise BadTypeError(f"{where}: {name} must be {accepted}, got {value!r} "
                           f"of type {type(value).__name__}")
    value = int(value)
    if value < low or (high is not None and value > high):
        raise BadParameterError(f"{where}: {name} must be {accepted}, got {value!r}")
    return value


_REAL_RULES = {
    "positive": ("a finite number > 0", lambda x: math.isfinite(x) and x > 0),
    "nonnegative": ("a finite number >= 0", lambda x: math.isfinite(x) and x >= 0),
    "frequency": ("a number in (0, 0.5]", lambda x: 0 < x <= 0.5),
    "silence": (f"a number > RATE_STEP = {RATE_STEP} ms, or math.inf for no limit",
                lambda x: x > RATE_STEP),
}


def _check_real(where, name, value, rule):
    accepted, ok = _REAL_RULES[rule]
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise BadTypeError(f"{where}: {name} must be {accepted}, got {value!r} "
                           f"of type {type(value).__name__}")
    value = float(value)
    if not ok(value):
        raise BadParameterError(f"{where}: {name} must be {accepted}, got {value!r}")
    return value


def _check_rate_walk(where, min_rate, max_rate, max_rate_change):
    min_rate = _check_real(where, "min_rate", min_rate, "nonnegative")
    max_rate = _check_real(where, "max_rate", max_rate, "nonnegative")
    top = 1e3 / RATE_STEP
    if not min_rate <= max_rate <= top:
        raise BadParameterError(f"{where}: max_rate must be in [min_rate={min_rate!r}, {top!r}] Hz "
                                f"(at most one spike per {RATE_STEP} ms step), got {max_rate!r}")
    max_rate_change = _check_real(where, "max_rate_change", max_rate_change, "nonnegative")
    return min_rate, max_rate, max_rate_change
