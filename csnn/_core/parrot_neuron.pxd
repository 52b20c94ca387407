# cython: language_level=3
"""parrot_neuron kernel: repeats every input spike at once (see parrot_neuron.pyx)."""


cdef struct ParrotNeuronState:
    double t            # time the state refers to (ms)
    double t_spike      # time of the last spike (ms), -1 before the first


cdef struct ParrotNeuron:
    ParrotNeuronState s


cdef inline void advance(ParrotNeuron* n, double t) noexcept nogil:
    n.s.t = t


cdef inline int receive(ParrotNeuron* n, double t, double w, int mult) noexcept nogil:
    """Spikes arriving together leave together, with their multiplicities summed; weights are ignored."""
    return mult


cdef inline void fire(ParrotNeuron* n, double t) noexcept nogil:
    n.s.t_spike = t
