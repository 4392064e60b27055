"""Load the demo practice: a login per role, clinicians, 44 patients and 90 days of visits.

Running it again changes nothing: users, clinicians and patients are found by
username / MRN, and visits are only created while the practice has none of the
demo patients' encounters yet. Everything random comes from fixed seeds, so two
databases seeded on the same day hold the same practice.

Visits are written through ``encounters.services`` (create, then sign as the
treating clinician), so every signing hook runs: the coding proposal is stored
and, once billing registers its hook, the claim is built.

The LCSW therapist logs in with the Prescriber role: it is the role of every
clinician who documents and signs notes, and the credential (not the role) decides
which codes may be billed, so the therapist's notes get psychotherapy codes only.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.models import Clinician, npi_is_valid
from accounts.roles import Role
from accounts.services import two_step_device_install
from claims.models import Claim, ExportBatch
from claims.signing import visit_sign
from coding.adapters import facts_from_encounter
from coding.services import proposal_for_facts
from encounters.models import Authorization, Coverage, Encounter, Patient, SubscriberRelation
from encounters.services import encounter_create, encounter_update
from payers.models import Payer

from ._demo_billing import NEWEST_999_NAME, Billing

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - printed for the demo on purpose
# Staff accounts (the demo admin is a superuser) always need two-step sign-in: the demo
# admin's authenticator-app key, printed and in README.md. Demo data only, like the password.
DEMO_TWO_STEP_KEY = "DEMO ADMI NKEY DEMO ADMI NKEY DEMO ADMN"
MRN_PREFIX = "DEMO"
PATIENT_COUNT = 44
WINDOW_DAYS = 90
SEED = 2026
# About one signed visit in twelve bills an E/M level above the proposal, with a reason,
# so the demo queue has claims the scrubber flags (SC-ENGINE) for billers to work.
OVERRIDE_SHARE = 0.08
OVERRIDE_REASON = "Additional counselling on safety planning documented in the plan."
NEXT_EM_LEVEL = {
    "99212": "99213",
    "99213": "99214",
    "99214": "99215",
    "99202": "99203",
    "99203": "99204",
    "99204": "99205",
}


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: Role
    credential: str = ""
    taxonomy_code: str = ""
    npi_stem: str = ""
    superuser: bool = False


DEMO_USERS = (
    DemoUser("dr.rivera", "Elena", "Rivera", Role.PRESCRIBER, "MD", "2084P0800X", "192837465"),
    DemoUser("np.chen", "Grace", "Chen", Role.PRESCRIBER, "NP", "363LP0808X", "154326789"),
    DemoUser("dr.okafor", "Daniel", "Okafor", Role.PRESCRIBER, "RxP", "103T00000X", "176543210"),
    DemoUser("pa.silva", "Marco", "Silva", Role.PRESCRIBER, "PA", "363A00000X", "138642097"),
    DemoUser("lcsw.ward", "Hannah", "Ward", Role.PRESCRIBER, "LCSW", "1041C0700X", "165019283"),
    DemoUser("biller", "Priya", "Nair", Role.BILLER),
    DemoUser("compliance", "Tom", "Becker", Role.COMPLIANCE),
    DemoUser("admin", "Alex", "Morgan", Role.ADMIN, superuser=True),
)

# Problem lists: diagnoses (F chapter, billable) with the medications that go with them.
PROBLEMS: tuple[tuple[tuple[str, ...], tuple[tuple[str, str, str], ...]], ...] = (
    (("F33.1",), (("sertraline", "100 mg", "daily"),)),
    (("F33.1", "F41.1"), (("escitalopram", "20 mg", "daily"), ("hydroxyzine", "25 mg", "prn"))),
    (("F32.1",), (("bupropion XL", "300 mg", "daily"),)),
    (("F41.1",), (("buspirone", "15 mg", "twice daily"),)),
    (("F41.0", "F40.10"), (("sertraline", "150 mg", "daily"),)),
    (("F43.12",), (("prazosin", "2 mg", "at bedtime"), ("venlafaxine XR", "150 mg", "daily"))),
    (("F31.81",), (("lamotrigine", "200 mg", "daily"),)),
    (
        ("F31.32",),
        (("lithium carbonate", "900 mg", "at bedtime"), ("quetiapine", "100 mg", "at bedtime")),
    ),
    (("F90.2",), (("methylphenidate ER", "36 mg", "every morning"),)),
    (("F90.0", "F41.1"), (("atomoxetine", "80 mg", "daily"),)),
    (("F42.2",), (("fluvoxamine", "200 mg", "at bedtime"),)),
    (("F20.9",), (("aripiprazole", "15 mg", "daily"),)),
    (
        ("F25.0",),
        (("paliperidone ER", "6 mg", "daily"), ("lithium carbonate", "600 mg", "twice daily")),
    ),
    (("F60.3", "F33.0"), (("lamotrigine", "100 mg", "daily"),)),
    (("F10.20", "F32.1"), (("naltrexone", "50 mg", "daily"),)),
    (("F11.20",), (("buprenorphine-naloxone", "8-2 mg", "daily"),)),
    (("F43.23",), (("mirtazapine", "15 mg", "at bedtime"),)),
    (("F34.1",), (("fluoxetine", "40 mg", "daily"),)),
)
LITHIUM = "lithium carbonate"

FOCUS = (
    "Cognitive restructuring of self-critical thoughts",
    "Graded exposure to avoided situations",
    "Sleep and daily structure",
    "Distress tolerance skills after a conflict at work",
    "Relapse-prevention plan and early warning signs",
    "Trauma narrative, session 3",
    "Grief after the death of a parent",
    "Motivation to reduce drinking",
    "Emotion regulation and interpersonal effectiveness",
    "Worry postponement and problem solving",
)
NOTES = (
    "Patient reviewed the thought record from last week; identified catastrophising at work. "
    "Practised alternative appraisals in session. Homework: two thought records a day.",
    "Built an exposure hierarchy (SUDS 20-90) and completed the first two steps in session. "
    "Anxiety fell from 70 to 35 within 20 minutes.",
    "Explored the argument with her sister and the urge to self-harm that followed; used "
    "TIP skills. No current intent or plan; safety plan reviewed and updated.",
    "Discussed ambivalence about drinking using a decisional balance. Patient set a goal of "
    "no more than two drinks on three days a week.",
    "Worked on sleep scheduling and stimulus control; wake time fixed at 07:00.",
    "Continued trauma-focused work; patient tolerated the narrative with grounding twice.",
    "Supportive therapy around the recent job loss; identified three next steps.",
)
FAMILY_NOTES = (
    "Met with the patient and his parents about conflict at home over medication adherence; "
    "agreed on a weekly check-in and a shared calendar.",
    "Family session with the patient's spouse on recognising early signs of hypomania.",
)
CRISIS_NOTE = (
    "Patient called in acute distress after an eviction notice, with passive suicidal ideation. "
    "Risk assessment completed; no plan or intent; access to means removed with the family's "
    "help. Safety plan written, next-day follow-up arranged, crisis line numbers given."
)
PLANS = (
    "Continue the current regimen; follow up in 4 weeks.",
    "Increase the dose as discussed; check side effects by phone in 2 weeks; follow up in 4 weeks.",
    "Taper as discussed over two weeks; follow up in 3 weeks.",
    "Lithium level and TSH ordered; follow up in 2 weeks with results.",
    "No change; continue psychotherapy weekly; follow up in 6 weeks.",
)
MBI_LETTERS = "ACDEFGHJKMNPQRTUVWXY"  # Medicare Beneficiary Identifier letters (no S L O I B Z)


def npi_for(stem: str) -> str:
    """The stem completed with the NPI check digit that ``npi_is_valid`` accepts."""
    return next(stem + d for d in "0123456789" if npi_is_valid(stem + d))


class Command(BaseCommand):
    help = (
        "Load the demo practice (idempotent): logins per role, patients, 90 days of visits "
        "and their claims billed, answered and paid; the newest file's 835 left to import."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--payer-files-dir",
            default=str(settings.BASE_DIR / "var" / "demo"),
            help="Where the 835 of the newest 837P file is written (default var/demo/).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # One hash for the shared demo password: Argon2 is slow on purpose.
        self.password_hash = make_password(DEMO_PASSWORD)
        with transaction.atomic():
            users = {spec.username: self._user(spec) for spec in DEMO_USERS}
            clinicians = {
                spec.username: self._clinician(users[spec.username], spec)
                for spec in DEMO_USERS
                if spec.credential
            }
            patients = self._patients(list(clinicians.values()))
            self._authorizations(users["biller"])
            if Encounter.objects.filter(patient__mrn__startswith=MRN_PREFIX).exists():
                self.stdout.write("Demo encounters already present; nothing added.")
            else:
                created = Schedule(patients).run()
                self.stdout.write(f"Created {created} demo encounters.")
            era_path = self._billing(users["biller"], Path(options["payer_files_dir"]))
        self._print_logins()
        if era_path is not None:
            ack_path = era_path.with_name(NEWEST_999_NAME)
            self.stdout.write(
                f"The newest 837P file's 999 and 835 wait to be imported: {ack_path}, {era_path}\n"
                f"  .venv/bin/python manage.py import_ack {ack_path} --user biller\n"
                f"  .venv/bin/python manage.py import_era {era_path} --user biller"
            )

    def _billing(self, biller: User, directory: Path) -> Path | None:
        """Bill the demo claims once (while no 837P file exists); the newest file's 835."""
        billing = Billing(biller=biller, directory=directory)
        if ExportBatch.objects.exists():
            self.stdout.write("Demo billing already present; nothing added.")
            return billing.newest_era_write()  # written again only if it was removed
        if not Claim.objects.filter(patient__mrn__startswith=MRN_PREFIX).exists():
            return None
        era_path = billing.run()
        self.stdout.write(
            f"Billed the demo claims: {ExportBatch.objects.count()} 837P files sent, "
            "their 999, 277CA and 835 answers posted."
        )
        return era_path

    # --- people -----------------------------------------------------------------------------

    def _user(self, spec: DemoUser) -> User:
        user, _ = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.username}@demo-practice.test",
                "is_staff": spec.superuser,
                "is_superuser": spec.superuser,
                "password": self.password_hash,
            },
        )
        group, _ = Group.objects.get_or_create(name=spec.role.value)
        user.groups.add(group)
        if spec.superuser:
            two_step_device_install(user=user, key_base32=DEMO_TWO_STEP_KEY)
        return user

    def _clinician(self, user: User, spec: DemoUser) -> Clinician:
        clinician, _ = Clinician.objects.get_or_create(
            user=user,
            defaults={
                "credential": spec.credential,
                "npi": npi_for(spec.npi_stem),
                "taxonomy_code": spec.taxonomy_code,
                "state_license": f"{spec.credential.upper()}-{spec.npi_stem[:6]}",
                "license_state": "NY",
            },
        )
        return clinician

    def _patients(self, clinicians: list[Clinician]) -> list[DemoPatient]:
        from faker import Faker  # installed with factory_boy; only the demo needs it

        fake = Faker("en_US")
        fake.seed_instance(SEED)
        rng = random.Random(SEED)  # noqa: S311 - reproducible demo data, not secrets
        payers = {p.slug: p for p in Payer.objects.filter(slug__in=PAYER_SLUGS)}
        missing = set(PAYER_SLUGS) - set(payers)
        if missing:
            raise RuntimeError(f"Payers {sorted(missing)} are missing: run migrate first.")
        prescribers = [c for c in clinicians if c.is_prescriber]
        therapist = next(c for c in clinicians if not c.is_prescriber)
        today = timezone.localdate()
        result = []
        for n in range(1, PATIENT_COUNT + 1):
            sex = rng.choice("FM")
            age = rng.choice([rng.randint(19, 64), rng.randint(19, 64), rng.randint(65, 84)])
            dob = today - datetime.timedelta(days=age * 365 + rng.randint(0, 364))
            first = fake.first_name_female() if sex == "F" else fake.first_name_male()
            last = fake.last_name()
            street, city, postal = fake.street_address(), fake.city(), fake.postcode_in_state("NY")
            patient, created = Patient.objects.get_or_create(
                mrn=f"{MRN_PREFIX}{n:05d}",
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "date_of_birth": dob,
                    "sex": sex,
                    "address_line1": street,
                    "city": city,
                    "state": "NY",
                    "postal_code": postal,
                    "phone": f"(212) 555-01{rng.randint(0, 99):02d}",
                },
            )
            payer_slug = self._payer_slug(age, rng)
            member_id = self._member_id(payer_slug, rng)
            relation = SubscriberRelation.SELF
            if payer_slug == "commercial" and rng.random() < 0.25:
                relation = rng.choice([SubscriberRelation.SPOUSE, SubscriberRelation.CHILD])
            subscriber = (fake.first_name(), last, dob - datetime.timedelta(days=9000))
            dual = payer_slug == "medicare" and rng.random() < 0.3
            prescriber = prescribers[(n - 1) % len(prescribers)]
            with_therapist = rng.random() < 0.25
            problem = PROBLEMS[rng.randrange(len(PROBLEMS))]
            new_to_practice = rng.random() < 0.15
            if created:
                self._coverage(patient, payers[payer_slug], member_id, relation, subscriber)
                if dual:
                    Coverage.objects.create(
                        patient=patient,
                        payer=payers["medicaid"],
                        member_id=self._member_id("medicaid", rng),
                        priority=2,
                    )
                patient.clinicians.add(prescriber, *([therapist] if with_therapist else []))
            result.append(
                DemoPatient(
                    patient=patient,
                    prescriber=prescriber,
                    therapist=therapist if with_therapist else None,
                    diagnoses=problem[0],
                    medications=problem[1],
                    new_to_practice=new_to_practice,
                )
            )
        return result

    @staticmethod
    def _payer_slug(age: int, rng: random.Random) -> str:
        if age >= 65 or rng.random() < 0.08:  # over 65, or on disability
            return "medicare"
        return "medicaid" if rng.random() < 0.35 else "commercial"

    @staticmethod
    def _member_id(slug: str, rng: random.Random) -> str:
        if slug == "medicare":  # MBI shape: N A AN N A AN N A A N N
            digit = "0123456789"
            alnum = MBI_LETTERS + digit
            shape = ["123456789", MBI_LETTERS, alnum, digit, MBI_LETTERS, alnum, digit]
            shape += [MBI_LETTERS, MBI_LETTERS, digit, digit]
            return "".join(rng.choice(chars) for chars in shape)
        if slug == "medicaid":  # New York CIN shape: AA12345A
            letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
            return (
                f"{rng.choice(letters)}{rng.choice(letters)}"
                f"{rng.randint(10000, 99999)}{rng.choice(letters)}"
            )
        return f"XJH{rng.randint(100000000, 999999999)}"

    @staticmethod
    def _coverage(
        patient: Patient,
        payer: Payer,
        member_id: str,
        relation: str,
        subscriber: tuple[str, str, datetime.date],
    ) -> None:
        first, last, dob = subscriber
        Coverage.objects.create(
            patient=patient,
            payer=payer,
            member_id=member_id,
            group_number="GRP20410" if payer.slug == "commercial" else "",
            relation=relation,
            subscriber_first_name=first if relation != SubscriberRelation.SELF else "",
            subscriber_last_name=last if relation != SubscriberRelation.SELF else "",
            subscriber_date_of_birth=dob if relation != SubscriberRelation.SELF else None,
            priority=1,
        )

    @staticmethod
    def _authorizations(biller: User) -> None:
        """Medicaid authorizes psychotherapy (SC-AUTH): each demo Medicaid coverage without one
        gets an authorization for the demo window; the first runs out in 10 days, so the
        biller's worklist has a row."""
        today = timezone.localdate()
        coverages = Coverage.objects.filter(
            patient__mrn__startswith=MRN_PREFIX, payer__slug="medicaid", authorizations=None
        ).order_by("patient__mrn", "priority")
        for n, coverage in enumerate(coverages):
            Authorization.objects.create(
                patient_id=coverage.patient_id,
                coverage=coverage,
                number=f"MCD-DEMO-{coverage.pk:05d}",
                psychotherapy=True,
                start_date=today - datetime.timedelta(days=WINDOW_DAYS + 7),
                end_date=today + datetime.timedelta(days=10 if n == 0 else 120),
                authorized=24,
                created_by=biller,
                updated_by=biller,
            )

    def _print_logins(self) -> None:
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for spec in DEMO_USERS:
            what = spec.role.value + (f", {spec.credential}" if spec.credential else "")
            if spec.superuser:
                what += ", Django superuser: two-step sign-in"
            self.stdout.write(f"  {spec.username:<12} {what}")
        self.stdout.write(
            "Staff accounts always need two-step sign-in. For the demo superuser, add this key "
            f"to an authenticator app (time-based, 6 digits): {DEMO_TWO_STEP_KEY}"
        )


