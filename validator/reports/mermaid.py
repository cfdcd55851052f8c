"""A state machine and its checks as a Mermaid ``stateDiagram-v2``, readable at any size.

This module owns the diagram the Markdown report draws for each state
machine: its states, ``[*] --> initial``, the allowed transitions and
``terminal --> [*]``. The diagram grows with the machine as declared, never
with the number of checks: a machine of n states has up to n·(n-1) refusal
checks, and one edge per accepted refusal (530 of them for 24 states) made
GitHub shrink the labels to a few pixels, past Mermaid's limit of 500 edges.

- An allowed transition whose check failed is labelled ``❌ failed`` (the
  start check marks ``[*] --> initial`` the same way); one that could not run
  ``⚠️ not checked``.
- Moves that had to be refused but were accepted (``reject_others``, a value
  outside the states) are not edges: each source state gets one note,
  ``❌ accepts N moves it should refuse: to a, b, c`` naming at most
  :data:`NOTE_NAMES` targets, then "and N more"; refusals that could not run
  are counted on a line of their own. At most :data:`NOTE_LIMIT` notes are
  drawn; a line under the diagram counts the states left out. The Failures
  list above the diagram names every check.
- A state that a failing check starts from is coloured red, one with only
  checks that could not run amber (``classDef``: Mermaid styles states, not
  single edges of a state diagram).

Passing refusals are not drawn (they would make every diagram a complete
graph). State names Mermaid cannot take raw (anything but ASCII letters,
digits and ``_``, keywords such as ``end``, ``state``, ``note``, names
starting with ``default``) are declared with an alias: ``state "on-hold" as
s1``. Text is escaped (control characters made visible, Mermaid's own
characters as ``#quot;``-style entities), so no name can end a note or add a
line to the diagram.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..results import CheckResult, MachineSummary, Outcome
from .escape import visible

NOTE_NAMES = 5
"""Target states a note names before "and N more"."""

NOTE_LIMIT = 12
"""Notes a diagram shows; the states past it are counted under the diagram."""

_CLASSES = {
    "failed": "fill:#ffebe9,stroke:#cf222e,color:#1f2328",
    "unchecked": "fill:#fff8c5,stroke:#9a6700,color:#1f2328",
}
"""GitHub's red and amber; class names live apart from state ids in Mermaid."""

_MERMAID_WORDS = frozenset(
    {
        "accdescr", "acctitle", "as", "choice", "class", "classdef", "click", "direction",
        "end", "fork", "graph", "hide", "join", "left", "linkstyle", "note", "of", "right",
        "scale", "state", "statediagram", "style", "subgraph",
    }
)  # fmt: skip
_RAW_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_ENTITIES = {"#": "#35;", '"': "#quot;", ";": "#59;", "<": "#lt;", ">": "#gt;"}


def text(name: str) -> str:
    """``name`` on one line, safe inside a Mermaid description or note."""
    shown = " ".join(visible(name.replace("\r\n", "\n"), keep="\n").split("\n"))
    return "".join(_ENTITIES.get(char, char) for char in shown)


def _raw_ok(name: str) -> bool:
    """Whether Mermaid takes ``name`` as a state id as it is."""
    lowered = name.lower()
    return (
        _RAW_ID.fullmatch(name) is not None
        and lowered not in _MERMAID_WORDS
        and not lowered.startswith("default")
    )


def ids(names: Sequence[str]) -> dict[str, str]:
    """A Mermaid id for every state name: itself, or an alias ``sN`` unused by any name."""
    taken = {name.lower() for name in names if _raw_ok(name)}
    found: dict[str, str] = {}
    counter = 0
    for name in names:
        if _raw_ok(name):
            found[name] = name
            continue
        counter += 1
        while f"s{counter}" in taken:
            counter += 1
        found[name] = f"s{counter}"
    return found


@dataclass
class _Refusals:
    """What one source state did with the moves it had to refuse."""

    accepted: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    unchecked: int = 0


