"""validator mutate: the score of a spec against single-edit mutants of its schema.

Small schemas with a known hole, with equivalent mutants and with parts no
check touches, each with a spec written here; then the shipped spec (which
must kill every mutant it does not acknowledge) and the second domain (whose
score and survivors are pinned).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT, SCHEMA, SPEC, RunCli
from jsonschema import Draft202012Validator
from lxml import etree

from validator import load_spec
from validator.mutation import MutationReport, score
from validator.reports.mutation import FORMATS, render

MUTATION_SCHEMA = json.loads((ROOT / "validator" / "mutation.schema.json").read_text("utf-8"))
JUNIT_XSD = ROOT / "tests" / "schemas" / "junit-10.xsd"

# A foreign key neither declared in the spec's tables nor exercised by a call.
HOLE_SCHEMA = """\
CREATE TABLE parents (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE children (
    id TEXT PRIMARY KEY,
    parent_id TEXT REFERENCES parents(id),
    label TEXT NOT NULL DEFAULT 'new' CHECK (label IN ('new', 'old'))
);
"""
FOREIGN_KEY = "schema.sql:8:20"
"""Where ``REFERENCES parents(id)`` starts: every mutant of the key is located there."""

HOLE_SPEC = """\
version: 1
name: hole
schema: schema.sql
tables:
  parents:
    columns:
      id: {primary_key: true}
      name: {not_null: true}
  children:
    columns:
      id: {primary_key: true}
      label: {not_null: true, default: new}
operations:
  createParent:
    params: [name]
    defaults: {id: "${uuid}"}
    sql: INSERT INTO parents (id, name) VALUES (:id, :name)
    returns: {one: "SELECT * FROM parents WHERE id = :id"}
  createChild:
    params: [parent_id]
    defaults: {id: "${uuid}"}
    sql: INSERT INTO children (id, parent_id) VALUES (:id, :parent_id)
    returns: {one: "SELECT * FROM children WHERE id = :id"}
  relabel:
    params: [id, label]
    sql: UPDATE children SET label = :label WHERE id = :id
    returns: {one: "SELECT * FROM children WHERE id = :id"}
fixtures:
  parent: {call: createParent, with: {name: p}}
criteria:
  - id: labels
    title: A child is new, may become old, and nothing else
    given: [parent]
    steps:
      - call: createChild
        with: {parent_id: "${parent.id}"}
        as: child
        expect: {type: object, required: [label], properties: {label: {const: new}}}
      - call: relabel
        with: {id: "${child.id}", label: old}
        expect: {type: object, required: [label], properties: {label: {const: old}}}
      - {call: relabel, with: {id: "${child.id}", label: gone}, raises: check}
"""

KEY_MUTANTS = {
    "drop-foreign-key:children.parent_id",
    *(
        f"change-on-{event}:children.parent_id:{action}"
        for event in ("delete", "update")
        for action in ("cascade", "set_null", "set_default", "restrict")
    ),
}


def write(root: Path, schema: str, spec: str) -> Path:
    (root / "schema.sql").write_text(schema, "utf-8")
    path = root / "spec.yaml"
    path.write_text(spec, "utf-8")
    return path


def scored(path: Path, **options: object) -> MutationReport:
    spec = load_spec(path)
    assert spec.schema is not None
    text = spec.schema.read_text("utf-8")
    return score(spec, text, "schema.sql", **options)  # type: ignore[arg-type]


@pytest.fixture
def hole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return write(tmp_path, HOLE_SCHEMA, HOLE_SPEC).relative_to(tmp_path)


# -- the known hole -------------------------------------------------------------


def test_the_undeclared_unexercised_foreign_key_is_all_that_survives(hole: Path) -> None:
    report = scored(hole, jobs=1)
    survivors = {result.mutant.id: str(result.mutant.location) for result in report.survivors}
    assert survivors == dict.fromkeys(KEY_MUTANTS, FOREIGN_KEY)
    assert report.count("killed") == len(report.results) - len(KEY_MUTANTS)
    assert report.count("error") == report.count("equivalent") == 0
    killed = report.count("killed")
    assert report.score == killed / (killed + len(KEY_MUTANTS))


def test_the_cli_prints_the_survivor_at_its_line_with_the_edit(run_cli: RunCli, hole: Path) -> None:
    result = run_cli("mutate", hole, "-k", "drop-foreign-key", "--jobs", "1")
    assert (result.status, result.err) == (0, "")
    assert result.out.splitlines()[2:7] == [
        "survived: no check notices these edits",
        f"  {FOREIGN_KEY}: drop-foreign-key:children.parent_id",
        "      - parent_id TEXT REFERENCES parents(id),",
        "      + parent_id TEXT,",
        "      no check exercises children.parent_id REFERENCES parents(id)",
    ]
    assert result.out.splitlines()[-1] == (
        "score 0.0%: 0 killed, 1 survived (0 ignored, 0 equivalent, 0 errors; "
        "1 of 18 mutants, 7 checks)"
    )


def test_a_declared_foreign_key_kills_them(tmp_path: Path) -> None:
    declared = HOLE_SPEC.replace(
        "      label: {not_null: true, default: new}",
        "      label: {not_null: true, default: new}\n"
        "      parent_id: {references: parents.id, on_delete: no_action, on_update: no_action}",
    )
    report = scored(write(tmp_path, HOLE_SCHEMA, declared), jobs=1)
    assert report.survivors == ()
    assert report.score == 1.0
    key = [r for r in report.results if r.mutant.id == "drop-foreign-key:children.parent_id"]
    assert key[0].killed_by == ("table-children.parent_id",)


# -- the gate -------------------------------------------------------------------


def test_fail_under(run_cli: RunCli, hole: Path) -> None:
    below = run_cli("mutate", hole, "--fail-under", "100", "--jobs", "1")
    assert below.status == 1
    assert below.err == "--fail-under 100: the score 50.0% is below it\n"
    assert "score 50.0%: 9 killed, 9 survived" in below.out
    assert run_cli("mutate", hole, "--fail-under", "50", "--jobs", "1").status == 0


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--fail-under", "101"], "expected a percentage from 0 to 100, found 101"),
        (["--fail-under", "most"], "expected a percentage, found 'most'"),
        (["--jobs", "0"], "expected 1 to 1024 processes, found 0"),
        (["--format", "github"], "invalid choice: 'github'"),
    ],
)
def test_bad_options_exit_2(run_cli: RunCli, hole: Path, option: list[str], message: str) -> None:
    result = run_cli("mutate", hole, *option)
    assert result.status == 2
    assert message in result.err
    assert result.out == ""


def test_a_spec_that_does_not_pass_stops_before_any_mutant(run_cli: RunCli, hole: Path) -> None:
    hole.write_text(HOLE_SPEC.replace("label: {const: old}", "label: {const: older}"), "utf-8")
    result = run_cli("mutate", hole, "--jobs", "1")
    assert (result.status, result.out) == (1, "")
    lines = result.err.splitlines()
    assert lines[0] == (
        "spec.yaml: the spec does not pass on schema.sql as written (1 of 7 checks did not "
        "pass); a mutation score of a failing spec means nothing: make it pass first "
        "(validator spec.yaml shows why)"
    )
    assert (
        lines[1] == "  FAIL  A child is new, may become old, and nothing else  [criterion-labels]"
    )
    assert lines[2] == (
        '    spec.yaml:41:79: step 2 (relabel): expected result.label = "older", found "old"'
    )


# -- selection ------------------------------------------------------------------


def test_id_selects_exactly_and_unknown_ids_are_refused(run_cli: RunCli, hole: Path) -> None:
    chosen = run_cli("mutate", hole, "--id", "drop-not-null:parents.name", "--format", "json")
    document = json.loads(chosen.out)
    assert [m["id"] for m in document["mutants"]] == ["drop-not-null:parents.name"]
    assert document["summary"]["selected"] == 1
    assert document["summary"]["generated"] == 18
    unknown = run_cli("mutate", hole, "--id", "drop-not-null:parents.nam")
    assert unknown.status == 2
    assert unknown.err.startswith(
        "--id drop-not-null:parents.nam: no mutant of schema.sql has this id; "
        "near: drop-not-null:parents.name, "
    )


def test_k_matches_ids_and_rules(run_cli: RunCli, hole: Path) -> None:
    by_rule = run_cli(
        "mutate", hole, "-k", "'label CHECK' and not drop-check-value", "--format", "json"
    )
    assert [m["id"] for m in json.loads(by_rule.out)["mutants"]] == ["drop-check:children.label"]
    nothing = run_cli("mutate", hole, "-k", "no-such-thing")
    assert nothing.status == 2
    assert nothing.err == "-k 'no-such-thing': no mutant of schema.sql matches -k 'no-such-thing'\n"
    broken = run_cli("mutate", hole, "-k", "(drop")
    assert broken.status == 2
    assert broken.err == "-k (drop: expected ')' at column 6, found end of expression\n"


# -- acknowledged survivors -------------------------------------------------------

IGNORE = """
mutations:
  ignore:
    - id: drop-foreign-key:children.parent_id
      reason: parents are never deleted, and the data layer checks the parent itself
"""


def test_an_ignored_survivor_is_shown_and_left_out_of_the_score(hole: Path) -> None:
    hole.write_text(HOLE_SPEC + IGNORE, "utf-8")
    report = scored(hole, jobs=1)
    ignored = [r for r in report.results if r.outcome == "ignored"]
    assert [(r.mutant.id, r.reason) for r in ignored] == [
        (
            "drop-foreign-key:children.parent_id",
            "parents are never deleted, and the data layer checks the parent itself",
        )
    ]
    assert report.count("survived") == len(KEY_MUTANTS) - 1
    assert report.score == 9 / (9 + 8)
    assert report.warnings == ()


def test_a_stale_ignore_entry_is_refused_at_its_line(run_cli: RunCli, hole: Path) -> None:
    hole.write_text(HOLE_SPEC + IGNORE.replace("children.parent_id", "children.parent"), "utf-8")
    result = run_cli("mutate", hole)
    assert (result.status, result.out) == (2, "")
    assert result.err.startswith(
        "spec.yaml:46:11: mutations.ignore: no mutant of schema.sql has the id "
        "'drop-foreign-key:children.parent' (the schema changed? remove the entry); "
        "near: drop-foreign-key:children.parent_id, "
    )


def test_an_ignore_entry_of_a_killed_mutant_is_a_located_warning(
    run_cli: RunCli, hole: Path
) -> None:
    hole.write_text(
        HOLE_SPEC
        + IGNORE.replace("drop-foreign-key:children.parent_id", "drop-not-null:parents.name"),
        "utf-8",
    )
    result = run_cli("mutate", hole, "--jobs", "1", "--format", "json")
    assert result.status == 0
    document = json.loads(result.out)
    assert document["warnings"] == [
        {
            "location": {"file": "spec.yaml", "line": 46, "column": 11},
            "message": "mutations.ignore: mutant 'drop-not-null:parents.name' is killed (by "
            "table-parents.name); the entry is not needed",
        }
    ]
    killed = [m for m in document["mutants"] if m["id"] == "drop-not-null:parents.name"]
    assert killed[0]["outcome"] == "killed"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "    - {id: 'drop-everything:t', reason: x}\n",
            "spec.yaml:46:12: unknown mutation operator 'drop-everything' in mutant id "
            "'drop-everything:t'; expected one of: drop-foreign-key,",
        ),
        (
            "    - {id: 'drop-unique:t', reason: x}\n    - {id: 'drop-unique:t', reason: y}\n",
            "spec.yaml:47:12: mutant 'drop-unique:t' is already ignored at line 46",
        ),
        (
            "    - {id: 'drop-unique:t', reason: ''}\n",
            "spec.yaml:46:37: $.mutations.ignore[0].reason: expected a non-empty string",
        ),
        (
            "    - {id: nothing, reason: x}\n",
            "spec.yaml:46:12: $.mutations.ignore[0].id: expected a mutant id",
        ),
    ],
)
def test_ignore_entries_are_checked_with_the_spec(
    run_cli: RunCli, hole: Path, entry: str, message: str
) -> None:
    hole.write_text(HOLE_SPEC + "\nmutations:\n  ignore:\n" + entry, "utf-8")
    result = run_cli("mutate", hole)
    assert result.status == 2
    assert result.err.startswith(message)


# -- equivalent mutants -----------------------------------------------------------

EQUIVALENT_SCHEMA = """\
CREATE TABLE t (
    id INTEGER PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    UNIQUE (code)
);
"""
EQUIVALENT_SPEC = """\
version: 1
name: equivalent
schema: schema.sql
tables:
  t:
    columns:
      id: {primary_key: true}
      code: {not_null: true, unique: true}
"""


def test_equivalent_mutants_are_marked_and_not_scored(tmp_path: Path) -> None:
    report = scored(write(tmp_path, EQUIVALENT_SCHEMA, EQUIVALENT_SPEC), jobs=1)
    outcomes = {result.mutant.id: result.outcome for result in report.results}
    assert outcomes == {
        "drop-primary-key:t.id": "killed",
        "drop-not-null:t.id": "equivalent",  # the rowid is never NULL
        "drop-not-null:t.code": "killed",
        "drop-unique:t.code": "equivalent",  # UNIQUE (code) still holds
        "drop-unique:t.code#2": "equivalent",
    }
    assert report.score == 1.0
    assert all(not r.killed_by for r in report.results if r.outcome == "equivalent")


def test_a_mutant_that_does_not_apply_is_killed_with_the_error(tmp_path: Path) -> None:
    schema = "CREATE TABLE t (id TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;\n"
    spec = "version: 1\nname: w\nschema: schema.sql\ntables:\n  t: {columns: {v: {}}}\n"
    report = scored(write(tmp_path, schema, spec), jobs=1)
    (result,) = report.results
    assert (result.mutant.id, result.outcome, result.killed_by) == (
        "drop-primary-key:t.id",
        "killed",
        (),
    )
    assert result.reason == (
        "the mutated schema does not apply: schema.sql:1:1: PRIMARY KEY missing on table t"
    )


# -- coverage ---------------------------------------------------------------------

COVERAGE_SCHEMA = """\
CREATE TABLE items (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    note TEXT,
    kind TEXT DEFAULT 'a' CHECK (kind IN ('a', 'b'))
);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    item_id TEXT REFERENCES items(id) ON DELETE CASCADE,
    at TEXT
);
CREATE INDEX items_by_name ON items(name);
CREATE TRIGGER items_audit AFTER DELETE ON items BEGIN
    INSERT INTO audit (item_id) VALUES (OLD.id);
