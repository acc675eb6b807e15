"""Runs inside the reference kernel, sent there by the mutation run: one mutant at a time.

``apply`` keeps the current bindings of the names a mutant rebinds and runs the mutant in the
notebook's namespace; ``restore`` puts those bindings back (the very same objects). A mutant
that raises leaves its names unbound, as the student's failing cell would.
"""

from __future__ import annotations

from typing import Any

_saved: dict[str, Any] = {}
_names: list[str] = []


def _namespace() -> dict:
    from IPython import get_ipython

    return get_ipython().user_ns


def apply(code: str, names: list[str]) -> None:
    namespace = _namespace()
    _saved.clear()
    _saved.update({name: namespace[name] for name in names if name in namespace})
    _names[:] = names
    try:
        exec(compile(code, "<mutant>", "exec"), namespace)
    except BaseException:
        for name in names:
            namespace.pop(name, None)
        raise


def restore() -> None:
    namespace = _namespace()
    for name in _names:
        namespace.pop(name, None)
    namespace.update(_saved)
    _saved.clear()
    _names.clear()
