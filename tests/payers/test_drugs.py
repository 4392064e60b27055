"""The practice's drug table (INJ-1, INJ-3): rows the practice admin adds, edits and
end-dates, each change recorded; the engine reads them through ``drug_table``."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from coding.engine.drugs import load_default_drug_table
from payers.models import Drug, DrugChange
from payers.selectors import drug_table
from payers.services import drug_create, drug_end_date, drug_update

pytestmark = pytest.mark.django_db

INVEGA_TRINZA = {
    "code": "J2427",
    "product": "paliperidone palmitate ER 3-month (Invega Trinza)",
    "billing_unit_mg": Decimal("1"),
    "single_dose_mg": ["273", "410", "546", "819"],
    "multi_dose": False,
}


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "code": "J2427",
        "product": "paliperidone palmitate ER 3-month (Invega Trinza)",
        "billing_unit_mg": "1",
        "single_dose_mg": "273, 410, 546, 819",
        "effective_from": "",
        "effective_until": "",
    }
    data.update(overrides)
    return data


def test_inj_1_the_data_migration_loads_the_shipped_drug_table():
    def by_code(rows):
        return sorted(rows, key=lambda row: row.code)

    assert by_code(drug_table().rows) == by_code(load_default_drug_table().rows)
    assert str(drug_table().lookup("J1631").billing_unit_mg) == "50"  # as messages print it


def test_inj_1_drug_table_is_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        table = drug_table()
    assert table.lookup("J2794").billing_unit_mg == Decimal("0.5")
    assert table.lookup("J1631").multi_dose


def test_inj_1_a_practice_added_drug_is_in_the_engines_table(practice_admin):
    drug_create(user=practice_admin, data=INVEGA_TRINZA)
    row = drug_table().lookup("J2427")
    assert row is not None
    assert row.single_dose_mg == (Decimal("273"), Decimal("410"), Decimal("546"), Decimal("819"))
    recorded = {c.field: (c.old, c.new) for c in DrugChange.objects.all()}
    assert recorded["code"] == ("", "J2427")
    assert recorded["single_dose_mg"] == ("", "273, 410, 546, 819")


def test_inj_1_a_new_billing_unit_from_a_date_is_a_new_row_after_an_end_date(practice_admin):
    old = Drug.objects.get(code="J1631")
    with pytest.raises(ValidationError) as caught:
        drug_create(
            user=practice_admin,
            data={
                "code": "J1631",
                "product": "haloperidol decanoate",
                "billing_unit_mg": Decimal("25"),
                "multi_dose": True,
                "effective_from": datetime.date(2027, 1, 1),
            },
        )
    assert "end-date that row first" in caught.value.message_dict["effective_from"][0]
    drug_end_date(user=practice_admin, drug=old, last_day=datetime.date(2026, 12, 31))
    drug_create(
        user=practice_admin,
        data={
            "code": "J1631",
            "product": "haloperidol decanoate",
            "billing_unit_mg": Decimal("25"),
            "multi_dose": True,
            "effective_from": datetime.date(2027, 1, 1),
        },
    )
    table = drug_table()
    assert table.lookup("J1631", datetime.date(2026, 12, 31)).billing_unit_mg == 50
    assert table.lookup("J1631", datetime.date(2027, 1, 1)).billing_unit_mg == 25
    ended = DrugChange.objects.get(drug=old)
    assert (ended.field, ended.old, ended.new) == ("effective_until", "", "2026-12-31")


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({"multi_dose": True}, "single_dose_mg", "A multi-dose vial has no single-dose sizes"),
        ({"single_dose_mg": []}, "single_dose_mg", "or tick multi-dose vial"),
        ({"code": "99214"}, "code", "is not a HCPCS drug code"),
        ({"code": "G2211"}, "code", "G2211 is a service code, not a drug"),
        ({"billing_unit_mg": Decimal("0")}, "billing_unit_mg", "a positive amount of mg"),
        (
            {
                "effective_from": datetime.date(2027, 1, 1),
                "effective_until": datetime.date(2026, 1, 1),
            },
            "effective_until",
            "cannot be before the first",
        ),
    ],
)
def test_inj_1_a_drug_row_the_engine_could_not_read_is_refused(practice_admin, data, field, text):
    with pytest.raises(ValidationError) as caught:
        drug_create(user=practice_admin, data={**INVEGA_TRINZA, **data})
    assert any(text in message for message in caught.value.message_dict[field])
    assert not Drug.objects.filter(code="J2427").exists()


def test_only_practice_admins_change_the_drug_table(biller):
    drug = Drug.objects.get(code="J2426")
    with pytest.raises(PermissionDenied):
        drug_update(user=biller, drug=drug, data={"product": "x"})
    with pytest.raises(PermissionDenied):
        drug_create(user=biller, data=INVEGA_TRINZA)


def test_admin_adds_a_drug_on_the_drug_page(client_for, practice_admin):
    client = client_for(practice_admin)
    response = client.post(reverse("payers:drug-list"), _form(), follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert "J2427" in body
    assert "single-dose 273, 410, 546, 819 mg" in body
    assert drug_table().lookup("J2427") is not None


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"single_dose_mg": "273, lots"}, "single_dose_mg", "not lots"),
        ({"single_dose_mg": ""}, "single_dose_mg", "or tick multi-dose vial"),
        ({"code": "J24"}, "code", "is not a HCPCS drug code"),
        ({"billing_unit_mg": "-1"}, "billing_unit_mg", "a positive amount of mg"),
        (
            {"effective_from": "2027-01-01", "effective_until": "2026-01-01"},
            "effective_until",
            "cannot be before",
        ),
        ({"code": "J2426"}, "effective_from", "end-date that row first"),
    ],
)
def test_drug_form_errors_are_shown_beside_the_field(
    client_for, practice_admin, overrides, field, text
):
    response = client_for(practice_admin).post(reverse("payers:drug-list"), _form(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert errors
    assert any(text in e for e in errors)
    assert text in response.content.decode()
    assert not DrugChange.objects.exists()


def test_admin_edits_and_end_dates_a_drug_and_sees_its_history(client_for, practice_admin):
    drug = Drug.objects.get(code="J2358")
    client = client_for(practice_admin)
    url = reverse("payers:drug-detail", args=[drug.pk])
    data = _form(code="J2358", product="olanzapine pamoate (Zyprexa Relprevv)")
    data["single_dose_mg"] = "210, 300, 405, 450"
    assert client.post(url, data).status_code == 302
    response = client.post(
        reverse("payers:drug-end", args=[drug.pk]), {"last_day": "2026-06-30"}, follow=True
    )
    body = response.content.decode()
    assert "210, 300, 405" in body
    assert "2026-06-30" in body
    drug.refresh_from_db()
    assert drug.single_dose_mg == ["210", "300", "405", "450"]
    assert drug.effective_until == datetime.date(2026, 6, 30)
    assert drug_table().lookup("J2358", datetime.date(2026, 7, 1)) is None


def test_the_code_of_a_drug_row_stays(client_for, practice_admin):
    drug = Drug.objects.get(code="J2358")
    data = _form(code="J9999", product="olanzapine pamoate (Zyprexa Relprevv)")
    data["single_dose_mg"] = "210, 300, 405"
    client_for(practice_admin).post(reverse("payers:drug-detail", args=[drug.pk]), data)
    drug.refresh_from_db()
    assert drug.code == "J2358"


def test_an_end_date_before_the_start_is_a_clear_error(client_for, practice_admin):
    drug = Drug.objects.get(code="J2358")
    drug_update(user=practice_admin, drug=drug, data={"effective_from": datetime.date(2026, 1, 1)})
    response = client_for(practice_admin).post(
        reverse("payers:drug-end", args=[drug.pk]), {"last_day": "2025-12-31"}
    )
    assert response.status_code == 200
    assert "cannot be before the first" in response.content.decode()


def test_inj_1_a_drug_the_practice_added_can_be_priced_per_unit(practice_admin):
    from payers.models import Payer
    from payers.services import fee_set

    medicaid = Payer.objects.get(slug="medicaid")
    with pytest.raises(ValidationError, match="not a code this practice bills"):
        fee_set(
            user=practice_admin,
            payer=medicaid,
            code="J2427",
            modifier="",
            charge=Decimal("9.00"),
            allowed=Decimal("7.00"),
        )
    drug_create(user=practice_admin, data=INVEGA_TRINZA)
    entry = fee_set(
        user=practice_admin,
        payer=medicaid,
        code="J2427",
        modifier="",
        charge=Decimal("9.00"),
        allowed=Decimal("7.00"),
    )
    assert (entry.code, entry.charge) == ("J2427", Decimal("9.00"))
