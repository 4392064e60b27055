"""Payer pages: a practice admin edits a payer's profile and fee schedule, every change recorded."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from payers.models import Payer, PayerChange

pytestmark = pytest.mark.django_db


def test_admin_edits_a_payer_and_every_change_is_recorded_and_shown(client_for, practice_admin):
    payer = Payer.objects.get(slug="commercial")
    client = client_for(practice_admin)
    url = reverse("payers:payer-detail", args=[payer.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data["eligibility_service_types"] = ", ".join(payer.eligibility_service_types)
    data.update(
        em_credentials="MD, DO, NP, PA, CNS",
        pharm_mgmt_90863_credentials="RxP",
        accepted_z_codes="",
        telehealth_in_person_waiver_until="",
        modifier_25_with_addon="on",
        timely_filing_days="90",
    )
    data.pop("audio_only_covered", None)
    data["audio_only_covered"] = "on"
    data["active"] = "on"
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    payer.refresh_from_db()
    assert payer.modifier_25_with_addon is True
    assert payer.timely_filing_days == 90
    changes = {c.field: (c.old, c.new, c.user) for c in PayerChange.objects.filter(payer=payer)}
    assert changes == {
        "modifier_25_with_addon": ("False", "True", practice_admin),
        "timely_filing_days": ("180", "90", practice_admin),
    }
    assert "timely_filing_days" in response.content.decode()


def test_payer_form_errors_are_shown_beside_the_field_with_the_typed_value(
    client_for, practice_admin
):
    payer = Payer.objects.get(slug="commercial")
    response = client_for(practice_admin).post(
        reverse("payers:payer-detail", args=[payer.pk]),
        {
            "name": "Commercial plan",
            "em_credentials": "MD, Wizard",
            "timely_filing_days": "30",
            "claim_filing_indicator": "CI",
            "audio_modifier": "93",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Unknown credential(s): Wizard" in body
    assert "MD, Wizard" in body
    assert not PayerChange.objects.filter(payer=payer).exists()


def test_admin_sets_a_fee_and_the_change_is_recorded(client_for, practice_admin):
    payer = Payer.objects.get(slug="medicaid")
    client = client_for(practice_admin)
    client.post(
        reverse("payers:fee-save", args=[payer.pk]),
        {"code": "99214", "modifier": "", "charge": "210.00", "allowed": "95.00"},
    )
    fee = payer.fees.get(code="99214", modifier="")
    assert (fee.charge, fee.allowed) == (Decimal("210.00"), Decimal("95.00"))
    change = PayerChange.objects.get(payer=payer, field="fee 99214")
    assert (change.old, change.new, change.user) == (
        "200.00 / 90.00",
        "210.00 / 95.00",
        practice_admin,
    )
    bad = client.post(
        reverse("payers:fee-save", args=[payer.pk]),
        {"code": "ABCDE", "charge": "1", "allowed": "1"},
    )
    assert "ABCDE is not a CPT or HCPCS code" in bad.content.decode()
    unknown = client.post(
        reverse("payers:fee-save", args=[payer.pk]),
        {"code": "12345", "charge": "1", "allowed": "1"},
    )
    assert "12345 is not a code this practice bills." in unknown.content.decode()


@pytest.mark.parametrize("modifier", ["~*", "ZZ", "9"])
def test_a_fee_row_takes_only_a_listed_modifier(client_for, practice_admin, modifier):
    payer = Payer.objects.get(slug="medicaid")
    response = client_for(practice_admin).post(
        reverse("payers:fee-save", args=[payer.pk]),
        {"code": "99214", "modifier": modifier, "charge": "210.00", "allowed": "95.00"},
    )
    assert response.status_code == 200
    assert f"Modifier {modifier} is not one this practice uses" in response.content.decode()
    assert not payer.fees.filter(modifier=modifier).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("audio_modifier", "9~"), ("audio_modifier", "ZZ"), ("video_modifier", "G*")],
)
def test_payer_modifier_settings_take_only_listed_modifiers_shown_beside_the_field(
    client_for, practice_admin, field, value
):
    """Review issue 8 item 6: the payer's video/audio modifiers go on every telehealth line."""
    payer = Payer.objects.get(slug="commercial")
    client = client_for(practice_admin)
    url = reverse("payers:payer-detail", args=[payer.pk])
    data = {k: v for k, v in client.get(url).context["form"].initial.items() if v is not None}
    data["eligibility_service_types"] = ", ".join(payer.eligibility_service_types)
    data.update(em_credentials="MD, DO", pharm_mgmt_90863_credentials="", accepted_z_codes="")
    data[field] = value
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert value in errors[field][0]
    payer.refresh_from_db()
    assert getattr(payer, field) != value
    assert not PayerChange.objects.filter(payer=payer).exists()


def test_payer_update_refuses_an_unlisted_audio_modifier(practice_admin):
    from payers.services import payer_update

    payer = Payer.objects.get(slug="commercial")
    with pytest.raises(ValidationError) as caught:
        payer_update(user=practice_admin, payer=payer, data={"audio_modifier": "X~"})
    assert "audio_modifier" in caught.value.message_dict
    payer.refresh_from_db()
    assert payer.audio_modifier == "93"


def test_admin_sets_a_payers_appeal_days_and_the_change_is_recorded(client_for, practice_admin):
    payer = Payer.objects.get(slug="commercial")
    assert payer.appeal_days == 180  # the default: most plans give 180 days to appeal
    client = client_for(practice_admin)
    url = reverse("payers:payer-detail", args=[payer.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and v is not False}
    data["eligibility_service_types"] = ", ".join(payer.eligibility_service_types)
    data.update(
        em_credentials=", ".join(payer.em_credentials),
        pharm_mgmt_90863_credentials=", ".join(payer.pharm_mgmt_90863_credentials),
        accepted_z_codes=", ".join(payer.accepted_z_codes),
        telehealth_in_person_waiver_until="",
        appeal_days="60",
    )
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    payer.refresh_from_db()
    assert payer.appeal_days == 60
    change = PayerChange.objects.get(payer=payer, field="appeal_days")
    assert (change.old, change.new, change.user) == ("180", "60", practice_admin)


def test_appeal_days_must_be_a_sensible_number_of_days(client_for, practice_admin):
    payer = Payer.objects.get(slug="commercial")
    client = client_for(practice_admin)
    url = reverse("payers:payer-detail", args=[payer.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and v is not False}
    data["eligibility_service_types"] = ", ".join(payer.eligibility_service_types)
    data.update(
        em_credentials=", ".join(payer.em_credentials),
        pharm_mgmt_90863_credentials="",
        accepted_z_codes="",
        telehealth_in_person_waiver_until="",
        appeal_days="0",
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["appeal_days"]
    assert not PayerChange.objects.filter(payer=payer, field="appeal_days").exists()
