"""Checklist suggestions computed from a sampled chart (the reviewer decides, AU-3)."""

from __future__ import annotations

import datetime

from audits.checklist import _time_blocks, chart_suggestions, codes_text
from audits.models import Check, Outcome
from audits.selectors import billed_lines
from encounters.models import Encounter


def custom(*codes, reason="Clinician judgement"):
    return {
        "coding_choice": {"option": "custom", "lines": [{"code": c, "units": 1} for c in codes]},
        "coding_override_reason": reason,
    }


def suggest(encounter):
    return chart_suggestions(encounter, billed_lines(encounter))


def test_a_chart_billed_as_proposed_is_suggested_supported(make_signed):
    s = suggest(make_signed())
    assert s.outcome == Outcome.SUPPORTED
    assert s.reviewer_code == "99214 + 90833"
    for name in (
        "check_time_blocks",
        "check_psychotherapy_minutes",
        "check_em_level",
        "check_medication_review",
        "check_psychotherapy_documentation",
        "check_diagnoses",
    ):
        assert s.checks[name].value == Check.MET, name
    assert s.initial()["outcome"] == Outcome.SUPPORTED
    assert "reviewer_code" not in s.initial()


def test_e_m_billed_above_the_mdm_is_suggested_over_coded(make_signed):
    s = suggest(make_signed(**custom("99215", "90833")))
    assert s.outcome == Outcome.OVER_CODED
    assert s.checks["check_em_level"].value == Check.NOT_MET
    assert "99214" in s.checks["check_em_level"].reason
    assert s.initial()["reviewer_code"] == "99214 + 90833"


def test_psychotherapy_billed_below_the_minutes_is_suggested_under_coded(make_signed):
    s = suggest(
        make_signed(
            pt_start=datetime.time(9, 0),
            pt_end=datetime.time(9, 45),
            em_start=datetime.time(9, 45),
            em_end=datetime.time(10, 0),
            **custom("99214", "90833"),
        )
    )
    minutes = s.checks["check_psychotherapy_minutes"]
    assert minutes.value == Check.NOT_MET
    assert "45 psychotherapy minutes support 90836" in minutes.reason
    assert s.outcome == Outcome.UNDER_CODED


def test_missing_modality_and_incomplete_medication_review_are_not_met(make_signed):
    encounter = make_signed(pt_modality="", medication=False)
    s = suggest(encounter)
    assert s.checks["check_psychotherapy_documentation"].value == Check.NOT_MET
    assert "modality" in s.checks["check_psychotherapy_documentation"].reason
    assert s.checks["check_medication_review"].value == Check.NOT_MET


def test_medication_review_without_side_effects_or_reason_is_not_met(make_signed):
    from encounters.models import MedicationReview
    from tests.factories import EncounterDiagnosisFactory, EncounterFactory

    encounter = EncounterFactory()
    EncounterDiagnosisFactory(encounter=encounter)
    MedicationReview.objects.create(
        encounter=encounter,
        name="lithium",
        dose="300 mg",
        frequency="bid",
        adherence="full",
        side_effects="",
        effect="improved",
        change="decreased",
        change_reason="",
    )
    s = chart_suggestions(encounter, [])
    reason = s.checks["check_medication_review"].reason
    assert s.checks["check_medication_review"].value == Check.NOT_MET
    assert "side effects" in reason
    assert "reason for the change" in reason


def test_psychotherapy_only_chart_has_no_e_m_items_to_check(make_signed):
    s = suggest(
        make_signed(em_start=None, em_end=None, mdm_problems=[], mdm_risk=[], medication=False)
    )
    assert s.checks["check_em_level"].value == Check.NOT_APPLICABLE
    assert s.checks["check_medication_review"].value == Check.NOT_APPLICABLE
    assert s.reviewer_code == "90832"


def test_overlapping_blocks_are_flagged():
    encounter = Encounter(
        pt_kind="individual",
        pt_start=datetime.time(9, 0),
        pt_end=datetime.time(9, 30),
        em_start=datetime.time(9, 20),
        em_end=datetime.time(9, 40),
    )
    assert _time_blocks(encounter).value == Check.NOT_MET
    assert "overlap" in _time_blocks(encounter).reason


def test_psychotherapy_without_a_mental_health_diagnosis_is_not_met(make_signed):
    s = suggest(make_signed(diagnosis="E11.9"))
    assert s.checks["check_diagnoses"].value == Check.NOT_MET
    assert "DG-3" in s.checks["check_diagnoses"].reason


def test_signed_weeks_after_the_visit_is_not_in_time(make_signed):
    s = suggest(make_signed(day=1))
    assert s.checks["check_signed_in_time"].value == Check.NOT_MET


def test_signed_in_time_follows_the_practice_setting(make_signed, settings):
    settings.AUDIT_TIMELY_SIGNATURE_DAYS = 400
    s = suggest(make_signed(day=1))
    assert s.checks["check_signed_in_time"].value == Check.MET
    assert "within 400" in s.checks["check_signed_in_time"].reason


def test_codes_text_shows_units_and_modifiers():
    assert (
        codes_text(
            [
                {"code": "99215", "units": 1, "modifiers": ["95"]},
                {"code": "99417", "units": 2, "modifiers": []},
            ]
        )
        == "99215-95 + 99417 x2"
    )


