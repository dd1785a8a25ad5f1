"""Data-driven: every sample case under samples/cases yields exactly its expected findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from pepforms.cases import Case, discover
from pepforms.checking import CheckOptions, check_file
from pepforms.schema import all_forms

from .tampering import returned_form

CASES = discover()


def test_every_form_has_a_good_case() -> None:
    have = {(c.authority, c.phase) for c in CASES if c.name == "good"}
    assert have == set(all_forms())


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case_yields_exactly_its_expected_findings(case: Case, tmp_path: Path) -> None:
    name, data = returned_form(case)
    path = tmp_path / name
    path.write_bytes(data)
    result = check_file(path, CheckOptions())
    found = {(f.pointer, f.code) for f in result.findings}
    errors = {(f.pointer, f.code) for f in result.findings if f.severity == "error"}
    expected = set(case.expected)
    assert expected <= found, f"{case.description}: missing {expected - found}"
    assert errors <= expected, f"{case.description}: unexpected errors {errors - expected}"
    assert result.status == ("fail" if errors else "pass")
    if case.name == "good":
        assert result.findings == [] or all(f.severity == "warning" for f in result.findings)
        assert result.read_by == "tags"


def test_every_authority_has_fault_cases_with_catalogue_codes() -> None:
    from pepforms.findings import CATALOGUE

    for authority in {a for a, _ in all_forms()}:
        faults = [c for c in CASES if c.authority == authority and c.expected]
        assert len(faults) >= 5, authority
    for case in CASES:
        for _, code in case.expected:
            assert code in CATALOGUE, f"{case.id}: {code}"
