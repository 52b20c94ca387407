"""What the core's modules declare once and the facade reads: the numpy dtype of a C struct,
derived from the struct itself, and a neuron model's tables of parameters and state for its
documentation, written from its declaration (``PARAMETERS``, ``STATE``, ``READ_ONLY`` and
``RECORDABLES`` in its module).

A struct's own dtype comes from Cython (:func:`struct_dtype`): a typed memoryview of the struct
describes it field by field (nested structs and arrays at their C offsets, the struct's size),
and Cython checks that description against the compiler's ``offsetof`` and ``sizeof`` whenever
an array of it is taken as the struct (``check_layout`` in the struct's module).
:func:`flat_dtype` gives the facade the same bytes under flat names.  Reordering or adding a
field of a struct changes nothing here.
"""
import numpy as np


def struct_dtype(view, fields):
    """The own dtype of a C struct: ``view`` is a typed memoryview of one struct
    (``<Struct[:1]> &probe``) and ``fields`` the struct as Cython converts it to a dict (its
    fields' names).  Cython describes a struct of two fields of one floating type as a complex
    number (which it could stand for); such a field is given its struct back, from ``fields``.
    """
    return _with_structs(np.asarray(view).dtype, fields)


def _with_structs(dtype, fields):
    if dtype.kind == "c" and isinstance(fields, dict):
        part = np.finfo(dtype).dtype
        return np.dtype({"names": list(fields), "formats": [part, part], "offsets": [0, part.itemsize]})
    if dtype.names is None:
        return dtype
    return np.dtype({"names": list(dtype.names), "itemsize": dtype.itemsize,
                     "formats": [_with_structs(dtype.fields[name][0], fields[name]) for name in dtype.names],
                     "offsets": [dtype.fields[name][1] for name in dtype.names]})


def flat_dtype(struct, rename=None, aliases=None):
    """The dtype the facade uses for a C struct whose own dtype is ``struct``: the same bytes
    and size, one field per value, named

    * by its own name, however deep its struct lies (``p.E_L`` is ``E_L``);
    * by ``rename[path]`` when its dotted path is there (``"s.frame.t": "frame_t"``); an array
      whose path maps to a sequence of names becomes one field per item of its first axis
      (``"s.y": ("V_m", "Act_m", ...)``); other arrays stay one field;

    plus ``aliases``, other names for fields (``{"tau_s": "tau_syn_ex"}``).  Two values with
    one name are refused (ValueError): ``rename`` must tell them apart.
    """
    rename = rename or {}
    fields = {}

    def add(name, dtype, offset):
        if name in fields:
            raise ValueError(f"flat_dtype: two fields are named {name!r}; give one another name in rename")
        fields[name] = (dtype, offset)

    def walk(dtype, base, prefix):
        for name in dtype.names:
            field, offset = dtype.fields[name][:2]
            path = prefix + name
            named = rename.get(path, name)
            if field.names is not None:
                walk(field, base + offset, path + ".")
            elif isinstance(named, (tuple, list)):
                item, shape = field.subdtype
                if len(named) != shape[0]:
                    raise ValueError(f"flat_dtype: {path} has {shape[0]} items, rename gives {len(named)} names")
                each = np.dtype((item, shape[1:])) if len(shape) > 1 else item
                for k, part in enumerate(named):
                    add(part, each, base + offset + k * each.itemsize)
            else:
                add(named, field, base + offset)

    walk(struct, 0, "")
    for alias, name in (aliases or {}).items():
        add(alias, *fields[name])
    return np.dtype({"names": list(fields), "formats": [dtype for dtype, _ in fields.values()],
                     "offsets": [offset for _, offset in fields.values()], "itemsize": struct.itemsize})


def default_text(value):
    """A default as the documentation shows it: the largest doubles by name."""
    if isinstance(value, float) and abs(value) > 1e300:
        return "-DBL_MAX" if value < 0 else "DBL_MAX"
    if isinstance(value, np.ndarray):
        return "[]" if value.size == 0 else str(value.tolist())
    return repr(value)


def parameter_doc(parameters, state, read_only, recordables):
    """The sections Parameters and State of a neuron model's documentation, written from its
    declaration (``PARAMETERS``, ``STATE``, ``READ_ONLY`` and ``RECORDABLES`` in its module)."""
    settable = [(name, unit, f"{doc} (default {default_text(default)})"
                 + ("; recordable" if name in recordables else ""))
                for name, default, unit, _, doc in parameters + state]
    sections = (("Parameters", settable[:len(parameters)]),
                ("State", settable[len(parameters):] + [(name, unit, f"{doc} (read-only)")
                                                         for name, _, unit, doc in read_only]))
    return "".join(f"\n{title}\n{_table(rows)}" for title, rows in sections if rows)


def _table(rows):
    widths = [max(len(row[k]) for row in rows) for k in range(3)]
    rule = "    " + " ".join("=" * max(w, 7) for w in widths)
    lines = [rule] + ["    " + " ".join(cell.ljust(max(w, 7)) for cell, w in zip(row, widths)).rstrip()
                      for row in rows] + [rule]
    return "\n".join(lines) + "\n"
