"""Small enumerations of the facade, with the values the engine and the node tables store."""
import enum


class NodeKind(enum.IntEnum):
    """What a node is, as far as connecting it goes (the node table's int8 ``kind``)."""

    NEURON = 0
    GENERATOR = 1
    SPIKE_RECORDER = 2
    METER = 3
    WEIGHT_RECORDER = 4

    @property
    def plural(self):
        """The kind in messages: "neurons", "stimulation devices", ..."""
        return {NodeKind.NEURON: "neurons", NodeKind.GENERATOR: "stimulation devices",
                NodeKind.SPIKE_RECORDER: "spike recorders", NodeKind.METER: "multimeters",
                NodeKind.WEIGHT_RECORDER: "weight recorders"}[self]


class ConnectionKind(enum.IntEnum):
    """Where a connection lives, which says what a SynapseCollection's (a, b) pair means.

    STATIC and PLASTIC: a synapse of the engine's static or plastic table (a: the source's
    engine index, b: its rank in the source's row); STREAM: a generator's stream to a neuron
    (a: the stream id); ATTACHMENT: a neuron attached to a spike recorder or a multimeter
    attached to a neuron (a: the attachment's number); RECORDED: a generator's stream to a
    spike recorder (a: its number among those).
    """

    STATIC = 0
    STREAM = 1
    ATTACHMENT = 2
    PLASTIC = 3
    RECORDED = 4
