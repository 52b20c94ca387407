"""csnn.stimuli.masquelier_pattern: the input of Masquelier, Guyonneau & Thorpe (2008).

Most checks use 200 afferents over 20 s (400 windows, 100 pattern presentations).  Three
inputs share one seed and differ in jitter and noise only; since every step of the
construction has its own random stream, they share the background and pattern windows, which
lets the tests separate the parts exactly: the jitter-free, noise-free input shows the pattern
as pasted, the jittered one the jitter, and the full one the noise.

Statistical checks use fixed seeds and state their tolerance as a number of standard errors
(4, two-sided: a correct generator fails with probability ~6e-5), with the standard error
worked out next to each; distribution checks use Kolmogorov-Smirnov or chi-square tests at
p > 1e-4.
"""
import math
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from scipy import stats

import csnn
from csnn import stimuli
from csnn.stimuli import afferent_rates, masquelier_pattern

SEED = 20080101
N = 200                 # afferents
DURATION = 20_000.0     # ms
P = 50.0                # ms: pattern duration
N_PATTERN = N // 2


@pytest.fixture(scope="module")
def full():
    """The paper's input, shortened: jitter 1 ms, noise 10 Hz."""
    return masquelier_pattern(N, DURATION, seed=SEED)


@pytest.fixture(scope="module")
def jittered():
    """As ``full`` without the noise."""
    return masquelier_pattern(N, DURATION, noise_rate=0.0, seed=SEED)


@pytest.fixture(scope="module")
def clean():
    """As ``full`` without noise or jitter: the pattern is pasted verbatim."""
    return masquelier_pattern(N, DURATION, noise_rate=0.0, jitter=0.0, seed=SEED)


def in_pattern_windows(times, onsets, pattern_duration=P):
    """Whether each time lies in [onset, onset + pattern_duration) of some window."""
    k = np.searchsorted(onsets, times, side="right") - 1
    return (k >= 0) & (times - onsets[np.maximum(k, 0)] < pattern_duration)


def spike_set(inp):
    """The spikes as a set of (sender, time) pairs."""
    return set(zip(inp.senders.tolist(), inp.times.tolist()))


def gaps_with_ends(train, duration):
    """The silent intervals of a train, from time 0 to the end of the input."""
    return np.diff(np.concatenate([[0.0], train, [duration]]))


# -- layout -----------------------------------------------------------------------------------

def test_result_layout(full):
    assert full.n_afferents == N and full.duration == DURATION and full.pattern_duration == P
    assert full.times.dtype == np.float64 and full.times.ndim == 1
    assert np.issubdtype(full.senders.dtype, np.integer) and full.senders.shape == full.times.shape
    assert np.all(np.diff(full.times) >= 0)
    assert full.times[0] > 0 and full.times[-1] < DURATION
    assert full.senders.min() >= 0 and full.senders.max() < N
    np.testing.assert_array_equal(full.pattern_afferents, np.arange(N_PATTERN))
    # spike times are exact, not on a grid: about every spike has a distinct fractional part
    assert np.unique(np.round(full.times % 1.0, 12)).size > 0.99 * full.times.size
    for array in (full.times, full.senders, full.pattern_onsets, full.pattern_afferents):
        with pytest.raises(ValueError):
            array[0] = 1


def test_trains_split_the_spikes_by_afferent(full):
    trains = full.trains()
    assert len(trains) == N
    assert sum(t.size for t in trains) == full.times.size
    for a in (0, 1, N_PATTERN - 1, N_PATTERN, N - 1):
        np.testing.assert_array_equal(trains[a], full.times[full.senders == a])
        np.testing.assert_array_equal(full.spike_times(a), trains[a])
    assert all(np.all(np.diff(t) >= 0) and t[0] > 0 for t in trains)


