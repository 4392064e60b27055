"""The payer profile form's credential lists: payer data narrows them, licence caps them.

A practice admin may narrow the E/M and 90863 credential lists freely and widen them only
within what a licence allows (docs/coding-rules.md EM-1, CB-4): E/M to MD, DO,
NP, PA, CNS, and psychologist or RxP where the payer says state law allows it; 90863 to RxP.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from payers.forms import PayerForm
from payers.models import Payer, PayerChange
from payers.services import payer_update

pytestmark = pytest.mark.django_db


def _posted(payer: Payer, **overrides: str) -> dict[str, Any]:
    """The payer form as the edit page posts it, unchanged except for ``overrides``."""
    data: dict[str, Any] = {}
    for name, value in PayerForm(instance=payer).initial.items():
        if value is None or value is False:
            continue
        if isinstance(value, list):
            value = ", ".join(value)
        data[name] = "on" if value is True else str(value)
    data.update(overrides)
    return data


@pytest.mark.parametrize("slug", ["medicare", "medicaid", "commercial"])
def test_py_default_payers_from_the_data_migration_validate_unchanged(slug):
    payer = Payer.objects.get(slug=slug)
    form = PayerForm(_posted(payer), instance=payer)
    assert form.is_valid(), form.errors


@pytest.mark.parametrize("credential", ["LCSW", "LPC", "LMFT"])
def test_em_1_form_refuses_a_licence_that_cannot_bill_em(credential):
    payer = Payer.objects.get(slug="commercial")
    form = PayerForm(_posted(payer, em_credentials=f"MD, DO, {credential}"), instance=payer)
    assert not form.is_valid()
    assert form.errors["em_credentials"] == [
        f"{credential} cannot bill E/M under any payer: a licence-scope limit (EM-1)"
    ]


def test_em_1_form_names_every_credential_beyond_licence():
    payer = Payer.objects.get(slug="commercial")
    form = PayerForm(_posted(payer, em_credentials="LPC, MD, LCSW"), instance=payer)
    assert not form.is_valid()
    assert form.errors["em_credentials"] == [
        "LPC cannot bill E/M under any payer: a licence-scope limit (EM-1)",
        "LCSW cannot bill E/M under any payer: a licence-scope limit (EM-1)",
    ]


@pytest.mark.parametrize("credential", ["MD", "NP", "psychologist", "LCSW"])
def test_cb_4_form_refuses_90863_for_anyone_but_rxp(credential):
    payer = Payer.objects.get(slug="commercial")
    data = _posted(payer, pharm_mgmt_90863_credentials=f"RxP, {credential}")
    form = PayerForm(data, instance=payer)
    assert not form.is_valid()
    assert form.errors["pharm_mgmt_90863_credentials"] == [
        f"{credential} cannot bill 90863 under any payer: a licence-scope limit (CB-4)"
    ]


@pytest.mark.parametrize("credential", ["psychologist", "RxP"])
def test_em_1_form_accepts_psychologist_or_rxp_as_the_payers_word_on_state_law(credential):
    payer = Payer.objects.get(slug="commercial")
    form = PayerForm(_posted(payer, em_credentials=f"MD, {credential}"), instance=payer)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["em_credentials"] == ["MD", credential]


def test_em_1_cb_4_form_accepts_narrower_lists():
    payer = Payer.objects.get(slug="commercial")
    form = PayerForm(
        _posted(payer, em_credentials="MD", pharm_mgmt_90863_credentials=""), instance=payer
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["em_credentials"] == ["MD"]
    assert form.cleaned_data["pharm_mgmt_90863_credentials"] == []


def test_em_1_form_still_names_unknown_credentials_first():
    payer = Payer.objects.get(slug="commercial")
    form = PayerForm(_posted(payer, em_credentials="MD, Wizard, LCSW"), instance=payer)
    assert not form.is_valid()
    (error,) = form.errors["em_credentials"]
    assert error.startswith("Unknown credential(s): Wizard.")


def test_em_1_edit_page_shows_the_error_beside_the_field_and_saves_nothing(
    client_for, practice_admin
):
    payer = Payer.objects.get(slug="commercial")
    url = reverse("payers:payer-detail", args=[payer.pk])
    typed = "MD, DO, NP, PA, CNS, LCSW"
    response = client_for(practice_admin).post(url, _posted(payer, em_credentials=typed))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["em_credentials"] == [
        "LCSW cannot bill E/M under any payer: a licence-scope limit (EM-1)"
    ]
    body = response.content.decode()
    assert (
        '<div class="invalid-feedback d-block">'
        "LCSW cannot bill E/M under any payer: a licence-scope limit (EM-1)</div>"
    ) in body
    assert typed in body
    payer.refresh_from_db()
    assert payer.em_credentials == ["MD", "DO", "NP", "PA", "CNS"]
    assert not PayerChange.objects.filter(payer=payer).exists()


def test_em_1_payer_update_refuses_a_list_beyond_licence_without_the_form(practice_admin):
    payer = Payer.objects.get(slug="commercial")
    with pytest.raises(ValidationError) as caught:
        payer_update(user=practice_admin, payer=payer, data={"em_credentials": ["MD", "LCSW"]})
    assert caught.value.message_dict == {
        "em_credentials": ["LCSW cannot bill E/M under any payer: a licence-scope limit (EM-1)"]
    }
    payer.refresh_from_db()
    assert "LCSW" not in payer.em_credentials
