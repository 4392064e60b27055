"""From draft to signature to claim: what the clinician chose and typed is what is kept.

Each test here reproduces a finding of trying the app as a new user would: a refresh
that replaced the chosen codes, a second signature of the same visit, implausible
numbers accepted, a draft that could not be saved as typed.
"""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from claims.models import Claim
from coding.models import SignedProposal
from encounters import services
from encounters.models import Encounter, EncounterStatus
from tests.encounters.test_views import _create_url, _detail_url, _edit_url, _form_data
from tests.factories import CoverageFactory, EncounterFactory, PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(prescriber):
    patient = PatientFactory(first_name="Ada", last_name="Quinn", mrn="MRN777002")
    patient.clinicians.add(prescriber.clinician)
    CoverageFactory(patient=patient, priority=1)
    return patient


@pytest.fixture
def client(client_for, prescriber):
    return client_for(prescriber)


def _key() -> str:
    return str(uuid.uuid4())


# --- 1. the codes signed are the codes the panel showed ----------------------------------


def test_sign_refuses_when_the_codes_changed_since_the_panel_showed_them(client, patient):
    data = _form_data(patient, action="sign", coding_shown="90832")
    response = client.post(_create_url(patient), data)
    encounter = Encounter.objects.get(patient=patient)
    html = response.content.decode()
    assert response.status_code == 200
    assert encounter.status == EncounterStatus.DRAFT
    assert "it showed 90832, the visit as saved gives 99214 + 90836" in html
    assert not Claim.objects.exists()


def test_sign_without_a_choice_of_codes_is_refused(client, patient):
    data = _form_data(patient, action="sign", coding_option="", coding_shown="")
    response = client.post(_create_url(patient), data)
    assert "Choose the codes to bill on the panel before signing." in response.content.decode()
    assert Encounter.objects.get(patient=patient).status == EncounterStatus.DRAFT


def test_custom_codes_are_signed_and_billed_exactly_as_typed(client, patient):
    data = _form_data(
        patient,
        action="sign",
        coding_option="custom",
        coding_shown="",
        coding_custom_codes="99215, 90838",
        coding_override_reason="Long session documented in the outside record",
    )
    client.post(_create_url(patient), data)
    encounter = Encounter.objects.get(patient=patient)
    signed = SignedProposal.objects.get(encounter=encounter)
    assert encounter.is_signed
    assert signed.chosen_option == "custom"
    assert [line["code"] for line in signed.chosen_lines] == ["99215", "90838"]
    assert [line.code for line in Claim.objects.get(encounter=encounter).lines.all()] == [
        "99215",
        "90838",
    ]


def test_an_alternative_is_signed_with_the_lines_it_showed(client, patient):
    data = _form_data(patient, action="sign", coding_option="alternative-0", coding_shown="90834")
    client.post(_create_url(patient), data)
    encounter = Encounter.objects.get(patient=patient)
    assert encounter.is_signed
    assert [ln["code"] for ln in SignedProposal.objects.get(encounter=encounter).chosen_lines] == [
        "90834"
    ]


# --- 3. one draft, one signature, one claim ------------------------------------------------


def test_the_same_form_posted_twice_makes_one_draft(client, patient):
    key = _key()
    client.post(_create_url(patient), _form_data(patient, draft_key=key))
    client.post(_create_url(patient), _form_data(patient, draft_key=key, pt_focus="Second"))
    encounter = Encounter.objects.get(patient=patient)
    assert encounter.pt_focus == "Second"


def test_back_and_sign_again_after_signing_makes_no_second_visit_or_claim(client, patient):
    data = _form_data(patient, action="sign", draft_key=_key())
    client.post(_create_url(patient), data)
    encounter = Encounter.objects.get(patient=patient)
    response = client.post(_create_url(patient), data, follow=True)
    assert response.redirect_chain == [(_detail_url(encounter), 302)]
    assert "already signed; nothing was changed" in response.content.decode()
    assert Encounter.objects.filter(patient=patient).count() == 1
    assert Claim.objects.filter(encounter__patient=patient).count() == 1


def test_a_second_visit_overlapping_a_signed_one_is_refused_with_a_link_to_it(client, patient):
    client.post(_create_url(patient), _form_data(patient, action="sign", draft_key=_key()))
    first = Encounter.objects.get(patient=patient)
    response = client.post(
        _create_url(patient), _form_data(patient, action="sign", draft_key=_key())
    )
    second = Encounter.objects.exclude(pk=first.pk).get(patient=patient)
    html = response.content.decode()
    assert second.status == EncounterStatus.DRAFT
    assert f"This visit overlaps visit {first.pk}, already signed" in html
    assert f'href="{_detail_url(first)}" data-testid="overlap-link"' in html
    assert Claim.objects.filter(encounter__patient=patient).count() == 1


