"""Fee schedules of the default payers hold engine 2's codes (G2211, 96127, 96372, each drug
of the drug table, drugs per billing unit), so claims price them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from claims.build import price
from payers.models import Payer
from payers.profiles import payer_profile_for
from payers.selectors import drug_table, fees_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("slug", ["medicare", "medicaid", "commercial"])
def test_every_default_payer_prices_96127_96372_and_every_drug(slug):
    fees = fees_for(Payer.objects.get(slug=slug))
    for code in ("96127", "96372", *sorted(drug_table().codes)):
        entry = fees.get((code, ""))
        assert entry is not None, code
        assert Decimal("0") < entry.allowed <= entry.charge, code


@pytest.mark.parametrize("slug", ["medicare", "medicaid", "commercial"])
def test_vc_1_g2211_is_priced_only_where_the_payer_takes_it(slug):
    payer = Payer.objects.get(slug=slug)
    assert (("G2211", "") in fees_for(payer)) == payer_profile_for(payer).takes_g2211


def test_inj_1_a_drug_line_is_priced_per_billing_unit():
    fees = fees_for(Payer.objects.get(slug="medicare"))
    one = price(fees, "J2426", ("JZ",), 1)
    assert price(fees, "J2426", ("JZ",), 234) == (one[0] * 234, one[1] * 234)
    assert one[0] >= Decimal("5.00")  # paliperidone costs dollars a mg, not cents
    assert price(fees, "96127", (), 2)[0] == 2 * fees[("96127", "")].charge
