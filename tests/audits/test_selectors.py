"""Which lines count as billed: the payer's claim when there is one, else the signed choice."""

from __future__ import annotations

from types import SimpleNamespace

from audits.selectors import billed_lines, chosen_lines, claim_lines


class Lines(list):
    def all(self):
        return self


def encounter(*, claim=None, chosen=None):
    fields = {}
    if claim is not None:
        fields["claim"] = SimpleNamespace(
            lines=Lines(SimpleNamespace(code=c, units=1, modifiers=m) for c, m in claim)
        )
    if chosen is not None:
        fields["signed_proposal"] = SimpleNamespace(chosen_lines=chosen)
    return SimpleNamespace(**fields)


def test_claim_lines_are_the_billed_lines_when_a_claim_exists():
    e = encounter(
        claim=[("99214", ["25"]), ("90833", [])],
        chosen=[{"code": "99214", "units": 1, "modifiers": []}],
    )
    assert billed_lines(e) == [
        {"code": "99214", "units": 1, "modifiers": ["25"]},
        {"code": "90833", "units": 1, "modifiers": []},
    ]
    assert chosen_lines(e) == [{"code": "99214", "units": 1, "modifiers": []}]


def test_without_a_claim_the_codes_chosen_at_signing_are_billed():
    e = encounter(chosen=[{"code": "90834", "units": 1, "modifiers": []}])
    assert claim_lines(e) is None
    assert billed_lines(e) == [{"code": "90834", "units": 1, "modifiers": []}]


def test_nothing_stored_means_nothing_billed():
    assert billed_lines(encounter()) == []
