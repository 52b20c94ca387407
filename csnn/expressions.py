"""Brian-style expressions in connection specs, checked against a whitelist and evaluated with numpy.

``Connect`` accepts Python expressions of the connection's indices and node positions:
``conn_spec['condition']``, ``conn_spec['p']``, ``conn_spec['n']`` and ``conn_spec['j']`` of
rule ``'expression'`` (as Brian 2's ``Synapses.connect``), and string weights and delays in
any ``syn_spec``, e.g. ``'exp(-(x_pre - x_post)**2 / (2*width**2))'`` with
``syn_spec['namespace'] = {'width': 0.1}``.

Names an expression may use:

* ``i`` and ``j``: indices in the pre and the post collection (from 0); ``N_pre`` and
  ``N_post``: the sizes of the collections;
* ``x_pre``, ``y_pre``, ``z_pre``, ``x_post``, ``y_post``, ``z_post``: node positions given to
  ``Create`` (in the units given there), for nodes that have them;
* the names of the spec's ``namespace`` dict (numbers), and ``pi``, ``e``, ``inf``;
* the functions of :data:`FUNCTIONS`, and ``rand()`` and ``randn()``, which draw one uniform
  (in [0, 1)) or standard normal number per pair from the kernel's seeded generator.

Operators: ``+ - * / // % **`` (``/`` and ``**`` give floats), comparisons (chains such as
``0 < i - j <= 3`` too), ``and``, ``or``, ``not`` and ``a if condition else b``, all
elementwise over a block of pairs (both branches of ``if``/``else`` are evaluated).

An expression is parsed with :mod:`ast` and every node is checked when the spec is parsed,
before any pair is drawn: attribute access, subscripts, other calls, lambdas, comprehensions,
strings and undefined names are errors.  Nothing is given to ``eval``: the checked tree becomes
numpy closures, and numbers become numpy scalars, so no operation can run Python code or build
unbounded Python integers.
"""
import ast
import functools
import keyword
import numbers

import numpy as np

from .errors import BadParameterError, BadTypeError, UnknownParameterError, close_names, to_float

__all__ = ["Expression", "TargetGenerator", "Endpoints", "parse", "check_namespace", "FUNCTIONS"]

PRE_POSITIONS = ("x_pre", "y_pre", "z_pre")
POST_POSITIONS = ("x_post", "y_post", "z_post")
#: what every pair of a Connect call offers
PAIR_VARIABLES = ("i", "j", "N_pre", "N_post") + PRE_POSITIONS + POST_POSITIONS
#: what conn_spec['j'] can use to find the targets of pre node i (not j, nor post positions)
PRE_VARIABLES = ("i", "N_pre", "N_post") + PRE_POSITIONS

CONSTANTS = {"pi": np.float64(np.pi), "e": np.float64(np.e), "inf": np.float64(np.inf)}


class _Undefined(ArithmeticError):
    """An operation without a value for some pair (int(inf), i // 0); :class:`Expression`
    reports it with the expression's source."""


def _truncate(x):
    """int(x): toward zero, as Python's int (64-bit)."""
    x = np.asarray(x)
    if x.dtype.kind in "biu":
        return x.astype(np.int64)
    representable = np.abs(x) < 2.0 ** 63      # False for inf and nan too
    if not np.all(representable):
        raise _Undefined(f"int() of {x[~representable].flat[0].item()!r} has no 64-bit integer value")
    return np.trunc(x).astype(np.int64)


def _integer_division(operation, symbol):
    """``operation`` (// or %), refusing integer division by zero, which numpy answers with 0
    (float division by zero gives inf or nan, reported where the result is checked)."""
    def divide(a, b):
        if np.result_type(a, b).kind in "biu" and np.any(np.asarray(b) == 0):
            raise _Undefined(f"integer division by zero ({symbol!r})")
        return operation(a, b)
    return divide


#: function name -> (numpy function, number of arguments)
FUNCTIONS = {
    **{name: (getattr(np, name), 1) for name in (
        "abs", "sign", "sqrt", "exp", "log", "log10", "sin", "cos", "tan", "arcsin", "arccos", "arctan",
        "sinh", "cosh", "tanh", "floor", "ceil")},
    "int": (_truncate, 1),
    "arctan2": (np.arctan2, 2), "hypot": (np.hypot, 2), "minimum": (np.minimum, 2),
    "maximum": (np.maximum, 2), "clip": (np.clip, 3), "where": (np.where, 3),
}
#: functions drawing one number per pair: name -> draw(rng, number of pairs)
DRAWS = {"rand": lambda rng, size: rng.random(size), "randn": lambda rng, size: rng.standard_normal(size)}
#: only the generator form of conn_spec['j'] iterates over these
ITERATORS = ("range", "sample")
RESERVED = frozenset(PAIR_VARIABLES) | set(CONSTANTS) | set(FUNCTIONS) | set(DRAWS) | set(ITERATORS)

