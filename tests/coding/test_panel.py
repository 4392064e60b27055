"""The live proposal panel (coding:proposal-panel): the engine's answer for the typed form.

The encounter form posts its flat fields while the prescriber types; the panel shows the
engine's lines with their rule ids, the E/M basis, messages and alternatives, never a 500.
"""

from __future__ import annotations

import html
import re

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import AccessRecord
from coding.models import SignedProposal
from encounters.models import Encounter
from tests.factories import (
    AuthorizationFactory,
    CoverageFactory,
    EncounterFactory,
    PatientFactory,
    UserFactory,
    payer,
)

pytestmark = pytest.mark.django_db

PANEL = reverse("coding:proposal-panel")

PSYCHOTHERAPY_30 = {"pt_kind": "individual", "pt_start": "09:00", "pt_end": "09:30"}
MED_MANAGEMENT_15 = {
    "em_start": "09:30",
    "em_end": "09:45",
    "mdm_problems": ["chronic_exacerbation"],
    "mdm_risk": ["prescription_management"],
}


def _lines(response) -> list[dict]:
    """The proposal lines as rendered: code, modifiers and rule ids of each row."""
    rows = re.findall(r'<tr class="proposal-line">(.*?)</tr>', response.content.decode(), re.S)
    return [
        {
            "code": re.search(r'data-testid="proposal-code">([^<]+)<', row).group(1),
            "modifiers": re.findall(r'<span class="badge[^"]*">([^<]+)</span>', row),
            "rules": re.findall(r'<span class="rule-id[^"]*">([^<]+)</span>', row),
        }
        for row in rows
    ]


def _codes(response) -> list[str]:
    return [line["code"] for line in _lines(response)]


def _raw(response) -> str:
    return html.unescape(response.content.decode())


def _text(response) -> str:
    """The panel's visible text, tags removed and whitespace collapsed."""
    without_tags = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(without_tags)).strip()


def _message_rules(response) -> list[str]:
    block = re.search(
        r'data-testid="proposal-messages">(.*?)</ul>', response.content.decode(), re.S
    )
    return re.findall(r'rule-id">([^<]+)</span>', block.group(1)) if block else []


def _own_coverage(prescriber, slug: str):
    """A coverage of a patient on the prescriber's care team."""
    coverage = CoverageFactory(payer=payer(slug))
    coverage.patient.clinicians.add(prescriber.clinician)
    return coverage


@pytest.fixture
def panel(prescriber, client_for):
    client = client_for(prescriber)

    def post(data):
        response = client.post(PANEL, data)
        assert response.status_code == 200
        assert b'data-testid="proposal-panel"' in response.content
        return response

    return post


# --- what the panel shows ---------------------------------------------------------------


def test_cb_1_panel_renders_em_and_add_on_lines_with_their_rule_ids(panel):
    response = panel({**PSYCHOTHERAPY_30, **MED_MANAGEMENT_15})
    assert _lines(response) == [
        {"code": "99214", "modifiers": [], "rules": ["EM-2", "EM-4", "CB-1"]},
        {"code": "90833", "modifiers": [], "rules": ["PT-1", "CB-1"]},
    ]
    assert response.context["proposal"]["lines"][0]["rules"] == ["EM-2", "EM-4", "CB-1"]


def test_em_4_panel_shows_the_basis_and_both_levels(panel):
    # 45 E/M minutes reach 99215 by time (EM-3); MDM moderate is 99214: time wins, no add-on.
    response = panel({**MED_MANAGEMENT_15, "em_start": "10:00", "em_end": "10:45"})
    assert _codes(response) == ["99215"]
    text = _text(response)
    assert "E/M level 99215 by time" in text
    assert "By MDM: 99214; by time (45 min): 99215." in text


def test_em_4_with_add_on_the_basis_is_mdm_and_time_is_shown_but_not_used(panel):
    response = panel({**PSYCHOTHERAPY_30, **MED_MANAGEMENT_15})
    text = _text(response)
    assert "E/M level 99214 by medical decision making" in text
    assert (
        "By MDM: 99214; by time (15 min): 99212, not used with a psychotherapy add-on (EM-4)."
        in text
    )


