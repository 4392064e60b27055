"""INJ: long-acting injections, their drug lines, JZ/JW and NDC (engine 2)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from coding.engine import propose
from coding.engine.drugs import Drug, DrugTable, load_default_drug_table
from tests.coding.engine.builders import em, facts, rules, run, texts


def lines(proposal: object) -> list[tuple[str, int, tuple[str, ...]]]:
    return sorted((ln.code, ln.units, ln.modifiers) for ln in proposal.lines)  # type: ignore[attr-defined]


def shot(drug: str, dose: float, **extra: object) -> dict[str, object]:
    return {"drug": drug, "dose_mg": dose, **extra}


def test_inj_1_96372_and_drug_units_by_billing_unit_rounded_up() -> None:
    proposal = run(injections=[shot("J1631", 75)])  # haloperidol decanoate, 50 mg units
    assert lines(proposal) == [("96372", 1, ()), ("J1631", 2, ())]
    risperdal = run(injections=[shot("J2794", 37.5)])  # 0.5 mg units
    assert lines(risperdal) == [("96372", 1, ()), ("J2794", 75, ())]


def test_inj_1_drug_supplied_by_patient_or_pharmacy_gets_96372_alone() -> None:
    proposal = run(injections=[shot("J2426", 234, supplied_by_practice=False)])
    assert lines(proposal) == [("96372", 1, ())]


def test_inj_1_one_unit_of_96372_per_injection() -> None:
    proposal = run(injections=[shot("J1631", 50), shot("J2680", 25)])
    assert lines(proposal) == [("96372", 2, ()), ("J1631", 1, ()), ("J2680", 1, ())]


@pytest.mark.parametrize(
    ("overrides", "why"),
    [
        ({"injections": [shot("J9999", 100)]}, "not a drug"),
        ({"setting": "video", "injections": [shot("J1631", 50)]}, "in person"),
        ({"setting": "audio", "injections": [shot("J1631", 50)]}, "in person"),
        ({"clinician": "LCSW", "injections": [shot("J1631", 50)]}, "cannot bill an E/M"),
    ],
)
def test_inj_1_unbillable_injection_is_an_error_and_the_rest_is_proposed(
    overrides: dict[str, object], why: str
) -> None:
    overrides.setdefault("psychotherapy", {"kind": "individual", "minutes": 45})
    proposal = run(**overrides)
    codes = {ln.code for ln in proposal.lines}
    assert "96372" not in codes
    assert codes & {"90834", "90837"} or codes == set()
    assert "90834" in codes
    (message,) = [m for m in proposal.messages if m.rule == "INJ-1"]
    assert message.level == "error"
    assert why in message.text
    assert message.field == "injections[0]"


def test_inj_1_drug_table_is_passed_in_and_dated() -> None:
    table = DrugTable(
        (
            Drug("J1631", "haloperidol decanoate", Decimal(50), None, None, dt.date(2026, 6, 30)),
            Drug("J1631", "haloperidol decanoate", Decimal(25), None, dt.date(2026, 7, 1)),
        )
    )
    before = propose(
        facts(date_of_service="2026-06-01", injections=[shot("J1631", 75)]), None, table
    )
    after = propose(
        facts(date_of_service="2026-07-01", injections=[shot("J1631", 75)]), None, table
    )
    assert ("J1631", 2, ()) in lines(before)
    assert ("J1631", 3, ()) in lines(after)
    unknown = propose(facts(injections=[shot("J2426", 156)]), None, table)
    assert "INJ-1" in rules(unknown, "error")


def test_inj_2_em_beside_an_injection_carries_25_with_a_warning() -> None:
    proposal = run(em=em(25, "moderate"), injections=[shot("J1631", 50)])
    assert ("99214", 1, ("25",)) in lines(proposal)
    (text,) = texts(proposal, "INJ-2")
    assert "separately identifiable" in text


def test_inj_2_no_25_when_the_injection_is_refused() -> None:
    proposal = run(em=em(25, "moderate"), injections=[shot("J9999", 50)])
    assert lines(proposal) == [("99214", 1, ())]


def test_inj_3_jz_when_nothing_is_discarded() -> None:
    proposal = run(payer="medicare", injections=[shot("J2426", 156, container_mg=156)])
    assert lines(proposal) == [("96372", 1, ()), ("J2426", 156, ("JZ",))]


def test_inj_3_jw_line_for_the_discarded_amount() -> None:
    proposal = run(payer="medicare", injections=[shot("J0401", 300, container_mg=400)])
    assert lines(proposal) == [("96372", 1, ()), ("J0401", 100, ("JW",)), ("J0401", 300, ())]
    assert "INJ-3" in rules(proposal, "info")


def test_inj_3_multi_dose_vial_takes_neither() -> None:
    proposal = run(payer="medicare", injections=[shot("J2680", 50)])
    assert lines(proposal) == [("96372", 1, ()), ("J2680", 2, ())]


@pytest.mark.parametrize("container", [200, 250])  # not a labelled size; smaller than dose
def test_inj_3_container_not_labelled_or_too_small_is_an_error(container: int) -> None:
    proposal = run(
        payer="medicare",
        em=em(25, "moderate"),
        injections=[shot("J2426", 234, container_mg=container)],
    )
    assert lines(proposal) == [("99214", 1, ())]
    (message,) = [m for m in proposal.messages if m.rule == "INJ-3"]
    assert message.level == "error"
    assert message.field == "injections[0].container_mg"


def test_inj_3_not_asked_by_the_payer_no_discard_modifiers() -> None:
    proposal = run(payer="commercial", injections=[shot("J0401", 300, container_mg=400)])
    assert lines(proposal) == [("96372", 1, ()), ("J0401", 300, ())]


def test_inj_4_ndc_warning_until_recorded() -> None:
    missing = run(payer="medicaid", injections=[shot("J2794", 25)])
    (message,) = [m for m in missing.messages if m.rule == "INJ-4"]
    assert message.level == "warning"
    assert "11 digits" in message.text
    assert message.field == "injections[0].ndc"
    recorded = run(
        payer="medicaid",
        injections=[shot("J2794", 25, ndc="50458-0306-11", ndc_quantity=1, ndc_unit="UN")],
    )
    assert "INJ-4" not in rules(recorded, "warning")
    assert "50458030611" in texts(recorded, "INJ-4")[0]


def test_inj_4_not_asked_by_other_payers() -> None:
    assert "INJ-4" not in rules(run(payer="commercial", injections=[shot("J2794", 25)]))


def test_shipped_drug_table_matches_the_rule_book() -> None:
    table = load_default_drug_table()
    assert table.codes == {"J2426", "J0401", "J1944", "J2358", "J2794", "J1631", "J2680"}
    risperdal = table.lookup("J2794")
    assert risperdal is not None
    assert risperdal.billing_unit_mg == Decimal("0.5")
    assert risperdal.single_dose_mg == tuple(Decimal(s) for s in ("12.5", "25", "37.5", "50"))
    haloperidol = table.lookup("J1631")
    assert haloperidol is not None
    assert haloperidol.multi_dose
    assert DrugTable.from_dict(table.to_dict()) == table
