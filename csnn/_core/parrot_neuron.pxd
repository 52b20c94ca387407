# cython: language_level=3
"""parrot_neuron kernel: repeats every input spike at once (see parrot_neuron.pyx)."""
from csnn._core.events cimport INFINITY, Pending


cdef enum:
    # receptor 1: spikes accepted but not repeated (a plastic synapse onto it still updates)
    PARROT_IGNORED_PORT = 1


cdef struct ParrotNeuronState:
    double t            # time the state refers to (ms)
    double t_spike      # time of the last spike (ms), -1 before the first


cdef struct ParrotNeuron:
    ParrotNeuronState s


cdef inline void advance(ParrotNeuron* n, double t, bint shared) noexcept nogil:
    n.s.t = t


cdef inline void receive(ParrotNeuron* n, double t, double w, int port, int mult, Pending* acc) noexcept nogil:
    """Weights are ignored; spikes on receptor 1 are not repeated (NEST's protocol for exact
    STDP experiments: the plastic synapse between two parrots targets receptor 1, so its weight
    evolves while the parrot repeats only its own drive)."""
    if port != PARROT_IGNORED_PORT:
        acc.mult += mult


cdef inline int settle(ParrotNeuron* n, double t, Pending* acc) noexcept nogil:
    """Spikes arriving together leave together, with their multiplicities summed."""
    return <int> acc.mult


cdef inline void fire(ParrotNeuron* n, double t) noexcept nogil:
    n.s.t_spike = t


cdef inline double next_crossing(ParrotNeuron* n, double limit) noexcept nogil:
    return INFINITY


cdef inline void set_current(ParrotNeuron* n, double current) noexcept nogil:
    pass                  # parrots accept no current (the facade refuses current generators)


cdef inline double sample(ParrotNeuron* n, double t, int var) noexcept nogil:
    return 0.0            # no recordables (the facade refuses multimeters)


cdef inline void refresh(ParrotNeuron* n) noexcept nogil:
    pass                  # nothing cached


cdef inline double quiet_until(ParrotNeuron* n) noexcept nogil:
    return INFINITY


cdef inline double check_state(ParrotNeuron* n) noexcept nogil:
    return INFINITY


cdef inline void initialize(ParrotNeuron* n, double t) noexcept nogil:
    n.s.t = t


cdef inline double state_time(ParrotNeuron* n) noexcept nogil:
    return n.s.t
