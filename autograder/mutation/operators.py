"""Mutation operators: each takes one libcst node and yields (operator name, replacement node).

Two sets. The general operators are mutmut's (``mutmut.mutation.mutators``, pinned in
requirements.lock): arithmetic, comparison and boolean operator swaps, numbers + 1, string
changes, ``x = None``, dropped or ``None`` call arguments, ``True``/``False``, ``is``/``in``
swaps (``>`` to ``>=``, ``==`` to ``!=``). The others below add what classic operator sets (Cosmic
Ray's) also have: reversed comparisons (``>`` to ``<``), swapped operands (``a - b`` to ``b - a``),
``/`` to ``//``, a constant replaced by a statistic of the data (Mothra's constant-for-scalar
replacement, here ``/ 255`` to ``/ images.max()``); and the mistakes students make with NumPy and Keras, which no general tool
knows: keyword values (``axis``, ``copy``, ``rate``), the vocabulary of activations, losses,
optimizers, history keys and dtypes, ``argmax``/``argmin``-style swaps, an argument replaced by
its default (ignoring ``num_classes``), a notebook variable replaced by its sibling
(``X_test_norm`` -> ``X_train_norm``), numbers - 1 (mutmut only adds 1), swapped arguments or
tuple items, and a removed statement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import libcst as cst
from mutmut.mutation.mutators import mutation_operators as MUTMUT_OPERATORS

# String literals and what a student might write instead.
STRING_ALTERNATIVES = {
    "relu": ("sigmoid", "softmax", "linear"),
    "softmax": ("sigmoid", "relu", "linear"),
    "sigmoid": ("relu", "softmax"),
    "tanh": ("relu", "sigmoid"),
    "categorical_crossentropy": ("sparse_categorical_crossentropy", "binary_crossentropy", "mse"),
    "sparse_categorical_crossentropy": ("categorical_crossentropy", "binary_crossentropy"),
    "binary_crossentropy": ("categorical_crossentropy",),
    "adam": ("sgd", "rmsprop"),
    "sgd": ("adam",),
    "rmsprop": ("adam",),
    "accuracy": ("val_accuracy", "loss"),
    "val_accuracy": ("accuracy", "val_loss"),
    "loss": ("val_loss", "accuracy"),
    "val_loss": ("loss", "val_accuracy"),
    "float32": ("float64", "float16", "int32"),
    "float64": ("float32", "float16", "int32"),
    "C": ("F",),
}
# Attribute names (np.argmax, np.float32, x.max) and their confusable neighbours.
ATTRIBUTE_ALTERNATIVES = {
    "argmax": ("argmin",),
    "argmin": ("argmax",),
    "max": ("min",),
    "min": ("max",),
    "sum": ("mean",),
    "mean": ("sum",),
    "float32": ("float64", "float16", "int32"),
    "float64": ("float32", "float16", "int32"),
    "int64": ("int32", "float32"),
    "int32": ("int64", "float32"),
    "uint8": ("int8", "float32"),
}
# Keyword arguments whose value is a choice, and the choices.
KEYWORD_VALUES = {
    "axis": ("0", "1", "-1", "None"),
    "copy": ("True", "False"),
    "keepdims": ("True", "False"),
    "rate": ("0.0", "0.5"),
    "use_bias": ("True", "False"),
}


@dataclass(frozen=True)
class Scope:
    """What an operator needs to know about where a node is."""

    loads: frozenset[int] = frozenset()  # id() of the Name nodes that read a variable
    defaults: dict[str, cst.BaseExpression] = field(default_factory=dict)  # parameter -> its default
    parameters: frozenset[str] = frozenset()  # the function's parameters
    local_names: frozenset[str] = frozenset()  # parameters and names assigned inside the function
    notebook_names: frozenset[str] = frozenset()  # names the notebook assigns at top level
    in_function: bool = False


Operator = Callable[[cst.CSTNode, Scope], Iterator[tuple[str, cst.CSTNode]]]


def mutmut_operators(node: cst.CSTNode, scope: Scope) -> Iterator[tuple[str, cst.CSTNode]]:
    for node_type, operator in MUTMUT_OPERATORS:
        if isinstance(node, node_type):
            for replacement in operator(node):
                yield f"mutmut {operator.__name__.removeprefix('operator_')}", replacement


def number_minus_one(node: cst.CSTNode, scope: Scope) -> Iterator[tuple[str, cst.CSTNode]]:
    if isinstance(node, (cst.Integer, cst.Float)):
        yield "number - 1", cst.parse_expression(repr(node.evaluated_value - 1))


_REVERSED = {cst.GreaterThan: cst.LessThan, cst.LessThan: cst.GreaterThan,
             cst.GreaterThanEqual: cst.LessThanEqual, cst.LessThanEqual: cst.GreaterThanEqual}
_ORDERED = (cst.Subtract, cst.Divide, cst.FloorDivide, cst.Modulo, cst.Power)


def comparison_reversed(node: cst.CSTNode, scope: Scope) -> Iterator[tuple[str, cst.CSTNode]]:
    if isinstance(node, cst.ComparisonTarget) and type(node.operator) in _REVERSED:
        yield "comparison reversed", node.with_changes(operator=_REVERSED[type(node.operator)]())


def floor_division(node: cst.CSTNode, scope: Scope) -> Iterator[tuple[str, cst.CSTNode]]:
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
        yield "floor division", node.with_changes(operator=cst.FloorDivide())


def _grouped(node: cst.BaseExpression) -> cst.BaseExpression:
    """The operand in parentheses if it is an operation without them (it moves to the other side)."""
    if isinstance(node, (cst.BinaryOperation, cst.BooleanOperation, cst.Comparison, cst.UnaryOperation)) and not node.lpar:
        return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return node


def operands_swapped(node: cst.CSTNode, scope: Scope) -> Iterator[tuple[str, cst.CSTNode]]:
    """a - b -> b - a, a / b -> b / a, a > b -> b > a: order matters there."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, _ORDERED):
        yield "operands swapped", node.with_changes(left=_grouped(node.right), right=_grouped(node.left))
    if isinstance(node, cst.Comparison) and len(node.comparisons) == 1:
        target = node.comparisons[0]
        if type(target.operator) in _REVERSED:
            swapped = target.with_changes(comparator=_grouped(node.left))
            yield "operands swapped", node.with_changes(left=_grouped(target.comparator), comparisons=[swapped])