def test_em_4_without_add_on_both_levels_are_shown(panel):
    response = panel(MED_MANAGEMENT_15)
    text = _text(response)
    assert "E/M level 99214 by medical decision making" in text
    assert "By MDM: 99214; by time (15 min): 99212." in text


def test_panel_lists_each_message_with_its_rule_id(panel):
    response = panel({**PSYCHOTHERAPY_30, **MED_MANAGEMENT_15})
    shown = response.context["proposal"]["messages"]
    assert _message_rules(response) == [m["rule"] for m in shown]
    assert {"EM-2", "EM-4", "PT-1", "CB-1", "PT-3"} <= set(_message_rules(response))
    for message in shown:
        assert message["text"] in _text(response)


def test_panel_offers_each_alternative_as_a_choice_with_its_lines_and_reason(panel):
    response = panel({**PSYCHOTHERAPY_30, **MED_MANAGEMENT_15})
    content = html.unescape(response.content.decode())
    alternatives = response.context["proposal"]["alternatives"]
    assert [[ln["code"] for ln in alt["lines"]] for alt in alternatives] == [["90832"], ["99214"]]
    assert 'value="recommended" data-shown="99214 + 90833"' in content
    for index, alternative in enumerate(alternatives):
        shown = " + ".join(ln["code"] for ln in alternative["lines"])
        assert f'value="alternative-{index}" data-shown="{shown}"' in content
        assert alternative["why"] in content


def test_dx_3_panel_offers_the_intake_e_m_path_beside_90792(panel):
    response = panel(
        {
            **PSYCHOTHERAPY_30,
            **MED_MANAGEMENT_15,
            "patient_status": "new",
            "diagnostic_evaluation": "with_medical",
        }
    )
    content = html.unescape(response.content.decode())
    assert 'value="recommended" data-shown="90792"' in content
    alternatives = [
        " + ".join(ln["code"] for ln in alt["lines"])
        for alt in response.context["proposal"]["alternatives"]
    ]
    em_path = next(shown for shown in alternatives if shown.startswith("992"))
    assert em_path.endswith(" + 90833")  # a new-patient E/M with the add-on (DX-3)
    index = alternatives.index(em_path)
    assert f'value="alternative-{index}" data-shown="{em_path}"' in content
    assert "DX-3" in _message_rules(response)


def test_dx_4_panel_offers_90792_beside_90791_with_medication_work(panel):
    response = panel(
        {**MED_MANAGEMENT_15, "pt_kind": "", "diagnostic_evaluation": "without_medical"}
    )
    content = html.unescape(response.content.decode())
    assert 'value="recommended" data-shown="90791"' in content
    assert 'data-shown="90792"' in content
    assert "DX-4" in _message_rules(response)


def test_panel_never_carries_the_choice_so_a_late_refresh_cannot_change_it(panel):
    response = panel(
        {
            **PSYCHOTHERAPY_30,
            **MED_MANAGEMENT_15,
            "coding_option": "custom",
            "coding_custom_codes": "99213, 90833",
            "coding_override_reason": "MDM in the outside note",
        }
    )
    content = response.content.decode()
    assert "checked" not in content
    assert 'form="encounter-form"' not in content
    assert "99213, 90833" not in content
    assert "MDM in the outside note" not in content


@pytest.mark.parametrize(
    ("times", "problem"),
    [
        (
            {"pt_start": "09:00", "pt_end": "09:40", "em_start": "09:30", "em_end": "09:50"},
            "overlaps the psychotherapy block",
        ),
        ({"pt_start": "10:00", "pt_end": "09:00"}, "ends at 09:00, before it starts at 10:00"),
        ({"em_start": "00:10", "em_end": "15:10"}, "lasts 900 minutes"),
    ],
)
def test_pt_3_panel_shows_a_time_conflict_at_once_and_proposes_nothing(panel, times, problem):
    response = panel({"pt_kind": "individual", **times, "mdm_problems": ["chronic_stable"]})
    assert problem in _text(response)
    assert "No codes are proposed until the times are fixed" in _text(response)
    assert _codes(response) == []
    assert "coding_option_pick" not in response.content.decode()


