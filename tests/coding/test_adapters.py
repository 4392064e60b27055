"""The bridge from Django to the engine: the posted encounter form and saved encounters as facts.

``facts_from_posted_form`` reads the form while the prescriber is still typing, so every
half-typed value must give usable facts; ``facts_from_encounter`` reads a saved encounter.
"""

from __future__ import annotations

import datetime

import pytest
from django.http import QueryDict

from coding.adapters import facts_from_encounter, facts_from_posted_form
from coding.engine import DataItems, facts_from_dict, mdm_from_items
from tests.factories import CoverageFactory, EncounterFactory, MedicationReviewFactory, payer


def _posted(**fields: str | list[str]) -> QueryDict:
    """The POST of the encounter form: one value per field, lists for multi-value fields."""
    data = QueryDict(mutable=True)
    for name, value in fields.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    return data


def _facts(payer_slug: str | None = None, credential: str = "MD", **fields: str | list[str]):
    return facts_from_posted_form(_posted(**fields), credential=credential, payer_slug=payer_slug)


def _medication_row(index: int, name: str, **extra: str) -> dict[str, str]:
    prefix = f"medications-{index}-"
    row = {"name": name, "dose": "50 mg", "frequency": "daily", **extra}
    return {prefix + key: value for key, value in row.items()}


# --- posted form: the two blocks' minutes (PT-3) -------------------------------------------


def test_posted_form_counts_each_block_by_its_own_start_and_end():
    facts = _facts(
        pt_kind="individual",
        pt_start="09:00",
        pt_end="09:38",
        em_start="09:38",
        em_end="09:58",
        mdm_problems=["stable_chronic_one"],
    )
    assert facts["psychotherapy"] == {"kind": "individual", "minutes": 38}
    assert facts["em"]["minutes"] == 20


def test_posted_form_reads_times_with_seconds():
    facts = _facts(pt_kind="individual", pt_start="09:00:00", pt_end="09:53:00")
    assert facts["psychotherapy"]["minutes"] == 53


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("9:6", "09:40"),  # half-typed hour and minute
        ("09:00", "9:"),
        ("", "09:40"),
        ("09:00", ""),
        ("25:00", "09:40"),
        ("nine", "ten"),
        ("10:00", "09:00"),  # end before start
    ],
)
def test_posted_form_unreadable_or_reversed_times_count_zero_minutes(start, end):
    facts = _facts(pt_kind="individual", pt_start=start, pt_end=end)
    assert facts["psychotherapy"] == {"kind": "individual", "minutes": 0}


def test_posted_form_without_psychotherapy_kind_has_no_psychotherapy_block():
    facts = _facts(pt_kind="", pt_start="09:00", pt_end="09:40")
    assert facts["psychotherapy"] is None


def test_posted_form_med_management_with_unreadable_times_and_no_mdm_has_no_em_block():
    facts = _facts(em_start="9:", em_end="09:30")
    assert facts["em"] is None


def test_posted_form_em_minutes_without_any_mdm_item_have_no_mdm():
    facts = _facts(em_start="10:00", em_end="10:25")
    assert facts["em"] == {"minutes": 25, "mdm": None}


def test_posted_form_with_nothing_documented_has_neither_block():
    facts = _facts()
    assert facts["psychotherapy"] is None
    assert facts["em"] is None


# --- posted form: MDM levels from the ticked items (EM-2) --------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"mdm_problems": ["chronic_exacerbation"], "mdm_risk": ["prescription_management"]},
            {"problems": "moderate", "data": "minimal", "risk": "moderate"},
        ),
        (
            {"mdm_problems": ["stable_chronic_one", "severe_exacerbation"]},
            {"problems": "high", "data": "minimal", "risk": "minimal"},
        ),
        (
            {"mdm_notes_reviewed": "1", "mdm_results_reviewed": "1"},
            {"problems": "minimal", "data": "low", "risk": "minimal"},
        ),
        (
            {"mdm_independent_historian": "on"},
            {"problems": "minimal", "data": "low", "risk": "minimal"},
        ),
        (
            {"mdm_notes_reviewed": "2", "mdm_tests_ordered": "1"},
            {"problems": "minimal", "data": "moderate", "risk": "minimal"},
        ),
        (
            {"mdm_independent_interpretation": "on", "mdm_external_discussion": "on"},
            {"problems": "minimal", "data": "high", "risk": "minimal"},
        ),
        (
            {"mdm_risk": ["otc_drugs", "hospitalization_decision"]},
            {"problems": "minimal", "data": "minimal", "risk": "high"},
        ),
    ],
)
def test_em_2_posted_form_rates_mdm_elements_from_the_ticked_items(fields, expected):
    facts = _facts(em_start="10:00", em_end="10:20", **fields)
    assert facts["em"]["mdm"] == expected


