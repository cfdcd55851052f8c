"""The Mermaid diagram stays readable at any size: a 24-state machine whose
database enforces no refusal (530 accepted moves that had to be refused) draws
its 25 edges and at most a dozen notes, not 530 extra edges."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest

from validator import load_spec, run
from validator.reports import render
from validator.reports.mermaid import NOTE_LIMIT, NOTE_NAMES

STATES = [f"s{index:02d}" for index in range(24)]


def _spec(folder: Path) -> Path:
    (folder / "schema.sql").write_text(
        "CREATE TABLE m (id TEXT PRIMARY KEY, state TEXT NOT NULL DEFAULT 's00');\n", "utf-8"
    )
    chain = "\n".join(f"      {a}: [{b}]" for a, b in pairwise(STATES))
    text = f"""\
version: 1
name: big
schema: schema.sql
operations:
  make:
    params: [id]
    sql: INSERT INTO m (id) VALUES (:id)
    returns: {{one: "SELECT * FROM m WHERE id = :id"}}
  move:
    params: [id, to]
    sql: UPDATE m SET state = :to WHERE id = :id
state_machines:
  big:
    table: m
    column: state
    states: [{", ".join(STATES)}]
    initial: s00
    transitions:
{chain}
    terminal: [s23]
    create: {{call: make, with: {{id: x}}}}
    move: {{call: move, with: {{id: "${{row.id}}", to: "${{to}}"}}}}
    reject_others: true
"""
    path = folder / "big.yaml"
    path.write_text(text, "utf-8")
    return path


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str]:
    report = run(load_spec(_spec(tmp_path_factory.mktemp("big"))))
    accepted = sum(check.outcome == "fail" for check in report.checks)
    return accepted, render("markdown", [report])


def _block(markdown: str) -> list[str]:
    (block,) = re.findall(r"```mermaid\n(.*?)```", markdown, flags=re.DOTALL)
    return [line.strip() for line in block.splitlines()]


def test_every_refusal_fails_without_a_trigger(rendered: tuple[int, str]) -> None:
    accepted, _ = rendered
    assert accepted == 24 * 23 - 23 + 1  # every unlisted move, and a value outside


def test_edges_are_the_machine_only(rendered: tuple[int, str]) -> None:
    lines = _block(rendered[1])
    edges = [line for line in lines if " --> " in line]
    assert len(edges) == 1 + 23 + 1  # start, the chain, the terminal state
    assert not any("❌" in edge for edge in edges)


def test_notes_are_capped_and_name_a_few_targets(rendered: tuple[int, str]) -> None:
    lines = _block(rendered[1])
    notes = [index for index, line in enumerate(lines) if line.startswith("note right of")]
    assert len(notes) == NOTE_LIMIT
    for index in notes:
        assert re.fullmatch(r"❌ accepts \d+ moves it should refuse", lines[index + 1])
        names, _, more = lines[index + 2].removeprefix("to ").partition(" and ")
        assert len(names.split(", ")) == NOTE_NAMES
        assert re.fullmatch(r"\d+ more", more)
    assert f"{24 - NOTE_LIMIT} more states with moves they should refuse" in rendered[1]


def test_the_diagram_stays_small(rendered: tuple[int, str]) -> None:
    lines = _block(rendered[1])
    assert len(lines) < 100
    shown = [line for line in lines if not line.startswith("class ")]  # not drawn text
    assert max(map(len, shown)) < 120
    (coloured,) = [line for line in lines if line.startswith("class ")]
    assert coloured == f"class {', '.join(STATES)} failed"
