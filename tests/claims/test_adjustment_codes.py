"""The CARC and RARC lists we ship, and the official texts an administrator loads."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from claims.adjustment_codes import ACTIONS, adjustment_code, shipped_codes, unknown_codes
from claims.models import AdjustmentCodeText

BEHAVIOURAL_HEALTH_CARCS = (
    "1",
    "2",
    "3",
    "4",
    "16",
    "18",
    "22",
    "27",
    "29",
    "45",
    "50",
    "96",
    "97",
    "197",
    "204",
    "236",
    "242",
    "B7",
)


def test_at_least_60_carcs_ship_each_with_our_words_and_an_action():
    carcs = shipped_codes()["CARC"]
    assert len(carcs) >= 60
    for code in BEHAVIOURAL_HEALTH_CARCS:
        assert code in carcs
    for entry in [*carcs.values(), *shipped_codes()["RARC"].values()]:
        assert entry.action in ACTIONS, entry
        assert 20 < len(entry.explanation) < 200, entry


def test_the_suggested_action_follows_the_code():
    assert adjustment_code("CARC", "1").action == "bill_patient"  # deductible
    assert adjustment_code("CARC", "45").action == "write_off"  # fee schedule
    assert adjustment_code("CARC", "16").action == "correct_resubmit"
    assert adjustment_code("CARC", "50").action_label == "Appeal"
    assert adjustment_code("CARC", "ZZZ") is None


@pytest.mark.django_db
def test_an_administrator_loads_the_official_texts_from_a_licensed_csv(tmp_path, capsys):
    path = tmp_path / "carc.csv"
    path.write_text("Code,Description\n45,Official text A\n999,Official text B\n")
    assert unknown_codes("CARC", ["999"]) == ["999"]
    call_command("load_adjustment_codes", str(path), kind="CARC")
    assert "2 CARC texts loaded" in capsys.readouterr().out
    assert AdjustmentCodeText.objects.get(kind="CARC", code="45").text == "Official text A"
    assert unknown_codes("CARC", ["999"]) == []
    path.write_text("Code,Description\n45,Official text C\n")
    call_command("load_adjustment_codes", str(path), kind="CARC")
    assert AdjustmentCodeText.objects.get(kind="CARC", code="45").text == "Official text C"


@pytest.mark.django_db
def test_a_bad_csv_loads_nothing_and_says_which_row(tmp_path):
    path = tmp_path / "rarc.csv"
    path.write_text("code,text\nN56,fine\nN 1,bad code\n")
    with pytest.raises(CommandError, match="Row 3"):
        call_command("load_adjustment_codes", str(path), kind="RARC")
    assert not AdjustmentCodeText.objects.exists()
    path.write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="header"):
        call_command("load_adjustment_codes", str(path), kind="RARC")
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("load_adjustment_codes", str(tmp_path / "missing.csv"), kind="RARC")
