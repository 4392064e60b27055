"""A practice full of health information for the walks over every URL (issue 10).

``phi_world`` builds, for the users of ``tests.access_tables.AccessSetup``, every object the
access tables point at plus what the list pages need to show someone: a queued clean claim
(bulk approval), an approved claim waiting for export, an 837P file really exported, a claim
returned to its clinician and last month's audit with a finding. Patients get names no page
prints by chance (``Aqz<id>zq``), so a walk can tell which patients a response shows.

Every free-text field of every note (and every addendum) holds a canary: text that billers,
and compliance staff outside a chart review, must never be shown.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from typing import Any

import factory
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tests.access_tables import ROLES, AccessSetup, UrlAccess, load_tables

TABLES = load_tables()

# One canary per free-text field of a note; the addenda carry their own.
NOTE_CANARIES = {
    "pt_focus": "CANARY-FOCUS-kq81",
    "pt_note": "CANARY-PTNOTE-kq82",
    "mdm_data_detail": "CANARY-DATADETAIL-kq83",
    "mdm_risk_detail": "CANARY-RISKDETAIL-kq84",
    "em_plan": "CANARY-PLAN-kq85",
    "interactive_complexity_reason": "CANARY-ICREASON-kq86",
}
MEDICATION_CANARIES = {
    "side_effects": "CANARY-SIDEEFFECTS-kq87",
    "change_reason": "CANARY-MEDREASON-kq88",
}
ADDENDUM_CANARIES = {
    "text": "CANARY-ADDENDUMTEXT-kq89",
    "reason": "CANARY-ADDENDUMREASON-kq90",
}
ANSWER_ADDENDUM_CANARIES = {  # an addendum written while answering a biller's question
    "text": "CANARY-ANSWERTEXT-kq91",
    "reason": "CANARY-ANSWERREASON-kq92",
}
CANARIES = (
    *NOTE_CANARIES.values(),
    *MEDICATION_CANARIES.values(),
    *ADDENDUM_CANARIES.values(),
    *ANSWER_ADDENDUM_CANARIES.values(),
)


def install_canary_factories(monkeypatch: Any) -> None:
    """Every patient the tables build has a name no page prints by chance (``Aqz<n>zq``:
    it starts with 'a' for the tables' '?q=a' searches); every encounter and medication
    review carries the canaries."""
    import tests.audits.helpers
    import tests.claims.helpers
    import tests.factories

    patient_factory = type(
        "MarkedPatientFactory",
        (tests.factories.PatientFactory,),
        {"first_name": "Ann", "last_name": factory.Sequence(lambda n: f"Aqz{n}zq")},
    )
    encounter_factory = type(
        "CanaryEncounterFactory",
        (tests.factories.EncounterFactory,),
        {
            "interactive_complexity": True,
            "patient": factory.SubFactory(patient_factory),
            **NOTE_CANARIES,
        },
    )
    medication_factory = type(
        "CanaryMedicationReviewFactory",
        (tests.factories.MedicationReviewFactory,),
        {**MEDICATION_CANARIES, "encounter": factory.SubFactory(encounter_factory)},
    )
    for module in (tests.factories, tests.audits.helpers, tests.claims.helpers):
        if hasattr(module, "PatientFactory"):
            monkeypatch.setattr(module, "PatientFactory", patient_factory)
        monkeypatch.setattr(module, "EncounterFactory", encounter_factory)
        monkeypatch.setattr(module, "MedicationReviewFactory", medication_factory)


@dataclass
class World:
    setup: AccessSetup
    markers: dict[int, tuple[str, ...]] = field(default_factory=dict)  # patient id -> texts
    batch_id: int = 0  # an 837P file really exported
    # Posts that show more than the tables' (bulk approval of every claim, not one returned).
    post_data: dict[str, dict[str, Any]] = field(default_factory=dict)
    sample_patients: set[int] = field(default_factory=set)  # last month's audited patients


def _mark_patients(world: World) -> None:
    """How to tell each patient in a response: their unlikely last name and their MRN."""
    from encounters.models import Patient

    for pk, last_name, mrn in Patient.objects.values_list("pk", "last_name", "mrn"):
        assert last_name.startswith("Aqz"), f"patient {pk} was not made by the marked factory"
        world.markers[pk] = (last_name.lower(), mrn.lower())


def build_world(setup: AccessSetup) -> World:
    """Every object of the access tables, and one of each state the list pages show."""
    from audits.models import AuditSampleItem
    from claims.export import claim_batch_export
    from claims.models import Claim, ClaimState
    from claims.transitions import claim_clinician_answer, claim_transition
    from encounters.services import addendum_add
    from tests.claims.helpers import signed_claim

    world = World(setup=setup)
    setup.build_all(TABLES)
    biller = setup.user("biller")
    clinician = setup.prescriber.clinician
    addendum_add(user=setup.prescriber, encounter=setup.signed, **ADDENDUM_CANARIES)

    def approved():
        claim = signed_claim(clinician=clinician)
        return claim_transition(
            user=biller, claim=claim, to_state=ClaimState.APPROVED, version=claim.version
        )

    answered = signed_claim(clinician=clinician)
    answered = claim_transition(
        user=biller,
        claim=answered,
        to_state=ClaimState.RETURNED,
        version=answered.version,
        reason="Which modality?",
    )
    claim_clinician_answer(
        user=setup.prescriber,
        claim=answered,
        version=answered.version,
        answer="",
        addendum_text=ANSWER_ADDENDUM_CANARIES["text"],
        addendum_reason=ANSWER_ADDENDUM_CANARIES["reason"],
    )
    approved()
    signed_claim(clinician=clinician)  # queued and clean: bulk approval takes it
    world.batch_id = claim_batch_export(user=biller).pk  # names as marked
    approved()  # waits for the next file
    _mark_patients(world)
    world.post_data["claims:claim-bulk-approve"] = {
        "claim": [str(pk) for pk in Claim.objects.values_list("pk", flat=True)]
    }
    world.sample_patients = set(
        AuditSampleItem.objects.values_list("encounter__patient_id", flat=True)
    )
    return world


@dataclass(frozen=True)
class Case:
    url_name: str
    method: str
    htmx: bool

    @property
    def spec(self) -> UrlAccess:
        return TABLES[self.url_name][1]

    def url(self, setup: AccessSetup) -> str:
        spec = self.spec
        return reverse(self.url_name, kwargs=spec.kwargs(setup) if spec.kwargs else None) + (
            spec.query
        )

    def data(self, setup: AccessSetup) -> dict[str, Any]:
        spec = self.spec
        return spec.post_data(setup) if (self.method == "post" and spec.post_data) else {}

    def expected(self, role: str) -> int | str:
        spec = self.spec
        expected = spec.get if self.method == "get" else spec.post
        assert expected is not None
        return expected[role]

    def __str__(self) -> str:
        return f"{self.url_name}-{self.method.upper()}{'-htmx' if self.htmx else ''}"


def cases() -> list[Case]:
    """Every URL and method of the tables; each GET also as an htmx request (its fragment)."""
    found = []
    for name, (_module, spec) in sorted(TABLES.items()):
        found.append(Case(name, "get", spec.htmx))
        if not spec.htmx:
            found.append(Case(name, "get", True))
        if spec.post is not None:
            found.append(Case(name, "post", spec.htmx))
    return found


def allowed_roles(case: Case) -> list[str]:
    """The roles the table lets open this URL (a 200 answer)."""
    return [role for role in ROLES if role != "anonymous" and case.expected(role) == 200]


def response_text(response: Any) -> str:
    """What a response shows, lower-cased: the page, the file, or a PDF's inflated streams."""
    content: bytes = b"".join(response) if response.streaming else response.content
    if content.startswith(b"%PDF"):
        streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.DOTALL)
        inflated = []
        for stream in streams:
            try:
                inflated.append(zlib.decompress(stream))
            except zlib.error:
                inflated.append(stream)
        content += b"".join(inflated)
    return content.decode("latin-1").lower()


def request_as(world: World, role: str, case: Case, *, inspect: Any = None) -> tuple[Any, Any]:
    """Request ``case`` as ``role``; ``inspect(response)`` runs before everything is rolled back
    (so each role and case sees the same records)."""
    setup = world.setup
    data = case.data(setup)
    if case.method == "post":
        data = world.post_data.get(case.url_name, data)
    client = Client(raise_request_exception=False)
    user = setup.user(role)
    if user is not None:
        client.force_login(user)
    headers = {"HX-Request": "true"} if case.htmx else {}
    with transaction.atomic():
        response = getattr(client, case.method)(case.url(setup), data, headers=headers)
        seen = inspect(response) if inspect else None
        transaction.set_rollback(True)
    return response, seen
