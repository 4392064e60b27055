"""The demo practice loads once, gives every role a login and enough charts to work with,
and three months of billing: files sent, answered and paid, claims in every state."""

from __future__ import annotations

import datetime
import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessRecord, Clinician, npi_is_valid
from accounts.roles import Role, role_of
from claims.acks import ack_import
from claims.era import era_import
from claims.models import (
    Claim,
    ClaimFrequency,
    ClaimPayment,
    ClaimState,
    ClaimTransition,
    DenialAction,
    ExportBatch,
    LinePayment,
    PayerFile,
    PaymentAdjustment,
)
from claims.x12.validate import x12_validate
from coding.models import SignedProposal
from config import settings as config_settings
from encounters.models import Coverage, Encounter, EncounterStatus, Patient
from encounters.models import EncounterDiagnosis as Diagnosis

pytestmark = pytest.mark.django_db

COUNTED = (User, Clinician, Patient, Coverage, Encounter, Diagnosis, SignedProposal)
COUNTED += (Claim, ClaimTransition, ExportBatch, PayerFile, ClaimPayment, DenialAction)
S = ClaimState


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    """Where the seed leaves the newest file's 835 (var/demo/ outside the tests)."""
    return tmp_path_factory.mktemp("demo")


def seed(demo_dir, out=None) -> None:
    call_command("seed_demo", payer_files_dir=str(demo_dir), stdout=out or io.StringIO())


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, demo_dir):
    """Seed once for the module, inside a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        seed(demo_dir, out)
        counts = _counts()
        counts["output"] = out.getvalue()
        yield counts
        transaction.set_rollback(True)


def test_second_run_changes_nothing_and_does_not_fail(seeded, demo_dir):
    access_records = AccessRecord.objects.count()
    era = (demo_dir / "era-newest-batch.835").read_text()
    out = io.StringIO()

    seed(demo_dir, out)

    assert _counts() == {k: v for k, v in seeded.items() if k != "output"}
    assert AccessRecord.objects.count() == access_records
    assert "Demo encounters already present" in out.getvalue()
    assert "Demo billing already present" in out.getvalue()
    assert (demo_dir / "era-newest-batch.835").read_text() == era


def test_every_role_has_a_demo_login_with_the_printed_password(seeded, settings):
    settings.PASSWORD_HASHERS = config_settings.PASSWORD_HASHERS
    expected = {
        "dr.rivera": Role.PRESCRIBER,
        "np.chen": Role.PRESCRIBER,
        "dr.okafor": Role.PRESCRIBER,
        "pa.silva": Role.PRESCRIBER,
        "biller": Role.BILLER,
        "compliance": Role.COMPLIANCE,
        "admin": Role.ADMIN,
    }
    for username, role in expected.items():
        assert role_of(User.objects.get(username=username)) == role, username
    for username in ("dr.rivera", "admin"):  # Argon2 is slow: two logins stand for all
        assert User.objects.get(username=username).check_password("demo-pass-2026"), username
    assert User.objects.get(username="admin").is_superuser


def test_clinicians_cover_md_np_pa_rxp_and_lcsw_with_valid_npis(seeded):
    clinicians = Clinician.objects.all()
    assert {c.credential for c in clinicians} >= {"MD", "NP", "PA", "RxP", "LCSW"}
    assert all(npi_is_valid(c.npi) for c in clinicians)


def test_at_least_40_patients_covered_by_all_three_payers(seeded):
    assert Patient.objects.count() >= 40
    slugs = set(Coverage.objects.values_list("payer__slug", flat=True))
    assert slugs == {"medicare", "medicaid", "commercial"}
    assert not Patient.objects.filter(coverages__isnull=True).exists()
    assert not Patient.objects.filter(clinicians__isnull=True).exists()


def test_previous_month_has_at_least_20_signed_encounters_for_the_audit(seeded):
    first_of_month = timezone.localdate().replace(day=1)
    last_month = first_of_month - datetime.timedelta(days=1)

    signed = Encounter.objects.signed().in_month(last_month.year, last_month.month)

    assert signed.count() >= 20
    assert all(e.signed_by_id == e.clinician.user_id for e in signed.select_related("clinician"))


def test_this_month_has_drafts_and_every_signed_encounter_has_its_proposal(seeded):
    today = timezone.localdate()
    assert Encounter.objects.drafts().in_month(today.year, today.month).exists()
    assert not Encounter.objects.filter(date_of_service__gt=today).exists()
    signed = Encounter.objects.filter(status=EncounterStatus.SIGNED)
    assert SignedProposal.objects.filter(encounter__in=signed).count() == signed.count()


def test_visits_mix_em_psychotherapy_telehealth_crisis_family_and_evaluations(seeded):
    encounters = Encounter.objects.all()
    assert encounters.filter(em_start__isnull=False, pt_kind="individual").exists()
    assert encounters.filter(em_start__isnull=True, pt_kind="individual").exists()
    assert encounters.filter(em_start__isnull=False, pt_kind="").exists()
    assert encounters.filter(pt_kind="crisis").exists()
    assert encounters.filter(pt_kind__startswith="family").exists()
    assert encounters.exclude(diagnostic_evaluation="").exists()
    assert {"video", "audio", "in_person"} <= set(encounters.values_list("setting", flat=True))
    assert encounters.filter(medication_reviews__isnull=False).exists()
    codes = set(Diagnosis.objects.values_list("code", flat=True))
    assert codes
    assert all(code.startswith("F") for code in codes)


def test_demo_superuser_has_the_printed_two_step_key_and_reaches_the_admin(
    seeded, client, demo_dir
):
    """Staff always need two-step sign-in: the demo admin's key is printed beside the logins."""
    from base64 import b32encode

    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    out = io.StringIO()
    call_command("seed_demo", payer_files_dir=str(demo_dir), stdout=out)
    device = TOTPDevice.objects.get(user__username="admin", confirmed=True)
    key = b32encode(device.bin_key).decode()
    printed = out.getvalue().split("authenticator app (time-based, 6 digits): ")[1].split()[:8]
    assert "".join(printed) == key

    client.force_login(User.objects.get(username="admin"))  # the password: the test above
    assert client.get("/admin/")["Location"].startswith(reverse("accounts:two-step-verify"))
    client.post(reverse("accounts:two-step-verify"), {"code": f"{totp(device.bin_key):06d}"})
    assert client.get("/admin/").status_code == 200
    assert TOTPDevice.objects.filter(user__username="admin").count() == 1


