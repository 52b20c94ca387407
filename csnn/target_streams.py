"""Random numbers of connections keyed by their target, so that any process draws its own
targets' connections alone and gets what one process gets.

A ``Connect`` call (or a ``set`` of connections) gets a Philox key: the kernel's ``rng_seed`` and
the number of such calls before it.  Each of its targets has a stream (the target's position in
``post``), and every random number is one word of a Philox4x64 block (:mod:`csnn._core.philox`)
whose counter says where it is used: (index, stream, draw, attempt).  *draw* counts the draws
of the call (the pairs, then each random parameter), *index* is the connection's index among
its target's (or a block of them, for the pairs), and *attempt* numbers the redraws of a value
that was refused (an autapse, a duplicate, a rejection of a bounded integer).  Nothing depends
on which other connections are drawn, on which process, or in what order.

:class:`TargetStreams` draws a call's pairs per target row; :meth:`TargetStreams.elements`
gives a :class:`ConnectionDraws`, which csnn's random parameters (:mod:`csnn.random`) and
expressions draw from as from a numpy ``Generator``: one value per connection.
:class:`BlockDraws` gives pairs tested a block at a time (a parameter as a connection
probability) draws numbered alike in every block.
"""
import copy

import numpy as np

from ._core import philox

#: 2^-53: a word's top 53 bits as a double in [0, 1)
_ULP = 2.0 ** -53
#: the attempt word of numpy Generators made for a draw without a counter-based algorithm
#: (their Philox counters stay clear of every attempt csnn numbers)
_GENERATOR_ATTEMPT = 2 ** 63


def unit(words):
    """Doubles in [0, 1) from 64-bit words (their top 53 bits), as numpy's ``random``."""
    return (words >> np.uint64(11)).astype(np.float64) * _ULP


def _positive_unit(words):
    """Doubles in (0, 1] from 64-bit words (for logarithms)."""
    return ((words >> np.uint64(11)).astype(np.float64) + 1.0) * _ULP


class TargetStreams:
    """The random streams of one call: key ``(seed, call)``; draws are numbered in the order
    they are asked for, which is the same on every process."""

    def __init__(self, seed, call, space=None):
        self.key = (int(seed), int(call))
        self.space = space
        self.draws = 0

    def next_draw(self):
        """The number of a new draw (every process asks for the same draws in the same order)."""
        self.draws += 1
        if self.space is None:
            return self.draws - 1
        # a branch's draw k: a Philox word of (k, the draw it branched off), its top bit set (the
        # call's own draws count from 0)
        return int(philox.blocks(self.draws - 1, self.space, 0, 0, *self.key)[0, 0]) | 2 ** 63

    def branch(self):
        """Streams for draws whose number depends on the values drawn (redraws until values
        are accepted): they take one draw of these, however many they make."""
        return TargetStreams(*self.key, space=self.next_draw())

    def row_uniforms(self, draw, rows, k):
        """``k`` doubles in [0, 1) for each stream in ``rows``: (len(rows), k)."""
        return unit(philox.row_words(rows, k, draw, *self.key))

    def row_integers(self, draw, rows, k, bound):
        """``k`` integers in [0, bound) for each stream in ``rows`` -> ((len(rows), k) int64,
        the attempts used (int64, same shape)): a rejected word is redrawn as a later attempt."""
        values, rejected = philox.below(philox.row_words(rows, k, draw, *self.key), bound)
        attempts = np.zeros(values.shape, np.int64)
        if rejected.any():
            r, j = np.nonzero(rejected)
            values[r, j], attempts[r, j] = self.integers(draw, np.asarray(rows)[r], j, attempts[r, j] + 1, bound)
        return values, attempts

    def integers(self, draw, stream, index, attempt, bound):
        """Integers in [0, bound), one for each (stream, index) pair starting at ``attempt``
        (arrays) -> (values, the attempts that gave them)."""
        attempt = np.array(attempt, dtype=np.int64)
        values = np.empty(attempt.shape, np.int64)
        todo = np.arange(attempt.size)
        while todo.size:
            words = self.words(draw, np.asarray(stream)[todo], np.asarray(index)[todo], attempt[todo])
            drawn, rejected = philox.below(words[:, 0], bound)
            values[todo] = drawn
            todo = todo[rejected]
            attempt[todo] += 1
        return values, attempt

    def words(self, draw, stream, index, attempt):
        """The blocks of four words at counters (index, stream, draw, attempt): (n, 4) uint64."""
        return philox.blocks(index, stream, draw, attempt, *self.key)

    def elements(self, stream, index):
        """A :class:`ConnectionDraws` over connections of ``stream`` (their targets' streams)
        and ``index`` (each one's index among its target's, or a function that makes them when
        a value is first drawn), drawing from these streams."""
        return ConnectionDraws(self, np.asarray(stream), index)


