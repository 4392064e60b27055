"""Engine 2 facts from the encounter form: the posted form (the live panel) and the saved
encounter (signing) give the same facts, so the panel and ``propose_codes`` agree; the
panel shows total E/M time, the injection and drug lines with units and JZ/JW, 96127, and
the messages that say why a line is missing (VC-2).
"""

from __future__ import annotations

import json
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.http import QueryDict

from coding.adapters import facts_from_encounter, facts_from_posted_form
from coding.services import proposal_for_facts
from encounters.models import Encounter
from tests.coding.test_panel import (
    AUTHORIZATION_QUERY,
    PANEL,
    PANEL_QUERIES,
    _lines,
    _message_rules,
    _own_coverage,
    _text,
)
from tests.encounters.test_views import _create_url, _form_data
from tests.factories import CoverageFactory, PatientFactory, instrument, payer

pytestmark = pytest.mark.django_db

# The Medicare follow-up of the browser journey: psychotherapy 30 min, a med-management
# block with moderate MDM, continuing care, PHQ-9 and GAD-7 scored, paliperidone 234 mg
# from a 234 mg syringe the practice bought.
JOURNEY_LINES = [
    {"code": "99214", "units": 1, "modifiers": ["25"]},
    {"code": "90833", "units": 1, "modifiers": []},
    {"code": "96127", "units": 2, "modifiers": []},
    {"code": "96372", "units": 1, "modifiers": []},
    {"code": "J2426", "units": 234, "modifiers": ["JZ"]},
]


def _instrument_id(name: str) -> str:
    return str(instrument(name).pk)