def test_demo_signatures_spread_over_the_visit_day_and_the_next_days(seeded, settings):
    """All demo visits were signed at seeding time, so "signed in time" was never met."""
    signed = list(Encounter.objects.filter(status=EncounterStatus.SIGNED))
    delays = [(timezone.localdate(e.signed_at) - e.date_of_service).days for e in signed]
    in_time = [d for d in delays if d <= settings.AUDIT_TIMELY_SIGNATURE_DAYS]
    assert 0.75 <= len(in_time) / len(signed) < 1  # mostly met, a late one now and then
    assert delays.count(0) > len(signed) / 3  # most on the visit's day
    assert len(set(delays)) > 3
    now = timezone.now()
    for e in signed:
        assert e.signed_at < now
        visit_end = max((t for t in (e.pt_end, e.em_end) if t is not None), default=None)
        visit_end = visit_end or datetime.time(0, 0)  # a visit without times: its day
        visit_ended = timezone.make_aware(datetime.datetime.combine(e.date_of_service, visit_end))
        assert e.signed_at > visit_ended


# --- billing ----------------------------------------------------------------------------------


def test_claims_stand_in_every_state_of_the_state_machine(seeded):
    assert set(Claim.objects.values_list("state", flat=True)) == set(S.values)


def test_837p_files_went_out_every_week_over_the_three_months(seeded):
    batches = list(ExportBatch.objects.order_by("created_at"))
    assert len(batches) >= 10
    assert (batches[-1].created_at - batches[0].created_at).days >= 70
    assert timezone.localdate(batches[-1].created_at) < timezone.localdate()
    gaps = {(b.created_at - a.created_at).days for a, b in zip(batches, batches[1:], strict=False)}
    assert gaps == {7}
    for batch in batches:  # each claim's "submitted" change is dated with its file
        sent = [
            t
            for t in ClaimTransition.objects.filter(to_state=S.SUBMITTED, reason__startswith="837P")
            if t.reason.split(" (")[0] == f"837P batch {batch.control_number}"
        ]
        assert len(sent) == batch.claim_count
        assert {t.at for t in sent} == {batch.created_at}