@dataclass
class _Findings:
    """The machine's checks that did not pass, sorted for drawing."""

    start: Outcome | None = None
    edges: dict[tuple[str, str], Outcome] = field(default_factory=dict)
    refusals: dict[str, _Refusals] = field(default_factory=dict)

    def add(self, check: CheckResult) -> None:
        if check.probe == "initial" or check.transition is None:
            self.start = self.start or check.outcome
            return
        source, target = check.transition
        if check.probe == "allowed":
            self.edges.setdefault((source, target), check.outcome)
            return
        refusals = self.refusals.setdefault(source, _Refusals())
        if check.outcome == "error":
            refusals.unchecked += 1
        elif check.probe == "outside":
            refusals.outside.append(target)
        else:
            refusals.accepted.append(target)

    def colour(self, machine: MachineSummary) -> dict[str, str]:
        """State -> ``failed`` or ``unchecked``, for states some check did not pass from."""
        worst: dict[str, str] = {}

        def mark(state: str, outcome: Outcome) -> None:
            if outcome == "fail" or worst.get(state) == "failed":
                worst[state] = "failed"
            else:
                worst[state] = "unchecked"

        if self.start is not None:
            mark(machine.initial, self.start)
        for (source, _), outcome in self.edges.items():
            mark(source, outcome)
        for source, refusals in self.refusals.items():
            mark(source, "fail" if refusals.accepted or refusals.outside else "error")
        return worst


def _collect(machine: MachineSummary, checks: Iterable[CheckResult]) -> _Findings:
    found = _Findings()
    for check in checks:
        mine = check.section == "state_machines" and check.machine == machine.name
        if mine and check.outcome in ("fail", "error"):
            found.add(check)
    return found


def _label(outcome: Outcome | None) -> str:
    if outcome is None:
        return ""
    return ": ❌ failed" if outcome == "fail" else ": ⚠️ not checked"


def _names(targets: Sequence[str]) -> str:
    shown = ", ".join(text(target) for target in targets[:NOTE_NAMES])
    rest = len(targets) - NOTE_NAMES
    return f"{shown} and {rest} more" if rest > 0 else shown


def _note(state_id: str, refusals: _Refusals) -> list[str]:
    lines = [f"    note right of {state_id}"]
    if refusals.accepted:
        count = len(refusals.accepted)
        noun = "move" if count == 1 else "moves"
        lines.append(f"        ❌ accepts {count} {noun} it should refuse")
        lines.append(f"        to {_names(refusals.accepted)}")
    if refusals.outside:
        outside = [f"'{value}'" for value in refusals.outside]
        lines.append(f"        ❌ accepts {_names(outside)}, outside the states")
    if refusals.unchecked:
        count = refusals.unchecked
        lines.append(f"        ⚠️ {count} refusal{'s' if count != 1 else ''} not checked")
    lines.append("    end note")
    return lines


def _edges(machine: MachineSummary, found: _Findings, names: dict[str, str]) -> list[str]:
    lines = [
        f'    state "{text(name)}" as {alias}' for name, alias in names.items() if alias != name
    ]
    lines.append(f"    [*] --> {names[machine.initial]}{_label(found.start)}")
    for source, target in machine.transitions:
        label = _label(found.edges.get((source, target)))
        lines.append(f"    {names[source]} --> {names[target]}{label}")
    lines += [f"    {names[state]} --> [*]" for state in machine.terminal]
    return lines


def _classes(machine: MachineSummary, found: _Findings, names: dict[str, str]) -> list[str]:
    colours = found.colour(machine)
    lines = []
    for kind, style in _CLASSES.items():
        marked = [names[state] for state in machine.states if colours.get(state) == kind]
        if marked:
            lines.append(f"    classDef {kind} {style}")
            lines.append(f"    class {', '.join(marked)} {kind}")
    return lines


def diagram(machine: MachineSummary, checks: Iterable[CheckResult]) -> list[str]:
    """The Mermaid block for ``machine`` (fenced), then a line for notes left out."""
    found = _collect(machine, checks)
    names = ids(machine.states)
    noted = [state for state in machine.states if state in found.refusals]
    lines = ["```mermaid", "stateDiagram-v2", *_edges(machine, found, names)]
    for state in noted[:NOTE_LIMIT]:
        lines += _note(names[state], found.refusals[state])
    lines += [*_classes(machine, found, names), "```"]
    left = len(noted) - NOTE_LIMIT
    if left > 0:
        lines += ["", f"{left} more states with moves they should refuse are not noted; "
                      "the failures above list every check."]  # fmt: skip
    return lines
