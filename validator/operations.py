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
    """The parameter values of ``call``: its arguments, then the defaults."""
    given = scope.resolve(dict(call.args))
    values: dict[str, Any] = {}
    for name in operation.accepted:
        value = given[name] if name in given else scope.resolve(operation.defaults[name])
        values[name] = bindable(value)
    return values


def bindable(value: Any) -> Any:
    """A value as SQL binds it: booleans as 1/0, lists and mappings as JSON text."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True)
    return value
