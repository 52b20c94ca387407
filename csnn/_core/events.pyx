# cython: language_level=3
"""The Python side of events.pxd: its enum ``Recordable``, the global codes of recordable
variables, with which the models' modules declare their recordables."""


def recordable_codes(names):
    """{name: global code} of recordable variables named as scripts name them: ``V_m`` has
    the code ``REC_V_M``, ``I_syn_ex`` ``REC_I_SYN_EX`` (events.pxd); a name without one is
    refused (KeyError)."""
    return {name: int(Recordable["REC_" + name.upper()]) for name in names}
