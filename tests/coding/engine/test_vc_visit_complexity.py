"""VC: G2211, the visit-complexity add-on of continuing care (engine 2)."""

from __future__ import annotations

import dataclasses

from coding.engine import load_default_payer_profiles
from tests.coding.engine.builders import em, rules, run, texts, therapy

MEDICARE = load_default_payer_profiles()["medicare"]
MODERATE = ("moderate", "minimal", "moderate")


def lines(proposal: object) -> list[tuple[str, int, tuple[str, ...]]]:
    return [(ln.code, ln.units, ln.modifiers) for ln in proposal.lines]  # type: ignore[attr-defined]


def test_vc_1_g2211_beside_em_and_add_on_for_continuing_care() -> None:
    proposal = run(
        payer="medicare",
        psychotherapy=therapy(minutes=30),
        em=em(15, MODERATE),
        longitudinal_care=True,
    )
    assert lines(proposal) == [("99214", 1, ()), ("90833", 1, ()), ("G2211", 1, ())]
    assert "VC-1" in rules(proposal, "info")


def test_vc_1_new_patient_and_prolonged_code_and_video_modifiers() -> None:
    payer = dataclasses.replace(MEDICARE, video_modifier="95")
    proposal = run(
        payer,
        payer="medicare",
        patient_status="new",
        setting="video",
        patient_at_home=True,
        em=em(95, None),
        longitudinal_care=True,
    )
    assert lines(proposal) == [
        ("99205", 1, ("95",)),
        ("G2212", 1, ("95",)),
        ("G2211", 1, ("95",)),
    ]


def test_vc_1_not_without_continuing_care_or_when_the_payer_does_not_take_it() -> None:
    assert "G2211" not in {ln.code for ln in run(payer="medicare", em=em(25, "moderate")).lines}
    commercial = run(payer="commercial", em=em(25, "moderate"), longitudinal_care=True)
    assert "G2211" not in {ln.code for ln in commercial.lines}
    assert any("does not take G2211" in t for t in texts(commercial, "VC-1"))


def test_vc_2_no_g2211_beside_modifier_25_and_says_so() -> None:
    payer = dataclasses.replace(MEDICARE, modifier_25_with_addon=True)
    proposal = run(
        payer,
        payer="medicare",
        psychotherapy=therapy(minutes=30),
        em=em(15, MODERATE),
        longitudinal_care=True,
    )
    assert lines(proposal) == [("99214", 1, ("25",)), ("90833", 1, ())]
    (text,) = texts(proposal, "VC-2")
    assert "modifier 25" in text


def test_vc_2_injection_puts_25_on_the_em_and_g2211_is_lost() -> None:
    proposal = run(
        payer="medicare",
        em=em(20, MODERATE),
        longitudinal_care=True,
        injections=[{"drug": "J2426", "dose_mg": 156}],
    )
    assert "G2211" not in {ln.code for ln in proposal.lines}
    assert {"INJ-2", "VC-2"} <= rules(proposal)


def test_vc_3_no_g2211_without_an_em_line() -> None:
    proposal = run(payer="medicare", psychotherapy=therapy(minutes=45), longitudinal_care=True)
    assert lines(proposal) == [("90834", 1, ())]
    assert any("needs an office E/M" in t for t in texts(proposal, "VC-3"))


def test_vc_3_no_g2211_beside_group_waits_for_coder_review() -> None:
    proposal = run(
        payer="medicare",
        psychotherapy=therapy("group", 60),
        em=em(20, MODERATE),
        longitudinal_care=True,
    )
    assert [ln.code for ln in proposal.lines] == ["99214", "90853"]
    (text,) = texts(proposal, "VC-3")
    assert "90853" in text
    assert "review" in text
    assert "FG-3" in rules(proposal, "warning")