PAYER_SLUGS = ("medicare", "medicaid", "commercial")


@dataclass
class DemoPatient:
    patient: Patient
    prescriber: Clinician
    therapist: Clinician | None
    diagnoses: tuple[str, ...]
    medications: tuple[tuple[str, str, str], ...]
    new_to_practice: bool


@dataclass
class Visit:
    demo: DemoPatient
    clinician: Clinician
    day: datetime.date
    first: bool


class Schedule:
    """Ninety days of visits: prescribers every 3-6 weeks, the therapist every 2-3 weeks.

    Visits up to two days old stay drafts (notes not yet signed), as do a few
    started this morning; every older visit is signed by its clinician.
    """

    def __init__(self, patients: list[DemoPatient]) -> None:
        self.patients = patients
        self.rng = random.Random(SEED + 1)  # noqa: S311 - reproducible demo data
        # A separate stream, so the override sprinkling leaves the visit mix unchanged.
        self.override_rng = random.Random(SEED + 2)  # noqa: S311 - reproducible demo data
        self.sign_rng = random.Random(SEED + 3)  # noqa: S311 - reproducible demo data
        self.now = timezone.localtime()
        self.today = self.now.date()
        self.next_free: dict[tuple[int, datetime.date], int] = {}

    def run(self) -> int:
        visits = self._visits()
        visits.sort(key=lambda v: (v.day, v.clinician.pk, v.demo.patient.pk))
        draft_from = self.today - datetime.timedelta(days=2)
        for visit in visits:
            self._document(visit, sign=visit.day < draft_from)
        started = [d for d in self.patients if d.prescriber.credential != "RxP"][:3]
        for demo in started:
            self._draft_today(demo)
        return len(visits) + len(started)

    def _visits(self) -> list[Visit]:
        start = self.today - datetime.timedelta(days=WINDOW_DAYS)
        visits = []
        for demo in self.patients:
            plans = [(demo.prescriber, 21, 42)]
            if demo.therapist is not None:
                plans.append((demo.therapist, 14, 21))
            first = demo.new_to_practice
            for clinician, low, high in plans:
                day = start + datetime.timedelta(days=self.rng.randint(0, low))
                while day < self.today:
                    visits.append(Visit(demo, clinician, _weekday(day), first))
                    first = False
                    day += datetime.timedelta(days=self.rng.randint(low, high))
        return visits

    def _slot(self, clinician: Clinician, day: datetime.date, minutes: int) -> datetime.time:
        """The next free start time in the clinician's day, 08:00 onwards."""
        start = self.next_free.get((clinician.pk, day), 8 * 60)
        self.next_free[(clinician.pk, day)] = start + minutes + self.rng.choice([5, 10, 15])
        return datetime.time(start // 60, start % 60)

    def _document(self, visit: Visit, *, sign: bool) -> None:
        data, medications = self._content(visit)
        demo = visit.demo
        encounter = encounter_create(
            user=visit.clinician.user,
            clinician=visit.clinician,
            patient=demo.patient,
            data=data,
            diagnoses=demo.diagnoses,
            medications=medications,
        )
        if sign:
            if self.override_rng.random() < OVERRIDE_SHARE:
                self._override_em_level(encounter)
            # The signed note is locked for good (no escape, not even for the demo), so the
            # demo signs at the moment it means: django's clock reads that moment meanwhile.
            moment = self._signed_moment(encounter)
            with mock.patch("django.utils.timezone.now", return_value=moment):
                visit_sign(user=visit.clinician.user, encounter=encounter)

    def _signed_moment(self, encounter: Encounter) -> datetime.datetime:
        """When the clinician signs: mostly the visit's evening, else the next days.

        About nine in ten are signed within AUDIT_TIMELY_SIGNATURE_DAYS, so the demo audit's
        "signed in time" is mostly met and still shows a late one now and then.
        """
        ends = [t for t in (encounter.pt_end, encounter.em_end) if t is not None]
        end = max(ends, default=datetime.time(17, 0))
        limit = settings.AUDIT_TIMELY_SIGNATURE_DAYS
        draw = self.sign_rng.random()
        if draw < 0.55:
            days = 0
        elif draw < 0.9:
            days = self.sign_rng.randint(1, max(limit, 1))
        else:
            days = self.sign_rng.randint(limit + 1, limit + 10)
        day = encounter.date_of_service + datetime.timedelta(days=days)
        after = datetime.datetime.combine(day, end if days == 0 else datetime.time(7, 30))
        moment = timezone.make_aware(after) + datetime.timedelta(
            minutes=self.sign_rng.randint(5, 12 * 60 if days else 4 * 60)
        )
        latest = timezone.now() - datetime.timedelta(minutes=5)
        return min(moment, latest)

    def _override_em_level(self, encounter: Encounter) -> None:
        """Bill one E/M level above the proposal, with a reason: work for the billers' queue."""
        payer = encounter.coverage.payer if encounter.coverage is not None else None
        proposal = proposal_for_facts(facts=facts_from_encounter(encounter), payer=payer)
        lines = [line.to_dict() for line in proposal.lines]
        if not lines or lines[0]["code"] not in NEXT_EM_LEVEL:
            return
        lines[0]["code"] = NEXT_EM_LEVEL[str(lines[0]["code"])]
        encounter_update(
            user=encounter.clinician.user,
            encounter=encounter,
            data={
                "coding_choice": {"option": "custom", "lines": lines},
                "coding_override_reason": OVERRIDE_REASON,
            },
        )

    def _content(self, visit: Visit) -> tuple[dict[str, Any], list[dict[str, str]]]:
        rng = self.rng
        clinician, demo = visit.clinician, visit.demo
        roll = rng.random()
        setting = "video" if roll < 0.25 else ("audio" if roll < 0.32 else "in_person")
        data: dict[str, Any] = {
            "date_of_service": visit.day,
            "setting": setting,
            "patient_at_home": setting != "in_person",
            "patient_status": "new" if visit.first else "established",
            "coverage": demo.patient.coverages.filter(priority=1).first(),
        }
        medications: list[dict[str, str]] = []
        if visit.first:
            data["diagnostic_evaluation"] = (
                "with_medical"
                if clinician.is_prescriber and clinician.credential != "RxP"
                else "without_medical"
            )
            data["em_plan"] = "Initial evaluation completed; plan discussed with the patient."
            self._slot(clinician, visit.day, 60)
            return data, medications
        if clinician.credential == "LCSW":
            self._psychotherapy(data, visit, kind=self._therapy_kind())
        elif clinician.credential == "RxP":
            self._psychotherapy(data, visit, kind=self._therapy_kind())
            medications = self._medications(demo)
        else:
            style = rng.random()
            if style < 0.5:  # E/M with add-on psychotherapy
                self._em(data, visit, demo)
                self._psychotherapy(data, visit, kind="individual", minutes=(16, 30, 30, 45))
            elif style < 0.85:  # E/M only: the medication check
                self._em(data, visit, demo)
            else:
                self._psychotherapy(data, visit, kind=self._therapy_kind())
            medications = self._medications(demo) if "em_start" in data else []
        return data, medications

    def _therapy_kind(self) -> str:
        roll = self.rng.random()
        if roll < 0.06:
            return "crisis"
        if roll < 0.14:
            return "family_with_patient"
        if roll < 0.17:
            return "family_without_patient"
        return "individual"

    def _psychotherapy(
        self,
        data: dict[str, Any],
        visit: Visit,
        *,
        kind: str,
        minutes: tuple[int, ...] = (30, 45, 53, 55, 60),
    ) -> None:
        length = {"crisis": 75, "family_with_patient": 50, "family_without_patient": 50}.get(
            kind, self.rng.choice(minutes)
        )
        start = self._slot(visit.clinician, visit.day, length)
        data.update(
            pt_kind=kind,
            pt_start=start,
            pt_end=_plus(start, length),
            pt_modality=self.rng.choice(["cbt", "dbt", "supportive", "psychodynamic", "mi"]),
            pt_focus=self.rng.choice(FOCUS),
            pt_note=(
                CRISIS_NOTE
                if kind == "crisis"
                else self.rng.choice(FAMILY_NOTES if kind.startswith("family") else NOTES)
            ),
        )

    def _em(self, data: dict[str, Any], visit: Visit, demo: DemoPatient) -> None:
        length = self.rng.choice([15, 20, 20, 25, 30])
        start = self._slot(visit.clinician, visit.day, length)
        lithium = any(name == LITHIUM for name, _, _ in demo.medications)
        problems = [self.rng.choice(["stable_chronic_one", "chronic_exacerbation"])]
        if len(demo.diagnoses) > 1 and self.rng.random() < 0.5:
            problems = ["stable_chronic_two_plus"]
        risk = ["intensive_monitoring"] if lithium else ["prescription_management"]
        if self.rng.random() < 0.08:  # worsening: admission considered
            problems, risk = ["severe_exacerbation"], [*risk, "hospitalization_decision"]
        notes = self.rng.choice([0, 0, 1, 2])
        data.update(
            em_start=start,
            em_end=_plus(start, length),
            mdm_problems=problems,
            mdm_risk=risk,
            mdm_results_reviewed=1 if lithium else 0,
            mdm_notes_reviewed=notes,
            em_plan=PLANS[3] if lithium else self.rng.choice(PLANS),
            mdm_data_detail="; ".join(
                text
                for text, shown in (
                    ("Lithium level of last week reviewed (0.7 mmol/L)", lithium),
                    ("Therapist's progress notes reviewed", notes >= 1),
                    ("Primary care visit note reviewed", notes >= 2),
                )
                if shown
            ),
            mdm_risk_detail="; ".join(
                text
                for text, shown in (
                    ("Lithium level and renal function every 3 months for toxicity", lithium),
                    (
                        "Admission considered for worsening symptoms; no intent or plan, "
                        "supports at home, safety plan reviewed: outpatient care continued",
                        "hospitalization_decision" in risk,
                    ),
                )
                if shown
            ),
        )

    def _medications(self, demo: DemoPatient) -> list[dict[str, str]]:
        change = self.rng.choice(["continued", "continued", "continued", "increased", "decreased"])
        return [
            {
                "name": name,
                "dose": dose,
                "frequency": frequency,
                "adherence": self.rng.choice(["full", "full", "full", "partial"]),
                "side_effects": self.rng.choice(["", "", "mild nausea", "dry mouth"]),
                "effect": self.rng.choice(["improved", "improved", "partial", "no_change"]),
                "change": change if i == 0 else "continued",
                "change_reason": "" if change == "continued" or i else "Partial response.",
            }
            for i, (name, dose, frequency) in enumerate(demo.medications)
        ]

    def _draft_today(self, demo: DemoPatient) -> None:
        """A note started today: the visit blocks only when they are already over."""
        data: dict[str, Any] = {
            "date_of_service": self.today,
            "patient_status": "established",
            "coverage": demo.patient.coverages.filter(priority=1).first(),
            "em_plan": "Note started; finish after the visit.",
        }
        minutes_now = self.now.hour * 60 + self.now.minute
        if minutes_now >= 8 * 60 + 30:
            start = datetime.time(7, 30) if minutes_now < 9 * 60 else datetime.time(8, 0)
            data.update(em_start=start, em_end=_plus(start, 20))
        encounter_create(
            user=demo.prescriber.user,
            clinician=demo.prescriber,
            patient=demo.patient,
            data=data,
            diagnoses=demo.diagnoses,
            medications=[],
        )


def _weekday(day: datetime.date) -> datetime.date:
    """Visits fall on weekdays: a Saturday or Sunday moves back to Friday."""
    return day - datetime.timedelta(days=max(day.weekday() - 4, 0))


def _plus(start: datetime.time, minutes: int) -> datetime.time:
    total = start.hour * 60 + start.minute + minutes
    return datetime.time(total // 60, total % 60)
