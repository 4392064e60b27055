"""ICD-10-CM look-up and search: only billable codes, F chapter first (DG-2)."""

from __future__ import annotations

import pytest

from encounters.icd import icd_explain_invalid, icd_lookup, icd_normalise, icd_search


def test_billable_code_is_found_with_its_description():
    found = icd_lookup("F32.9")
    assert found is not None
    assert found.code == "F32.9"
    assert found.description == "Major depressive disorder, single episode, unspecified"


@pytest.mark.parametrize("typed", ["f32.9", "F329", " F32.9 ", "f 329"])
def test_typed_variants_are_normalised(typed):
    assert icd_normalise(typed) == "F32.9"
    assert icd_lookup(typed) is not None


def test_category_is_not_billable_and_the_message_says_so_dg_2():
    assert icd_lookup("F32") is None
    message = icd_explain_invalid("F32")
    assert "F32 is a category" in message
    assert "DG-2" in message


def test_unknown_code_is_explained_as_not_icd_10_cm():
    assert icd_lookup("XYZ.1") is None
    assert "not an ICD-10-CM code" in icd_explain_invalid("XYZ.1")


def test_chapter_and_block_names_are_not_codes():
    assert icd_lookup("F30-F39") is None


def test_search_by_words_matches_every_word():
    found = icd_search("major depressive recurrent")
    assert found
    for code in found:
        text = code.description.lower()
        assert all(word in text for word in ("major", "depressive", "recurrent")), code


def test_search_by_code_prefix_lists_billable_codes_under_it():
    found = icd_search("F41")
    assert [c.code for c in found][:3] == ["F41.0", "F41.1", "F41.3"]
    assert "F41" not in [c.code for c in found]


def test_search_puts_f_chapter_codes_first():
    found = icd_search("insomnia", limit=20)
    chapters = ["F" if c.code.startswith("F") else "other" for c in found]
    assert chapters[0] == "F"
    assert "other" in chapters  # G47.0x insomnia is in chapter G
    assert chapters == sorted(chapters)  # no F code after a non-F code


def test_search_respects_the_limit_and_ignores_empty_queries():
    assert len(icd_search("disorder", limit=5)) == 5
    assert icd_search("   ") == []