def test_more_units_than_the_chart_supports_is_over_coded():
    from audits.checklist import _outcome

    engine = [{"code": "99215", "units": 1}, {"code": "99417", "units": 1}]
    assert _outcome(engine, engine, "")[0] == Outcome.SUPPORTED
    billed = [{"code": "99215", "units": 1}, {"code": "99417", "units": 2}]
    assert _outcome(billed, engine, "")[0] == Outcome.OVER_CODED
    assert _outcome(engine, billed, "")[0] == Outcome.UNDER_CODED


def test_an_extra_add_on_is_over_coded_and_a_missing_one_under_coded():
    from audits.checklist import _outcome

    engine = [{"code": "99214", "units": 1}]
    with_90863 = [{"code": "99214", "units": 1}, {"code": "90863", "units": 1}]
    assert _outcome(with_90863, engine, "")[0] == Outcome.OVER_CODED
    assert _outcome(engine, with_90863, "")[0] == Outcome.UNDER_CODED
    assert _outcome(engine, [], "")[0] == Outcome.NOT_SUPPORTED


# --- the proposal stored at signing, not today's engine ----------------------------------
def test_the_billed_lines_are_compared_with_the_proposal_stored_at_signing(
    make_signed, monkeypatch
):
    """An older engine proposed 99215 + 90833 and the clinician billed it: supported, even
    though today's engine gives 99214 on the same facts."""
    from coding.models import SignedProposal

    store = SignedProposal.objects.create

    def stored_by_an_older_engine(**fields):
        # Stored proposals are append-only: the older engine's answer is what signing stores.
        lines = [
            {"code": "99215", "units": 1, "modifiers": [], "rules": ["EM-4"]},
            {"code": "90833", "units": 1, "modifiers": [], "rules": ["PT-1"]},
        ]
        fields.update(engine_version="2025.01.1", proposal={**fields["proposal"], "lines": lines})
        return store(**fields)

    monkeypatch.setattr(SignedProposal.objects, "create", stored_by_an_older_engine)
    encounter = make_signed(**custom("99215", "90833"))
    assert encounter.signed_proposal.engine_version == "2025.01.1"
    s = suggest(Encounter.objects.get(pk=encounter.pk))
    assert s.outcome == Outcome.SUPPORTED
    assert s.checks["check_em_level"].value == Check.MET
    assert "engine 2025.01.1 at signing" in s.checks["check_em_level"].reason
    assert s.reviewer_code == "99215 + 90833"


def test_the_engine_is_not_re_run_on_the_chart(make_signed, monkeypatch):
    encounter = make_signed(**custom("99215", "90833"))

    def refuse(*args, **kwargs):
        raise AssertionError("the audit re-ran the engine")

    monkeypatch.setattr("coding.services.propose", refuse)
    monkeypatch.setattr("coding.services.proposal_for_facts", refuse)
    s = suggest(encounter)
    assert s.outcome == Outcome.OVER_CODED
    assert "99215 billed where the proposal has 99214: a higher E/M level (EM-4)" in (
        s.outcome_reason
    )


def test_a_chart_without_a_stored_proposal_says_so_and_suggests_no_coding_outcome(
    no_stored_proposal, make_signed
):
    from coding.models import SignedProposal

    encounter = make_signed()
    assert not SignedProposal.objects.filter(encounter=encounter).exists()
    s = suggest(Encounter.objects.get(pk=encounter.pk))
    assert not s.proposal_stored
    assert s.outcome == ""
    assert "No proposal was stored" in s.outcome_reason
    for name in ("check_psychotherapy_minutes", "check_em_level"):
        assert s.checks[name].value == ""
        assert "No proposal was stored" in s.checks[name].reason
        assert name not in s.initial()
    assert "outcome" not in s.initial()
    assert s.checks["check_time_blocks"].value == Check.MET


def test_billing_an_alternative_offered_at_signing_names_it(make_signed):
    encounter = make_signed(coding_choice={"option": "alternative-0"})
    s = suggest(encounter)
    assert s.outcome == Outcome.UNDER_CODED
    assert "no E/M level billed where the proposal has 99214 (EM-4)" in s.outcome_reason
    assert "The clinician chose the alternative offered: psychotherapy only" in (s.outcome_reason)


def test_diagnosis_findings_come_from_the_claims_stored_checks_not_a_new_run(
    make_signed, monkeypatch
):
    """DG-1 / DG-3 as the claim's checks stored them when it was billed (the record of
    the day); the engine's diagnosis checks are not run again on the chart."""
    from claims.models import Claim

    encounter = make_signed()
    Claim.objects.filter(encounter=encounter).update(
        findings=[{"rule": "DG-1", "level": "error", "text": "the claim has no diagnosis"}]
    )

    def refuse(*args, **kwargs):
        raise AssertionError("the audit re-ran the engine's claim checks")

    monkeypatch.setattr("coding.engine.claim_lines.check_claim_lines", refuse)
    s = suggest(Encounter.objects.select_related("claim").get(pk=encounter.pk))
    assert s.checks["check_diagnoses"].value == Check.NOT_MET
    assert "The claim has no diagnosis (DG-1)" in s.checks["check_diagnoses"].reason


def test_a_chart_without_a_claim_gets_no_diagnosis_suggestion(db):
    from tests.factories import EncounterFactory

    s = chart_suggestions(EncounterFactory(), [{"code": "90834", "units": 1}])
    assert s.checks["check_diagnoses"].value == ""
    assert "no diagnosis check was stored" in s.checks["check_diagnoses"].reason
