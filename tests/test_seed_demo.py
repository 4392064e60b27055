"""The demo practice loads once, gives every role a login and enough charts to work with."""

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
from coding.models import SignedProposal
from config import settings as config_settings
from encounters.models import Coverage, Encounter, EncounterStatus, Patient
from encounters.models import EncounterDiagnosis as Diagnosis

pytestmark = pytest.mark.django_db

COUNTED = (User, Clinician, Patient, Coverage, Encounter, Diagnosis, SignedProposal)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module, inside a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        yield _counts()
        transaction.set_rollback(True)


def test_second_run_changes_nothing_and_does_not_fail(seeded):
    access_records = AccessRecord.objects.count()
    out = io.StringIO()

    call_command("seed_demo", stdout=out)

    assert _counts() == seeded
    assert AccessRecord.objects.count() == access_records
    assert "already present" in out.getvalue()


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


def test_demo_superuser_has_the_printed_two_step_key_and_reaches_the_admin(seeded, client):
    """Staff always need two-step sign-in: the demo admin's key is printed beside the logins."""
    from base64 import b32encode

    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    out = io.StringIO()
    call_command("seed_demo", stdout=out)
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
