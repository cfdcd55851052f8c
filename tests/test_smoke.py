"""The shipped spec passes against the shipped schema, end to end."""

from __future__ import annotations

from conftest import SPEC, RunCli


def test_shipped_spec_passes(run_cli: RunCli) -> None:
    result = run_cli(SPEC)
    assert result.status == 0, result.out + result.err
    assert result.out.splitlines()[-1].startswith("PASS: ")
    assert result.err == ""