def test_trains_feed_spike_generators_exactly():
    inp = masquelier_pattern(6, 1000.0, seed=3)
    delay = 1.5
    csnn.ResetKernel()
    generators = csnn.Create("spike_generator", 6)
    for gen, train in zip(generators, inp.trains()):
        gen.set(spike_times=train, allow_offgrid_times=True)
    parrots = csnn.Create("parrot_neuron", 6)
    csnn.Connect(generators, parrots, "one_to_one", syn_spec={"delay": delay})
    recorder = csnn.Create("spike_recorder")
    csnn.Connect(parrots, recorder)
    csnn.Simulate(1100.0)
    ev = recorder.get("events")
    for parrot, train in zip(parrots.tolist(), inp.trains()):
        arrivals = np.sort(ev["times"][ev["senders"] == parrot])
        np.testing.assert_allclose(arrivals, train + delay, rtol=0, atol=1e-9)


# -- background activity -----------------------------------------------------------------------

def test_rate_walk_follows_the_paper():
    rates = afferent_rates(50, 5000.0, seed=1)
    assert rates.shape == (5000, 50)
    assert rates.min() >= 0.0 and rates.max() <= 90.0
    step = np.diff(rates, axis=0)                  # Hz per 1 ms step: the slope
    assert np.abs(step).max() <= 1.8 + 1e-9        # |slope| <= 1800 Hz/s
    assert np.abs(step).max() > 0.99 * 1.8         # and the slope does reach its bound
    # where the rate is clipped in none of three successive steps, the slope change is the
    # uniform kick of at most 1800 / 5 Hz/s
    free = (rates[:-2] > 0) & (rates[:-2] < 90) & (rates[1:-1] > 0) & (rates[1:-1] < 90) \
        & (rates[2:] > 0) & (rates[2:] < 90)
    kicks = np.diff(step, axis=0)[free]
    assert np.abs(kicks).max() <= 0.36 * (1 + 1e-6)
    assert np.abs(kicks).max() > 0.99 * 0.36
    # the rate spends time pinned at both bounds
    assert (rates == 0).mean() > 0.05 and (rates == 90).mean() > 0.05


@settings(max_examples=15, deadline=None)
@given(low=st.floats(0.0, 50.0), width=st.floats(0.0, 200.0), max_change=st.floats(0.0, 5000.0),
       seed=st.integers(0, 2**32))
def test_rate_walk_stays_in_its_bounds(low, width, max_change, seed):
    high = low + width
    rates = afferent_rates(7, 300.0, min_rate=low, max_rate=high, max_rate_change=max_change,
                           seed=seed)
    assert rates.shape == (300, 7)
    assert rates.min() >= low and rates.max() <= high
    assert np.abs(np.diff(rates, axis=0)).max(initial=0.0) <= max_change * 1e-3 * (1 + 1e-9) + 1e-12


@pytest.mark.parametrize("low, high", [(0.0, 90.0), (10.0, 30.0)])
def test_rate_walk_mean_is_the_midpoint(low, high):
    # The walk is symmetric under r -> low + high - r, s -> -s (start, kicks and clipping
    # alike), so E[r(t)] = (low + high) / 2 at every t.  The afferents are independent: the
    # standard error of the grand mean is the spread of per-afferent means over sqrt(n).
    rates = afferent_rates(2000, 2000.0, min_rate=low, max_rate=high, seed=7)
    per_afferent = rates.mean(axis=0)
    se = per_afferent.std(ddof=1) / math.sqrt(per_afferent.size)
    assert abs(per_afferent.mean() - (low + high) / 2) < 4 * se


def test_background_spikes_follow_the_rates():
    # Without the silence rule and the noise, the non-pattern afferents (all but afferent 0
    # here) spike in 1 ms bin k with probability rate_k * 1 ms, at most once, and never when
    # the rate is 0; the rates are afferent_rates' for the same seed.
    n, duration, seed = 200, 20_000.0, 5
    inp = masquelier_pattern(n, duration, n_pattern_afferents=1, noise_rate=0.0,
                             max_silence=math.inf, seed=seed)
    rates = afferent_rates(n, duration, seed=seed)[:, 1:]
    mine = inp.senders >= 1
    step = np.floor(inp.times[mine]).astype(int)
    afferent = inp.senders[mine] - 1
    spikes = np.zeros(rates.shape, dtype=int)
    np.add.at(spikes, (step, afferent), 1)
    assert spikes.max() == 1
    assert spikes[rates == 0].sum() == 0
    # Spike counts against their expectation, overall and in 10 Hz bands of the rate; a sum
    # of independent Bernoulli(p) has variance sum p (1 - p).
    p = rates * 1e-3
    band = np.ceil(rates / 10.0)
    for cells in [p >= 0] + [band == b for b in range(1, 10)]:
        assert cells.sum() > 10_000
        expected, var = p[cells].sum(), (p[cells] * (1 - p[cells])).sum()
        assert abs(spikes[cells].sum() - expected) < 4 * math.sqrt(var)


