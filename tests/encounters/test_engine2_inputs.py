"""The encounter form's engine 2 inputs: other E/M minutes, continuing care, instruments,
injections. Each bound is refused with words next to its field, a draft keeps what was
typed, signing re-checks the stored rows, and the chart shows what was recorded.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from encounters import services
from encounters.forms import EncounterForm, injection_formset, instrument_formset
from encounters.models import Encounter, EncounterStatus, Injection, Instrument, InstrumentScore
from tests.encounters.test_views import _create_url, _detail_url, _edit_url, _form_data
from tests.factories import (
    CoverageFactory,
    EncounterDiagnosisFactory,
    EncounterFactory,
    PatientFactory,
    instrument,
    seed_instruments,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(prescriber):
    patient = PatientFactory(first_name="Ada", last_name="Quinn", mrn="MRN777011")
    patient.clinicians.add(prescriber.clinician)
    CoverageFactory(patient=patient, priority=1)
    return patient


@pytest.fixture
def client(client_for, prescriber):
    return client_for(prescriber)


def _instrument(name: str) -> Instrument:
    return instrument(name)


def _instrument_rows(*rows: tuple[str, object]) -> dict[str, str]:
    data = {"instruments-TOTAL_FORMS": str(len(rows)), "instruments-INITIAL_FORMS": "0"}
    for i, (name, score) in enumerate(rows):
        data[f"instruments-{i}-instrument"] = str(_instrument(name).pk)
        data[f"instruments-{i}-score"] = str(score)
    return data


PALIPERIDONE = {
    "drug": "J2426",
    "dose_mg": "234",
    "container_mg": "234",
    "supplied": "practice",
    "given_by": "",
    "lot": "LOT42",
    "ndc": "50458-0564-01",
    "ndc_quantity": "1",
    "ndc_unit": "UN",
}


def _injection_rows(*rows: dict[str, str]) -> dict[str, str]:
    data = {"injections-TOTAL_FORMS": str(len(rows)), "injections-INITIAL_FORMS": "0"}
    for i, row in enumerate(rows):
        data.update({f"injections-{i}-{k}": v for k, v in row.items()})
    return data


def _qd(data: dict) -> QueryDict:
    q = QueryDict(mutable=True)
    for key, value in data.items():
        q.setlist(key, value if isinstance(value, list) else [value])
    return q


# --- the instrument list -----------------------------------------------------------------


def test_the_seeded_instruments_say_which_count_for_96127_ba_1():
    seed_instruments()  # what the data migration leaves (a flushed table lost its rows)
    counted = dict(Instrument.objects.values_list("name", "counts_for_96127"))
    assert counted == {
        "PHQ-9": True,
        "GAD-7": True,
        "PCL-5": True,
        "ASRS": True,
        "MDQ": True,
        "Vanderbilt": True,
        "AUDIT-C": False,
    }
    assert (_instrument("PHQ-9").score_min, _instrument("PHQ-9").score_max) == (0, 27)


def test_a_retired_instrument_is_no_longer_offered_but_a_draft_keeps_it(patient):
    encounter = _draft(patient)
    mdq = _instrument("MDQ")
    InstrumentScore.objects.create(encounter=encounter, instrument=mdq, score=7)
    Instrument.objects.filter(pk=mdq.pk).update(active=False)
    fresh = instrument_formset()
    assert mdq.pk not in fresh.forms[0].instruments
    kept = instrument_formset(encounter=encounter)
    assert kept.forms[0].initial == {"instrument": mdq.pk, "score": 7}
    assert mdq.pk in kept.forms[0].instruments


# --- form errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("601", "between 0 and 600; 601 was entered"),
        ("-5", "between 0 and 600; -5 was entered"),
        ("ten", "whole number"),
    ],
)
def test_other_em_minutes_out_of_bounds_are_refused_next_to_the_field(patient, typed, message):
    form = EncounterForm(_qd(_form_data(patient, em_other_minutes=typed)), patient=patient)
    assert not form.is_valid()
    assert message in " ".join(form.errors["em_other_minutes"])


def test_other_em_minutes_left_empty_count_as_zero(patient):
    form = EncounterForm(_qd(_form_data(patient, em_other_minutes="")), patient=patient)
    assert form.is_valid(), form.errors
    assert form.encounter_data()["em_other_minutes"] == 0


def test_a_score_outside_the_instruments_range_is_refused():
    formset = instrument_formset(_qd(_instrument_rows(("PHQ-9", 28), ("GAD-7", 21))))
    assert not formset.is_valid()
    assert formset.forms[0].errors["score"] == [
        "PHQ-9 scores run from 0 to 27; 28 is outside that range."
    ]
    assert formset.forms[1].is_valid()
    assert formset.scores() == [{"instrument": _instrument("GAD-7").pk, "score": 21}]


def test_the_same_instrument_twice_is_refused():
    formset = instrument_formset(_qd(_instrument_rows(("PHQ-9", 10), ("PHQ-9", 12))))
    assert not formset.is_valid()
    assert formset.forms[1].errors["instrument"] == ["PHQ-9 is already listed: record it once."]


def test_an_unknown_instrument_id_is_a_clear_choice_error():
    data = _instrument_rows(("PHQ-9", 10))
    data["instruments-0-instrument"] = "999999"
    formset = instrument_formset(_qd(data))
    assert not formset.is_valid()
    assert formset.forms[0].errors["instrument"] == ["Choose an instrument from the list."]


def test_an_injection_row_keeps_the_ndc_digits_without_hyphens():
    formset = injection_formset(_qd(_injection_rows(PALIPERIDONE)))
    assert formset.is_valid(), formset.errors
    (row,) = formset.injections()
    assert row["ndc"] == "50458056401"
    assert row["supplied_by_practice"] is True
    assert row["dose_mg"] == Decimal("234")
    assert row["given_by"] == ""


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"ndc": "5045-0564"}, "ndc", "Enter the NDC as its 11 digits"),
        ({"ndc_unit": ""}, "ndc_unit", "Choose the NDC unit"),
        ({"ndc_quantity": ""}, "ndc_quantity", "Enter the NDC quantity"),
        ({"ndc": "", "ndc_quantity": "1"}, "ndc", "Enter the NDC the quantity and unit belong"),
        ({"drug": "J9999"}, "drug", "Choose the drug from the practice's drug table."),
        ({"dose_mg": "0"}, "dose_mg", "greater than or equal to 0.01"),
        ({"dose_mg": "lots"}, "dose_mg", "Enter the amount in mg"),
        ({"supplied": ""}, "supplied", "This field is required."),
    ],
)
def test_an_injection_row_with_a_bad_value_says_what_is_wrong(change, field, message):
    formset = injection_formset(_qd(_injection_rows({**PALIPERIDONE, **change})))
    assert not formset.is_valid()
    assert message in " ".join(formset.forms[0].errors[field])


def test_the_container_defaults_to_the_dose():
    formset = injection_formset(_qd(_injection_rows({**PALIPERIDONE, "container_mg": ""})))
    assert formset.is_valid(), formset.errors
    assert formset.injections()[0]["container_mg"] == Decimal("234")


def test_more_than_ten_injections_are_refused_inj_1():
    formset = injection_formset(_qd(_injection_rows(*[PALIPERIDONE] * 11)))
    assert not formset.is_valid()
    assert formset.non_form_errors() == ["At most 10 injections per visit; 11 are entered."]


# --- the page: save, draft as typed, sign ------------------------------------------------


def _engine2_post(patient, **overrides):
    data = {
        "em_other_minutes": "12",
        "longitudinal_care": "on",
        **_instrument_rows(("PHQ-9", 14), ("AUDIT-C", 3)),
        **_injection_rows(PALIPERIDONE),
        **overrides,
    }
    return _form_data(patient, **data)


def _draft(patient, prescriber=None, **fields) -> Encounter:
    """A draft of the patient's, on their coverage."""
    if prescriber is not None:
        fields["clinician"] = prescriber.clinician
    return EncounterFactory(patient=patient, coverage=patient.coverages.get(), **fields)


