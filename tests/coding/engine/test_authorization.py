"""SC-AUTH in the engine: codes to service families, and one visit's lines against the
authorizations on file (pure: no database, no clock)."""

from __future__ import annotations

import datetime

import pytest

from coding.engine.authorization import (
    AuthorizationOnFile,
    check_authorizations,
    code_family,
    families_error,
)

DAY = datetime.date(2026, 6, 15)


@pytest.mark.parametrize(
    ("code", "family"),
    [
        ("90834", "psychotherapy"),
        ("90833", "psychotherapy"),
        ("90839", "psychotherapy"),
        ("90847", "psychotherapy"),
        ("90853", "psychotherapy"),
        ("90792", "psychotherapy"),
        ("99214", "em"),
        ("99204", "em"),
        ("96127", "testing"),
        ("96372", "injection"),
        ("90785", None),
        ("90863", None),
        ("G2211", None),
        ("99417", None),
        ("J2426", None),
    ],
)
def test_each_code_has_one_family_and_add_ons_none(code, family):
    assert code_family(code) == family


def _on_file(**fields) -> AuthorizationOnFile:
    values = {
        "number": "PA-1",
        "families": frozenset({"psychotherapy"}),
        "start": datetime.date(2026, 1, 1),
        "end": datetime.date(2026, 12, 31),
        "authorized": 12,
        "used": 0,
    }
    return AuthorizationOnFile(**{**values, **fields})


VISIT = [("99214", 1), ("90833", 1)]


def test_a_visit_under_an_authorization_uses_it():
    check = check_authorizations(
        lines=VISIT, day=DAY, required={"psychotherapy"}, on_file=[_on_file()]
    )
    assert (check.problems, check.numbers) == ((), ("PA-1",))


def test_nothing_is_checked_for_services_the_payer_does_not_authorize():
    check = check_authorizations(lines=VISIT, day=DAY, required={"testing"}, on_file=[])
    assert check.problems == ()


@pytest.mark.parametrize(
    ("on_file", "kind"),
    [
        ([], "missing"),
        ([_on_file(families=frozenset({"em"}))], "missing"),
        ([_on_file(end=datetime.date(2026, 6, 14))], "outside_dates"),
        ([_on_file(start=datetime.date(2026, 6, 16))], "outside_dates"),
        ([_on_file(used=12)], "exceeded"),
    ],
)
def test_each_kind_of_problem(on_file, kind):
    check = check_authorizations(lines=VISIT, day=DAY, required={"psychotherapy"}, on_file=on_file)
    assert [p.kind for p in check.problems] == [kind]
    assert check.numbers == ()


def test_units_count_the_familys_units_and_a_later_authorization_with_room_is_used():
    lines = [("96127", 3)]
    short = _on_file(number="T-1", families=frozenset({"testing"}), counts="units", used=10)
    check = check_authorizations(lines=lines, day=DAY, required={"testing"}, on_file=[short])
    assert check.problems[0].text == (
        "Testing (96127): authorization T-1 has 10 of 12 units used; this visit needs 3 more."
    )
    room = _on_file(number="T-2", families=frozenset({"testing"}), counts="units", used=0)
    check = check_authorizations(lines=lines, day=DAY, required={"testing"}, on_file=[short, room])
    assert (check.problems, check.numbers) == ((), ("T-2",))


def test_families_error_names_the_unknown_ones():
    assert families_error(["psychotherapy", "em"]) is None
    assert families_error(["x-ray"]) == (
        "Unknown service family x-ray; use psychotherapy, em, testing, injection."
    )