def test_em_2_posted_form_agrees_with_the_engines_mdm_table():
    problems = ["undiagnosed_uncertain"]
    risk = ["intensive_monitoring"]
    data = DataItems(notes_reviewed=3, independent_interpretation=True)
    facts = _facts(
        mdm_problems=problems,
        mdm_risk=risk,
        mdm_notes_reviewed="3",
        mdm_independent_interpretation="on",
    )
    mdm = mdm_from_items(problems, data, risk)
    assert facts["em"]["mdm"] == {"problems": mdm.problems, "data": mdm.data, "risk": mdm.risk}
    assert facts["em"]["mdm"] == {"problems": "moderate", "data": "high", "risk": "high"}


def test_posted_form_mdm_items_alone_open_an_em_block_without_minutes():
    facts = _facts(mdm_problems=["chronic_exacerbation"])
    assert facts["em"] == {
        "minutes": 0,
        "mdm": {"problems": "moderate", "data": "minimal", "risk": "minimal"},
    }


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"mdm_notes_reviewed": "0", "mdm_results_reviewed": "", "mdm_tests_ordered": "0"},
        {"mdm_notes_reviewed": "-2", "mdm_tests_ordered": "-1"},
        {"mdm_notes_reviewed": "two", "mdm_results_reviewed": "1.5"},
        {"mdm_problems": ["not-an-item"], "mdm_risk": ["nor-this"]},
        {"mdm_independent_historian": "off", "mdm_external_discussion": ""},
    ],
)
def test_posted_form_with_no_mdm_item_ticked_has_no_mdm(fields):
    facts = _facts(em_start="10:00", em_end="10:15", **fields)
    assert facts["em"] == {"minutes": 15, "mdm": None}


def test_posted_form_ignores_unknown_items_next_to_known_ones():
    facts = _facts(mdm_problems=["bogus", "stable_chronic_two_plus"], mdm_risk=["bogus"])
    assert facts["em"]["mdm"] == {"problems": "moderate", "data": "minimal", "risk": "minimal"}


# --- posted form: medication rows (CB-4, CB-5) -------------------------------------------


def test_posted_form_a_named_medication_row_is_pharmacologic_management():
    facts = _facts(**_medication_row(0, "sertraline"), **{"medications-TOTAL_FORMS": "1"})
    assert facts["pharmacologic_management"] is True


def test_posted_form_without_medication_rows_has_no_pharmacologic_management():
    facts = _facts(**{"medications-TOTAL_FORMS": "0", "medications-INITIAL_FORMS": "0"})
    assert facts["pharmacologic_management"] is False


def test_posted_form_an_empty_medication_row_does_not_count():
    facts = _facts(**_medication_row(0, "   "), **{"medications-TOTAL_FORMS": "1"})
    assert facts["pharmacologic_management"] is False


def test_posted_form_a_medication_row_marked_delete_does_not_count():
    facts = _facts(**_medication_row(0, "sertraline", DELETE="on"))
    assert facts["pharmacologic_management"] is False


def test_posted_form_one_deleted_row_leaves_the_other_counting():
    facts = _facts(
        **_medication_row(0, "sertraline", DELETE="on"),
        **_medication_row(1, "lithium"),
    )
    assert facts["pharmacologic_management"] is True


# --- posted form: setting, patient at home (TH-2, TH-3) and the other fields -------------


@pytest.mark.parametrize(
    ("setting", "at_home", "expected"),
    [
        ("video", "on", True),
        ("audio", "on", True),
        ("in_person", "on", False),
        ("", "on", False),
        ("video", "", False),
    ],
)
def test_posted_form_patient_at_home_only_for_video_or_audio(setting, at_home, expected):
    facts = _facts(setting=setting, patient_at_home=at_home)
    assert facts["patient_at_home"] is expected


def test_posted_form_blank_choices_take_the_engines_defaults():
    facts = _facts(
        setting="", patient_status="", diagnostic_evaluation="", date_of_service="2025-02-30"
    )
    assert facts["setting"] == "in_person"
    assert facts["patient_status"] == "established"
    assert facts["diagnostic_evaluation"] is None
    assert facts["payer"] == "commercial"
    assert "date_of_service" not in facts


