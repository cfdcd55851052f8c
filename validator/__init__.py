"""validator: a schema-first, declarative validator for SQLite-backed lifecycles.

Library use::

    from validator import load_spec, run
    report = run(load_spec(Path("spec/orders.yaml")))
    print(report.verdict)
"""

from __future__ import annotations

from .errors import Location, Problem, SchemaError, SpecError, UsageError, ValidatorError
from .results import CheckResult, Finding, Report
from .runner import load_spec, run

__all__ = [
    "CheckResult",
    "Finding",
    "Location",
    "Problem",
    "Report",
    "SchemaError",
    "SpecError",
    "UsageError",
    "ValidatorError",
    "load_spec",
    "run",
]
__version__ = "0.1.0"