def test_a_saved_draft_keeps_the_engine2_inputs_and_shows_them_again(client, patient):
    response = client.post(_create_url(patient), _engine2_post(patient))
    assert response.status_code == 302
    encounter = Encounter.objects.get(patient=patient)
    assert encounter.em_other_minutes == 12
    assert encounter.longitudinal_care is True
    scores = {s.instrument.name: s.score for s in encounter.instrument_scores.all()}
    assert scores == {"PHQ-9": 14, "AUDIT-C": 3}
    (injection,) = encounter.injections.all()
    assert (injection.drug, injection.dose_mg, injection.container_mg) == (
        "J2426",
        Decimal("234"),
        Decimal("234"),
    )
    assert (injection.ndc, injection.ndc_quantity, injection.ndc_unit) == (
        "50458056401",
        Decimal("1"),
        "UN",
    )
    page = client.get(_edit_url(encounter)).content.decode()
    assert 'name="em_other_minutes" value="12"' in page
    assert 'name="injections-0-ndc" value="50458056401"' in page
    assert 'name="instruments-1-score" value="3"' in page


def test_a_draft_with_a_bad_score_is_kept_as_typed_and_the_error_shows(client, patient):
    data = _engine2_post(patient, **{"instruments-0-score": "40"})
    response = client.post(_create_url(patient), data)
    encounter = Encounter.objects.get(patient=patient)
    assert response.status_code == 302
    # The valid rows are saved; the bad one is kept only as typed.
    assert [s.instrument.name for s in encounter.instrument_scores.all()] == ["AUDIT-C"]
    assert encounter.draft_form["instruments-0-score"] == ["40"]
    page = client.get(_edit_url(encounter)).content.decode()
    assert 'name="instruments-0-score" value="40"' in page
    assert "PHQ-9 scores run from 0 to 27; 40 is outside that range." in page