def test_panel_keeps_proposing_while_a_block_timer_runs(panel):
    response = panel({"pt_kind": "individual", "pt_start": "09:00", "pt_end": ""})
    assert "No codes are proposed" not in _text(response)


def test_panel_changes_from_90832_to_em_with_90833_when_med_management_is_added(panel):
    before = panel(PSYCHOTHERAPY_30)
    assert _codes(before) == ["90832"]
    after = panel({**PSYCHOTHERAPY_30, **MED_MANAGEMENT_15})
    assert _codes(after) == ["99214", "90833"]


def test_cb_7_empty_form_says_nothing_is_billable_yet(panel):
    response = panel({})
    assert _codes(response) == []
    assert "Nothing billable yet." in _text(response)
    assert _message_rules(response) == ["CB-7", "TH-1"]


def test_panel_writes_nothing(panel, prescriber):
    coverage = _own_coverage(prescriber, "commercial")
    EncounterFactory(patient=coverage.patient, clinician=prescriber.clinician, coverage=coverage)
    counts = (Encounter.objects.count(), SignedProposal.objects.count())
    access_records = AccessRecord.objects.count()
    panel({**PSYCHOTHERAPY_30, **MED_MANAGEMENT_15, "coverage": coverage.pk})
    assert (Encounter.objects.count(), SignedProposal.objects.count()) == counts
    assert AccessRecord.objects.count() == access_records


def test_em_1_a_stored_payer_row_beyond_licence_shows_an_error_not_a_server_error(
    panel, prescriber
):
    coverage = _own_coverage(prescriber, "commercial")
    type(coverage.payer).objects.filter(pk=coverage.payer.pk).update(em_credentials=["MD", "LCSW"])
    response = panel({**PSYCHOTHERAPY_30, **MED_MANAGEMENT_15, "coverage": coverage.pk})
    assert "LCSW cannot bill E/M under any payer" in _text(response)
    assert _codes(response) == []


# --- a half-typed form never fails ------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "helpful"),
    [
        (
            {"pt_kind": "individual", "pt_start": "9:6", "pt_end": "09:40"},
            "psychotherapy with no minutes documented: 16 min needed for 90832",
        ),
        (
            {"pt_kind": "individual", "pt_start": "", "pt_end": ""},
            "psychotherapy with no minutes documented: 16 min needed for 90832",
        ),
        (
            {"pt_kind": "bogus", "pt_start": "09:00", "pt_end": "09:40"},
            "Not enough to propose codes yet: psychotherapy.kind: must be one of",
        ),
        ({"patient_status": "bogus"}, "Not enough to propose codes yet: patient_status"),
        ({"setting": "zzz"}, "Not enough to propose codes yet: setting"),
        (
            {"diagnostic_evaluation": "bogus"},
            "Not enough to propose codes yet: diagnostic_evaluation",
        ),
        (
            {"em_start": "09:00", "em_end": "09:25", "mdm_notes_reviewed": "-3"},
            "by time (25 min): 99213",
        ),
        (
            {"em_start": "09:00", "em_end": "09:25", "mdm_tests_ordered": "a few"},
            "by time (25 min): 99213",
        ),
        (
            {"em_start": "25:00", "em_end": "", "mdm_problems": ["zzz"], "mdm_risk": ["?"]},
            "nothing billable",
        ),
        ({"date_of_service": "2025-02-30", **PSYCHOTHERAPY_30}, "90832"),
        ({"coverage": "abc", **PSYCHOTHERAPY_30}, "no coverage chosen: commercial profile"),
        ({"coverage": "-1", **PSYCHOTHERAPY_30}, "no coverage chosen: commercial profile"),
        ({"coverage": "999999", **PSYCHOTHERAPY_30}, "no coverage chosen: commercial profile"),
        ({"coding_option": "alternative-99", **PSYCHOTHERAPY_30}, "90832"),
    ],
)
def test_half_typed_form_gives_a_helpful_panel_not_an_error(panel, data, helpful):
    response = panel(data)
    assert helpful in _text(response)


# --- the payer: only from the prescriber's own patients' coverage (PY) ------------------