END;
CREATE TABLE unused (x TEXT);
"""
COVERAGE_SPEC = """\
version: 1
name: coverage
schema: schema.sql
operations:
  createItem:
    params: [name]
    defaults: {id: "${uuid}"}
    sql: INSERT INTO items (id, name) VALUES (:id, :name)
    returns: {one: "SELECT id, name FROM items WHERE id = :id"}
criteria:
  - id: create
    title: An item keeps its name
    steps:
      - call: createItem
        with: {name: n}
        expect: {type: object, required: [name], properties: {name: {const: n}}}
"""


def test_coverage_lists_exactly_what_no_check_exercises(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, COVERAGE_SCHEMA, COVERAGE_SPEC)
    result = run_cli("mutate", "spec.yaml", "--coverage", "--jobs", "1", "--format", "json")
    assert result.status == 0
    found = [
        (f"{i['location']['line']}:{i['location']['column']}", i["kind"], i["name"])
        for i in json.loads(result.out)["coverage"]
    ]
    assert found == [
        ("4:5", "column", "items.note"),
        ("5:5", "column", "items.kind"),
        ("5:15", "constraint", "items.kind DEFAULT"),
        ("7:1", "table", "audit"),
        ("8:5", "column", "audit.id"),
        ("8:16", "constraint", "audit.id PRIMARY KEY"),
        ("9:5", "column", "audit.item_id"),
        ("9:18", "constraint", "audit.item_id REFERENCES items(id)"),
        ("9:18", "constraint", "audit.item_id REFERENCES items(id) ON UPDATE NO ACTION"),
        ("9:39", "constraint", "audit.item_id REFERENCES items(id) ON DELETE CASCADE"),
        ("10:5", "column", "audit.at"),
        ("13:1", "trigger", "trigger items_audit on items"),
        ("16:1", "table", "unused"),
        ("16:22", "column", "unused.x"),
    ]


def test_without_coverage_the_report_has_none(hole: Path) -> None:
    report = scored(hole, jobs=1, select=lambda mutant: mutant.operator == "drop-unique")
    assert report.coverage is None


# -- reports ----------------------------------------------------------------------


@pytest.fixture
def hole_report(hole: Path) -> MutationReport:
    hole.write_text(HOLE_SPEC + IGNORE, "utf-8")
    return scored(hole, jobs=1, coverage=True)


def test_json_validates_against_its_schema(hole_report: MutationReport, tmp_path: Path) -> None:
    validator = Draft202012Validator(MUTATION_SCHEMA)
    document = json.loads(render("json", hole_report))
    assert list(validator.iter_errors(document)) == []
    (tmp_path / "equivalent").mkdir()
    equivalent = scored(write(tmp_path / "equivalent", EQUIVALENT_SCHEMA, EQUIVALENT_SPEC), jobs=1)
    assert list(validator.iter_errors(json.loads(render("json", equivalent)))) == []
    first = document["mutants"][0]
    assert set(first) >= {"id", "operator", "location", "edit", "outcome", "killed_by"}
    assert set(first["location"]) == {"file", "line", "column"}


def test_junit_is_valid_and_survivors_fail(hole_report: MutationReport) -> None:
    rendered = render("junit", hole_report)
    document = etree.fromstring(rendered.encode("utf-8"))
    schema = etree.XMLSchema(etree.parse(str(JUNIT_XSD)))
    assert schema.validate(document), schema.error_log
    suite = document.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("18", "8", "1")
    failing = [
        case.get("name") for case in suite.iter("testcase") if case.find("failure") is not None
    ]
    cascade = "change-on-delete:children.parent_id:cascade"
    assert f"children.parent_id REFERENCES parents(id) ON DELETE [{cascade}]" in failing


def test_markdown_lists_the_survivors(hole_report: MutationReport) -> None:
    rendered = render("markdown", hole_report)
    assert rendered.startswith("## ❌ Mutation score 52.9%: hole\n")
    assert "### Survivors" in rendered
    assert "| `schema.sql:8:20` | `change-on-update:children.parent_id:restrict` |" in rendered
    assert "<details><summary>All 18 mutants</summary>" in rendered


def test_every_format_renders(hole_report: MutationReport) -> None:
    assert set(FORMATS) == {"text", "json", "markdown", "junit"}
    for name in FORMATS:
        assert render(name, hole_report).endswith("\n")


# -- processes -----------------------------------------------------------------------


def test_a_pool_of_processes_finds_the_same(hole: Path) -> None:
    alone = scored(hole, jobs=1)
    pooled = scored(hole, jobs=2)
    assert pooled.results == alone.results


# -- the shipped spec and the second domain -------------------------------------------


def test_the_shipped_spec_kills_every_mutant_it_does_not_acknowledge() -> None:
    spec = load_spec(SPEC)
    report = score(spec, SCHEMA.read_text("utf-8"), "schema.sql", jobs=1)
    assert report.survivors == ()
    assert report.complete and report.score == 1.0
    assert [r.mutant.id for r in report.results if r.outcome == "ignored"] == [
        "drop-trigger-branch:agent_sessions_status_transition:when:2.1.2"
    ]
    assert report.warnings == ()
    assert report.generated == len(report.results) >= 150


DEPLOYMENTS = ROOT / "tests" / "domains" / "deployments"

DEPLOYMENT_SURVIVORS = [
    "drop-check:environments.requires_approval",
    *(
        f"change-on-update:deployments.service_id:{a}"
        for a in ("cascade", "set_null", "set_default", "restrict")
    ),
    *(
        f"change-on-update:deployments.environment_id:{a}"
        for a in ("cascade", "set_null", "set_default", "restrict")
    ),
    "drop-check:deployments.status",
    *(
        f"change-on-update:deploy_logs.deployment_id:{a}"
        for a in ("cascade", "set_null", "set_default", "restrict")
    ),
    "drop-check-value:deploy_logs.level:'error'",
    "drop-trigger-branch:deployments_status_transition:when:1",
    "drop-trigger-when:deployments_started_at",
    "drop-trigger-branch:deployments_started_at:when:1",
    "drop-trigger-branch:deployments_started_at:when:2",
    "drop-trigger-branch:deployments_finished_at:when:1",
]


def test_the_second_domain_has_a_pinned_score() -> None:
    spec = load_spec(DEPLOYMENTS / "spec.yaml")
    text = (DEPLOYMENTS / "schema.sql").read_text("utf-8")
    report = score(spec, text, "schema.sql", jobs=1)
    assert [r.mutant.id for r in report.survivors] == DEPLOYMENT_SURVIVORS
    assert (report.count("killed"), report.count("equivalent"), report.generated) == (87, 0, 107)
    assert f"{report.score:.4f}" == "0.8131"


def test_the_schema_command_prints_the_json_schema_of_this_report(run_cli: RunCli) -> None:
    result = run_cli("schema", "mutation")
    assert result.status == 0
    assert json.loads(result.out) == MUTATION_SCHEMA
