"""The 837P writer's value guard, for any text: free text comes out safe, anything else is
either written as one intact segment or refused (review issue 8 item 6)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claims.x12.build import SEPARATORS, X12ValueError, _seg, _text

ANY_TEXT = st.text(
    alphabet=st.one_of(st.characters(), st.sampled_from(sorted(SEPARATORS) + ["\r", "\n"]))
)


@given(ANY_TEXT)
def test_free_text_never_holds_a_separator_or_a_control_character(text):
    cleaned = _text(text, 60)
    assert not set(cleaned) & SEPARATORS
    assert all(" " <= ch <= "}" for ch in cleaned)
    assert len(cleaned) <= 60


def _text_char_by_char(text: str) -> str:
    """The rule of ``_text`` spelt out a character at a time (its fast path must agree)."""
    kept = "".join(
        ch if " " <= ch <= "~" and ch not in SEPARATORS else " "
        for ch in unicodedata.normalize("NFKD", text)
        if not unicodedata.combining(ch)
    )
    return " ".join(kept.split()).upper()[:60].rstrip()


@given(ANY_TEXT | st.text(alphabet=st.characters(max_codepoint=127)))
def test_free_text_is_cleaned_the_same_with_or_without_accents(text):
    assert _text(text, 60) == _text_char_by_char(text)


@given(ANY_TEXT, ANY_TEXT)
def test_a_segment_is_one_segment_or_refused(code, modifier):
    refused = ""
    try:
        segment = _seg("SV1", ("HC", code, modifier), "100", "UN", "1")
    except X12ValueError as exc:
        refused = exc.element
    code_unsafe = any(ch in SEPARATORS or not " " <= ch <= "~" for ch in code)
    if refused:  # the first unsafe value is the one named
        assert refused == ("SV101-2 (procedure code)" if code_unsafe else "SV101-3 (modifier)")
        return
    assert segment.count("~") == 1
    assert segment.endswith("~")
    assert segment.count("*") == 4
    assert segment.split("*")[1].count(":") == 2


@pytest.mark.parametrize("value", ["M1~NM1*PR", "M1\x00", "M1\u00e9"])
def test_a_member_id_is_refused_not_altered(value):
    with pytest.raises(X12ValueError, match=r"NM109 \(member id\)"):
        _seg("NM1", "IL", "1", "DOE", "ANN", "", "", "", "MI", value)
