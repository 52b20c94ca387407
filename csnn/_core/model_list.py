"""The neuron models of the core, one line each.

Each entry names a model (as scripts call it), the core module that implements its C kernel
(``csnn/_core/<kernel>.pxd``: the struct and the neuron contract, see ``neurons.pxd.in``) and
that struct.  Models may share a kernel (``iaf_psc_exp``, ``iaf_psc_alpha`` and ``srm_psc_exp``
run on ``psc``, the ``iaf_cond_*`` models on ``cond``).  A model's parameters, units and recordables are in its own module,
``csnn/_core/<model>.pyx``.

setup.py reads this file (it does not import csnn) and stamps the engine's dispatch out of it
with Tempita (``neurons.pxd.in``, ``dispatch.pxd.in``); csnn.network.models registers the same models.
A model's code is its position in the list.  Adding a model: its ``.pxd`` (kernel) and
``.pyx`` (parameters, docs), and one line here.
"""

#: (model name, kernel module, kernel struct)
MODELS = (
    ("iaf_psc_delta", "iaf_psc_delta", "IafPscDelta"),
    ("parrot_neuron", "parrot_neuron", "ParrotNeuron"),
    ("iaf_psc_exp", "psc", "PscNeuron"),
    ("iaf_psc_alpha", "psc", "PscNeuron"),
    ("hh_psc_alpha", "hh_psc_alpha", "HhPscAlpha"),
    ("srm_psc_exp", "psc", "PscNeuron"),
    ("iaf_cond_exp", "cond", "CondNeuron"),
    ("iaf_cond_alpha", "cond", "CondNeuron"),
    ("iaf_cond_beta", "cond", "CondNeuron"),
)


def kernels():
    """The distinct (kernel module, struct) pairs in the order of first use, each with the codes
    of the models that run on it."""
    found = {}
    for code, (_, module, struct) in enumerate(MODELS):
        found.setdefault((module, struct), []).append(code)
    return [(module, struct, codes) for (module, struct), codes in found.items()]
