"""The published JSON Schema and the loader agree on YAML scalars.

Where the format wants a string, the loader gives a plain scalar that YAML
reads as a number or boolean its text back (``title: 0755``, a state named
``true``). Editors (yaml-language-server) and check-jsonschema see the number
or boolean, so the published schema (``validator/spec.schema.json``, what
``validator schema`` prints) allows those types there, marked ``x-text``; the
engine checks the same places as strings (``validate.spec_schema()``).

This file derives what the published schema must say from the strict one
(for each string, the scalar kinds some of whose YAML texts meet its
constraints, so an editor never flags what validator accepts), and runs
check-jsonschema, a real client, on every spec in the repository.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from validator.errors import ValidatorError
from validator.loader import load_file, load_text
from validator.validate import SCHEMA_RESOURCE, format_problems, spec_schema

PUBLISHED = ROOT / "validator" / SCHEMA_RESOURCE

NUMBER_TEXTS = (
    # YAML 1.2 core (yaml-language-server's default, this loader)
    *("0", "7", "0755", "-1", "+1", "0o17", "0x1F", "1.5", ".5", "1.", "1e3", "-.inf", ".nan"),
    # YAML 1.1 and ruamel.yaml (check-jsonschema): more numbers
    *("1_000", "0b11", "12:30", "190:20:30.15"),
)
BOOLEAN_TEXTS = (
    *("true", "True", "TRUE", "false", "False", "FALSE"),
    # YAML 1.1 (yaml.yamlVersion: 1.1 in an editor)
    *(
        f(word)
        for word in ("y", "n", "yes", "no", "on", "off")
        for f in (str.lower, str.capitalize, str.upper)
    ),
)
KINDS = {"number": NUMBER_TEXTS, "boolean": BOOLEAN_TEXTS}


def _meets(text: str, schema: dict[str, Any]) -> bool:
    """Whether the string ``text`` meets the string constraints of ``schema``."""
    pattern = schema.get("pattern")
    return (
        (pattern is None or re.search(pattern, text) is not None)
        and len(text) >= schema.get("minLength", 0)
        and len(text) <= schema.get("maxLength", len(text))
        and text in schema.get("enum", [text])
        and text == schema.get("const", text)
    )


def expected_kinds(schema: dict[str, Any]) -> list[str]:
    """The types a plain scalar there may have in YAML: those some of whose
    texts meet the string's constraints."""
    return [kind for kind, texts in KINDS.items() if any(_meets(t, schema) for t in texts)]


def _walk(node: Any, pointer: str, choice: bool) -> Iterator[tuple[str, dict[str, Any], bool]]:
    """Every subschema with its JSON pointer and whether it lies under anyOf,
    oneOf or not (where jsonschema reports no type error of its own, so the
    loader gives no text back)."""
    if isinstance(node, dict):
        yield pointer, node, choice
        for key, value in node.items():
            under = choice or key in ("anyOf", "oneOf", "not")
            yield from _walk(value, f"{pointer}/{key}", under)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{pointer}/{index}", choice)


def _reached(schema: dict[str, Any]) -> dict[str, set[bool]]:
    """Pointer of every subschema -> whether it is reached under a choice, through $refs."""
    nodes = {pointer: node for pointer, node, _ in _walk(schema, "#", False)}
    reached: dict[str, set[bool]] = {}
    todo = [("#", False)]
    while todo:
        start, choice = todo.pop()
        for pointer, node, under in _walk(nodes[start], start, choice):
            if under in reached.setdefault(pointer, set()) and pointer != start:
                continue
            reached[pointer].add(under)
            ref = node.get("$ref")
            fresh = isinstance(ref, str) and under not in reached.get(ref, set())
            if fresh and (ref, under) not in todo:
                todo.append((ref, under))
    return reached


def _strings(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    nodes = _walk(schema, "#", False)
    return {pointer: node for pointer, node, _ in nodes if node.get("type") == "string"}


@pytest.fixture(scope="module")
def published() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PUBLISHED.read_text("utf-8"))
    return data