def _engine2_fields(**overrides) -> dict:
    fields = {
        "pt_kind": "individual",
        "pt_start": "09:00",
        "pt_end": "09:30",
        "em_start": "09:30",
        "em_end": "09:50",
        "em_other_minutes": "10",
        "longitudinal_care": "on",
        "mdm_problems": ["chronic_exacerbation"],
        "mdm_risk": ["prescription_management"],
        "instruments-TOTAL_FORMS": "2",
        "instruments-INITIAL_FORMS": "0",
        "instruments-0-instrument": _instrument_id("PHQ-9"),
        "instruments-0-score": "14",
        "instruments-1-instrument": _instrument_id("GAD-7"),
        "instruments-1-score": "9",
        "injections-TOTAL_FORMS": "1",
        "injections-INITIAL_FORMS": "0",
        "injections-0-drug": "J2426",
        "injections-0-dose_mg": "234",
        "injections-0-container_mg": "234",
        "injections-0-supplied": "practice",
        "injections-0-ndc": "50458-0564-01",
        "injections-0-ndc_quantity": "1",
        "injections-0-ndc_unit": "UN",
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def panel(prescriber, client_for):
    client = client_for(prescriber)

    def post(data):
        response = client.post(PANEL, data)
        assert response.status_code == 200
        return response

    return post


def _qd(data: dict) -> QueryDict:
    q = QueryDict(mutable=True)
    for key, value in data.items():
        q.setlist(key, value if isinstance(value, list) else [value])
    return q


def _posted(**overrides) -> dict:
    return facts_from_posted_form(
        _qd(_engine2_fields(**overrides)), credential="MD", payer_slug="medicare"
    )


# --- the posted form -----------------------------------------------------------------------


def test_posted_form_gives_the_engine2_facts():
    facts = _posted()
    assert facts["em"] == {
        "minutes": 20,
        "mdm": {"problems": "moderate", "data": "minimal", "risk": "moderate"},
        "other_minutes": 10,
    }
    assert facts["longitudinal_care"] is True
    assert facts["brief_assessments"] == 2
    assert facts["injections"] == [
        {
            "drug": "J2426",
            "dose_mg": 234,
            "container_mg": 234,
            "supplied_by_practice": True,
            "ndc": "50458056401",
            "ndc_quantity": 1,
            "ndc_unit": "UN",
        }
    ]


def test_ba_1_audit_c_is_recorded_but_not_counted_for_96127():
    facts = _posted(**{"instruments-1-instrument": _instrument_id("AUDIT-C")})
    assert facts["brief_assessments"] == 1


def test_posted_form_a_deleted_or_unchosen_instrument_row_does_not_count():
    facts = _posted(**{"instruments-0-DELETE": "on", "instruments-1-instrument": ""})
    assert "brief_assessments" not in facts  # none counted: the engine reads 0


def test_inj_1_a_drug_the_patient_brought_is_not_billed_by_the_practice():
    facts = _posted(**{"injections-0-supplied": "patient"})
    assert facts["injections"][0]["supplied_by_practice"] is False
    proposal = proposal_for_facts(facts=facts, payer=payer("medicare"))
    codes = [line.code for line in proposal.lines]
    assert "96372" in codes
    assert "J2426" not in codes


def test_posted_form_an_injection_without_a_dose_yet_is_not_proposed():
    facts = _posted(**{"injections-0-dose_mg": ""})
    assert "injections" not in facts


def test_inj_3_posted_container_defaults_to_the_dose_and_a_partial_ndc_stays_out():
    facts = _posted(**{"injections-0-container_mg": "", "injections-0-ndc_unit": ""})
    assert facts["injections"] == [
        {"drug": "J2426", "dose_mg": 234, "container_mg": 234, "supplied_by_practice": True}
    ]


def test_inj_3_discarded_amount_goes_on_a_jw_line():
    facts = _posted(**{"injections-0-dose_mg": "156", "injections-0-container_mg": "234"})
    lines = [
        line.to_dict() for line in proposal_for_facts(facts=facts, payer=payer("medicare")).lines
    ]
    assert {"code": "J2426", "units": 156, "modifiers": ["JZ"]} not in lines
    assert {"code": "J2426", "units": 78, "modifiers": ["JW"]} in lines


def test_em_3_other_minutes_are_added_to_the_block_for_the_level_by_time():
    # No psychotherapy: the E/M may go by time. 20 + 10 min reach 99214's 30 minutes.
    facts = _posted(pt_kind="", pt_start="", pt_end="", mdm_problems=[], mdm_risk=[])
    proposal = proposal_for_facts(facts=facts, payer=payer("commercial"))
    assert proposal.em is not None
    assert (proposal.em.minutes, proposal.em.time_code) == (30, "99214")


# --- saved encounter and posted form agree ----------------------------------------------


@pytest.fixture
def medicare_patient(prescriber):
    patient = PatientFactory(mrn="MRN880001")
    patient.clinicians.add(prescriber.clinician)
    CoverageFactory(patient=patient, priority=1, payer=payer("medicare"))
    return patient


def test_the_saved_encounter_and_the_posted_form_give_the_same_facts_and_codes(
    client_for, prescriber, medicare_patient
):
    data = _form_data(medicare_patient, **_engine2_fields(coding_shown=""))
    response = client_for(prescriber).post(_create_url(medicare_patient), data)
    assert response.status_code == 302
    encounter = Encounter.objects.get(patient=medicare_patient)
    saved = facts_from_encounter(encounter)
    posted = facts_from_posted_form(_qd(data), credential="MD", payer_slug="medicare")
    assert {**saved, "id": "form"} == posted
    proposal = proposal_for_facts(facts=saved, payer=payer("medicare"))
    assert proposal.error is None
    assert [line.to_dict() for line in proposal.lines] == JOURNEY_LINES


def test_vc_2_the_journey_visit_gets_no_g2211_and_says_why(
    client_for, prescriber, medicare_patient
):
    data = _form_data(medicare_patient, **_engine2_fields(coding_shown=""))
    client_for(prescriber).post(_create_url(medicare_patient), data)
    facts = facts_from_encounter(Encounter.objects.get(patient=medicare_patient))
    proposal = proposal_for_facts(facts=facts, payer=payer("medicare"))
    assert "G2211" not in [line.code for line in proposal.lines]
    (vc_2,) = [m for m in proposal.messages if m.rule == "VC-2"]
    assert "G2211 not added" in vc_2.text
    assert "modifier 25" in vc_2.text


def test_propose_codes_gives_the_journey_lines_for_the_same_facts():
    facts = {**_posted(), "id": "journey"}
    out = StringIO()
    stdin = StringIO(json.dumps(facts) + "\n")
    saved_stdin, sys.stdin = sys.stdin, stdin
    try:
        call_command("propose_codes", "-", stdout=out)
    finally:
        sys.stdin = saved_stdin
    assert json.loads(out.getvalue())["lines"] == JOURNEY_LINES


# --- the panel ---------------------------------------------------------------------------


def test_panel_shows_total_em_time_block_plus_other(panel, prescriber):
    coverage = _own_coverage(prescriber, "medicare")
    response = panel({**_engine2_fields(), "coverage": coverage.pk})
    assert "E/M time today EM-3 : 20 min in the block + 10 min other = 30 min total" in _text(
        response
    )


def test_panel_shows_the_injection_the_drug_with_units_and_jz_and_96127(panel, prescriber):
    coverage = _own_coverage(prescriber, "medicare")
    response = panel({**_engine2_fields(), "coverage": coverage.pk})
    lines = {line["code"]: line for line in _lines(response)}
    assert list(lines) == ["99214", "90833", "96127", "96372", "J2426"]
    assert lines["J2426"]["modifiers"] == ["JZ"]
    assert lines["99214"]["modifiers"] == ["25"]
    text = _text(response)
    assert "J2426 ×234" in text
    assert "96127 ×2" in text
    assert {"VC-2", "BA-1", "INJ-1", "INJ-3"} <= set(_message_rules(response))
    assert "G2211 not added: 99214 carries modifier 25" in text


def test_panel_shows_the_social_determinants_documentation_check(panel):
    fields = {**_engine2_fields(), "mdm_risk": ["social_determinants"]}
    response = panel(fields)
    checks = response.context["documentation"]
    (sdoh,) = [c for c in checks if "social determinants" in c["claimed"]]
    assert sdoh["met"] is False
    assert "how housing, food, transport or the drug's cost limits" in _text(response)
    written = panel({**fields, "mdm_risk_detail": "Cannot afford the bus to the pharmacy."})
    (sdoh,) = [c for c in written.context["documentation"] if "social" in c["claimed"]]
    assert sdoh["met"] is True


def test_panel_with_instruments_and_an_injection_adds_the_instrument_list_and_drug_table(
    prescriber, client_for, django_assert_num_queries
):
    coverage = _own_coverage(prescriber, "medicaid")
    client = client_for(prescriber)
    data = {**_engine2_fields(), "coverage": coverage.pk}
    client.post(PANEL, data)  # the session is warm, as in the panel's own count
    # one query for the instrument list, one for the practice's drug table (INJ-1), one for
    # the authorizations (SC-AUTH: the shipped Medicaid profile authorizes psychotherapy)
    with django_assert_num_queries(PANEL_QUERIES + 2 + AUTHORIZATION_QUERY):
        response = client.post(PANEL, data)
    assert response.status_code == 200