def test_signing_with_eleven_injections_is_refused_with_the_reason(client, patient):
    data = _form_data(patient, action="sign", **_injection_rows(*[PALIPERIDONE] * 11))
    response = client.post(_create_url(patient), data)
    assert response.status_code == 200
    assert "At most 10 injections per visit; 11 are entered." in response.content.decode()
    assert Encounter.objects.get(patient=patient).status == EncounterStatus.DRAFT


def test_sign_errors_recheck_the_stored_rows(patient, prescriber):
    encounter = _draft(patient, prescriber)
    EncounterDiagnosisFactory(encounter=encounter)
    # Rows written by another path than the form: a score beyond the range, too many
    # injections, other minutes beyond the bound.
    InstrumentScore.objects.create(encounter=encounter, instrument=_instrument("GAD-7"), score=30)
    Injection.objects.bulk_create(
        Injection(encounter=encounter, drug="J2426", dose_mg=234, container_mg=234)
        for _ in range(11)
    )
    Encounter.objects.filter(pk=encounter.pk).update(em_other_minutes=700)
    errors = services.encounter_sign_errors(Encounter.objects.get(pk=encounter.pk))
    assert errors["instruments"] == ["GAD-7 scores run from 0 to 21; 30 is outside that range."]
    assert errors["injections"] == ["At most 10 injections per visit; 11 are recorded."]
    assert errors["em_other_minutes"] == [
        "Other E/M minutes today must be between 0 and 600; 700 was entered."
    ]


def test_other_minutes_without_a_med_management_block_cannot_be_signed(patient, prescriber):
    encounter = _draft(
        patient,
        prescriber,
        em_start=None,
        em_end=None,
        mdm_problems=[],
        mdm_risk=[],
        em_other_minutes=15,
    )
    EncounterDiagnosisFactory(encounter=encounter)
    errors = services.encounter_sign_errors(encounter)
    assert "record the med-management block too" in errors["em_other_minutes"][0]
    with pytest.raises(ValidationError):
        services.encounter_mark_signed(user=prescriber, encounter=encounter)


def test_the_chart_shows_the_scores_the_injection_and_the_total_time(client, patient):
    client.post(_create_url(patient), _engine2_post(patient))
    encounter = Encounter.objects.get(patient=patient)
    page = client.get(_detail_url(encounter)).content.decode()
    assert "<td>PHQ-9</td><td><strong>14</strong></td><td>0–27</td><td>counts</td>" in page
    assert "<td>AUDIT-C</td><td><strong>3</strong></td><td>0–12</td><td>recorded only</td>" in page
    assert "<code>J2426</code></td><td>234 mg</td><td>234 mg</td><td>the practice</td>" in page
    assert "<td>the clinician</td><td>LOT42</td><td>50458056401 · 1 UN</td>" in page
    assert "12 min other E/M time today" in page
    assert "27 min total" in page  # 15 min block + 12 other
    assert "Continuing care (G2211): yes" in page


def _detail_queries(client, encounter) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_detail_url(encounter)).status_code == 200
    return len(queries.captured_queries)


def test_the_chart_query_count_does_not_grow_with_scores_and_injections(
    client, patient, prescriber
):
    encounter = _draft(patient, prescriber)
    InstrumentScore.objects.create(encounter=encounter, instrument=_instrument("PHQ-9"), score=3)
    Injection.objects.create(encounter=encounter, drug="J2426", dose_mg=234, container_mg=234)
    client.get(_detail_url(encounter))  # a warm session, as for every later page
    one_each = _detail_queries(client, encounter)
    for name in ("GAD-7", "PCL-5", "AUDIT-C"):
        InstrumentScore.objects.create(encounter=encounter, instrument=_instrument(name), score=4)
    Injection.objects.create(encounter=encounter, drug="J0401", dose_mg=400, container_mg=400)
    Injection.objects.create(encounter=encounter, drug="J2794", dose_mg=25, container_mg=25)
    assert _detail_queries(client, encounter) == one_each


def test_practice_admins_keep_the_instrument_list_in_the_admin_and_retire_not_delete(rf):
    instrument_admin = admin.site._registry[Instrument]
    assert {"counts_for_96127", "score_min", "score_max", "active"} <= set(
        instrument_admin.list_display
    )
    assert instrument_admin.has_delete_permission(rf.get("/admin/")) is False