def test_every_string_the_loader_coerces_is_widened(published: dict[str, Any]) -> None:
    strict = spec_schema()
    reached = _reached(strict)
    nodes = {pointer: node for pointer, node, _ in _walk(published, "#", False)}
    widened = 0
    for pointer, node in _strings(strict).items():
        kinds = expected_kinds(node)
        coerced = False in reached.get(pointer, set())
        assert not (coerced and True in reached[pointer]), f"{pointer}: reached both ways"
        shown = nodes[pointer]
        if coerced and kinds:
            assert shown["type"] == ["string", *kinds], pointer
            assert shown.get("x-text") is True, pointer
            widened += 1
        else:
            assert shown["type"] == "string", pointer
            assert "x-text" not in shown, pointer
    assert widened >= 20


def test_the_engine_reads_the_published_schema_back_strictly(published: dict[str, Any]) -> None:
    strict = spec_schema()
    for pointer, node, _ in _walk(published, "#", False):
        if node.get("x-text"):
            assert "string" in node["type"], pointer
    assert not any(node.get("x-text") for _, node, _ in _walk(strict, "#", False))
    assert json.dumps(strict).count('"type": "string"') == json.dumps(published).count(
        '"type": "string"'
    ) + json.dumps(published).count('"x-text": true')


def test_the_schemas_have_stable_ids(published: dict[str, Any]) -> None:
    """An id names the format and its version, not a place: it stays while
    ``version: 1`` does, whatever the release or where the file is."""
    report = json.loads((ROOT / "validator" / "report.schema.json").read_text("utf-8"))
    assert published["$id"] == "urn:sqlite-lifecycle-validator:spec:1"
    assert report["$id"] == "urn:sqlite-lifecycle-validator:report:1"
    assert published["properties"]["version"]["const"] == 1


# --- check-jsonschema, a real client ------------------------------------------------


def _specs() -> list[Path]:
    """Every YAML spec in the repository that the loader reads as YAML (files it
    refuses before the format, such as anchors or duplicate keys, are the
    loader's own rules: a JSON Schema never sees them)."""
    found = []
    for folder in ("spec", "tests", "examples"):
        for path in sorted((ROOT / folder).rglob("*.y*ml")):
            if path.suffix not in (".yaml", ".yml") or path.name.startswith("."):
                continue
            try:
                load_file(path, str(path))
            except (ValidatorError, OSError):
                continue
            found.append(path)
    return found


def _client() -> list[str]:
    command = shutil.which("check-jsonschema")
    return [command] if command else [sys.executable, "-m", "check_jsonschema"]


def test_check_jsonschema_agrees_with_the_loader_on_every_spec() -> None:
    specs = _specs()
    assert len(specs) >= 40
    done = subprocess.run(
        [*_client(), "-o", "json", "--schemafile", str(PUBLISHED), *map(str, specs)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    result = json.loads(done.stdout)
    assert result["parse_errors"] == []
    flagged = {error["filename"] for error in result["errors"]}
    # A number too large for a float (1e400) is refused by the loader only: JSON
    # Schema cannot say "finite", and YAML clients read it as infinity.
    refused = {
        str(path)
        for path in specs
        if any(
            "too large for a 64-bit float" not in problem.message
            for problem in format_problems(load_file(path, str(path)))
        )
    }
    assert flagged == refused
    assert str(ROOT / "tests" / "domains" / "switch" / "spec.yaml") not in flagged


def test_scalars_of_every_kind_where_a_string_is_wanted(tmp_path: Path) -> None:
    """``title``, a state and a column type written as numbers and booleans: both
    accept; a null there: both refuse."""
    head = "version: 1\nname: x\ntitle: {title}\n"
    cases = {"number": "0755", "float": "1.50", "bool": "true", "null": "~", "empty": ""}
    paths = {}
    for name, value in cases.items():
        paths[name] = tmp_path / f"{name}.yaml"
        paths[name].write_text(head.format(title=value), "utf-8")
    done = subprocess.run(
        [*_client(), "-o", "json", "--schemafile", str(PUBLISHED), *map(str, paths.values())],
        capture_output=True,
        text=True,
        check=False,
    )
    flagged = {Path(error["filename"]).stem for error in json.loads(done.stdout)["errors"]}
    assert flagged == {"null", "empty"}
    for name, path in paths.items():
        problems = format_problems(load_text(path.read_text("utf-8"), path.name))
        assert bool(problems) == (name in flagged), (name, problems)
