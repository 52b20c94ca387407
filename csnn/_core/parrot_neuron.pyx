# cython: language_level=3
"""parrot_neuron: repeats every incoming spike at once.

A parrot neuron emits a spike at the arrival time of each incoming spike, with no dynamics and
no delay of its own.  Weights are ignored; multiplicities are kept: spikes arriving together
(from one ``spike_generator`` entry with a multiplicity, or from several sources at the same
time) leave as one spike whose multiplicity is their sum, which recorders count that many
times and targets receive as that many spikes.  Parrots turn generator output (for instance an
independent Poisson train per target) into ordinary spikes that can be recorded and shared.

Receptor 1: spikes sent to ``receptor_type`` 1 are accepted and not repeated, as in NEST.  A
plastic synapse between two parrots targets receptor 1, so that its weight follows the exact
pre- and postsynaptic spike trains given to the two parrots on receptor 0 while the
postsynaptic parrot repeats only its own drive.

State
    ========== ======= ==========================================================
    t_spike    ms      Time of the last spike, -1 before the first (read-only)
    ========== ======= ==========================================================
"""

NAME = "parrot_neuron"
PARAMETERS = ()
STATE = ()
READ_ONLY = (
    ("t_spike", -1.0, "ms", "Time of the last spike, -1 before the first"),
)
RECORDABLES = ()
ACCEPTS_CURRENT = False
PORTS = (0, 1)


def check(values):
    """parrot_neuron has no parameters to check: never a problem."""
    return None


cdef ParrotNeuron _probe


def layout():
    """Field name -> (byte offset, numpy format) in the C struct, and the struct's size."""
    cdef char* base = <char*> &_probe
    fields = {
        "t": <char*> &_probe.s.t - base,
        "t_spike": <char*> &_probe.s.t_spike - base,
    }
    return {name: (offset, "f8") for name, offset in fields.items()}, sizeof(ParrotNeuron)
