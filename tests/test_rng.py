"""The engine's random streams: xoshiro256** seeded through numpy's SeedSequence."""
import numpy as np
from scipy import stats

from csnn._core import rng


def test_stream_states_are_reproducible_and_distinct():
    a = rng.stream_states(42, rng.PURPOSE_POISSON, 7, 0, 100)
    assert a.shape == (100, 4) and a.dtype == np.uint64
    np.testing.assert_array_equal(a, rng.stream_states(42, rng.PURPOSE_POISSON, 7, 0, 100))
    others = [rng.stream_states(43, rng.PURPOSE_POISSON, 7, 0, 100),
              rng.stream_states(42, rng.PURPOSE_POISSON, 8, 0, 100),
              rng.stream_states(42, rng.PURPOSE_POISSON, 7, 1, 100)]
    rows = {tuple(r) for r in a.tolist()}
    assert len(rows) == 100
    for other in others:
        assert not rows & {tuple(r) for r in other.tolist()}


def test_exponential_draws_follow_the_exponential_distribution():
    state = rng.stream_states(1, rng.PURPOSE_POISSON, 1, 0, 1)[0]
    x = rng.exponential_draws(state, 200_000)
    np.testing.assert_array_equal(x, rng.exponential_draws(state, 200_000))   # same state, same draws
    assert x.min() >= 0.0
    # mean 1 with standard error 1/sqrt(n); 5 sigma
    assert abs(x.mean() - 1.0) < 5 / np.sqrt(x.size)
    # Kolmogorov-Smirnov against Exp(1): a correct generator fails at this level once in 10^4 runs
    assert stats.kstest(x, "expon").pvalue > 1e-4
    # successive draws are uncorrelated (standard error 1/sqrt(n))
    assert abs(np.corrcoef(x[:-1], x[1:])[0, 1]) < 5 / np.sqrt(x.size)