def _first_parameter(node: cst.CSTNode, scope: Scope) -> str | None:
    collector = _Names()
    node.visit(collector)
    return next((n for n in collector.names if n in scope.defaults or n in scope.parameters), None)


class _Names(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: list[str] = []

    def visit_Name(self, node: cst.Name) -> None:
        self.names.append(node.value)


def scale_by_data(node: cst.CSTNode, scope: Scope) -> Iterator[tuple[str, cst.CSTNode]]:
    """x / 255 -> x / images.max(): a constant replaced by a statistic of the argument (normalising by the maximum)."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
        constant = node.right.func if isinstance(node.right, cst.Call) and len(node.right.args) == 1 else None
        is_number = isinstance(node.right, (cst.Integer, cst.Float)) or (
            constant is not None and isinstance(node.right.args[0].value, (cst.Integer, cst.Float))
        )
        parameter = _first_parameter(node.left, scope)
        if is_number and parameter:
            yield "scaled by the data", node.with_changes(right=cst.parse_expression(f"{parameter}.max()"))


def string_vocabulary(node: cst.CSTNode, scope: Scope) -> Iterator[tuple[str, cst.CSTNode]]:
    if isinstance(node, cst.SimpleString) and not node.prefix.strip("rRuU"):
        for other in STRING_ALTERNATIVES.get(node.evaluated_value, ()):
            yield "vocabulary", node.with_changes(value=f"{node.quote}{other}{node.quote}")


def attribute_vocabulary(node: cst.CSTNode, scope: Scope) -> Iterator[tuple[str, cst.CSTNode]]:
    if isinstance(node, cst.Attribute):
        for other in ATTRIBUTE_ALTERNATIVES.get(node.attr.value, ()):
            yield "vocabulary", node.with_changes(attr=cst.Name(other))


def keyword_value(node: cst.CSTNode, scope: Scope) -> Iterator[tuple[str, cst.CSTNode]]:
    if isinstance(node, cst.Arg) and node.keyword is not None and node.keyword.value in KEYWORD_VALUES:
        current = cst.Module(body=[]).code_for_node(node.value)
        for other in KEYWORD_VALUES[node.keyword.value]:
            if other != current:
                yield f"keyword {node.keyword.value}", node.with_changes(value=cst.parse_expression(other))


def parameter_default(node: cst.CSTNode, scope: Scope) -> Iterator[tuple[str, cst.CSTNode]]:
    """Use the parameter's default instead of the parameter: a function that ignores its argument."""
    if isinstance(node, cst.Name) and id(node) in scope.loads and node.value in scope.defaults:
        yield "argument ignored", scope.defaults[node.value].deep_clone()


def siblings(name: str, names: frozenset[str]) -> list[str]:
    """Notebook variables a student could take for `name`: train/test swapped, numbered or same stem."""
    found: list[str] = []
    candidates = [name.replace("test", "train"), name.replace("train", "test")]
    candidates += sorted(n for n in names if n.rstrip("0123456789") == name.rstrip("0123456789"))
    if "_" in name:
        stem = name.rsplit("_", 1)[0]
        candidates += [stem, *sorted(n for n in names if n.startswith(stem + "_"))]
    for candidate in candidates:
        if candidate in names and candidate != name and candidate not in found:
            found.append(candidate)
    return found[:3]


def sibling_variable(node: cst.CSTNode, scope: Scope) -> Iterator[tuple[str, cst.CSTNode]]:
    if isinstance(node, cst.Name) and id(node) in scope.loads and node.value not in scope.local_names:
        for other in siblings(node.value, scope.notebook_names):
            yield "other variable", node.with_changes(value=other)


def _swapped(items: list, values: list, i: int) -> list:
    swapped = list(items)
    swapped[i] = items[i].with_changes(value=values[i + 1])
    swapped[i + 1] = items[i + 1].with_changes(value=values[i])
    return swapped


def swap_arguments(node: cst.CSTNode, scope: Scope) -> Iterator[tuple[str, cst.CSTNode]]:
    if isinstance(node, cst.Call):
        positional = [i for i, arg in enumerate(node.args) if arg.keyword is None and not arg.star]
        for a, b in zip(positional, positional[1:], strict=False):
            if b == a + 1:
                yield "arguments swapped", node.with_changes(args=_swapped(list(node.args), [x.value for x in node.args], a))


def swap_items(node: cst.CSTNode, scope: Scope) -> Iterator[tuple[str, cst.CSTNode]]:
    if isinstance(node, cst.Tuple) and all(isinstance(e, cst.Element) for e in node.elements):
        elements = list(node.elements)
        for i in range(len(elements) - 1):
            yield "items swapped", node.with_changes(elements=_swapped(elements, [e.value for e in elements], i))


def remove_statement(node: cst.CSTNode, scope: Scope) -> Iterator[tuple[str, cst.CSTNode]]:
    if scope.in_function and isinstance(node, cst.SimpleStatementLine):
        if not any(isinstance(s, (cst.Return, cst.Pass)) for s in node.body):
            yield "statement removed", node.with_changes(body=[cst.Pass()])


OPERATORS: tuple[Operator, ...] = (
    mutmut_operators,
    comparison_reversed,
    floor_division,
    operands_swapped,
    scale_by_data,
    number_minus_one,
    string_vocabulary,
    attribute_vocabulary,
    keyword_value,
    parameter_default,
    sibling_variable,
    swap_arguments,
    swap_items,
    remove_statement,
)
