"""Devices: the device registry and every device model csnn has, generators and recorders.

:class:`~csnn.devices.device_node.Device` is what every device node has;
:mod:`csnn.devices.generators` turns generator parameters into data for the core's streams,
:mod:`csnn.devices.recorders` keeps and writes what recorders record.  :data:`DEVICES` is the
list the model registry (:class:`csnn.network.models.Registry`) builds device models from.  A
device owns its special cases (legacy keys, ``n_events``); the network's generic code asks it.
Devices import the compiled core and the value modules at the package's top, never the network
or the tools.  ``read_events`` (public as ``csnn.read_events``) is imported from here by scripts
too, so this package, once the module ``csnn/devices.py``, keeps that path.
"""
from .generators import (ACGenerator, DCGenerator, InhomogeneousPoissonGenerator, NoiseGenerator, OUNoiseGenerator,
                         PoissonGenerator, PoissonGeneratorPS, PulsepacketGenerator, SpikeGenerator,
                         StepCurrentGenerator)
from .recorders import KEEPS_EVENTS, Multimeter, SpikeRecorder, WeightRecorder, read_events

__all__ = ["DEVICES", "KEEPS_EVENTS", "read_events"]

DEVICES = (PoissonGenerator, PoissonGeneratorPS, InhomogeneousPoissonGenerator, DCGenerator, StepCurrentGenerator,
           SpikeGenerator, PulsepacketGenerator, NoiseGenerator, OUNoiseGenerator, ACGenerator,
           SpikeRecorder, Multimeter, WeightRecorder)