@pytest.mark.parametrize("max_silence", [50.0, 12.5])
def test_no_afferent_is_silent_longer_than_max_silence(max_silence):
    inp = masquelier_pattern(100, 10_000.0, noise_rate=0.0, max_silence=max_silence, seed=11)
    trains = inp.trains()
    longest = [gaps_with_ends(trains[a], inp.duration).max() for a in range(50, 100)]
    assert max(longest) <= max_silence
    assert max(longest) > max_silence - 1.0      # the rule is what bounds the gaps
    # Without the rule, gaps are longer: the rate walk rests at 0 Hz for long stretches.
    free = masquelier_pattern(100, 10_000.0, noise_rate=0.0, max_silence=math.inf, seed=11)
    trains = free.trains()
    assert max(gaps_with_ends(trains[a], free.duration).max() for a in range(50, 100)) > 2 * max_silence


def test_non_pattern_afferents_are_never_silent_longer_than_50_ms(full):
    # noise only adds spikes, so the bound holds in the final input too
    trains = full.trains()
    assert max(gaps_with_ends(trains[a], DURATION).max() for a in range(N_PATTERN, N)) <= 50.0


def test_mean_rates_match_the_paper():
    # Paper: 54 Hz per afferent before the noise, 64 Hz with it (whole Hz, so +-0.5 Hz).
    # Same seed with and without noise: the same background.  Per-afferent rates are
    # independent within the pattern and the non-pattern group; the standard error is
    # their spread over sqrt(count), combined over the two groups.
    n, duration = 1000, 10_000.0
    for noise_rate, paper in [(0.0, 54.0), (10.0, 64.0)]:
        inp = masquelier_pattern(n, duration, noise_rate=noise_rate, seed=17)
        rate = np.bincount(inp.senders, minlength=n) / (duration * 1e-3)
        groups = [rate[:n // 2], rate[n // 2:]]
        mean = np.mean([g.mean() for g in groups])
        se = math.sqrt(sum(g.var(ddof=1) / g.size for g in groups)) / 2
        assert abs(mean - paper) < 0.5 + 4 * se


# -- pattern windows --------------------------------------------------------------------------

def test_pattern_windows_are_spread_as_in_the_replication(full):
    onsets = full.pattern_onsets
    assert onsets.size == math.floor(DURATION / P * 0.25)     # exactly, as in the replication
    np.testing.assert_array_equal(onsets % P, 0.0)
    assert onsets[0] >= 0 and onsets[-1] + P <= DURATION
    assert np.diff(onsets).min() >= 2 * P                      # never two windows in a row


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n_windows=st.integers(2, 60), frequency=st.floats(0.01, 0.5),
       pattern_duration=st.sampled_from([10.0, 25.0, 50.0, 0.1 * 7]), seed=st.integers(0, 2**32))
def test_pattern_windows_for_any_frequency(n_windows, frequency, pattern_duration, seed):
    duration = n_windows * pattern_duration
    n_presentations = math.floor(n_windows * frequency + 1e-9)     # as the replication, rounding aside
    if n_presentations < 1:
        with pytest.raises(ValueError, match="pattern presentations"):
            masquelier_pattern(2, duration, pattern_duration=pattern_duration,
                               pattern_frequency=frequency, seed=seed)
        return
    inp = masquelier_pattern(2, duration, pattern_duration=pattern_duration,
                             pattern_frequency=frequency, seed=seed)
    windows = np.round(inp.pattern_onsets / pattern_duration)
    np.testing.assert_allclose(inp.pattern_onsets, windows * pattern_duration, rtol=0, atol=1e-9)
    assert windows.size == n_presentations
    assert windows.min() >= 0 and windows.max() <= n_windows - 1
    assert np.all(np.diff(windows) >= 2)


def test_pattern_windows_are_drawn_uniformly():
    # 2 non-adjacent windows out of 6 can be placed in C(5, 2) = 10 ways, all equally likely;
    # chi-square test over 10 cells (9 degrees of freedom).
    rng = np.random.default_rng(4)
    draws = [tuple(stimuli._pattern_windows(rng, 6, 2)) for _ in range(5000)]
    placements = sorted(set(draws))
    assert len(placements) == 10 and all(b - a >= 2 for a, b in placements)
    counts = np.array([draws.count(p) for p in placements])
    assert stats.chisquare(counts).pvalue > 1e-4
    # at the top frequency, 3 of 5 windows leave a single placement
    assert tuple(stimuli._pattern_windows(rng, 5, 3)) == (0, 2, 4)


# -- the pattern --------------------------------------------------------------------------------

def presentations(inp, afferents):
    """For each pattern window: the (afferent, time - onset) pairs of the given afferents'
    spikes in it, sorted."""
    out = []
    for onset in inp.pattern_onsets:
        lo, hi = np.searchsorted(inp.times, [onset, onset + P])
        t, a = inp.times[lo:hi] - onset, inp.senders[lo:hi]
        keep = np.isin(a, afferents)
        order = np.lexsort((t[keep], a[keep]))
        out.append((a[keep][order], t[keep][order]))
    return out


def test_pattern_repeats_verbatim_without_jitter(clean):
    shown = presentations(clean, np.arange(N_PATTERN))
    first_a, first_t = shown[0]
    assert np.unique(first_a).size == N_PATTERN   # the silence rule: every afferent spikes
    for a, t in shown[1:]:
        np.testing.assert_array_equal(a, first_a)
        np.testing.assert_allclose(t, first_t, rtol=0, atol=1e-9)
    # the other afferents keep their own, unrepeated activity
    others = presentations(clean, np.arange(N_PATTERN, N))
    first = set(zip(others[0][0].tolist(), np.round(others[0][1], 6).tolist()))
    for a, t in others[1:]:
        assert not first & set(zip(a.tolist(), np.round(t, 6).tolist()))


def test_pasting_replaces_only_the_pattern_afferents_in_pattern_windows(clean):
    # With a single pattern afferent (same seed: same background and windows), afferents
    # 1..N-1 show their background everywhere; with N_PATTERN of them, it is replaced in the
    # pattern windows but the first, from which the pattern is cut.
    # (Pasted spikes are onset + (t - onset): within an ulp of t.)
    single = masquelier_pattern(N, DURATION, n_pattern_afferents=1, noise_rate=0.0, jitter=0.0,
                                seed=SEED)
    np.testing.assert_array_equal(single.pattern_onsets, clean.pattern_onsets)
    later = clean.pattern_onsets[1:]
    changed = 0
    for a in range(1, N):
        mine, theirs = clean.spike_times(a), single.spike_times(a)
        if a >= N_PATTERN:
            np.testing.assert_array_equal(mine, theirs)
        else:
            np.testing.assert_allclose(mine[~in_pattern_windows(mine, later)],
                                       theirs[~in_pattern_windows(theirs, later)], rtol=0, atol=1e-9)
            changed += not np.array_equal(mine, theirs)
    assert changed == N_PATTERN - 1


def nearest_distance(keys, targets):
    """Distance from each target to the nearest of the sorted keys."""
    k = np.clip(np.searchsorted(keys, targets), 1, keys.size - 1)
    return np.minimum(np.abs(keys[k] - targets), np.abs(keys[k - 1] - targets)), k


def test_jitter_is_gaussian_and_drawn_anew_at_each_presentation(clean, jittered):
    sigma = 1.0
    # Outside what is pasted, the two inputs are the same spikes.
    pasted_clean = in_pattern_windows(clean.times, clean.pattern_onsets) & (clean.senders < N_PATTERN)
    rest = set(zip(clean.senders[~pasted_clean].tolist(), clean.times[~pasted_clean].tolist()))
    jittered_spikes = spike_set(jittered)
    assert rest <= jittered_spikes
    pasted = np.array(sorted(jittered_spikes - rest))               # (afferent, time) rows
    # all pasted spikes are there, but for a few that jitter may push out of (0, duration)
    # when a pattern window touches an end of the input
    assert pasted_clean.sum() - 20 <= pasted.shape[0] <= pasted_clean.sum()

    # Template spike i at presentation w sits at onset_w + rel_i in the clean input.
    # Spikes as keys afferent * 1e6 + time (time < 1e6 ms) sort by afferent, then time.
    shown = presentations(clean, np.arange(N_PATTERN))
    template_a, template_rel = shown[0]
    targets = template_a * 1e6 + (clean.pattern_onsets[:, None] + template_rel)   # (w, i)
    # A template spike is isolated when no other spike of its afferent in the clean input is
    # within 10 sigma; then the nearest pasted spike of its afferent is its jittered copy
    # unless two jitters differ by over 5 sigma (probability 6e-7).
    clean_keys = np.sort(clean.senders * 1e6 + clean.times)
    k = np.searchsorted(clean_keys, targets.ravel() - 1e-6)        # the spike itself
    before = np.abs(targets.ravel() - clean_keys[np.maximum(k - 1, 0)])
    after = np.abs(clean_keys[np.minimum(k + 1, clean_keys.size - 1)] - targets.ravel())
    isolated = ((before > 10 * sigma) & (after > 10 * sigma)).reshape(targets.shape)
    # (and far from the ends of the input, out of which its copy may have been pushed)
    time = clean.pattern_onsets[:, None] + template_rel
    isolated &= (time > 10 * sigma) & (time < DURATION - 10 * sigma)
    pasted_keys = pasted[:, 0] * 1e6 + pasted[:, 1]
    _, j = nearest_distance(pasted_keys, targets.ravel())
    nearer_left = np.abs(pasted_keys[j - 1] - targets.ravel()) < np.abs(pasted_keys[j] - targets.ravel())
    d = (np.where(nearer_left, pasted_keys[j - 1], pasted_keys[j]) - targets.ravel()).reshape(targets.shape)
    d[~isolated] = np.nan

    sample = d[isolated]
    n = sample.size
    assert n > 3000
    # mean 0 (standard error sigma / sqrt(n)); standard deviation sigma (standard error
    # sigma / sqrt(2 n)); Gaussian (Kolmogorov-Smirnov)
    assert abs(sample.mean()) < 4 * sigma / math.sqrt(n)
    assert abs(sample.std() - sigma) < 4 * sigma / math.sqrt(2 * n)
    assert stats.kstest(sample, "norm", args=(0, sigma)).pvalue > 1e-4
    # Drawn anew at each presentation: successive displacements of a template spike are
    # uncorrelated (standard error 1 / sqrt(pairs)), and the difference between two
    # presentations is N(0, sqrt(2) sigma).  Disjoint pairs of presentations (0 with 1, 2
    # with 3, ...) give independent differences; comparing every presentation with the
    # first would share the first's jitter among them.
    pairs = np.stack([d[:-1].ravel(), d[1:].ravel()])
    pairs = pairs[:, ~np.isnan(pairs).any(axis=0)]
    assert abs(np.corrcoef(pairs)[0, 1]) < 4 / math.sqrt(pairs.shape[1])
    differences = (d[1::2] - d[0:-1:2][:d[1::2].shape[0]]).ravel()
    differences = differences[~np.isnan(differences)]
    m = differences.size
    assert abs(differences.std() - math.sqrt(2) * sigma) < 4 * math.sqrt(2) * sigma / math.sqrt(2 * m)
    assert stats.kstest(differences, "norm", args=(0, math.sqrt(2) * sigma)).pvalue > 1e-4


# -- noise ------------------------------------------------------------------------------------

def test_noise_is_homogeneous_poisson_added_everywhere(jittered, full):
    base = spike_set(jittered)
    everything = spike_set(full)
    assert base <= everything                      # the noise only adds spikes
    extra = np.array(sorted(everything - base))
    senders, times = extra[:, 0].astype(int), extra[:, 1]
    per_afferent_mean = 10.0 * DURATION * 1e-3     # 10 Hz over 20 s
    # Poisson total: standard error sqrt(mean)
    total_mean = N * per_afferent_mean
    assert abs(times.size - total_mean) < 4 * math.sqrt(total_mean)
    # Poisson counts per afferent: the dispersion statistic sum (c - m)^2 / m has mean N and
    # variance 2 N + N / m
    counts = np.bincount(senders, minlength=N)
    dispersion = ((counts - per_afferent_mean) ** 2 / per_afferent_mean).sum()
    assert abs(dispersion - N) < 4 * math.sqrt(2 * N + N / per_afferent_mean)
    # uniform over the input, pattern windows included, for pattern afferents too
    assert stats.kstest(times / DURATION, "uniform").pvalue > 1e-4
    share = full.pattern_onsets.size * P / DURATION
    for group in (senders < N_PATTERN, senders >= N_PATTERN):
        inside = in_pattern_windows(times[group], full.pattern_onsets).sum()
        m = group.sum()
        assert abs(inside - m * share) < 4 * math.sqrt(m * share * (1 - share))


# -- seeds and repeats --------------------------------------------------------------------------

def small(seed, **kw):
    return masquelier_pattern(20, 2000.0, seed=seed, **kw)


def same(x, y):
    return (np.array_equal(x.times, y.times) and np.array_equal(x.senders, y.senders)
            and np.array_equal(x.pattern_onsets, y.pattern_onsets))


def test_same_seed_same_input_and_different_seeds_differ():
    assert same(small(1), small(1))
    assert same(small(1), small(np.int64(1)))
    sequence = np.random.SeedSequence(99)
    assert same(small(sequence), small(sequence))              # a SeedSequence is not consumed
    assert same(small(np.random.default_rng(5)), small(np.random.default_rng(5)))
    generator = np.random.default_rng(5)
    assert not same(small(generator), small(generator))        # a Generator is advanced
    assert not same(small(1), small(2))
    assert not same(small(None), small(None))
    np.testing.assert_array_equal(afferent_rates(5, 100.0, seed=1), afferent_rates(5, 100.0, seed=1))
    assert not np.array_equal(afferent_rates(5, 100.0, seed=1), afferent_rates(5, 100.0, seed=2))


def test_repeats_concatenate_shifted_copies():
    once, thrice = small(8), small(8, repeats=3)
    assert thrice.duration == 3 * once.duration
    shifts = np.arange(3)[:, None] * once.duration
    np.testing.assert_array_equal(thrice.times, (once.times + shifts).ravel())
    np.testing.assert_array_equal(thrice.senders, np.tile(once.senders, 3))
    np.testing.assert_array_equal(thrice.pattern_onsets, (once.pattern_onsets + shifts).ravel())
    assert np.all(np.diff(thrice.times) >= 0)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(2, 30), duration=st.floats(300.0, 3000.0), jitter=st.floats(0.0, 20.0),
       noise_rate=st.floats(0.0, 50.0), max_silence=st.floats(2.0, 100.0), seed=st.integers(0, 2**32))
