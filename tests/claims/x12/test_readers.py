"""The readers of payers' files never fail with anything but a readable X12ReadError."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claims.x12.ack_read import ack_277ca_read, ack_999_read
from claims.x12.era_read import era_read
from claims.x12.read import X12ReadError, x12_segments
from tests.claims.payer_files import Adj, ClaimPay, SvcLine, era_835

GOOD = era_835(
    [
        ClaimPay(
            "C1",
            "1",
            "300",
            "250",
            lines=[SvcLine("99214", "200", "170", adjustments=[Adj("CO", "45", "30")])],
        )
    ]
)
ELEMENT = st.text(alphabet="0123456789ABCXZ.-:*~ ", max_size=8)


@settings(max_examples=200, deadline=None)
@given(position=st.integers(min_value=110, max_value=len(GOOD) - 1), junk=ELEMENT)
def test_a_damaged_835_reads_or_says_why(position, junk):
    text = GOOD[:position] + junk + GOOD[position:]
    refusals = []
    for reader in (era_read, ack_999_read, ack_277ca_read):
        try:
            reader(text)
        except X12ReadError as exc:  # anything else fails the test
            refusals.append(str(exc))
    assert all(refusals)


def test_separators_come_from_the_isa():
    text = GOOD.replace("*", "|").replace("~", "\n").replace("HC:", "HC>")
    text = text[:104] + ">" + text[105:]
    assert [s.id for s in x12_segments(text)][:3] == ["ISA", "GS", "ST"]
    claim = era_read(text)[0].claims[0]
    assert (claim.claim_reference, claim.lines[0].code) == ("C1", "99214")


def test_a_non_x12_text_is_refused_in_words():
    with pytest.raises(X12ReadError, match="not an X12 file"):
        x12_segments("hello")