def test_a_later_visit_the_same_day_is_signed(client, patient):
    client.post(_create_url(patient), _form_data(patient, action="sign", draft_key=_key()))
    afternoon = _form_data(
        patient,
        action="sign",
        draft_key=_key(),
        pt_start="14:00",
        pt_end="14:38",
        em_start="14:40",
        em_end="14:55",
    )
    client.post(_create_url(patient), afternoon)
    assert Encounter.objects.filter(patient=patient).signed().count() == 2


def test_a_form_key_of_another_patients_visit_is_refused(client, patient, prescriber):
    other = EncounterFactory(clinician=prescriber.clinician)
    response = client.post(_create_url(patient), _form_data(patient, draft_key=other.draft_key))
    assert response.status_code == 403
    assert not Encounter.objects.filter(patient=patient).exists()


def test_draft_key_is_unique_in_the_database(prescriber):
    first = EncounterFactory(clinician=prescriber.clinician)
    with pytest.raises(IntegrityError), transaction.atomic():
        EncounterFactory(clinician=prescriber.clinician, draft_key=first.draft_key)


def test_signing_a_signed_encounter_again_is_refused_by_the_service(client, patient, prescriber):
    client.post(_create_url(patient), _form_data(patient, action="sign"))
    encounter = Encounter.objects.get(patient=patient)
    with pytest.raises(services.EncounterAlreadySigned):
        services.encounter_mark_signed(user=prescriber, encounter=encounter)


def test_one_signed_proposal_and_one_claim_per_encounter_in_the_database(client, patient):
    client.post(_create_url(patient), _form_data(patient, action="sign"))
    encounter = Encounter.objects.get(patient=patient)
    proposal = SignedProposal.objects.get(encounter=encounter)
    with pytest.raises(IntegrityError), transaction.atomic():
        SignedProposal.objects.create(
            encounter=encounter,
            engine_version=proposal.engine_version,
            facts={},
            proposal={},
            chosen_option="recommended",
            chosen_lines=[],
            rule_ids=[],
        )


# --- 4. implausible numbers are refused at signing -----------------------------------------


def test_a_900_minute_med_management_block_cannot_be_signed(client, patient):
    data = _form_data(patient, action="sign", em_start="00:10", em_end="15:10", pt_kind="")
    data.update(pt_start="", pt_end="")
    response = client.post(_create_url(patient), data)
    assert "lasts 900 minutes (00:10-15:10); at most 120 minutes" in response.content.decode()
    assert Encounter.objects.get(patient=patient).status == EncounterStatus.DRAFT
    assert not Claim.objects.exists()


def test_999_tests_ordered_cannot_be_signed(client, patient):
    response = client.post(
        _create_url(patient), _form_data(patient, action="sign", mdm_tests_ordered="999")
    )
    assert "At most 20 can be counted here." in response.content.decode()
    assert Encounter.objects.get(patient=patient).status == EncounterStatus.DRAFT


def test_the_bounds_are_settings(client, patient, settings):
    settings.ENCOUNTER_MAX_MDM_COUNT = 3
    settings.ENCOUNTER_MAX_PSYCHOTHERAPY_MINUTES = 30
    response = client.post(
        _create_url(patient), _form_data(patient, action="sign", mdm_notes_reviewed="4")
    )
    html = response.content.decode()
    assert "At most 3 can be counted here." in html
    assert "lasts 38 minutes (09:00-09:38); at most 30 minutes" in html
    assert 'name="mdm_notes_reviewed" value="4" min="0" max="3"' in html


def test_the_signing_service_checks_the_counters_too(prescriber):
    encounter = EncounterFactory(clinician=prescriber.clinician, mdm_tests_ordered=999)
    errors = services.encounter_sign_errors(encounter)
    assert errors["mdm_tests_ordered"] == ["At most 20 can be counted."]


# --- 9. a draft keeps what was typed; only signing needs it valid -------------------------


def test_save_draft_keeps_overlapping_blocks_as_typed_and_says_why_it_cannot_be_signed(
    client, patient
):
    data = _form_data(patient, em_start="09:30", em_end="09:50")
    response = client.post(_create_url(patient), data)
    encounter = Encounter.objects.get(patient=patient)
    assert response.status_code == 302
    assert encounter.draft_form["em_start"] == ["09:30"]
    html = client.get(_edit_url(encounter)).content.decode()
    assert 'value="09:30"' in html
    assert "overlaps the psychotherapy block (09:00-09:38)" in html


