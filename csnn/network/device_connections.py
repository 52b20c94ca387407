"""Connections of devices: generators' streams to neurons, neurons attached to spike recorders,
multimeters attached to neurons.

A generator's connection is a stream the engine's stimulation keeps (``csnn/_core/streams.pyx``),
with its own random state; a recorder's or multimeter's is an attachment in the engine's
recorders.  :class:`DeviceConnections` makes them and keeps what GetConnections reports of
them (each stream's synapse model; each attachment's ends, model, weight and delay).  On
several MPI processes each keeps the connections of its own neurons (as NEST does): a stream's
random state is drawn for every connection on every process, so that it does not depend on
where the stream lives.
"""
import collections

import numpy as np

from .._core import rng as crng
from .._core.stimulation import STREAM_DTYPE
from ..devices.recorders import SpikeRecorder
from ..errors import IllegalConnectionError, KernelStateError
from .kinds import ConnectionKind, NodeKind


class DeviceConnections:
    """The streams and attachments of one kernel's devices."""

    def __init__(self, kernel):
        self.kernel = kernel
        self.stream_model = np.zeros(0, dtype=np.int64)    # synapse model id of each stream
        self.attachments = {"source": [], "target": [], "model": [], "weight": [], "delay": []}
        # generators' streams to spike recorders: the recorder, model and delay of each (the
        # stream itself has delay 0: the recorder takes emission times)
        self.recorded = {"target": [], "model": [], "delay": []}
        self.attached_meters = set()                       # (multimeter, neuron) pairs

    def connect_generators(self, src, tgt, weight, delay, receptor, model_id, recorded=False):
        """Streams from generators ``src`` to neurons ``tgt`` (node ids, one per connection);
        ``recorded``: to spike recorders ``tgt``, which record the events each stream draws for
        itself at their emission times (as NEST's do: a poisson_generator draws anew for every
        target), on process 0; as in NEST, GetConnections does not list them."""
        records = []
        for gen_gid in np.unique(src).tolist():
            sel = np.flatnonzero(src == gen_gid)
            device = self.kernel.nodes.device(gen_gid)
            rec = np.zeros(sel.size, dtype=STREAM_DTYPE)
            if recorded:
                rec["target"] = [self.kernel.nodes.device(g).index for g in tgt[sel].tolist()]
            else:
                rec["target"] = self.kernel.nodes.engine_indices(tgt[sel])
            rec["gen"] = device.index
            rec["source"] = gen_gid
            rec["rank"] = device.n_out + np.arange(sel.size)
            rec["port"] = receptor
            rec["weight"] = weight[sel]
            rec["delay"] = delay[sel]
            rec["rng"] = crng.stream_states(self.kernel.status["rng_seed"], crng.PURPOSE_POISSON, gen_gid,
                                            device.blocks, sel.size)
            device.n_out += sel.size
            device.blocks += 1
            records.append((sel, rec))
        order = np.concatenate([sel for sel, _ in records])
        recs = np.concatenate([rec for _, rec in records])
        inverse = np.empty_like(order)
        inverse[order] = np.arange(order.size)
        recs = recs[inverse]
        if recorded:
            for rec_gid in np.unique(tgt).tolist():
                self.kernel.nodes.device(rec_gid).n_in += int(np.count_nonzero(tgt == rec_gid))
            if self.kernel.engine.rank == 0:
                for key, column in (("target", tgt), ("model", np.full(tgt.size, model_id)), ("delay", delay)):
                    self.recorded[key].append(np.asarray(column))
                recs["delay"] = 0.0                  # the recorder takes the emission times
                self.kernel.engine.add_streams(recs, recorded=True)
            return
        recs = recs[self.kernel.engine.owned(recs["target"])]
        self.kernel.engine.add_streams(recs)
        self.stream_model = np.concatenate([self.stream_model, np.full(recs.size, model_id)])

    def generator_recorders(self):
        """The spike recorders that record generators (on this process)."""
        indices = set(self.kernel.engine.stimulation.recorded_streams["target"].tolist())
        return [recorder for recorder in self.kernel.nodes.recorders()
                if isinstance(recorder, SpikeRecorder) and recorder.index in indices]

    def record_generated(self, since):
        """Give the spike recorders the events their generators emitted up to the present time
        (after a chunk of a run), merged in time order into their rows from ``since`` on
        (recorder -> the row its chunk's spikes start at), within each one's window."""
        stimulation = self.kernel.engine.stimulation
        if stimulation.recorded_streams.size == 0:
            return
        indices, senders, times = stimulation.drain_recorded(self.kernel.engine.t_now)
        for recorder, first_row in since.items():
            t_on, t_off = recorder.window
            sel = (indices == recorder.index) & (times > t_on) & (times <= t_off)
            if sel.any():
                recorder.log.merge_spikes(first_row, senders[sel], times[sel])

    def attach(self, pre_kind, src, tgt, weight, delay, model_id):
        """Attach neurons ``src`` to spike recorders ``tgt``, or multimeters ``src`` to neurons
        ``tgt`` (node ids, one per connection); on several MPI processes, those of this
        process's neurons (each process records its own)."""
        neurons = src if pre_kind == NodeKind.NEURON else tgt
        local = self.kernel.nodes.placement(neurons)[0]
        src, tgt = src[local], tgt[local]
        weight, delay = (np.broadcast_to(value, local.shape)[local] for value in (weight, delay))
        if pre_kind == NodeKind.NEURON:      # neurons -> spike recorder
            for rec_gid in np.unique(tgt).tolist():
                sel = src[tgt == rec_gid]
                recorder = self.kernel.nodes.device(rec_gid)
                self.kernel.engine.recorders.attach_spike_recorder(recorder.index, self.kernel.nodes.engine_indices(sel))
                recorder.n_in += sel.size
        else:                       # multimeter -> neurons: every pair is checked before any is attached
            pairs = collections.Counter(zip(src.tolist(), tgt.tolist()))
            twice = {pair for pair, count in pairs.items() if count > 1} | (pairs.keys() & self.attached_meters)
            if twice:
                meter_gid, gid = min(twice)
                raise IllegalConnectionError(f"Connect: {self.kernel.nodes.describe(meter_gid)} is already connected to "
                                             f"{self.kernel.nodes.describe(gid)}; each neuron is sampled once per multimeter")
            self.attached_meters |= set(pairs)
            for meter_gid in np.unique(src).tolist():
                sel = tgt[src == meter_gid]
                meter = self.kernel.nodes.device(meter_gid)
                self.kernel.engine.recorders.attach_meter(meter.index, self.kernel.nodes.engine_indices(sel))
                meter.n_out += sel.size
        for key, column in (("source", src), ("target", tgt), ("model", np.full(src.size, model_id)),
                            ("weight", weight), ("delay", delay)):
            self.attachments[key].append(np.asarray(column))

    def count(self):
        """Number of streams and attachments."""
        return sum(self.counts().values())

    def counts(self):
        """Connections so far by kind (STREAM, ATTACHMENT, RECORDED): the ids the next ones
        start at."""
        return {ConnectionKind.STREAM: int(self.stream_model.size),
                ConnectionKind.ATTACHMENT: sum(a.size for a in self.attachments["source"]),
                ConnectionKind.RECORDED: sum(a.size for a in self.recorded["target"])}

    def connections(self):
        """Every stream and attachment as (kind, a, b, source id, target id, model id) arrays."""
        streams = self.kernel.engine.stimulation.streams
        gids_at = self.kernel.nodes.gids_at
        att_src = _cat(self.attachments["source"])
        recorded = self.kernel.engine.stimulation.recorded_streams
        return [(np.full(streams.size, ConnectionKind.STREAM, np.int8), np.arange(streams.size),
                 np.zeros(streams.size, np.int64), streams["source"].astype(np.int64), gids_at(streams["target"]),
                 self.stream_model),
                (np.full(att_src.size, ConnectionKind.ATTACHMENT, np.int8), np.arange(att_src.size),
                 np.zeros(att_src.size, np.int64), att_src, _cat(self.attachments["target"]),
                 _cat(self.attachments["model"])),
                (np.full(recorded.size, ConnectionKind.RECORDED, np.int8), np.arange(recorded.size),
                 np.zeros(recorded.size, np.int64), recorded["source"].astype(np.int64),
                 _cat(self.recorded["target"]), _cat(self.recorded["model"]))]

    def fill_properties(self, columns, kind, a):
        """Fill the rows of streams and attachments in ``columns`` (connection property -> one
        entry per connection of ``kind`` and ``a``)."""
        k1, k2 = kind == ConnectionKind.STREAM, kind == ConnectionKind.ATTACHMENT
        st = self.kernel.engine.stimulation.streams[a[k1]]
        columns["source"][k1] = st["source"]
        columns["target"][k1] = self.kernel.nodes.gids_at(st["target"])
        columns["weight"][k1] = st["weight"]
        columns["delay"][k1] = st["delay"]
        columns["receptor"][k1] = st["port"]
        columns["synapse_id"][k1] = self.stream_model[a[k1]]
        columns["port"][k1] = st["rank"]
        for key, col in (("source", "source"), ("target", "target"), ("weight", "weight"), ("delay", "delay"),
                         ("synapse_id", "model")):
            columns[key][k2] = _cat(self.attachments[col])[a[k2]]
        k3 = kind == ConnectionKind.RECORDED
        recorded = self.kernel.engine.stimulation.recorded_streams[a[k3]]
        for key, values in (("source", recorded["source"]), ("weight", recorded["weight"]),
                            ("port", recorded["rank"]), ("target", _cat(self.recorded["target"])[a[k3]]),
                            ("delay", _cat(self.recorded["delay"], float)[a[k3]]),
                            ("synapse_id", _cat(self.recorded["model"])[a[k3]])):
            columns[key][k3] = values

    def check_change(self, kind, a, checked):
        """Refuse new weights or delays (``checked``) of streams that the engine's streams have
        begun to use: a current generator's weight, any generator's delay."""
        if (kind == ConnectionKind.RECORDED).any():
            raise KernelStateError("a generator's connection to a spike recorder has no weight or delay to change: the "
                                   "recorder records the generator's spikes at their emission times")
        k1 = kind == ConnectionKind.STREAM
        if k1.any() and self.kernel.started:
            gens = self.kernel.engine.stimulation.streams["gen"][a[k1]]
            is_current = np.isin(gens, self.kernel.nodes.current_generator_indices())
            if "delay" in checked or ("weight" in checked and is_current.any()):
                raise KernelStateError("the weight of a current generator's connection and the delay of any "
                                       "generator connection cannot change once the simulation has started; "
                                       "change the generator's parameters instead")

    def set_values(self, kind, a, checked):
        """New weights and delays (``checked``: key -> one value per connection of ``kind`` and
        ``a``) of the streams and attachments among them."""
        k1 = kind == ConnectionKind.STREAM
        for key in ("weight", "delay"):
            if key not in checked:
                continue
            self.kernel.engine.stimulation.streams[key][a[k1]] = checked[key][k1]
            column = _cat(self.attachments[key], float)
            column[a[kind == ConnectionKind.ATTACHMENT]] = checked[key][kind == ConnectionKind.ATTACHMENT]
            self.attachments[key] = [column]

    def restart(self, kind, a):
        """Streams among the connections of ``kind`` and ``a`` start again from the present
        time with their new weight or delay (before the simulation has started)."""
        k1 = kind == ConnectionKind.STREAM
        if k1.any() and not self.kernel.started:
            self.kernel.engine.restart_streams(a[k1])


def _cat(blocks, dtype=None):
    return np.concatenate(blocks) if blocks else np.zeros(0, dtype=dtype or np.int64)
