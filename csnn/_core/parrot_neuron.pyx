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
"""
from csnn._core.declarations import flat_dtype, parameter_doc, struct_dtype
from csnn._core.events import recordable_codes

NAME = "parrot_neuron"
PARAMETERS = ()
STATE = ()
READ_ONLY = (
    ("t_spike", -1.0, "ms", "Time of the last spike, -1 before the first"),
)
RECORDABLES = recordable_codes(())
ACCEPTS_CURRENT = False
PORTS = (0, 1)
# the documentation's tables of parameters and state, from the declaration above
__doc__ += parameter_doc(PARAMETERS, STATE, READ_ONLY, RECORDABLES)


def check(values):
    """parrot_neuron has no parameters to check: never a problem."""
    return None


cdef ParrotNeuron _probe
#: the C struct's own dtype (declarations.py) and the population array's, its fields by name
STRUCT = struct_dtype(<ParrotNeuron[:1]> &_probe, _probe)
DTYPE = flat_dtype(STRUCT)


def check_layout(rows):
    """sizeof the C struct, once Cython has taken ``rows`` (of STRUCT) as it (declarations.py)."""
    cdef ParrotNeuron[::1] checked = rows
    return sizeof(ParrotNeuron)