def test_a_valid_draft_keeps_no_typed_copy_and_signing_clears_it(client, patient):
    client.post(_create_url(patient), _form_data(patient, pt_end="08:00"))
    encounter = Encounter.objects.get(patient=patient)
    assert encounter.draft_form is not None
    client.post(_edit_url(encounter), _form_data(patient, action="sign"))
    encounter.refresh_from_db()
    assert encounter.is_signed
    assert encounter.draft_form is None


def test_autosave_saves_the_draft_and_answers_where_it_lives(client, patient):
    response = client.post(
        _create_url(patient), _form_data(patient, action="autosave", pt_note="So far")
    )
    encounter = Encounter.objects.get(patient=patient)
    assert response.status_code == 200
    assert response.json()["encounter_id"] == encounter.pk
    assert response.json()["edit_url"] == _edit_url(encounter)
    assert encounter.pt_note == "So far"


def test_autosave_of_a_signed_visit_says_so_and_changes_nothing(client, patient):
    key = _key()
    client.post(_create_url(patient), _form_data(patient, action="sign", draft_key=key))
    response = client.post(
        _create_url(patient), _form_data(patient, action="autosave", draft_key=key, pt_note="x")
    )
    encounter = Encounter.objects.get(patient=patient)
    assert response.status_code == 409
    assert response.json() == {"signed": True, "url": _detail_url(encounter)}
    assert encounter.pt_note == "Interoceptive exposure."


def test_a_running_timer_is_a_valid_draft(client, patient):
    data = _form_data(patient, action="autosave", em_start="10:00", em_end="")
    response = client.post(_create_url(patient), data)
    encounter = Encounter.objects.get(patient=patient)
    assert response.json()["complete"] is True
    assert encounter.em_start.isoformat() == "10:00:00"
    assert encounter.em_end is None


# --- 10. one practice time zone --------------------------------------------------------------


def test_the_form_page_tells_the_timers_the_practice_time_zone(client, patient, settings):
    settings.TIME_ZONE = "America/Chicago"
    html = client.get(_create_url(patient)).content.decode()
    assert 'data-time-zone="America/Chicago"' in html


def test_signing_with_a_stored_payer_row_beyond_licence_is_refused_not_a_server_error(
    client, patient
):
    payer = patient.coverages.get(priority=1).payer
    type(payer).objects.filter(pk=payer.pk).update(em_credentials=["MD", "LCSW"])
    response = client.post(_create_url(patient), _form_data(patient, action="sign"))
    assert response.status_code == 200
    assert "LCSW cannot bill E/M under any payer" in response.content.decode()
    assert Encounter.objects.get(patient=patient).status == EncounterStatus.DRAFT


# --- 5. documentation the MDM claims (EM-2) ---------------------------------------------------


def _no_medication_review(patient, **overrides):
    return _form_data(
        patient, action="sign", em_plan="", **{"medications-TOTAL_FORMS": "0"}, **overrides
    )


def test_em_2_signing_drug_management_without_review_or_plan_needs_an_acknowledgement(
    client, patient
):
    response = client.post(_create_url(patient), _no_medication_review(patient))
    html = response.content.decode()
    assert Encounter.objects.get(patient=patient).status == EncounterStatus.DRAFT
    assert "The note does not show yet what the MDM items claim (EM-2)" in html
    assert "a medication review row naming the drug and the decision" in html
    assert not Claim.objects.exists()


def test_em_2_an_acknowledged_gap_is_signed_and_kept_with_the_visit(client, patient):
    data = _no_medication_review(patient, documentation_acknowledged="on")
    data["coding_shown"] = "99214 + 90836"
    client.post(_create_url(patient), data)
    encounter = Encounter.objects.get(patient=patient)
    assert encounter.is_signed
    needs = {gap["element"]: gap["needs"] for gap in encounter.documentation_gaps}
    assert set(needs) == {"problems", "risk"}
    html = client.get(_detail_url(encounter)).content.decode()
    assert 'data-testid="documentation-gaps"' in html
    assert "a medication review row naming the drug" in html


def test_em_2_a_documented_visit_is_signed_without_an_acknowledgement(client, patient):
    client.post(_create_url(patient), _form_data(patient, action="sign"))
    encounter = Encounter.objects.get(patient=patient)
    assert encounter.is_signed
    assert encounter.documentation_gaps == []