def test_py_payer_comes_from_the_coverage_of_a_care_team_patient(panel, prescriber):
    coverage = _own_coverage(prescriber, "medicare")
    response = panel({**PSYCHOTHERAPY_30, "coverage": coverage.pk})
    assert response.context["payer"] == coverage.payer
    assert "Medicare Part B" in _text(response)


def test_py_payer_comes_from_the_coverage_of_a_patient_the_prescriber_has_seen(panel, prescriber):
    coverage = CoverageFactory(payer=payer("medicare"))
    EncounterFactory(patient=coverage.patient, clinician=prescriber.clinician, coverage=coverage)
    response = panel({**PSYCHOTHERAPY_30, "coverage": coverage.pk})
    assert response.context["payer"] == coverage.payer


def test_py_another_prescribers_patient_coverage_is_ignored(panel, other_prescriber):
    theirs = _own_coverage(other_prescriber, "medicare")
    EncounterFactory(patient=theirs.patient, clinician=other_prescriber.clinician, coverage=theirs)
    response = panel(
        {**PSYCHOTHERAPY_30, "setting": "video", "patient_at_home": "on", "coverage": theirs.pk}
    )
    assert response.context["payer"] is None
    text = _text(response)
    assert "no coverage chosen: commercial profile" in text
    assert "Medicare" not in text
    # the default (commercial) profile, not Medicare's: video lines carry 95 (TH-2)
    assert _lines(response)[0]["modifiers"] == ["95"]


# --- telehealth (TH) ---------------------------------------------------------------------


def test_th_2_video_at_home_commercial_is_pos_10_with_modifier_95(panel, prescriber):
    coverage = _own_coverage(prescriber, "commercial")
    response = panel(
        {
            **PSYCHOTHERAPY_30,
            **MED_MANAGEMENT_15,
            "setting": "video",
            "patient_at_home": "on",
            "coverage": coverage.pk,
        }
    )
    assert response.context["proposal"]["place_of_service"] == "10"
    assert "POS 10" in _text(response)
    lines = _lines(response)
    assert [line["code"] for line in lines] == ["99214", "90833"]
    assert all(line["modifiers"] == ["95"] and "TH-2" in line["rules"] for line in lines)


def test_th_2_video_at_home_medicare_is_pos_10_without_modifier_95(panel, prescriber):
    coverage = _own_coverage(prescriber, "medicare")
    response = panel(
        {
            **PSYCHOTHERAPY_30,
            **MED_MANAGEMENT_15,
            "setting": "video",
            "patient_at_home": "on",
            "coverage": coverage.pk,
        }
    )
    assert "POS 10" in _text(response)
    lines = _lines(response)
    assert [line["code"] for line in lines] == ["99214", "90833"]
    assert all(line["modifiers"] == [] for line in lines)


def test_th_2_video_not_at_home_is_pos_02(panel):
    response = panel({**PSYCHOTHERAPY_30, "setting": "video"})
    assert "POS 02" in _text(response)


def test_th_1_in_person_ignores_a_ticked_at_home_box(panel):
    response = panel({**PSYCHOTHERAPY_30, "setting": "in_person", "patient_at_home": "on"})
    assert "POS 11" in _text(response)
    assert _lines(response)[0]["modifiers"] == []


# --- roles and methods -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["biller", "compliance", "practice_admin"])
def test_only_prescribers_may_post_to_the_panel(role, request, client_for):
    client = client_for(request.getfixturevalue(role))
    response = client.post(PANEL, PSYCHOTHERAPY_30)
    assert response.status_code == 403
    assert b"proposal-panel" not in response.content


def test_anonymous_post_is_sent_to_login(client):
    response = client.post(PANEL, PSYCHOTHERAPY_30)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse(settings.LOGIN_URL)}?next={PANEL}"


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_panel_answers_only_post(method, prescriber, client_for):
    response = getattr(client_for(prescriber), method)(PANEL)
    assert response.status_code == 405
    assert response["Allow"] == "POST"


# --- query count (10 ms budget: no query grows with the data) ---------------------------

