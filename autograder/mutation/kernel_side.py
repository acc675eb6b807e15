"""Runs inside the reference kernel, sent there by the mutation run: one change at a time.

``apply`` keeps the current bindings of the names a mutant rebinds and runs the mutant in the
notebook's namespace; ``restore`` puts those bindings back (the very same objects). A mutant
that raises leaves its names unbound, as the student's failing cell would.

``apply_steps`` does the same for a corpus entry (corpus.py): its chunks, and the notebook's
statements that read what they change, replayed in notebook order. A replayed statement
``name = function(arguments)`` gets read-only views of its array arguments and copies of its
other data (a buggy function that changes its input must not change the reference's values for
the next entry; views cost no memory, and the training set is large), and a Keras model it
rebuilds takes over the trained weights of the model it replaces (nothing is trained again). A
step that raises leaves what it did not bind unbound, as a failing cell does, and the next step
runs; only a model that cannot take the trained weights stops the entry.
"""

from __future__ import annotations

import ast
import copy
import gc
from typing import Any

_saved: dict[str, Any] = {}
_names: list[str] = []


def _namespace() -> dict:
    from IPython import get_ipython

    return get_ipython().user_ns


def _save(names: list[str]) -> dict:
    namespace = _namespace()
    _saved.clear()
    _saved.update({name: namespace[name] for name in names if name in namespace})
    _names[:] = names
    return namespace


def _unbind(namespace: dict, names: list[str]) -> None:
    for name in names:
        namespace.pop(name, None)


def apply(code: str, names: list[str]) -> None:
    namespace = _save(names)
    try:
        exec(compile(code, "<mutant>", "exec"), namespace)
    except BaseException:
        _unbind(namespace, names)
        raise


class WeightsDoNotFit(Exception):
    """A rebuilt model whose architecture differs from the trained one's: the entry needs training."""


def _fresh(value: Any) -> Any:
    """A read-only view of an array, a copy of other plain data (lists, dicts); anything else as it is."""
    import numpy as np

    if isinstance(value, np.ndarray):
        view = value.view()
        view.flags.writeable = False
        return view
    if isinstance(value, (list, dict, tuple)):
        return copy.deepcopy(value)
    return value


def _is_model(value: Any) -> bool:
    import sys

    keras = sys.modules.get("keras")
    return keras is not None and isinstance(value, keras.Model)


def _replay(statement: str, name: str, namespace: dict) -> None:
    call = ast.parse(statement).body[0].value

    def evaluate(node: ast.expr) -> Any:
        return eval(compile(ast.Expression(node), "<replay>", "eval"), namespace)

    try:
        args = [_fresh(evaluate(a)) for a in call.args]
        kwargs = {k.arg: _fresh(evaluate(k.value)) for k in call.keywords}
        value = evaluate(call.func)(*args, **kwargs)
    except Exception:
        namespace.pop(name, None)
        return
    before = namespace.get(name)
    if _is_model(before) and _is_model(value):
        try:
            value.set_weights(before.get_weights())
        except Exception as error:
            raise WeightsDoNotFit(f"{name}: {type(error).__name__}") from None
    namespace[name] = value


def apply_steps(steps: list[tuple[str, str, str]], names: list[str]) -> None:
    """Run ("code", source, "") and ("replay", statement, name) steps in order, after saving `names`."""
    namespace = _save(names)
    try:
        for kind, source, name in steps:
            if kind == "replay":
                _replay(source, name, namespace)
                continue
            try:
                exec(compile(source, "<corpus entry>", "exec"), namespace)
            except Exception:
                pass  # what the chunk bound before it raised stays bound, as in a notebook
    except BaseException:
        restore(collect=True)
        raise


def restore(collect: bool = False) -> None:
    namespace = _namespace()
    _unbind(namespace, _names)
    namespace.update(_saved)
    _saved.clear()
    _names.clear()
    if collect:  # the rebuilt models and arrays of a corpus entry: Keras models hold reference cycles
        gc.collect()
