"""Coverage before the visit: the 270 of a day's schedule, 271 answers read into each
coverage's benefits, the schedule's coverage states and the commands.

The 270 and the 271s are read by an outside X12 library, x12sdk (pyx12 has no 270/271 map).
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone
from x12sdk.io import X12ModelReader

from accounts.models import AccessRecord
from claims.eligibility import (
    coverage_fix,
    eligibility_batch_export,
    eligibility_import,
    eligibility_schedule,
)
from claims.models import EligibilityCheck, EligibilityInquiryBatch, PayerFile
from claims.x12.eligibility import x12sdk_problems
from encounters.models import Coverage, ScheduledVisit
from tests.claims.eligibility_files import Benefits, response_271
from tests.factories import ClinicianFactory, CoverageFactory, PatientFactory, payer

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 1)


def _visit(patient, *, time=datetime.time(9, 0), setting="in_person", day=DAY, clinician=None):
    clinician = clinician or ClinicianFactory()
    return ScheduledVisit.objects.create(
        patient=patient,
        clinician=clinician,
        date=day,
        time=time,
        setting=setting,
        created_by=clinician.user,
    )


def _members(text: str) -> list:
    with X12ModelReader(text) as reader:
        return [m for model in reader.models() for m in model.members()]


@pytest.fixture
def day_schedule(db):
    """Ann (commercial, twice that day), Ben (Medicare), Cal (a child on his father's
    commercial plan), and Dee, scheduled the day after."""
    ann = CoverageFactory(patient=PatientFactory(first_name="Ann", last_name="Able"))
    ben = CoverageFactory(
        patient=PatientFactory(first_name="Ben", last_name="Baker"), payer=payer("medicare")
    )
    cal = CoverageFactory(
        patient=PatientFactory(first_name="Cal", last_name="Cole"),
        relation="19",
        subscriber_first_name="Carl",
        subscriber_last_name="Cole",
        subscriber_date_of_birth=datetime.date(1970, 5, 1),
    )
    dee = CoverageFactory(patient=PatientFactory(first_name="Dee", last_name="Dunn"))
    clinician = ClinicianFactory()
    _visit(ann.patient, clinician=clinician)
    _visit(ann.patient, clinician=clinician, time=datetime.time(15, 0), setting="video")
    _visit(ben.patient, clinician=clinician, time=datetime.time(10, 0))
    _visit(cal.patient, clinician=clinician, time=datetime.time(11, 0))
    _visit(dee.patient, clinician=clinician, day=DAY + datetime.timedelta(days=1))
    return {"ann": ann, "ben": ben, "cal": cal, "dee": dee}


# ----------------------------------------------------------------------------- 270
def test_270_for_a_day_has_one_inquiry_per_patient_and_payer_read_by_x12sdk(day_schedule, biller):
    medicare, commercial = payer("medicare"), payer("commercial")
    medicare.eligibility_service_types = ["MH", "A6"]
    medicare.save(update_fields=["eligibility_service_types"])
    commercial.eligibility_service_types = ["MH", "A4", "A6", "A7", "A8"]
    commercial.save(update_fields=["eligibility_service_types"])

    batch = eligibility_batch_export(visit_date=DAY, user=biller)

    assert x12sdk_problems(batch.content) == []
    members = {m.name: m for m in _members(batch.content)}
    assert set(members) == {("ABLE", "ANN"), ("BAKER", "BEN"), ("COLE", "CAL")}  # not Dee
    assert batch.inquiry_count == 3  # Ann's two visits are one inquiry
    ann = members[("ABLE", "ANN")]
    assert ann.member_id == day_schedule["ann"].member_id
    assert ann.payer_name == "COMMERCIAL PLAN"
    assert ann.service_type_codes == ("MH", "A4", "A6", "A7", "A8")
    assert members[("BAKER", "BEN")].service_type_codes == ("MH", "A6")
    assert members[("BAKER", "BEN")].payer_name == "MEDICARE PART B"
    cal = members[("COLE", "CAL")]
    assert cal.is_dependent
    assert cal.subscriber_name == ("COLE", "CARL")
    assert cal.member_id == day_schedule["cal"].member_id
    assert "DTP*291*D8*20261201~" in batch.content
    assert AccessRecord.objects.filter(
        object_type="claims.EligibilityInquiryBatch"
    ).get().patient_ids == sorted(c.patient_id for k, c in day_schedule.items() if k != "dee")


def test_a_day_without_visits_makes_no_270(db, biller):
    with pytest.raises(ValidationError, match="No patient with active coverage"):
        eligibility_batch_export(visit_date=DAY, user=biller)
    assert not EligibilityInquiryBatch.objects.exists()


def test_x12sdk_names_what_is_wrong_in_a_broken_270(day_schedule, biller):
    content = eligibility_batch_export(visit_date=DAY, user=biller).content
    broken = content.replace("\nSE*", "\nSE*9", 1)  # a wrong segment count
    assert x12sdk_problems(broken)
    assert "not an X12 file" in x12sdk_problems("hello")[0]


# ----------------------------------------------------------------------------- 271
def _import(biller, answers, name="answer.271", **kwargs):
    return eligibility_import(user=biller, name=name, data=response_271(answers, **kwargs).encode())


def test_271_active_fills_in_the_verified_benefits(day_schedule, biller):
    ann = day_schedule["ann"]
    result = _import(biller, [Benefits(ann, DAY, telehealth_copay=Decimal("10"))])
    check = EligibilityCheck.objects.get(coverage=ann)
    assert result.checks == [check]
    assert check.status == "active"
    assert check.plan_name == "GOLD PPO"
    assert (check.plan_begin, check.plan_end) == (
        datetime.date(2026, 1, 1),
        DAY.replace(month=12, day=31),
    )
    assert check.copay_in_person == Decimal("30.00")
    assert check.copay_telehealth == Decimal("10.00")
    assert check.deductible == Decimal("500.00")
    assert check.deductible_remaining == Decimal("350.00")
    assert check.deductible_met == Decimal("150.00")
    assert check.visit_limit == 20
    assert check.carve_out_payer == ""
    assert check.benefits["MH"]["copay"] == "30.00"
    assert (check.checked_by, check.source, check.file_name) == (biller, "271", "answer.271")
    assert check.changes == []  # the first check has nothing to compare with
    kept = PayerFile.objects.get(kind="271")
    assert kept.summary["coverages_checked"] == 1


def test_271_inactive_coverage_is_recorded_inactive(day_schedule, biller):
    ben = day_schedule["ben"]
    result = _import(biller, [Benefits(ben, DAY, active=False)], payer_id="MCRB1")
    check = EligibilityCheck.objects.get(coverage=ben)
    assert check.status == "inactive"
    assert result.inactive == [check]
    assert check.copay_in_person is None


def test_271_changed_copay_is_flagged_against_the_last_check(day_schedule, biller):
    ann = day_schedule["ann"]
    _import(biller, [Benefits(ann, DAY, copay=Decimal("20"))])
    result = _import(biller, [Benefits(ann, DAY, copay=Decimal("40"), remaining=Decimal("100"))])
    latest = EligibilityCheck.objects.filter(coverage=ann).order_by("-id").first()
    assert latest.changes == ["Copay in person: 20.00 → 40.00"]  # the deductible used is no change
    assert result.changed == [latest]
    assert EligibilityCheck.objects.filter(coverage=ann).count() == 2  # history kept


def test_271_carve_out_names_the_behavioural_health_payer(day_schedule, biller):
    ann = day_schedule["ann"]
    _import(
        biller,
        [
            Benefits(
                ann,
                DAY,
                copay=None,
                deductible=None,
                remaining=None,
                visits=None,
                carve_out="MINDWELL BEHAVIORAL",
                service_type="A6",
            )
        ],
    )
    check = EligibilityCheck.objects.get(coverage=ann)
    assert check.carve_out_payer == "MINDWELL BEHAVIORAL"
    rows = eligibility_schedule(user=biller, day=DAY)
    assert rows[0].share == "Billed to MINDWELL BEHAVIORAL (behavioural health carved out)"


def test_271_without_our_trace_is_matched_by_payer_and_member_id(day_schedule, biller):
    ann, dee = day_schedule["ann"], day_schedule["dee"]
    stranger = CoverageFactory.build(
        patient=PatientFactory.build(first_name="Zed", last_name="Zane"), pk=999999
    )
    result = _import(biller, [Benefits(ann, DAY, trace=""), Benefits(stranger, DAY, trace="")])
    assert [c.coverage for c in result.checks] == [ann]
    assert result.unmatched == [
        f"ZANE, ZED (member {stranger.member_id}): no coverage of ours matches."
    ]
    assert not EligibilityCheck.objects.filter(coverage=dee).exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not an x12 file at all", "not an X12 file"),
        (b"ISA*00*bad~", "x12sdk could not read"),
    ],
)
def test_a_file_that_is_not_a_readable_271_records_nothing(biller, content, message):
    with pytest.raises(ValidationError, match=message):
        eligibility_import(user=biller, name="bad.271", data=content)
    assert not EligibilityCheck.objects.exists()
    assert not PayerFile.objects.exists()


def test_a_270_uploaded_as_an_answer_is_refused(day_schedule, biller):
    content = eligibility_batch_export(visit_date=DAY, user=biller).content
    with pytest.raises(ValidationError, match="not a 271"):
        eligibility_import(user=biller, name="ours.270", data=content.encode())


def test_only_billers_import_271s(day_schedule, prescriber):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        _import(prescriber, [Benefits(day_schedule["ann"], DAY)])


# ----------------------------------------------------------------------------- the schedule
def test_schedule_shows_each_state_and_the_expected_share(
    day_schedule, biller, django_assert_num_queries
):
    ann, ben, cal = day_schedule["ann"], day_schedule["ben"], day_schedule["cal"]
    _import(biller, [Benefits(ann, DAY, copay=Decimal("20"), telehealth_copay=Decimal("5"))])
    _import(biller, [Benefits(ann, DAY, copay=Decimal("25"), telehealth_copay=Decimal("5"))])
    _import(biller, [Benefits(ben, DAY, active=False)], payer_id="MCRB1")
    with django_assert_num_queries(4):  # visits, coverages, latest checks, the access record
        rows = eligibility_schedule(user=biller, day=DAY)
    by = {(r.visit.patient.first_name, r.visit.setting): r for r in rows}
    assert by[("Ann", "in_person")].state == "changed"
    assert by[("Ann", "in_person")].share == "$25.00 copay, after $350.00 of deductible left"
    assert by[("Ann", "video")].share == "$5.00 copay, after $350.00 of deductible left"
    assert by[("Ben", "in_person")].state == "inactive"
    assert by[("Cal", "in_person")].state == "not_checked"
    assert cal.patient_id in AccessRecord.objects.latest("id").patient_ids


def test_a_check_from_an_earlier_day_shows_not_checked_unless_inactive(day_schedule):
    from claims.eligibility import coverage_state

    today = timezone.localdate()
    earlier = timezone.now() - datetime.timedelta(days=3)
    old = EligibilityCheck(coverage=day_schedule["ann"], status="active", checked_at=earlier)
    assert coverage_state(old, today=today) == "not_checked"
    old.status = "inactive"
    assert coverage_state(old, today=today) == "inactive"
    fresh = EligibilityCheck(status="active", checked_at=timezone.now(), changes=[])
    assert coverage_state(fresh, today=today) == "verified"
    assert coverage_state(None, today=today) == "not_checked"


def test_fixing_inactive_coverage_records_the_new_one_verified(day_schedule, biller):
    ben = day_schedule["ben"]
    _import(biller, [Benefits(ben, DAY, active=False)], payer_id="MCRB1")
    coverage_fix(
        user=biller,
        coverage=ben,
        payer=payer("medicaid"),
        member_id="NEW123",
        group_number="",
        values={"copay_in_person": Decimal("0")},
    )
    ben.refresh_from_db()
    assert not ben.active
    new = Coverage.objects.get(patient=ben.patient, active=True)
    assert (new.payer.slug, new.member_id, new.priority) == ("medicaid", "NEW123", ben.priority)
    row = next(
        r for r in eligibility_schedule(user=biller, day=DAY) if r.visit.patient == ben.patient
    )
    assert (row.coverage, row.state, row.share) == (new, "verified", "$0.00 copay")
    assert row.check.source == "biller"
    assert row.check.checked_by == biller


# ----------------------------------------------------------------------------- commands
def test_export_eligibility_command_writes_the_days_270(day_schedule, biller, tmp_path):
    out = tmp_path / "day.270"
    call_command("export_eligibility", "--date", "2026-12-01", "--out", str(out))
    text = out.read_text()
    assert x12sdk_problems(text) == []
    assert len(_members(text)) == 3


def test_export_eligibility_command_refuses_a_bad_date(biller, tmp_path):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("export_eligibility", "--date", "12/01/2026", "--out", str(tmp_path / "x"))


def test_import_eligibility_command_prints_the_counts(day_schedule, biller, tmp_path, capsys):
    path = tmp_path / "answer.271"
    path.write_text(response_271([Benefits(day_schedule["ann"], DAY)]))
    call_command("import_eligibility", str(path))
    assert json.loads(capsys.readouterr().out)["coverages_checked"] == 1
    assert EligibilityCheck.objects.get().checked_by == biller


def test_import_eligibility_command_says_why_a_file_is_refused(biller, tmp_path):
    path = tmp_path / "bad.271"
    path.write_text("nothing")
    with pytest.raises(CommandError, match="not an X12 file"):
        call_command("import_eligibility", str(path))


def test_the_data_migration_gives_the_shipped_payers_their_service_types(db):
    import importlib

    from django.apps import apps

    from payers.models import Payer, validate_service_types

    migration = importlib.import_module("payers.migrations.0014_payer_eligibility_service_types")
    for slug in migration.DEFAULT_SERVICE_TYPES:
        payer(slug)
    Payer.objects.update(eligibility_service_types=[])
    migration.load(apps, None)
    for slug, codes in migration.DEFAULT_SERVICE_TYPES.items():
        validate_service_types(codes)
        assert Payer.objects.get(slug=slug).eligibility_service_types == codes
    assert "A6" in Payer.objects.get(slug="medicare").eligibility_service_types


def test_271_answering_for_a_dependent_child_reaches_the_childs_coverage(day_schedule, biller):
    cal = day_schedule["cal"]  # Cal is on his father Carl's plan
    ann = day_schedule["ann"]
    result = _import(biller, [Benefits(cal, DAY, copay=Decimal("15")), Benefits(ann, DAY)])
    assert [c.coverage for c in result.checks] == [cal, ann]
    assert EligibilityCheck.objects.get(coverage=cal).copay_in_person == Decimal("15.00")