def test_the_payers_answers_are_posted_over_the_months(seeded):
    eras = PayerFile.objects.filter(kind="835")
    assert eras.count() >= 7
    assert {"999", "277CA"} <= set(PayerFile.objects.values_list("kind", flat=True))
    posted = sorted(ClaimPayment.objects.values_list("posted_at", flat=True))
    assert (posted[-1] - posted[0]).days >= 45
    assert all(p < timezone.now() for p in posted)
    # Claims waiting for an answer are recent: the older files are answered.
    waiting = Claim.objects.filter(state__in=(S.SUBMITTED, S.ACCEPTED))
    oldest = min(waiting.values_list("batch__created_at", flat=True))
    assert (timezone.now() - oldest).days <= 30


def test_some_claims_are_paid_some_partly_paid_with_the_patients_share(seeded):
    assert Claim.objects.filter(state=S.PAID).count() >= 30
    partly = Claim.objects.filter(state=S.PARTLY_PAID)
    assert partly.count() >= 10
    pr = set(
        PaymentAdjustment.objects.filter(group="PR", payment__claim__in=partly).values_list(
            "carc", flat=True
        )
    )
    assert pr == {"1", "2", "3"}  # deductible, coinsurance, copay
    assert ClaimPayment.objects.filter(claim__in=partly, patient_responsibility__gt=0).exists()


def test_denials_carry_the_common_behavioural_health_carcs_and_remarks(seeded):
    denied = Claim.objects.filter(state=S.DENIED)
    assert denied.count() >= 5
    carcs = set(
        PaymentAdjustment.objects.filter(group="CO")
        .exclude(carc="45")
        .values_list("carc", flat=True)
    )
    assert carcs >= {"16", "50", "97", "197", "27"}
    remarks = {r for rarcs in LinePayment.objects.values_list("rarcs", flat=True) for r in rarcs}
    assert {"M51", "N115"} <= remarks
    assert all(c.denial_code for c in denied)


def test_one_payment_is_reversed_and_posted_again(seeded):
    reversal = ClaimPayment.objects.get(reversal=True)
    undone = reversal.reverses
    assert undone.claim_id == reversal.claim_id
    assert reversal.paid == -undone.paid
    states = list(reversal.claim.transitions.values_list("to_state", flat=True))
    assert states[-3:] == [S.PAID, S.SUBMITTED, S.PARTLY_PAID]


def test_a_few_claims_rejected_by_the_payer_wait_in_the_queue_with_the_reason(seeded):
    rejected = [
        c
        for c in Claim.objects.filter(state=S.QUEUED)
        if c.transitions.last().reason.startswith("277CA:")
    ]
    assert 2 <= len(rejected) <= 6
    assert all("fix the claim" in c.transitions.last().reason for c in rejected)


def test_denials_are_worked_a_correction_an_appeal_and_a_write_off(seeded):
    kinds = set(DenialAction.objects.values_list("kind", flat=True))
    assert kinds == {"correct_resubmit", "appeal", "write_off"}
    corrected = Claim.objects.get(state=S.CORRECTED)
    assert corrected.frequency_code == ClaimFrequency.REPLACEMENT
    assert corrected.payer_claim_number


def test_the_newest_files_999_and_835_wait_in_var_demo_and_post_when_imported(seeded, demo_dir):
    path = demo_dir / "era-newest-batch.835"
    assert str(path) in seeded["output"]
    text = path.read_text()
    assert x12_validate(text) == []
    newest = ExportBatch.objects.order_by("-control_number").first()
    waiting = Claim.objects.filter(batch=newest, state__in=(S.SUBMITTED, S.ACCEPTED))
    assert waiting.filter(state=S.SUBMITTED).exists()  # the 277CA answered half of them
    assert waiting.filter(state=S.ACCEPTED).exists()
    count = waiting.count()
    unacknowledged = waiting.filter(state=S.SUBMITTED).count()
    biller = User.objects.get(username="biller")
    ack = (demo_dir / "999-newest-batch.x12").read_text()
    assert str(demo_dir / "999-newest-batch.x12") in seeded["output"]
    assert x12_validate(ack) == []
    with transaction.atomic():
        _, acked = ack_import(user=biller, name="999-newest-batch.x12", content=ack)
        assert acked.accepted == unacknowledged > 0
        assert not waiting.filter(state=S.SUBMITTED).exists()
        _, result = era_import(user=biller, name=path.name, content=text)
        posted = result.claims_paid + result.claims_partly_paid + result.claims_denied
        assert posted == count >= 3
        assert result.claims_paid > 0
        assert result.unmatched == []
        _, again = era_import(user=biller, name=path.name, content=text)
        assert again.already_posted == posted
        transaction.set_rollback(True)
