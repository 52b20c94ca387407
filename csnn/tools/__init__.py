"""What the tools around the simulator share and do besides reading: reading recorders
(:mod:`csnn.tools.recorded`) and running experiments (:mod:`csnn.tools.experiments`).

The tools users import by name stay at the package's top, where their import paths are the API
and the documentation (``csnn.analysis``, ``csnn.plot``, PyNEST's ``csnn.raster_plot`` and
``csnn.voltage_trace``, ``csnn.checkpoint``); this package holds what they are built on.  Tools
may import everything; nothing in :mod:`csnn.network` or :mod:`csnn.devices` imports them.
"""
