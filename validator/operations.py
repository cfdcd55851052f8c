"""Calls of the spec's operations: the values they bind.

Values are always bound as SQL parameters, never pasted into SQL text; the
session runs the call (see :meth:`validator.session.Session.call`).
"""

from __future__ import annotations

import json
from typing import Any

from .model import Call, Operation
from .templates import Scope


def arguments(operation: Operation, call: Call, scope: Scope) -> dict[str, Any]:
    """The parameter values of ``call``: its arguments, then the defaults (an
    optional parameter the call leaves out has no value at all)."""
    given = scope.resolve(dict(call.args))
    values: dict[str, Any] = {}
    for name in operation.accepted:
        if name in given:
            values[name] = bindable(given[name])
        elif name in operation.defaults:
            values[name] = bindable(scope.resolve(operation.defaults[name]))
    return values


def bindable(value: Any) -> Any:
    """A value as SQL binds it: booleans as 1/0, lists and mappings as compact
    JSON text, keys in the spec's order (as ``JSON.stringify`` writes it)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, list | dict):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return value