def test_em_2_the_panel_says_what_the_note_must_show_and_whether_it_does(client, patient):
    data = _no_medication_review(patient, mdm_data_detail="")
    response = client.post(reverse("coding:proposal-panel"), data)
    html = response.content.decode()
    assert 'data-testid="proposal-documentation"' in html
    assert html.count('data-met="no"') == 3  # problems (no plan), data, drug management
    documented = client.post(reverse("coding:proposal-panel"), _form_data(patient))
    assert documented.content.decode().count('data-met="yes"') == 3


def test_a_nul_character_typed_into_an_invalid_draft_is_dropped_not_a_server_error(client, patient):
    data = _form_data(patient, pt_end="08:00", pt_focus="Grief\x00", **{"bad\x00key": "x\x00"})
    response = client.post(_create_url(patient), data)
    encounter = Encounter.objects.get(patient=patient)
    assert response.status_code == 302
    assert encounter.draft_form["pt_focus"] == ["Grief"]
    assert encounter.draft_form["badkey"] == ["x"]


def test_an_alternative_numbered_in_other_scripts_digits_is_refused_not_a_server_error(
    client, patient
):
    data = _form_data(patient, action="sign", coding_option="alternative-²", coding_shown="x")
    response = client.post(_create_url(patient), data)
    assert response.status_code == 200
    assert "That alternative is no longer offered" in response.content.decode()


# --- issue 8: what was typed survives an ended session -------------------------------------


def test_the_form_page_tells_draft_js_whose_draft_and_which_save_it_shows(
    client, patient, prescriber
):
    html = client.get(_create_url(patient)).content.decode()
    assert f'data-draft-owner="{prescriber.pk}"' in html
    assert f'data-patient="{patient.pk}"' in html
    assert 'data-encounter=""' in html
    assert 'data-saved-version=""' in html
    assert "js/draft.js" in html

    answer = client.post(
        _create_url(patient), _form_data(patient, action="autosave", pt_note="So far")
    ).json()
    encounter = Encounter.objects.get(patient=patient)
    html = client.get(_edit_url(encounter)).content.decode()
    assert f'data-encounter="{encounter.pk}"' in html
    assert f'data-saved-version="{answer["version"]}"' in html
    assert f'value="{encounter.draft_key}"' in html


def test_each_autosave_answers_a_new_version(client, patient):
    key = _key()
    first = client.post(_create_url(patient), _form_data(patient, action="autosave", draft_key=key))
    second = client.post(
        _create_url(patient), _form_data(patient, action="autosave", draft_key=key, pt_note="More")
    )
    assert int(second.json()["version"]) > int(first.json()["version"])


def test_autosave_to_the_edit_page_of_a_signed_visit_answers_409_json(client, patient):
    key = _key()
    client.post(_create_url(patient), _form_data(patient, action="sign", draft_key=key))
    encounter = Encounter.objects.get(patient=patient)
    response = client.post(
        _edit_url(encounter), _form_data(patient, action="autosave", draft_key=key, pt_note="x")
    )
    assert response.status_code == 409
    assert response.json() == {"signed": True, "url": _detail_url(encounter)}


def test_autosave_the_service_refuses_answers_422_json_and_saves_nothing(
    client, patient, monkeypatch
):
    def refuse(**kwargs):
        raise ValidationError({"diagnoses": ["Z99.99 is not a billable code."]})

    monkeypatch.setattr(services, "encounter_draft_save", refuse)
    response = client.post(_create_url(patient), _form_data(patient, action="autosave"))
    assert response.status_code == 422
    assert response.json() == {"saved": False, "errors": ["Z99.99 is not a billable code."]}
    assert not Encounter.objects.exists()


def test_the_signed_visit_page_names_its_draft_so_the_browser_forgets_its_copy(client, patient):
    key = _key()
    client.post(_create_url(patient), _form_data(patient, action="sign", draft_key=key))
    encounter = Encounter.objects.get(patient=patient)
    html = client.get(_detail_url(encounter)).content.decode()
    assert f'data-signed-draft-key="{key}"' in html
    assert "js/draft.js" in html


def test_two_first_posts_of_one_form_at_once_make_one_draft(client, patient, monkeypatch):
    key = _key()
    client.post(_create_url(patient), _form_data(patient, draft_key=key, pt_focus="First"))
    real = services._draft_for_key
    calls = []

    def not_yet_committed(**kwargs):  # the first look ran before the other post committed
        calls.append(kwargs)
        return None if len(calls) == 1 else real(**kwargs)

    monkeypatch.setattr(services, "_draft_for_key", not_yet_committed)
    response = client.post(_create_url(patient), _form_data(patient, draft_key=key, pt_focus="2"))
    assert response.status_code == 302
    assert Encounter.objects.get(patient=patient).pt_focus == "2"