def test_invariants_for_any_parameters(n, duration, jitter, noise_rate, max_silence, seed):
    inp = masquelier_pattern(n, duration, pattern_duration=20.0, jitter=jitter, noise_rate=noise_rate,
                             max_silence=max_silence, seed=seed)
    assert np.all(np.diff(inp.times) >= 0)
    assert inp.times.size == 0 or (inp.times[0] > 0 and inp.times[-1] < duration)
    assert inp.senders.size == inp.times.size and np.all((inp.senders >= 0) & (inp.senders < n))
    assert np.diff(inp.pattern_onsets).min(initial=np.inf) >= 40.0
    trains = inp.trains()
    for a in range(n // 2, n):
        assert gaps_with_ends(trains[a], duration).max() <= max_silence


# -- arguments --------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error, words", [
    ({"pattern_frequency": 0.7}, ValueError, ["pattern_frequency", "0.7", "(0, 0.5]"]),
    ({"pattern_frequency": 0.0}, ValueError, ["pattern_frequency", "0.0"]),
    ({"pattern_frequency": "0.25"}, TypeError, ["pattern_frequency", "'0.25'"]),
    ({"n_afferents": 0}, ValueError, ["n_afferents", "0"]),
    ({"n_afferents": 20.0}, TypeError, ["n_afferents", "20.0"]),
    ({"n_afferents": True}, TypeError, ["n_afferents", "True"]),
    ({"n_afferents": 1}, ValueError, ["n_pattern_afferents", "half"]),
    ({"n_pattern_afferents": 0}, ValueError, ["n_pattern_afferents", "0"]),
    ({"n_pattern_afferents": 21}, ValueError, ["n_pattern_afferents", "21", "n_afferents=20"]),
    ({"duration": -5.0}, ValueError, ["duration", "-5.0"]),
    ({"duration": math.nan}, ValueError, ["duration", "nan"]),
    ({"duration": math.inf}, ValueError, ["duration", "inf"]),
    ({"duration": 150.0}, ValueError, ["duration=150.0", "pattern_frequency=0.25", "200.0"]),
    ({"pattern_duration": 0.0}, ValueError, ["pattern_duration", "0.0"]),
    ({"pattern_duration": 3000.0}, ValueError, ["pattern_duration", "3000.0", "duration"]),
    ({"jitter": -1.0}, ValueError, ["jitter", "-1.0"]),
    ({"noise_rate": -10.0}, ValueError, ["noise_rate", "-10.0"]),
    ({"noise_rate": None}, TypeError, ["noise_rate", "None"]),
    ({"min_rate": -1.0}, ValueError, ["min_rate", "-1.0"]),
    ({"max_rate": 1500.0}, ValueError, ["max_rate", "1500.0", "1000.0"]),
    ({"min_rate": 50.0, "max_rate": 40.0}, ValueError, ["max_rate", "40.0", "min_rate=50.0"]),
    ({"max_rate_change": -1.0}, ValueError, ["max_rate_change", "-1.0"]),
    ({"max_silence": 1.0}, ValueError, ["max_silence", "1.0", "RATE_STEP"]),
    ({"max_silence": math.nan}, ValueError, ["max_silence", "nan"]),
    ({"repeats": 0}, ValueError, ["repeats", "0"]),
    ({"repeats": 2.0}, TypeError, ["repeats", "2.0"]),
    ({"seed": -1}, ValueError, ["seed", "-1"]),
    ({"seed": 1.5}, TypeError, ["seed", "1.5", "SeedSequence"]),
    ({"seed": "abc"}, TypeError, ["seed", "'abc'"]),
])
def test_bad_arguments_are_named(kwargs, error, words):
    args = dict(n_afferents=20, duration=2000.0, seed=1)
    args.update(kwargs)
    with pytest.raises(error) as info:
        masquelier_pattern(**args)
    message = str(info.value)
    assert message.startswith("masquelier_pattern: ")
    for word in words:
        assert word in message


def test_arguments_are_checked_before_any_work():
    start = time.perf_counter()
    with pytest.raises(TypeError, match="seed"):
        masquelier_pattern(seed="not a seed")             # the paper's full size otherwise
    with pytest.raises(ValueError, match="max_silence"):
        masquelier_pattern(max_silence=0.5, seed=1)
    assert time.perf_counter() - start < 0.5


def test_bad_arguments_of_the_helpers(full):
    with pytest.raises(ValueError, match=r"afferent_rates: duration must be .* got 0\.0"):
        afferent_rates(3, 0.0)
    with pytest.raises(ValueError, match=r"afferent_rates: max_rate .* got 2000\.0"):
        afferent_rates(3, 10.0, max_rate=2000.0)
    with pytest.raises(ValueError, match=rf"spike_times: afferent must be an int in \[0, {N - 1}\], got {N}"):
        full.spike_times(N)
    with pytest.raises(TypeError, match="afferent"):
        full.spike_times(1.0)
