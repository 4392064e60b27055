"""Which services a payer authorizes before the visit (SC-AUTH) is payer data the admin edits."""

from __future__ import annotations

import pytest
from django.urls import reverse

from payers.models import Payer, PayerChange

pytestmark = pytest.mark.django_db


def test_the_data_migration_ships_medicaid_authorizing_psychotherapy():
    families = dict(Payer.objects.values_list("slug", "authorization_families"))
    assert families == {"medicare": [], "medicaid": ["psychotherapy"], "commercial": []}


def _post(client, payer: Payer, families: str):
    url = reverse("payers:payer-detail", args=[payer.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, False)}
    for name in ("em_credentials", "pharm_mgmt_90863_credentials", "accepted_z_codes"):
        data[name] = ", ".join(data.get(name) or [])
    data["authorization_families"] = families
    return client.post(url, data)


def test_admin_sets_the_services_a_payer_authorizes_and_the_change_is_recorded(
    client_for, practice_admin
):
    payer = Payer.objects.get(slug="commercial")
    response = _post(client_for(practice_admin), payer, "Testing, psychotherapy, testing")
    assert response.status_code == 302
    payer.refresh_from_db()
    assert payer.authorization_families == ["testing", "psychotherapy"]
    change = PayerChange.objects.get(payer=payer, field="authorization_families")
    assert (change.old, change.new) == ("", "testing, psychotherapy")


def test_an_unknown_service_is_a_clear_error_beside_the_field(client_for, practice_admin):
    payer = Payer.objects.get(slug="commercial")
    response = _post(client_for(practice_admin), payer, "psychotherapy, surgery")
    assert response.status_code == 200
    assert "Unknown service family surgery; use psychotherapy, em, testing, injection." in (
        response.content.decode()
    )
    payer.refresh_from_db()
    assert payer.authorization_families == []
