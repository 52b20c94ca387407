"""The dtypes the facade uses for the core's C structs are derived from the structs
(csnn/_core/declarations.py): each field lies where the compiler put it, every value of a struct
has one name, and the recordables and parameter tables come from the models' declarations."""
import importlib

import numpy as np
import pytest

from csnn._core import events, stdp, stimulation
from csnn._core.declarations import default_text
from csnn._core.model_list import MODELS
from csnn.network.models import RECORDABLE_CODES, Registry

#: (name, the struct's own dtype, the facade's dtype, the module's check of a dtype against C)
STRUCTS = [(model, importlib.import_module(f"csnn._core.{kernel}").STRUCT,
            importlib.import_module(f"csnn._core.{model}").DTYPE,
            importlib.import_module(f"csnn._core.{kernel}").check_layout) for model, kernel, _ in MODELS]
STRUCTS += [("StdpSet", stdp.STRUCT, stdp.SET_DTYPE, stdp.check_layout),
            ("Stream", stimulation.STREAM_STRUCT, stimulation.STREAM_DTYPE, stimulation.check_stream_layout)]
IDS = [name for name, *_ in STRUCTS]


def shifted(dtype):
    """``dtype`` with its last field 8 bytes further on."""
    last = dtype.names[-1]
    return np.dtype({"names": list(dtype.names), "formats": [dtype.fields[k][0] for k in dtype.names],
                     "offsets": [dtype.fields[k][1] + 8 * (k == last) for k in dtype.names],
                     "itemsize": dtype.itemsize + 8})


def leaves(row, path=""):
    """(dotted path, array) of every value of a one-row structured array, nested structs opened."""
    for name in row.dtype.names:
        field = row[name]
        if field.dtype.names is None:
            yield path + name, field
        else:
            yield from leaves(field, f"{path}{name}.")


@pytest.mark.parametrize("name, struct, flat, check_layout", STRUCTS, ids=IDS)
def test_each_field_lies_at_its_c_offset_and_the_size_is_sizeof(name, struct, flat, check_layout):
    """Cython takes an array of the struct's dtype as the C struct only when every field's type
    and offset agree with the compiler's (offsetof) and the item size with sizeof; moving one
    field is refused."""
    assert check_layout(np.zeros(2, struct)) == struct.itemsize == flat.itemsize
    with pytest.raises(ValueError, match="Buffer dtype mismatch|does not match size"):
        check_layout(np.zeros(2, shifted(struct)))


@pytest.mark.parametrize("name, struct, flat, check_layout", STRUCTS, ids=IDS)
def test_the_facade_names_every_value_of_the_struct_once(name, struct, flat, check_layout):
    """Writing 7 through one of the facade's fields sets exactly one C field (or one item of a
    C array) to 7, of the same type; every C value is reached, by one name only but aliases
    (srm_psc_exp's tau_s is tau_syn_ex)."""
    reached = {}
    for field in flat.names:
        row = np.zeros(1, flat)
        row[field] = 7
        hit = {path: np.flatnonzero(values) for path, values in leaves(row.view(struct)) if np.any(values)}
        assert len(hit) == 1, (field, hit)
        (path, items), = hit.items()
        values = dict(leaves(row.view(struct)))[path].ravel()
        assert values.dtype == flat.fields[field][0].base and np.all(values[items] == 7), field
        assert items.size == flat.fields[field][0].itemsize // values.dtype.itemsize, field
        for item in items:
            reached.setdefault((path, item), set()).add(field)
    for path, values in leaves(np.zeros(1, struct)):
        assert all((path, item) in reached for item in range(values.size)), path
    aliases = {frozenset(fields) for fields in reached.values() if len(fields) > 1}
    assert aliases == ({frozenset({"tau_s", "tau_syn_ex"})} if name == "srm_psc_exp" else set())


def test_recordable_codes_come_from_the_enum_of_events_pxd():
    """A model's recordables are its declaration's names with the codes REC_<NAME> of
    events.pxd's enum Recordable, and the facade's codes are those."""
    enum = {member.name: int(member) for member in events.Recordable}
    assert sorted(enum.values()) == list(range(len(enum)))
    for model, _, _ in MODELS:
        core = importlib.import_module(f"csnn._core.{model}")
        for variable, code in core.RECORDABLES.items():
            assert enum["REC_" + variable.upper()] == code == RECORDABLE_CODES[variable]
    assert set(RECORDABLE_CODES.values()) == set(enum.values())
    with pytest.raises(KeyError):
        events.recordable_codes(["V_x"])


def test_a_models_documentation_lists_its_declared_parameters_and_state():
    """Each neuron model's parameter and state tables are written from its declaration: every
    parameter with its unit, description and default, recordables marked."""
    registry = Registry()
    for model, _, _ in MODELS:
        core = importlib.import_module(f"csnn._core.{model}")
        rows = {line.split()[0]: line for line in registry.models[model].doc.splitlines() if line.startswith("    ")
                and line.split()}
        for name, default, unit, _, text in core.PARAMETERS + core.STATE:
            assert rows[name].split()[1] == unit if unit else text.startswith(rows[name].split()[1]), name
            assert f"{text} (default {default_text(default)})" in rows[name], name
            assert rows[name].endswith("; recordable") == (name in core.RECORDABLES), name
