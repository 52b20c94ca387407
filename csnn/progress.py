"""Progress of ``Simulate``: biological time done, events per second, time left.

The kernel status ``progress_bar`` chooses when it shows (``print_time``, NEST's switch, forces
it on):

* ``"auto"`` (default): on an interactive terminal only, and only once a run has taken
  ``AUTO_AFTER`` seconds of wall time, so short runs and logs stay clean;
* ``True``: always (on a non-interactive stream: one line per tenth of the run);
* ``False``: never.

While it can show (or while recorders need servicing, see ``run``), the engine runs in
chunks of whole windows sized to take about ``UPDATE_EVERY`` seconds each, each resuming the
last (Engine.run's ``resume``), so that the windows and neuron visits are those of a single
call: this changes nothing but the display.  The bar is tqdm's when tqdm is installed, a plain
line otherwise.
"""
import sys
import time

#: wall time (s) after which the automatic display appears
AUTO_AFTER = 2.0
#: wall time (s) aimed at between two updates
UPDATE_EVERY = 0.25

MODES = ("auto", True, False)


def run(engine, t_stop, mode, stream=None, between=None):
    """Run ``engine`` to ``t_stop`` (ms), showing progress on ``stream`` (stderr) as ``mode``
    (one of MODES) says; ``between``: called after every chunk (recorders write out or bound
    their events there), so a run is chunked when it is given even with nothing shown."""
    stream = sys.stderr if stream is None else stream
    shown = mode is True or (mode == "auto" and _interactive(stream))
    if not shown and between is None:
        engine.run(t_stop)
        return
    display = _Display(engine, t_stop, stream, shown=mode is True) if shown else None
    try:
        windows, resume = 1, False
        while engine.t_now < t_stop:
            wall = time.perf_counter()
            # whole windows, resumed: the same windows and neuron visits as one call
            engine.run(t_stop, windows, resume)
            resume = True
            if between is not None:
                between()
            if display is not None:
                display.update()
            elapsed = max(time.perf_counter() - wall, 1e-6)
            windows = max(1, min(int(windows * UPDATE_EVERY / elapsed), 4 * windows))
    finally:
        if display is not None:
            display.close()


def _interactive(stream):
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class _Display:
    """The progress of one run: a tqdm bar or a plain line, drawn from the engine's counters."""

    def __init__(self, engine, t_stop, stream, shown):
        self.engine = engine
        self.t_start, self.t_stop = engine.t_now, t_stop
        self.stream = stream
        self.interactive = _interactive(stream)
        self.wall_start = time.perf_counter()
        self.events_start = engine.n_events
        self.shown = shown             # False until AUTO_AFTER has passed (auto mode)
        self.bar = None
        self.tenths = -1               # non-interactive: the last tenth written

    def _figures(self):
        elapsed = time.perf_counter() - self.wall_start
        done = self.engine.t_now - self.t_start
        total = self.t_stop - self.t_start
        events_per_s = (self.engine.n_events - self.events_start) / max(elapsed, 1e-9)
        left = elapsed * (total - done) / done if done > 0 else float("inf")
        return done, total, elapsed, events_per_s, left

    def update(self):
        done, total, elapsed, events_per_s, left = self._figures()
        if not self.shown:
            if elapsed < AUTO_AFTER:
                return
            self.shown = True
        if self.interactive and self.bar is None:
            self.bar = _tqdm_bar(total, self.stream)
        if self.bar is not None:
            self.bar.n = round(done, 3)
            self.bar.set_postfix_str(f"{events_per_s:.3g} events/s", refresh=False)
            self.bar.refresh()
            return
        line = (f"[ {100 * done / total:5.1f}% ] biological time {self.engine.t_now:.1f} ms "
                f"({done:.1f} of {total:.1f} ms), {events_per_s:.3g} events/s, "
                f"{elapsed:.1f} s elapsed, {left:.1f} s left")
        if self.interactive:
            self.stream.write("\r" + line)
        else:
            tenths = int(10 * done / total)
            if tenths == self.tenths:
                return
            self.tenths = tenths
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self):
        if self.bar is not None:
            self.bar.close()
        elif self.shown and self.interactive:
            self.stream.write("\n")
            self.stream.flush()


def _tqdm_bar(total, stream):
    """A tqdm bar over ``total`` ms of biological time, or None without tqdm."""
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=round(total, 3), unit="ms", desc="Simulate", file=stream, leave=True,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} ms "
                           "[{elapsed}<{remaining}, {postfix}]")