_BINARY = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.true_divide,
           ast.FloorDiv: _integer_division(np.floor_divide, "//"), ast.Mod: _integer_division(np.mod, "%"),
           ast.Pow: np.float_power}
_UNARY = {ast.USub: np.negative, ast.UAdd: np.positive, ast.Not: np.logical_not}
_COMPARE = {ast.Eq: np.equal, ast.NotEq: np.not_equal, ast.Lt: np.less, ast.LtE: np.less_equal,
            ast.Gt: np.greater, ast.GtE: np.greater_equal}
_REJECTED_OPERATORS = {ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.Invert: "~", ast.LShift: "<<",
                       ast.RShift: ">>", ast.MatMult: "@", ast.In: "in", ast.NotIn: "not in", ast.Is: "is",
                       ast.IsNot: "is not"}
#: constructs rejected with a name the user recognises (any other node type is rejected too)
_REJECTED = {ast.Attribute: "attribute access", ast.Subscript: "a subscript", ast.Lambda: "lambda",
             ast.ListComp: "a comprehension", ast.SetComp: "a comprehension", ast.DictComp: "a comprehension",
             ast.GeneratorExp: "a comprehension", ast.NamedExpr: "an assignment (:=)", ast.Starred: "* unpacking",
             ast.List: "a list", ast.Tuple: "a tuple", ast.Set: "a set", ast.Dict: "a dict",
             ast.JoinedStr: "an f-string", ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield"}

# kinds of expressions: what their values must be
CONDITION, PROBABILITY, INTEGER, COUNT, NUMBER = "condition", "probability", "integer", "count", "number"


class _Source:
    """Where an expression comes from, for messages: ``conn_spec['j'] = '...', in 'i-3'``."""

    def __init__(self, what, text, part=None):
        self.what, self.text, self.part = what, text, part

    def __str__(self):
        where = f"{self.what} = {self.text!r}"
        return where if self.part is None or self.part == self.text else f"{where}, in {self.part!r}"


class _Frame:
    """What a compiled expression reads: variable values, the random generator and the number
    of pairs."""

    __slots__ = ("values", "rng", "size")

    def __init__(self, values, rng, size):
        self.values, self.rng, self.size = values, rng, size


class _Compiler:
    """Checks an expression tree node by node and turns it into numpy closures ``f(frame)``."""

    _HANDLERS = {ast.Constant: "_constant", ast.Name: "_name", ast.BinOp: "_binary", ast.UnaryOp: "_unary",
                 ast.BoolOp: "_logical", ast.Compare: "_compare", ast.IfExp: "_if_else", ast.Call: "_call"}

    def __init__(self, source, variables, namespace):
        self.source = source
        self.variables = variables
        self.namespace = namespace
        self.used = {}                # variables the expression reads, in reading order (a dict as ordered set)

    def compile(self, node):
        handler = self._HANDLERS.get(type(node))
        if handler is None:
            construct = _REJECTED.get(type(node), f"the construct {type(node).__name__}")
            raise self.error(f"{construct} ({ast.unparse(node)}) is not allowed")
        return getattr(self, handler)(node)

    def accepted(self):
        names = ", ".join(list(self.variables) + list(self.namespace) + list(CONSTANTS))
        functions = ", ".join(f"{f}()" for f in list(FUNCTIONS) + list(DRAWS))
        return (f"expressions may use the names {names}, numbers, True, False, + - * / // % **, comparisons, "
                f"and, or, not, 'a if condition else b' and the functions {functions}")

    def error(self, problem, error=BadParameterError):
        return error(f"{self.source}: {problem}; {self.accepted()}")

    def _constant(self, node):
        value = node.value
        if isinstance(value, bool):
            constant = np.bool_(value)
        elif isinstance(value, int) and abs(value) < 2 ** 63:
            constant = np.int64(value)
        elif isinstance(value, float):
            constant = np.float64(value)
        else:
            raise self.error(f"the constant {value!r} is not allowed (only numbers up to 2**63, True and False)")
        return lambda frame: constant

    def _name(self, node):
        name = node.id
        if name in self.variables:
            self.used[name] = None
            return lambda frame: frame.values[name]
        if name in self.namespace or name in CONSTANTS:
            constant = self.namespace.get(name, CONSTANTS.get(name))
            return lambda frame: constant
        if name in FUNCTIONS or name in DRAWS:
            raise self.error(f"{name!r} is a function: call it, as {name}(...)")
        names = list(self.variables) + list(self.namespace) + list(CONSTANTS)
        problem = "unavailable" if name in RESERVED else "undefined"
        raise UnknownParameterError(f"{problem} name {name!r} in {self.source}.{close_names(name, names)} Names "
                                    f"available here: {', '.join(names)}")

    def _binary(self, node):
        operation = self._operator(node.op, _BINARY)
        left, right = self.compile(node.left), self.compile(node.right)
        return lambda frame: operation(left(frame), right(frame))

    def _unary(self, node):
        operation = self._operator(node.op, _UNARY)
        operand = self.compile(node.operand)
        return lambda frame: operation(operand(frame))

    def _logical(self, node):
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        operands = [self.compile(value) for value in node.values]
        return lambda frame: functools.reduce(combine, (operand(frame) for operand in operands))

    def _compare(self, node):
        # a < b <= c is (a < b) and (b <= c), with b evaluated once, as in Python
        comparisons = [self._operator(op, _COMPARE) for op in node.ops]
        operands = [self.compile(node.left)] + [self.compile(c) for c in node.comparators]

        def compare(frame):
            values = [operand(frame) for operand in operands]
            results = (comparison(a, b) for comparison, a, b in zip(comparisons, values, values[1:]))
            return functools.reduce(np.logical_and, results)
        return compare

    def _if_else(self, node):
        test, body, orelse = self.compile(node.test), self.compile(node.body), self.compile(node.orelse)
        return lambda frame: np.where(test(frame), body(frame), orelse(frame))

    def _call(self, node):
        if not isinstance(node.func, ast.Name):
            raise self.error(f"only named functions can be called, not {ast.unparse(node.func)!r}")
        name = node.func.id
        if name in ITERATORS:
            raise self.error(f"{name}() is only allowed in conn_spec['j'], as 'k for k in {name}(...)'")
        if name not in FUNCTIONS and name not in DRAWS:
            raise self.error(f"calling {name}() is not allowed: only the listed functions can be called")
        if node.keywords:
            raise self.error(f"{name}() takes no keyword arguments")
        arity = FUNCTIONS[name][1] if name in FUNCTIONS else 0
        if len(node.args) != arity:
            raise self.error(f"{name}() takes {arity} argument{'s' if arity != 1 else ''}, got {len(node.args)}")
        if name in DRAWS:
            draw = DRAWS[name]
            return lambda frame: draw(frame.rng, frame.size)
        function = FUNCTIONS[name][0]
        arguments = [self.compile(argument) for argument in node.args]
        return lambda frame: function(*(argument(frame) for argument in arguments))

    def _operator(self, op, table):
        if type(op) not in table:
            symbol = _REJECTED_OPERATORS.get(type(op), type(op).__name__)
            hint = " (logic is written and, or, not)" if symbol in ("&", "|", "^", "~") else ""
            raise self.error(f"the operator {symbol!r} is not allowed{hint}")
        return table[type(op)]


class Expression:
    """A checked expression: call it with the values of the variables it reads
    (:attr:`variables`) to get one value per pair, of its :attr:`kind`."""

    def __init__(self, node, source, kind, variables, namespace):
        compiler = _Compiler(source, variables, namespace)
        try:
            self._code = compiler.compile(node)
        except RecursionError:
            raise BadParameterError(f"{source}: the expression is nested too deeply") from None
        self.variables = tuple(compiler.used)
        self.source = source
        self.kind = kind

    def __repr__(self):
        return f"<csnn Expression {self.source}>"

    def __call__(self, values, rng, i, j=None):
        """Values for the pairs (``i[k]``, ``j[k]``) (pre and post indices, here for messages;
        ``values`` holds the variables), checked against the expression's kind."""
        try:
            with np.errstate(all="ignore"):    # 1/0, log(0), ...: inf and nan are reported below
                result = np.broadcast_to(np.asarray(self._code(_Frame(values, rng, i.size))), i.shape)
        except (TypeError, ValueError) as err:    # numpy refuses, e.g. -True
            raise BadTypeError(f"{self.source} cannot be evaluated: {err}") from None
        except _Undefined as err:
            raise BadParameterError(f"{self.source} cannot be evaluated: {err}") from None
        return self._check(result, i, j)

    def _check(self, result, i, j):
        if self.kind == CONDITION:
            if result.dtype != bool:
                raise BadTypeError(f"{self.source} must be a condition, True or False for each pair (such as "
                                   f"'abs(i - j) < 4'), got {result.dtype} values")
            return result
        if self.kind in (INTEGER, COUNT):
            if result.dtype == bool or not np.issubdtype(result.dtype, np.integer):
                raise BadTypeError(f"{self.source} must give integers, got {result.dtype} values; "
                                   "use int(...) or //")
            return self._within(result, result >= 0, "an integer >= 0", i, j) if self.kind == COUNT else result
        if result.dtype != bool and not np.issubdtype(result.dtype, np.number):
            raise BadTypeError(f"{self.source} must give numbers, got {result.dtype} values")
        result = result.astype(float)
        if self.kind == PROBABILITY:
            return self._within(result, (result >= 0) & (result <= 1), "a probability in [0, 1]", i, j)
        return self._within(result, np.isfinite(result), "a finite number", i, j)

    def _within(self, result, good, accepted, i, j):
        if not good.all():
            k = int(np.argmin(good))
            pair = f"i = {i[k]}" + ("" if j is None else f", j = {j[k]}")
            raise BadParameterError(f"{self.source} gives {result[k].item()!r} for {pair}: must be {accepted}")
        return result


def _parse_tree(text, what):
    """The tree of ``text`` (a str, else an error naming ``what``)."""
    if not isinstance(text, str):
        raise BadTypeError(f"{what} = {text!r} is invalid: give an expression string")
    try:
        return ast.parse(text, mode="eval").body
    except SyntaxError as err:
        raise BadParameterError(f"{what} = {text!r} is not a valid expression: {err.msg}") from None
    except (RecursionError, MemoryError):
        raise BadParameterError(f"{what} = {text!r}: the expression is nested too deeply") from None


def parse(text, what, namespace, kind):
    """``text`` as an :class:`Expression` of a pair's variables; ``what`` names the argument
    (``"syn_spec['weight']"``), ``namespace`` is checked (:func:`check_namespace`)."""
    return Expression(_parse_tree(text, what), _Source(what, text), kind, PAIR_VARIABLES, namespace)


def check_namespace(namespace, what):
    """A namespace dict -> {name: numpy scalar}: identifiers that do not hide a variable,
    constant or function, with number values."""
    if not isinstance(namespace, dict):
        raise BadTypeError(f"{what} = {namespace!r} is invalid: give a dict of names and numbers")
    checked = {}
    for name, value in namespace.items():
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            raise BadParameterError(f"{what}: {name!r} is not a valid name (a Python identifier)")
        if name in RESERVED:
            raise BadParameterError(f"{what}: the name {name!r} is reserved (a variable, constant or function "
                                    "of expressions); choose another")
        if isinstance(value, (bool, np.bool_)):
            checked[name] = np.bool_(value)
        elif isinstance(value, (numbers.Integral, np.integer)) and abs(int(value)) < 2 ** 63:
            checked[name] = np.int64(value)
        elif isinstance(value, (numbers.Real, np.floating)):
            checked[name] = np.float64(to_float(value, f"{what}[{name!r}]"))
        else:
            raise BadTypeError(f"{what}[{name!r}] = {value!r} is invalid: namespace values must be numbers")
    return checked


class TargetGenerator:
    """``conn_spec['j']``: the post indices of each pre node ``i``, in Brian 2's forms.

    * ``'element for k in range(low, high, step) if condition'``: ``range`` as in Python,
      its arguments expressions of ``i`` (the ``if`` part is optional);
    * ``'element for k in sample(low, high, step, p=p)'``: each value of the range kept with
      probability ``p`` (an expression of ``i``), or ``size=m``: ``m`` of them drawn without
      replacement;
    * ``'element'``: one target per ``i`` (e.g. ``'i'``, ``'N_post - 1 - i'``).

    ``element`` is an integer expression of ``i`` and ``k``; the condition may use ``k``,
    ``j`` (the element) and the post positions too.
    """

    def __init__(self, text, namespace):
        what = "conn_spec['j']"
        wrapped = f"({text})" if isinstance(text, str) else text   # a bare generator needs parentheses
        tree = _parse_tree(wrapped, what)

        def expression(node, kind, variables):
            return Expression(node, _Source(what, text, ast.get_source_segment(wrapped, node)), kind, variables,
                              namespace)

        self.p, self.size, self.condition = None, None, None
        if not isinstance(tree, ast.GeneratorExp):
            # as in Brian 2, 'element' stands for 'element for _ in range(1)'
            self.var = "_"
            self.element = expression(tree, INTEGER, PRE_VARIABLES)
            self.bounds = [expression(ast.Constant(value), INTEGER, PRE_VARIABLES) for value in (0, 1, 1)]
            return
        error = functools.partial(_generator_error, what, text)
        if len(tree.generators) != 1 or tree.generators[0].is_async:
            raise error("give one 'for' clause")
        loop = tree.generators[0]
        if not isinstance(loop.target, ast.Name):
            raise error(f"iterate over one name, not {ast.unparse(loop.target)!r}")
        self.var = loop.target.id
        if self.var in RESERVED or self.var in namespace:
            raise error(f"the loop variable {self.var!r} would hide the name {self.var!r} of expressions; "
                        "choose another")
        call = loop.iter
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in ITERATORS):
            raise error(f"iterate over range(...) or sample(...), not {ast.unparse(call)!r}")
        self.bounds = [expression(node, INTEGER, PRE_VARIABLES) for node in _iterator_bounds(call, error)]
        if call.func.id == "sample":
            option = call.keywords[0]           # p= or size=, checked above
            if option.arg == "p":
                self.p = expression(option.value, PROBABILITY, PRE_VARIABLES)
            else:
                self.size = expression(option.value, COUNT, PRE_VARIABLES)
        self.element = expression(tree.elt, INTEGER, PRE_VARIABLES + (self.var,))
        if loop.ifs:
            test = loop.ifs[0] if len(loop.ifs) == 1 else ast.BoolOp(op=ast.And(), values=loop.ifs)
            self.condition = expression(test, CONDITION, PRE_VARIABLES + (self.var, "j") + POST_POSITIONS)


