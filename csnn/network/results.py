"""What status queries hand back, in NEST 3's shapes: one place for every getter.

``NodeCollection.get``, ``SynapseCollection.get``, ``GetStatus`` and attribute access
(``nodes.V_m``) read their values into a *table* (parameter name -> one value per node or
connection, plain Python values: numpy scalars become floats, ints and bools) and this module
shapes it as NEST does:

* several nodes: a tuple per parameter (``nodes.get("C_m") == (250.0, 250.0)``); several
  connections: a list; one node or connection: the value itself;
* several parameters, or all of them (``get()``, keys sorted): a dict of those;
* ``output="json"``: that result as a JSON string (:func:`to_json`, NEST's serialization:
  arrays and NodeCollections as lists, a SynapseCollection as its ``get()``);
* ``output="pandas"``: a DataFrame with a column per parameter and a row per node (indexed by
  id) or connection (indexed by source); pandas is optional, and asking for a DataFrame
  without it raises MissingDependencyError;
* ``GetStatus`` (:func:`status_tuple`): a tuple of dicts, of values or of tuples of values.

A parameter that some of the nodes (or connections) lack is None for them, as in NEST; a
recorder's ``events`` stays a dict of numpy arrays.
"""
import importlib
import json

import numpy as np

from ..errors import BadTypeError, MissingDependencyError

#: the ``output`` formats of get and GetStatus
OUTPUTS = ("", "json", "pandas")


def check_output(output, what):
    """``output`` must be one of OUTPUTS; "pandas" needs pandas, which is checked now."""
    if not isinstance(output, str) or output not in OUTPUTS:
        raise BadTypeError(f"{what}: output = {output!r} is invalid; accepted: '' (default), 'json', 'pandas'")
    if output == "pandas":
        _pandas(what)


def _pandas(what):
    try:
        return importlib.import_module("pandas")
    except ImportError:
        raise MissingDependencyError(f"{what}(output='pandas') needs pandas, which is not installed: pip install "
                                     "pandas (or use output='' or 'json')") from None


def plain(value):
    """``value`` with numpy scalars as Python's (also inside a list); arrays and dicts (a
    recorder's events) are kept as they are."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def shaped(table, single, sequence, output, index=None):
    """The result of a ``get``: ``table`` maps names to one value per item (node or connection),
    ``single`` is the name asked for alone (None when a dict is asked for), ``sequence`` tuple
    (nodes) or list (connections), ``index`` the items' ids for a DataFrame."""
    if output == "pandas":
        return _pandas("get").DataFrame(table, index=index)
    one = len(next(iter(table.values()), ())) == 1
    result = {name: values[0] if one else sequence(values) for name, values in table.items()}
    if single is not None:
        result = result[single]
    return to_json(result) if output == "json" else result


def status_tuple(table, keys, sequence):
    """NEST's ``GetStatus``: with a key (a str), one value per item (``(value,)`` for one item,
    else ``sequence``); with a list of keys, a tuple per item; without keys, a dict per item."""
    n = len(next(iter(table.values()))) if table else 0
    if isinstance(keys, str):
        values = table[keys]
        return (values[0],) if n == 1 else sequence(values)
    if keys is not None:
        return tuple(zip(*table.values()))
    return tuple({name: values[i] for name, values in table.items()} for i in range(n))


def serialize_data(data):
    """``data`` in types JSON can encode (NEST's ``serialize_data``): arrays, tuples and
    NodeCollections as lists, numpy scalars as Python's, a SynapseCollection as its ``get()``."""
    if hasattr(type(data), "_json_value"):
        return serialize_data(data._json_value())
    if isinstance(data, (np.ndarray, np.generic)):
        return data.tolist()
    if isinstance(data, (list, tuple)):
        return [serialize_data(v) for v in data]
    if isinstance(data, dict):
        return {serialize_data(k): serialize_data(v) for k, v in data.items()}
    return data


def to_json(data, **kwargs):
    """``data`` as a JSON string (NEST's ``to_json``); ``kwargs`` go to ``json.dumps``."""
    return json.dumps(serialize_data(data), **kwargs)