# The session; the user with their role and clinician (accounts.backends, one query); the
# coverage and its payer, with the care-team check. No transaction (the panel only reads),
# no session write (accounts.middleware.IdleTimeoutMiddleware: at most once a minute).
PANEL_QUERIES = 3


# The prior authorization check (SC-AUTH): one query, only for a payer that authorizes one
# of the proposed services (the shipped Medicaid profile: psychotherapy).
AUTHORIZATION_QUERY = 1


@pytest.mark.parametrize(
    ("slug", "expected"),
    [("commercial", PANEL_QUERIES), ("medicaid", PANEL_QUERIES + AUTHORIZATION_QUERY)],
)
@pytest.mark.parametrize("extra_patients", [0, 25])
def test_panel_query_count_is_fixed_whatever_the_data(
    slug,
    expected,
    extra_patients,
    prescriber,
    other_prescriber,
    client_for,
    django_assert_num_queries,
):
    coverage = _own_coverage(prescriber, slug)
    for _ in range(extra_patients):
        patient = PatientFactory()
        patient.clinicians.add(prescriber.clinician, other_prescriber.clinician)
        mine = CoverageFactory(patient=patient)
        CoverageFactory(patient=patient, priority=2, payer=payer("medicare"))
        EncounterFactory(patient=patient, clinician=prescriber.clinician, coverage=mine)
    for number in range(extra_patients // 5):  # authorizations of this coverage: same query
        AuthorizationFactory(coverage=coverage, number=f"PA-{number}")
    client = client_for(prescriber)
    data = {
        **PSYCHOTHERAPY_30,
        **MED_MANAGEMENT_15,
        "coverage": coverage.pk,
        "medications-0-name": "sertraline",
    }
    client.post(PANEL, data)  # the first request after sign-in notes the idle limit's write
    with django_assert_num_queries(expected):
        response = client.post(PANEL, data)
    assert response.status_code == 200
    assert response.context["payer"] == coverage.payer


def test_panel_queries_are_the_same_with_another_clinicians_coverage(
    prescriber, client_for, django_assert_num_queries
):
    theirs = CoverageFactory(payer=payer("medicare"))  # not on the care team, never seen
    client = client_for(prescriber)
    client.post(PANEL, PSYCHOTHERAPY_30)  # the first request after sign-in writes the session
    with django_assert_num_queries(PANEL_QUERIES):
        response = client.post(PANEL, {**PSYCHOTHERAPY_30, "coverage": theirs.pk})
    assert response.context["payer"] is None


def test_a_payer_edit_shows_in_the_next_panel_refresh(prescriber, client_for):
    # The payer's rules come from its row on every refresh: nothing cached to go stale.
    coverage = _own_coverage(prescriber, "medicare")
    client = client_for(prescriber)
    long_em = {"em_start": "09:00", "em_end": "10:50", "coverage": coverage.pk}
    assert "G2212" in _codes(client.post(PANEL, long_em))
    coverage.payer.prolonged_code = "99417"
    coverage.payer.save(update_fields=["prolonged_code"])
    codes = _codes(client.post(PANEL, long_em))
    assert "99417" in codes
    assert "G2212" not in codes


def test_a_role_taken_away_counts_from_the_next_refresh(prescriber, client_for):
    from django.contrib.auth.models import Group

    client = client_for(prescriber)
    assert client.post(PANEL, PSYCHOTHERAPY_30).status_code == 200
    prescriber.groups.set([Group.objects.get_or_create(name="Biller")[0]])
    assert client.post(PANEL, PSYCHOTHERAPY_30).status_code == 403


def test_a_clinician_profile_removed_counts_from_the_next_refresh(prescriber, client_for):
    client = client_for(prescriber)
    assert _codes(client.post(PANEL, PSYCHOTHERAPY_30)) == ["90832"]
    prescriber.clinician.delete()
    response = client.post(PANEL, PSYCHOTHERAPY_30)
    assert "no clinician profile" in response.content.decode()


@pytest.mark.django_db
def test_prescriber_without_a_clinician_profile_is_told_why_no_codes_show(client):
    user = UserFactory(role="Prescriber")
    client.force_login(user)
    response = client.post(reverse("coding:proposal-panel"), {"pt_kind": "individual"})
    assert response.status_code == 200
    assert "no clinician profile" in response.content.decode()


def test_panel_says_at_once_why_typed_other_codes_cannot_be_billed(panel):
    response = panel(
        {**PSYCHOTHERAPY_30, "coding_option": "custom", "coding_custom_codes": "99213-X~Q*"}
    )
    assert 'data-testid="custom-codes-problem"' in response.content.decode()
    assert "Other codes:" in _text(response)


def test_panel_is_quiet_about_well_formed_other_codes(panel):
    response = panel(
        {**PSYCHOTHERAPY_30, "coding_option": "custom", "coding_custom_codes": "99213"}
    )
    assert 'data-testid="custom-codes-problem"' not in response.content.decode()


def test_units_above_the_daily_maximum_are_shown_before_signing(panel):
    # 120 minutes of E/M without MDM: 99215 by time and 99417 x5, one more than a day allows.
    response = panel({"em_start": "09:00", "em_end": "11:00"})
    assert _codes(response) == ["99215", "99417"]
    warning = re.search(r'data-testid="proposal-units-warning">(.*?)</div>', _raw(response), re.S)
    assert warning is not None
    assert "99417: 5 units, at most 4 a day" in warning.group(1)


def _summary(response) -> str:
    return re.search(r'data-codes-summary="([^"]*)"', response.content.decode()).group(1)


def test_the_codes_summary_screen_readers_hear_names_units_and_modifiers(panel, prescriber):
    assert _summary(panel({"em_start": "09:00", "em_end": "11:00"})) == (
        "Proposed codes: 99215, 99417 times 5"
    )
    video = {
        **PSYCHOTHERAPY_30,
        **MED_MANAGEMENT_15,
        "setting": "video",
        "patient_at_home": "on",
        "coverage": _own_coverage(prescriber, "commercial").pk,
    }
    assert _summary(panel(video)) == "Proposed codes: 99214 modifier 95, 90833 modifier 95"
    assert _summary(panel({})) == "No codes proposed"
    assert _summary(panel({"pt_kind": "individual", "pt_start": "09:30", "pt_end": "09:00"})) == (
        "No codes proposed"  # PT-3: times to fix, nothing proposed
    )


def test_units_within_the_daily_maximum_raise_no_warning(panel):
    response = panel({**PSYCHOTHERAPY_30, **MED_MANAGEMENT_15})
    assert 'data-testid="proposal-units-warning"' not in _raw(response)


@pytest.mark.parametrize("coverage", ["²", "١٢"])
def test_a_coverage_id_of_other_scripts_digits_is_no_coverage_not_a_server_error(panel, coverage):
    response = panel({**PSYCHOTHERAPY_30, "coverage": coverage})
    assert "no coverage chosen: commercial profile" in _text(response)


def test_panel_is_short_by_default_with_the_full_rule_trace_one_click_away(panel):
    """Codes, the one-line reason and what is missing first; the rule trace in <details>."""
    response = panel({**PSYCHOTHERAPY_30, **MED_MANAGEMENT_15})
    content = html.unescape(response.content.decode())
    short, _, trace = content.partition("<details")
    assert trace, "the full rule trace sits in a <details> element"
    assert not re.match(r"[^>]*\bopen\b", trace)  # closed until the clinician opens it
    assert "Full rule trace</summary>" in trace
    # Short: the codes and the one-line reason...
    assert re.findall(r'data-testid="proposal-code">([^<]+)<', short) == ["99214", "90833"]
    assert "E/M level 99214 by medical decision making" in re.sub(r"<[^>]+>", "", short)
    # ... what is missing ...
    missing = [check for check in response.context["documentation"] if not check["met"]]
    assert missing
    for check in missing:
        assert check["needs"] in short
    # ... and no rule ids but those shown with the trace (CSS shows .trace-only when open).
    visible = re.sub(r'<span class="trace-only">.*?</span></td>', "</td>", short, flags=re.S)
    assert "rule-id" not in visible
    for message in response.context["proposal"]["messages"]:
        assert message["rule"] in trace
    assert "By MDM: 99214; by time (15 min): 99212" in trace
