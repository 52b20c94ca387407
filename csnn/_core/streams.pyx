# cython: language_level=3
"""Stimulation devices as per-target event streams.

Generators are not nodes of the event loop.  Every connection from a generator to a neuron is
a *stream* owned by the target: a cursor into the generator's data that yields the next event
(its arrival time, weight, or the new current) on demand, inside the target's window.  A
generator therefore costs nothing where it is not connected and never limits the min-delay.

A generator's data is a function of emission time:

* ``GEN_SPIKES``: sorted spike times (already filtered to the device's active interval) with
  optional weights and multiplicities;
* ``GEN_POISSON`` / ``GEN_CURRENT``: a schedule of breakpoints ``times[i]`` and values: the
  value is ``values[i]`` for ``times[i] < t <= times[i + 1]``, 0 before ``times[0]``;
* step currents (``GEN_NOISE``, ``GEN_OU``, ``GEN_AC``): a current that is constant over the
  steps (j dt, (j + 1) dt] of the active interval, drawn per target and per step: Gaussian
  white noise, an Ornstein-Uhlenbeck process updated exactly between steps, or a sinusoid
  sampled at the step's start.  Their data are parameter epochs (``STEP_PARAMETERS``).

When a device's parameters change at time ``T``, the facade rewrites its data only after ``T``
and keeps everything before it, so events already emitted (in flight for up to one delay) are
delivered as they were, and ``stream_retime`` only recomputes each stream's next event.

Poisson streams are exact for piecewise-constant rates: an exponential(1) budget is consumed by
the integrated rate, segment by segment (time rescaling); emission times are continuous.
"""

# The stream functions are inline, in streams.pxd, so that the event loop compiles them in.


def stream_kinds():
    """Generator kinds understood by the streams: name -> code."""
    return {"spikes": GEN_SPIKES, "poisson": GEN_POISSON, "current": GEN_CURRENT,
            "noise": GEN_NOISE, "ou": GEN_OU, "ac": GEN_AC}


#: parameters of the step-current kinds, in the order of a row of the generator's ``values``
STEP_PARAMETERS = ("mean", "std", "dt", "std_mod", "omega", "phase", "t_on", "t_off")
