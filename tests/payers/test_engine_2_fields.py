"""Engine 2's payer data as columns of the payer row: G2211 (VC-1), 96127 (BA-1..3),
audio-only at home (TH-3), JZ/JW (INJ-3) and NDC (INJ-4). The practice admin edits them on
the payer page, the engine reads them from the row, and every change is in the history."""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

import pytest
from django.apps import apps
from django.urls import reverse

from coding.engine import load_default_payer_profiles
from coding.engine.payer import ENGINE_2_FIELDS
from payers.forms import PayerForm
from payers.models import Payer, PayerChange
from payers.profiles import payer_profile_for
from payers.services import PAYER_FIELDS

pytestmark = pytest.mark.django_db


def _posted(payer: Payer, **overrides: str) -> dict[str, Any]:
    """The payer form as the page posts it (a checkbox left unticked is not sent)."""
    data: dict[str, Any] = {}
    for name, value in PayerForm(instance=payer).initial.items():
        if value is None or value is False:
            continue
        if isinstance(value, list):
            value = ", ".join(value)
        data[name] = "on" if value is True else str(value)
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_every_engine_2_field_is_a_payer_column_the_admin_edits():
    columns = {f.name for f in Payer._meta.get_fields()}
    assert set(ENGINE_2_FIELDS) <= columns
    assert set(ENGINE_2_FIELDS) <= set(PAYER_FIELDS)
    form = PayerForm(instance=Payer.objects.get(slug="medicare"))
    for name in ENGINE_2_FIELDS:
        assert form.fields[name].help_text, name  # each says which rule it serves


@pytest.mark.parametrize("slug", ["medicare", "medicaid", "commercial"])
def test_py_data_migration_sets_the_shipped_engine_2_values(slug):
    """0010 sets the columns to coding/engine/data/payer_profiles.json's values."""
    row = Payer.objects.get(slug=slug)
    shipped = load_default_payer_profiles()[slug]
    assert {name: getattr(row, name) for name in ENGINE_2_FIELDS} == {
        name: getattr(shipped, name) for name in ENGINE_2_FIELDS
    }


def test_py_data_migration_runs_again_without_changing_the_rows():
    before = list(Payer.objects.order_by("slug").values())
    importlib.import_module("payers.migrations.0010_engine_2_default_profiles").load(apps, None)
    assert list(Payer.objects.order_by("slug").values()) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("takes_g2211", False),
        ("audio_only_home_only", False),
        ("discard_modifiers", False),
        ("ndc_on_drug_lines", True),
        ("modifier_25_with_96127", True),
        ("brief_assessment_telehealth_modifier", True),
        ("brief_assessment_max_units", 1),
    ],
)
def test_py_the_engine_reads_the_rows_engine_2_value_not_the_shipped_profile(field, value):
    row = Payer.objects.get(slug="medicare")
    setattr(row, field, value)
    profile = payer_profile_for(row)
    assert getattr(profile, field) == value
    shipped = load_default_payer_profiles()["medicare"]
    assert dataclasses.replace(profile, **{field: getattr(shipped, field)}).takes_g2211


def test_vc_1_a_practice_added_payer_takes_g2211_when_its_row_says_so():
    row = Payer.objects.create(
        slug="acme-health", name="Acme Health", em_credentials=["MD"], takes_g2211=True
    )
    assert payer_profile_for(row).takes_g2211


def test_admin_edits_engine_2_fields_and_each_change_is_in_the_history(client_for, practice_admin):
    payer = Payer.objects.get(slug="medicare")
    url = reverse("payers:payer-detail", args=[payer.pk])
    data = _posted(
        payer,
        takes_g2211=None,  # untick
        discard_modifiers=None,
        ndc_on_drug_lines="on",
        brief_assessment_max_units="2",
    )
    response = client_for(practice_admin).post(url, data, follow=True)
    assert response.status_code == 200
    payer.refresh_from_db()
    profile = payer_profile_for(payer)
    assert (profile.takes_g2211, profile.discard_modifiers) == (False, False)
    assert (profile.ndc_on_drug_lines, profile.brief_assessment_max_units) == (True, 2)
    changes = {c.field: (c.old, c.new) for c in PayerChange.objects.filter(payer=payer)}
    assert changes == {
        "takes_g2211": ("True", "False"),
        "discard_modifiers": ("True", "False"),
        "ndc_on_drug_lines": ("False", "True"),
        "brief_assessment_max_units": ("3", "2"),
    }
    body = response.content.decode()
    assert "Pays G2211 for continuing care" in body
    assert "NDC on drug lines (837P loop 2410)" in body


@pytest.mark.parametrize("typed", ["100", "-1", "three"])
def test_ba_2_a_daily_maximum_out_of_range_is_a_clear_form_error(client_for, practice_admin, typed):
    payer = Payer.objects.get(slug="commercial")
    url = reverse("payers:payer-detail", args=[payer.pk])
    response = client_for(practice_admin).post(
        url, _posted(payer, brief_assessment_max_units=typed)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["brief_assessment_max_units"]
    payer.refresh_from_db()
    assert payer.brief_assessment_max_units == 3
    assert not PayerChange.objects.filter(payer=payer).exists()