class ConnectionDraws:
    """One value per connection for each draw, with the methods of numpy's ``Generator`` that
    csnn's random parameters and expressions use; ``size`` must be the number of connections.
    Uniform, normal (Box-Muller), lognormal, exponential and bounded integer values are
    computed from the connection's own block; the other distributions come from numpy's
    algorithms on a Philox generator per target stream and draw."""

    def __init__(self, streams, stream, index):
        self.streams = streams
        self.stream = stream
        self._index = index

    @property
    def index(self):
        """Each connection's index among its target's (made when first asked for)."""
        if callable(self._index):
            self._index = self._index()
        return self._index

    def part(self, start, stop):
        """The draws of connections start .. stop - 1, numbered as these (a part's draw k is
        this one's draw k; :meth:`follow` moves past a part's draws)."""
        return ConnectionDraws(copy.copy(self.streams), self.stream[start:stop], self.index[start:stop])

    def branch(self):
        """These connections' draws in a space of their own, which takes one draw of these
        (:meth:`TargetStreams.branch`)."""
        return ConnectionDraws(self.streams.branch(), self.stream, self.index)

    def follow(self, part):
        """Number this one's next draw after those ``part`` made."""
        self.streams.draws = max(self.streams.draws, part.streams.draws)

    def _draw(self, size):
        """The number of a new draw of ``size`` values (one per connection)."""
        if size is not None and int(np.prod(size)) != self.stream.size:
            raise ValueError(f"csnn: {size} values drawn for {self.stream.size} connections")
        return self.streams.next_draw()

    def _words(self, size):
        return self.streams.words(self._draw(size), self.stream, self.index, 0)

    def random(self, size=None):
        return unit(self._words(size)[:, 0])

    def uniform(self, low=0.0, high=1.0, size=None):
        return low + (high - low) * self.random(size)

    def standard_normal(self, size=None):
        words = self._words(size)
        return np.sqrt(-2.0 * np.log(_positive_unit(words[:, 0]))) * np.cos(2.0 * np.pi * unit(words[:, 1]))

    def normal(self, loc=0.0, scale=1.0, size=None):
        return loc + scale * self.standard_normal(size)

    def lognormal(self, mean=0.0, sigma=1.0, size=None):
        return np.exp(self.normal(mean, sigma, size))

    def exponential(self, scale=1.0, size=None):
        return -scale * np.log(_positive_unit(self._words(size)[:, 0]))

    def integers(self, low, high=None, size=None):
        low, high = (0, low) if high is None else (low, high)
        values, _ = self.streams.integers(self._draw(size), self.stream, self.index,
                                          np.zeros(self.stream.size, np.int64), int(high) - int(low))
        return low + values

    def gamma(self, shape, scale=1.0, size=None):
        return self._per_stream(size, lambda generator, n: generator.gamma(shape, scale, n))

    def poisson(self, lam=1.0, size=None):
        return self._per_stream(size, lambda generator, n: generator.poisson(lam, n))

    def binomial(self, n, p, size=None):
        return self._per_stream(size, lambda generator, count: generator.binomial(n, p, count))

    def _per_stream(self, size, sample):
        """Values from numpy's algorithm ``sample(generator, count)``: each stream's generator
        draws values for indices 0 .. its largest, and a connection takes its index's value."""
        draw = self._draw(size)
        out = np.empty(self.stream.size)
        order = np.argsort(self.stream, kind="stable")
        streams, first = np.unique(self.stream[order], return_index=True)
        for stream, at in zip(streams.tolist(), np.split(order, first[1:])):
            counter = np.array([0, stream, draw, _GENERATOR_ATTEMPT], dtype=np.uint64)
            generator = np.random.Generator(np.random.Philox(counter=counter, key=np.array(self.streams.key, np.uint64)))
            out[at] = sample(generator, int(self.index[at].max()) + 1)[self.index[at].astype(np.int64)]
        return out



class BlockDraws:
    """Connection draws for pairs taken a block at a time, every block's numbered from the same
    draw, so that the numbers a pair gets depend neither on the blocks nor on which process
    draws them: ``of(stream, index)`` gives a block's :class:`ConnectionDraws`, :meth:`finish`
    moves the call's ``streams`` past the draws the blocks made (a process with no block must
    still have one, maybe empty, for every process to move alike)."""

    def __init__(self, streams):
        self.streams, self.parts = streams, []

    def of(self, stream, index):
        part = copy.copy(self.streams)
        self.parts.append(part)
        return ConnectionDraws(part, np.asarray(stream), index)

    def finish(self):
        self.streams.draws = max([self.streams.draws] + [part.draws for part in self.parts])