def _generator_error(what, text, problem):
    return BadParameterError(f"{what} = {text!r}: {problem}; the generator form is "
                             "'k for k in range(low, high, step) if condition' or "
                             "'k for k in sample(low, high, step, p=p)' (or size=m)")


def _iterator_bounds(call, error):
    """(low, high, step) nodes of a range(...) or sample(...) call."""
    name = call.func.id
    if not 1 <= len(call.args) <= 3 or any(isinstance(a, ast.Starred) for a in call.args):
        raise error(f"{name}() takes 1 to 3 positional arguments (high; low, high; or low, high, step)")
    if name == "range" and call.keywords:
        raise error("range() takes no keyword arguments")
    if name == "sample" and (len(call.keywords) != 1 or call.keywords[0].arg not in ("p", "size")):
        raise error("sample() takes one keyword argument, p=probability or size=number")
    args = list(call.args)
    if len(args) == 1:
        args.insert(0, ast.Constant(0))
    if len(args) == 2:
        args.append(ast.Constant(1))
    return args


class Endpoints:
    """The pre and post collections of one Connect call, as expressions see them.

    ``positions_of(ids)`` gives the nodes' positions as an array of shape (n, 3), NaN where a
    node has no position or no z; it is called on the first use of a position variable.
    """

    def __init__(self, pre, post, positions_of):
        self.ids = {"pre": pre, "post": post}
        self.sizes = {"N_pre": np.int64(pre.size), "N_post": np.int64(post.size)}
        self._positions_of = positions_of
        self._coordinates = {}

    def evaluate(self, expression, i, j, rng, extra=None):
        """``expression`` for the pairs (``i[k]``, ``j[k]``) (index arrays of one size; ``j``
        may be None when the expression does not read it); ``extra``: values of further
        variables (a generator's loop variable)."""
        values = dict(extra or {})
        for name in expression.variables:
            if name not in values:
                values[name] = self._value(name, expression, i, j)
        return expression(values, rng, i, j)

    def _value(self, name, expression, i, j):
        """Pair variable ``name`` for the pairs (i[k], j[k])."""
        if name == "i":
            return i
        if name == "j":
            return j
        if name in self.sizes:
            return self.sizes[name]
        return self._coordinate(name, expression)[i if name.endswith("_pre") else j]

    def _coordinate(self, name, expression):
        """Coordinate ``name`` (``x_pre``, ...) of every node of its collection."""
        if name not in self._coordinates:
            side, axis = name[2:], "xyz".index(name[0])
            ids = self.ids[side]
            positions = self._positions_of(ids)
            missing = np.isnan(positions[:, axis])
            if missing.any():
                k = int(np.argmax(missing))
                reason = "has no position" if np.isnan(positions[k, 0]) else "has a 2-d position"
                raise BadParameterError(
                    f"{expression.source} uses {name!r}, but {side} node {ids[k]} {reason}; give the nodes "
                    "positions when creating them: Create(model, n, positions=...) with an array of shape "
                    "(n, 2) or (n, 3), csnn.spatial.free(...) or csnn.spatial.grid(...)")
            self._coordinates[name] = positions[:, axis]
        return self._coordinates[name]
