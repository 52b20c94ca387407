"""Building and running a network: the kernel and the managers it composes.

:mod:`csnn.network.kernel` holds the :class:`~csnn.network.kernel.Kernel` (the lifecycle) and
:mod:`csnn.network.session` the present one; each manager owns one concern: nodes
(``node_manager``, ``node_params``, ``node_status``), the kernel's settings (``kernel_status``),
connections (``connection_manager``; its rules in ``connect``; plastic parameter sets in
``plastic_sets``; devices' streams and attachments in ``device_connections``), with the model
registry (``models``), node and synapse collections (``nodes``) and the names of node and
connection kinds (``kinds``).  The public API (:mod:`csnn`) calls them; they import the compiled
core, the devices (:mod:`csnn.devices`) and the value modules at the package's top (``errors``,
``random``, ``spatial``, ``expressions``, ...), never the tools (tests/test_architecture.py).
"""
