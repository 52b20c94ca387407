"""Checkpoints: ``csnn.save(path)`` stores the whole kernel, ``csnn.load(path)`` restores it.

A checkpoint holds everything a continuation needs: nodes and their parameters and state,
models and their defaults (``CopyModel``, ``SetDefaults``), synapses with their plastic state,
spikes in flight, generator data and the state of every random stream, the postsynaptic spike
archives, recorders with their events, the kernel status and the clock.  A run split by
``save`` and ``load`` (in another process) is bit-identical to an uninterrupted one.

The file is a header and a payload:

    magic b"CSNNCKPT" | format version (uint32) | payload length (uint64) | SHA-256 of the payload

with the payload a pickle of the kernel.  ``save`` writes a temporary file next to ``path``
and renames it, so ``path`` holds either the old or the new checkpoint, never half of one.
``load`` checks the magic, the version, the length and the checksum before it reads anything,
and unpickles only csnn's own types, numpy's arrays and random generators and a few built-ins
(never a function such as os.system): a file that is not a checkpoint, a truncated or a
corrupted one is refused with an error saying which.  Still, load only checkpoints you wrote
or trust, as with any file format that stores program state.

On K MPI processes each process holds its share of the network, so each saves its own file:
``save("net.ckpt")`` writes ``net-<rank>.ckpt`` (the rank zero-padded to the digits of K, as
recorders name their files), and ``load("net.ckpt")`` on as many processes reads each process's
own; a checkpoint of another number of processes is refused.

After ``load`` the kernel is the loaded one; NodeCollections from before do not refer to it:
get them again with ``GetNodes({'model': 'spike_recorder'})`` or ``NodeCollection([ids])``.
Recorders keep their events; those writing text files append to them.
"""
import hashlib
import io
import os
import pickle
import struct
import tempfile

import numpy as np

from ._version import __version__
from .errors import BadParameterError, KernelStateError, file_access, file_path
from .network import kernel as _kernel
from .network import processes

MAGIC = b"CSNNCKPT"
#: the payload's layout; a new csnn that stores other state increments it (3: grid Poisson
#: streams, with step numbers in every stream record, and the engine's resolution; 4: the
#: kernel's managers and the devices' modules, in csnn/network/ and csnn/devices/; 5: the MPI
#: process whose share of the network the file holds, and of how many; 6: the numbers of the
#: Connect and set calls that drew from per-target streams, no one-process row ranks; 7: the
#: kernel's tics_per_ms; 8: the kernel's timers, delay range and spike count at the last Run)
FORMAT_VERSION = 8
_HEADER = struct.Struct("<8sIQ32s")

#: what a checkpoint may name besides csnn's own classes and functions and numpy's scalar,
#: array and dtype types: how numpy rebuilds arrays and random generators, and a few built-ins
_TRUSTED_GLOBALS = {
    ("numpy._core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "scalar"),
    ("numpy._core.numeric", "_frombuffer"), ("numpy.core.numeric", "_frombuffer"),
    ("numpy.random._pickle", "__bit_generator_ctor"), ("numpy.random._pickle", "__generator_ctor"),
    ("numpy.random._pcg64", "PCG64"), ("numpy.random.bit_generator", "SeedSequence"),
    ("numpy.random.bit_generator", "__pyx_unpickle_SeedSequence"),
    ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "slice"), ("builtins", "complex"),
    ("copyreg", "_reconstructor"), ("builtins", "object"),
}


def save(path):
    """Store the present kernel in ``path`` (created or replaced atomically)."""
    kernel = _kernel.current()
    if kernel.prepared:
        raise KernelStateError("save: the kernel is between Prepare and Cleanup; call Cleanup first")
    path = process_path(file_path(path, "save"))
    payload = pickle.dumps({"csnn_version": __version__, "kernel": kernel,
                            "processes": (processes.rank(), processes.num_processes())}, protocol=5)
    header = _HEADER.pack(MAGIC, FORMAT_VERSION, len(payload), hashlib.sha256(payload).digest())
    with file_access("save", path):
        descriptor, temporary = tempfile.mkstemp(prefix=".csnn-checkpoint-", suffix=".part",
                                                 dir=os.path.dirname(os.path.abspath(path)))
        try:
            with os.fdopen(descriptor, "wb") as f:
                f.write(header)
                f.write(payload)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise


def load(path):
    """Make the kernel stored in ``path`` by :func:`save` the present kernel."""
    path = process_path(file_path(path, "load"))
    with file_access("load", path), open(path, "rb") as f:
        header = f.read(_HEADER.size)
        payload = f.read()
    if len(header) < _HEADER.size or not header.startswith(MAGIC):
        raise BadParameterError(f"load: {path!r} is not a csnn checkpoint (it does not start with {MAGIC!r}); "
                                "checkpoints are written by csnn.save")
    magic, version, length, checksum = _HEADER.unpack(header)
    if version != FORMAT_VERSION:
        raise BadParameterError(f"load: {path!r} has checkpoint format version {version}; this csnn "
                                f"({__version__}) reads version {FORMAT_VERSION}")
    if len(payload) != length:
        raise BadParameterError(f"load: {path!r} is truncated or has trailing data: its payload has "
                                f"{len(payload)} bytes, its header says {length}")
    if hashlib.sha256(payload).digest() != checksum:
        raise BadParameterError(f"load: {path!r} is corrupted: the checksum of its payload does not match "
                                "its header")
    state = _TrustedUnpickler(io.BytesIO(payload)).load()
    saved, here = state["processes"], (processes.rank(), processes.num_processes())
    if saved != here:
        raise BadParameterError(f"load: {path!r} holds the share of process {saved[0]} of {saved[1]} MPI "
                                f"processes; this is process {here[0]} of {here[1]}: load it on {saved[1]} "
                                "processes")
    kernel = state["kernel"]
    exchange = processes.spike_exchange()
    if exchange is not None:
        kernel.engine.distribute(exchange)
    _kernel.install(kernel)


def process_path(path):
    """This process's checkpoint file for ``path``: ``path`` itself on one process, else with
    ``-<rank>`` before its extension."""
    k = processes.num_processes()
    if k == 1:
        return path
    root, extension = os.path.splitext(path)
    return f"{root}-{processes.rank():0{len(str(k))}d}{extension}"


class _TrustedUnpickler(pickle.Unpickler):
    """Unpickles only what a checkpoint contains: csnn's own classes and functions (defined in
    csnn, not merely imported there), numpy's array, dtype and scalar types, and
    _TRUSTED_GLOBALS.  Anything else (os.system, builtins.eval, ...) is refused unresolved."""

    def find_class(self, module, name):
        if "." not in name:
            if (module, name) in _TRUSTED_GLOBALS:
                return super().find_class(module, name)
            if module == "csnn" or module.startswith("csnn."):
                found = self._csnn_class(module, name)
                if getattr(found, "__module__", "").split(".")[0] == "csnn":
                    return found
            elif module == "numpy":
                found = super().find_class(module, name)
                if isinstance(found, type) and issubclass(found, (np.ndarray, np.dtype, np.generic)):
                    return found
        raise BadParameterError(f"load: the checkpoint names {module}.{name}, which a csnn checkpoint "
                                "never contains; the file was not written by csnn.save")

    def _csnn_class(self, module, name):
        """csnn's ``module.name``; a class this csnn does not have (renamed or moved since the
        checkpoint was written) is refused by name rather than with Python's import error."""
        try:
            return super().find_class(module, name)
        except (ImportError, AttributeError):
            raise BadParameterError(f"load: the checkpoint names {module}.{name}, which this csnn ({__version__}) "
                                    "does not have: it was written by another version of csnn; load it with "
                                    "that version") from None
