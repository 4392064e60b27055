"""factory_boy factories for users, clinicians, patients, coverage and encounters."""

from __future__ import annotations

import datetime
import importlib

import factory
from django.contrib.auth.models import Group, User

from accounts.models import Clinician
from encounters.models import (
    Authorization,
    Coverage,
    Encounter,
    EncounterDiagnosis,
    Instrument,
    MedicationReview,
    Patient,
)
from payers.models import Payer

PRESCRIBER_TAXONOMY = "2084P0800X"


def npi_with_check_digit(first_nine: str) -> str:
    """Complete a 9-digit NPI stem with its Luhn check digit."""
    total = 0
    for i, ch in enumerate(reversed("80840" + first_nine)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return first_nine + str((10 - total % 10) % 10)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@practice.test")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        if extracted:
            group, _ = Group.objects.get_or_create(name=extracted)
            obj.groups.add(group)
        if create:
            obj.save()


class ClinicianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinician

    user = factory.SubFactory(UserFactory, role="Prescriber")
    credential = "MD"
    npi = factory.Sequence(lambda n: npi_with_check_digit(f"1{n:08d}"))
    taxonomy_code = PRESCRIBER_TAXONOMY
    state_license = factory.Sequence(lambda n: f"MD{n:06d}")
    license_state = "NY"


def payer(slug: str = "commercial") -> Payer:
    """A default payer profile (flushed tables lose the data migration's rows)."""
    defaults = {
        "medicare": dict(
            name="Medicare Part B",
            em_credentials=["MD", "DO", "NP", "PA", "CNS"],
            pharm_mgmt_90863_credentials=[],
            prolonged_code="G2212",
            video_modifier="",
            claim_filing_indicator="MB",
            payer_id="MCRB1",
            takes_g2211=True,
            audio_only_home_only=True,
            discard_modifiers=True,
        ),
        "medicaid": dict(
            name="State Medicaid",
            em_credentials=["MD", "DO", "NP", "PA", "CNS"],
            pharm_mgmt_90863_credentials=["RxP"],
            prolonged_code="99417",
            video_modifier="95",
            claim_filing_indicator="MC",
            payer_id="MCD01",
            ndc_on_drug_lines=True,
        ),
        "commercial": dict(
            name="Commercial plan",
            em_credentials=["MD", "DO", "NP", "PA", "CNS"],
            pharm_mgmt_90863_credentials=["RxP"],
            prolonged_code="99417",
            video_modifier="95",
            claim_filing_indicator="CI",
            payer_id="COMM1",
            timely_filing_days=180,
        ),
    }[slug]
    obj, _ = Payer.objects.get_or_create(slug=slug, defaults=defaults)
    return obj


def instrument(name: str) -> Instrument:
    """A standardized instrument of the seeded list (flushed tables lose the migration's rows)."""
    seeded = importlib.import_module("encounters.migrations.0008_engine2_locks_and_instruments")
    row = {r[0]: r for r in seeded.INSTRUMENTS}[name]
    obj, _ = Instrument.objects.get_or_create(
        name=name,
        defaults={
            "description": row[1],
            "counts_for_96127": row[2],
            "score_min": row[3],
            "score_max": row[4],
        },
    )
    return obj


def seed_instruments() -> None:
    """Every instrument of the seeded list, as the data migration leaves them."""
    seeded = importlib.import_module("encounters.migrations.0008_engine2_locks_and_instruments")
    for row in seeded.INSTRUMENTS:
        instrument(row[0])


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = factory.Faker("date_of_birth", minimum_age=18, maximum_age=85)
    sex = factory.Iterator(["F", "M"])
    mrn = factory.Sequence(lambda n: f"MRN{n:06d}")
    address_line1 = factory.Faker("street_address")
    city = factory.Faker("city")
    state = "NY"
    postal_code = "10001"


class CoverageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coverage

    patient = factory.SubFactory(PatientFactory)
    payer = factory.LazyFunction(payer)
    member_id = factory.Sequence(lambda n: f"M{n:09d}")
    group_number = "GRP100"


class EncounterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Encounter

    patient = factory.SubFactory(PatientFactory)
    clinician = factory.SubFactory(ClinicianFactory)
    coverage = factory.LazyAttribute(lambda e: CoverageFactory(patient=e.patient))
    date_of_service = factory.LazyFunction(
        lambda: datetime.date.today() - datetime.timedelta(days=1)
    )
    setting = "in_person"
    patient_status = "established"
    pt_kind = "individual"
    pt_start = datetime.time(9, 0)
    pt_end = datetime.time(9, 30)
    pt_modality = "cbt"
    pt_focus = "Panic symptoms"
    pt_note = "Worked on interoceptive exposure."
    em_start = datetime.time(9, 30)
    em_end = datetime.time(9, 45)
    mdm_problems = factory.LazyFunction(lambda: ["chronic_exacerbation"])
    mdm_risk = factory.LazyFunction(lambda: ["prescription_management"])
    em_plan = "Increase sertraline; follow up in 4 weeks."


class EncounterDiagnosisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EncounterDiagnosis

    encounter = factory.SubFactory(EncounterFactory)
    position = 1
    code = "F41.0"
    description = "Panic disorder [episodic paroxysmal anxiety]"


class MedicationReviewFactory(factory.django.DjangoModelFactory):
    """A complete medication review: drug, dose, frequency, adherence, effect and change."""

    class Meta:
        model = MedicationReview

    encounter = factory.SubFactory(EncounterFactory)
    name = "sertraline"
    dose = "100 mg"
    frequency = "daily"
    adherence = "full"
    side_effects = "mild nausea"
    effect = "partial"
    change = "increased"
    change_reason = "partial response at 8 weeks"


class AuthorizationFactory(factory.django.DjangoModelFactory):
    """A psychotherapy authorization of 12 visits for this year (SC-AUTH)."""

    class Meta:
        model = Authorization

    coverage = factory.SubFactory(CoverageFactory)
    patient = factory.LazyAttribute(lambda a: a.coverage.patient)
    number = factory.Sequence(lambda n: f"PA{n:06d}")
    psychotherapy = True
    start_date = factory.LazyFunction(lambda: datetime.date.today().replace(month=1, day=1))
    end_date = factory.LazyFunction(lambda: datetime.date.today().replace(month=12, day=31))
    authorized = 12
    created_by = factory.SubFactory(UserFactory, role="Biller")
    updated_by = factory.SelfAttribute("created_by")