def test_posted_form_carries_credential_payer_and_the_other_choices():
    facts = _facts(
        payer_slug="medicare",
        credential="RxP",
        setting="audio",
        patient_status="new",
        interactive_complexity="on",
        diagnostic_evaluation="with_medical",
        date_of_service="2025-03-04",
    )
    assert facts["clinician"] == "RxP"
    assert facts["payer"] == "medicare"
    assert facts["setting"] == "audio"
    assert facts["patient_status"] == "new"
    assert facts["interactive_complexity"] is True
    assert facts["diagnostic_evaluation"] == "with_medical"
    assert facts["date_of_service"] == "2025-03-04"


def test_posted_full_form_gives_facts_the_engine_accepts():
    facts = _facts(
        payer_slug="medicaid",
        date_of_service="2025-03-04",
        setting="video",
        patient_at_home="on",
        patient_status="established",
        pt_kind="individual",
        pt_start="09:00",
        pt_end="09:30",
        em_start="09:30",
        em_end="09:45",
        mdm_problems=["chronic_exacerbation"],
        mdm_risk=["prescription_management"],
        interactive_complexity="on",
        **_medication_row(0, "sertraline"),
    )
    parsed = facts_from_dict(facts)
    assert parsed.psychotherapy.minutes == 30
    assert parsed.em.minutes == 15
    assert parsed.patient_at_home is True


# --- saved encounters ---------------------------------------------------------------------


@pytest.mark.django_db
def test_saved_encounter_gives_the_facts_of_its_fields():
    encounter = EncounterFactory(
        pt_start=datetime.time(14, 0),
        pt_end=datetime.time(14, 45),
        em_start=datetime.time(14, 45),
        em_end=datetime.time(15, 5),
        mdm_problems=["stable_chronic_two_plus"],
        mdm_notes_reviewed=1,
        mdm_results_reviewed=1,
        mdm_risk=["prescription_management"],
        date_of_service=datetime.date(2025, 3, 4),
    )
    facts = facts_from_encounter(encounter)
    assert facts == {
        "id": str(encounter.pk),
        "patient_status": "established",
        "clinician": "MD",
        "payer": "commercial",
        "setting": "in_person",
        "patient_at_home": False,
        "psychotherapy": {"kind": "individual", "minutes": 45},
        "em": {
            "minutes": 20,
            "mdm": {"problems": "moderate", "data": "low", "risk": "moderate"},
        },
        "pharmacologic_management": False,
        "interactive_complexity": False,
        "diagnostic_evaluation": None,
        "date_of_service": "2025-03-04",
    }
    assert facts_from_dict(facts).em.mdm.data == "low"


@pytest.mark.django_db
def test_saved_encounter_with_a_medication_review_is_pharmacologic_management():
    encounter = EncounterFactory()
    MedicationReviewFactory(encounter=encounter, effect="improved", change="continued")
    assert facts_from_encounter(encounter)["pharmacologic_management"] is True


@pytest.mark.django_db
def test_saved_encounter_payer_comes_from_its_coverage():
    coverage = CoverageFactory(payer=payer("medicare"))
    encounter = EncounterFactory(patient=coverage.patient, coverage=coverage)
    assert facts_from_encounter(encounter)["payer"] == "medicare"


@pytest.mark.django_db
def test_saved_encounter_without_coverage_uses_the_default_payer():
    encounter = EncounterFactory(coverage=None)
    assert facts_from_encounter(encounter)["payer"] == "commercial"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("setting", "at_home", "expected"),
    [("video", True, True), ("audio", True, True), ("in_person", True, False)],
)
def test_saved_encounter_patient_at_home_only_for_video_or_audio(setting, at_home, expected):
    encounter = EncounterFactory(setting=setting, patient_at_home=at_home)
    assert facts_from_encounter(encounter)["patient_at_home"] is expected


@pytest.mark.django_db
def test_saved_encounter_with_only_psychotherapy_has_no_em_block():
    encounter = EncounterFactory(em_start=None, em_end=None, mdm_problems=[], mdm_risk=[])
    facts = facts_from_encounter(encounter)
    assert facts["em"] is None
    assert facts["psychotherapy"] == {"kind": "individual", "minutes": 30}


@pytest.mark.django_db
def test_saved_encounter_with_only_med_management_has_no_psychotherapy_block():
    encounter = EncounterFactory(pt_kind="", pt_start=None, pt_end=None)
    facts = facts_from_encounter(encounter)
    assert facts["psychotherapy"] is None
    assert facts["em"]["minutes"] == 15


@pytest.mark.django_db
def test_saved_encounter_ignores_stored_items_the_engine_does_not_know():
    encounter = EncounterFactory(
        mdm_problems=["retired-item", "stable_chronic_one"], mdm_risk=["retired-item"]
    )
    assert facts_from_encounter(encounter)["em"]["mdm"] == {
        "problems": "low",
        "data": "minimal",
        "risk": "minimal",
    }
