"""Billers fix a claim line: validated, re-priced, re-scrubbed, recorded; stale forms refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from claims.build import claim_line_update
from claims.models import Claim, ClaimState
from claims.transitions import StaleClaimError
from coding.engine.claim_lines import BilledLine

pytestmark = pytest.mark.django_db


def fix(code="99214", units=1, modifiers=(), pointers=(1,)):
    return BilledLine(code, units, tuple(modifiers), tuple(pointers))


def test_a_fix_reprices_rescrubs_and_records_the_old_and_new_line(claim, biller):
    claim_line_update(user=biller, claim=claim, version=1, position=1, fix=fix("99215"))
    claim.refresh_from_db()
    line = claim.lines.get(position=1)
    assert line.code == "99215"
    assert line.charge > 0
    assert claim.version == 2
    assert "SC-ENGINE" in {f["rule"] for f in claim.findings}  # 99215 is not what was signed
    edit = claim.edits.get()
    assert (edit.old["code"], edit.new["code"], edit.user) == ("99214", "99215", biller)


def test_a_fix_that_clears_the_findings_makes_the_claim_clean(claim, biller):
    claim_line_update(user=biller, claim=claim, version=1, position=1, fix=fix("99215"))
    claim_line_update(user=biller, claim=claim, version=2, position=1, fix=fix("99214"))
    claim.refresh_from_db()
    assert claim.scrub_status == "clean"
    assert claim.findings == []


def test_a_fix_creating_an_error_is_saved_and_blocks_approval(claim, biller):
    """Our call: save and show the findings (fixes may take several steps)."""
    claim_line_update(user=biller, claim=claim, version=1, position=2, fix=fix("90863"))
    claim.refresh_from_db()
    assert claim.has_errors
    assert "CB-4" in {f["rule"] for f in claim.findings if f["level"] == "error"}


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (fix("12345"), "code"),
        (fix(units=0), "units"),
        (fix(modifiers=("955",)), "modifiers"),
        (fix(modifiers=("ZZ",)), "modifiers"),
        (fix(modifiers=("X~",)), "modifiers"),
        (fix(modifiers=("25", "25")), "modifiers"),
        (fix("99213-X~Q*"), "code"),
        (fix(pointers=()), "pointers"),
        (fix(pointers=(2,)), "pointers"),
        (fix(pointers=(1, 1)), "pointers"),
    ],
)
def test_an_invalid_fix_names_the_field_and_changes_nothing(claim, biller, bad, field):
    with pytest.raises(ValidationError) as caught:
        claim_line_update(user=biller, claim=claim, version=1, position=1, fix=bad)
    assert field in caught.value.message_dict
    assert Claim.objects.get(pk=claim.pk).version == 1


def test_a_stale_fix_is_refused_and_the_line_kept(claim, biller, other_biller):
    claim_line_update(user=other_biller, claim=claim, version=1, position=1, fix=fix("99213"))
    stale = Claim.objects.get(pk=claim.pk)
    with pytest.raises(StaleClaimError, match="changed by Bea Second"):
        claim_line_update(user=biller, claim=stale, version=1, position=1, fix=fix("99215"))
    assert Claim.objects.get(pk=claim.pk).lines.get(position=1).code == "99213"


def test_only_billers_fix_lines(claim, prescriber):
    with pytest.raises(PermissionDenied):
        claim_line_update(user=prescriber, claim=claim, version=1, position=1, fix=fix())


def test_an_approved_claim_cannot_be_fixed(claim, biller):
    Claim.objects.filter(pk=claim.pk).update(state=ClaimState.APPROVED)
    claim.refresh_from_db()
    with pytest.raises(ValidationError, match="cannot be changed"):
        claim_line_update(user=biller, claim=claim, version=1, position=1, fix=fix("99215"))


def test_a_modifier_outside_the_practice_list_is_refused_naming_it_and_the_list(claim, biller):
    """Review issue 8 item 6: modifiers come from one fixed list (coding.engine.codes)."""
    with pytest.raises(ValidationError) as caught:
        claim_line_update(
            user=biller, claim=claim, version=1, position=1, fix=fix(modifiers=("GT", "ZZ"))
        )
    (message,) = caught.value.message_dict["modifiers"]
    assert message.startswith("Modifier ZZ is not one this practice uses; allowed: 25, 26")
    assert Claim.objects.get(pk=claim.pk).lines.get(position=1).modifiers == []


def test_a_listed_modifier_is_saved(claim, biller):
    claim_line_update(
        user=biller, claim=claim, version=1, position=1, fix=fix(modifiers=("25", "XU"))
    )
    assert Claim.objects.get(pk=claim.pk).lines.get(position=1).modifiers == ["25", "XU"]


# --- adding and deleting a line (an add-on billed in error, or left out) ----------------------


def test_deleting_an_add_on_billed_in_error_renumbers_rescrubs_and_records_the_reason(
    claim, biller
):
    from claims.build import claim_line_delete

    first = claim.lines.get(position=1)
    claim_line_delete(user=biller, claim=claim, version=1, position=1, reason="Not done today")
    claim.refresh_from_db()
    lines = list(claim.lines.all())
    assert [ln.position for ln in lines] == [1]
    assert lines[0].code != first.code
    assert claim.version == 2
    assert claim.total_charge == lines[0].charge
    assert "SC-ENGINE" in {f["rule"] for f in claim.findings}  # not what was signed
    edit = claim.edits.get()
    assert (edit.old["code"], edit.new, edit.reason) == (first.code, {}, "Not done today")


def test_adding_a_line_prices_it_at_the_end_and_records_the_reason(claim, biller):
    from claims.build import claim_line_add

    before = [ln.code for ln in claim.lines.all()]
    claim_line_add(
        user=biller, claim=claim, version=1, line=fix("96127"), reason="PHQ-9 was scored"
    )
    claim.refresh_from_db()
    lines = list(claim.lines.all())
    assert [ln.code for ln in lines] == [*before, "96127"]
    assert [ln.position for ln in lines] == list(range(1, len(lines) + 1))
    assert lines[-1].charge > 0
    assert claim.total_charge == sum(ln.charge for ln in lines)
    assert "SC-ENGINE" in {f["rule"] for f in claim.findings}
    edit = claim.edits.get()
    assert (edit.old, edit.new["code"], edit.reason) == ({}, "96127", "PHQ-9 was scored")


@pytest.mark.parametrize("action", ["add", "delete"])
def test_a_line_change_without_a_reason_or_by_a_clinician_is_refused(
    claim, biller, prescriber, action
):
    from claims.build import claim_line_add, claim_line_delete

    def change(user, reason):
        if action == "add":
            return claim_line_add(
                user=user, claim=claim, version=1, line=fix("96127"), reason=reason
            )
        return claim_line_delete(user=user, claim=claim, version=1, position=2, reason=reason)

    count = claim.lines.count()
    with pytest.raises(ValidationError) as refused:
        change(biller, "  ")
    assert "reason" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        change(prescriber, "a reason")
    assert claim.lines.count() == count
    assert not claim.edits.exists()


def test_the_last_line_cannot_be_deleted(claim, biller):
    from claims.build import claim_line_delete

    claim_line_delete(user=biller, claim=claim, version=1, position=2, reason="not done")
    claim.refresh_from_db()
    with pytest.raises(ValidationError, match="void the claim"):
        claim_line_delete(user=biller, claim=claim, version=2, position=1, reason="not done")
