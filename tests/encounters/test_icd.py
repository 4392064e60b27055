"""ICD-10-CM look-up and search: only billable codes (DG-2), found by what clinicians
type, chapter F and the payers' psychotherapy Z-codes (DG-3) first."""

from __future__ import annotations

import dataclasses
import re

import pytest
import simple_icd_10_cm as cm
from django.urls import reverse

from coding.engine import load_default_payer_profiles
from encounters import icd
from encounters.icd import icd_explain_invalid, icd_lookup, icd_normalise, icd_search
from encounters.icd_terms import COMMON_CODES, SEARCH_TERMS
from tests.factories import payer


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


def test_f99_is_billable_though_its_block_has_the_same_name():
    found = icd_lookup("F99")
    assert found is not None
    assert found.description == "Mental disorder, not otherwise specified"
    assert "F99" in [c.code for c in icd_search("mental disorder not otherwise specified")]


def test_chapter_and_block_names_are_not_codes():
    assert icd_lookup("F30-F39") is None


def _words_of_code_and_categories(code: str) -> set[str]:
    """The words ICD-10-CM gives a code: its own text and its categories' text."""
    texts = []
    while code and not cm.is_chapter_or_block(code):
        texts += [cm.get_description(code), *cm.get_inclusion_term(code)]
        code = cm.get_parent(code)
    return set(re.findall(r"[a-z0-9]+", " ".join(texts).lower()))


def test_search_by_words_matches_every_word():
    found = icd_search("major depressive recurrent")
    assert found
    assert found[0].code == "F33.1"
    for code in found:
        words = _words_of_code_and_categories(code.code)
        assert {"major", "depressive", "recurrent"} <= words, code


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


# What clinicians type -> the code that must come first. The ones of the issue ("depress",
# "anxiety", MDD, GAD, ADHD, PTSD, OCD, BPD, "generalized", "posttraumatic") and the codes
# an outpatient psychiatric practice bills most.
EXPECTED_FIRST = [
    ("depress", "F32.9"),
    ("depression", "F32.9"),
    ("Depression", "F32.9"),
    ("mdd", "F32.9"),
    ("MDD", "F32.9"),
    ("major depressive recurrent", "F33.1"),
    ("mdd recurrent severe", "F33.2"),
    ("recurrent depression mild", "F33.0"),
    ("depression unspecified", "F32.9"),
    ("anxiety", "F41.1"),
    ("anxiety unspecified", "F41.9"),
    ("GAD", "F41.1"),
    ("generalized", "F41.1"),
    ("generalized anxiety disorder", "F41.1"),
    ("panic", "F41.0"),
    ("panic attacks", "F41.0"),
    ("social anxiety", "F40.10"),
    ("SAD", "F40.10"),
    ("agoraphobia unspecified", "F40.00"),
    ("PTSD", "F43.10"),
    ("posttraumatic", "F43.10"),
    ("post-traumatic stress chronic", "F43.12"),
    ("chronic ptsd", "F43.12"),
    ("ADHD", "F90.2"),
    ("adhd inattentive", "F90.0"),
    ("ADD", "F90.0"),
    ("attention deficit", "F90.2"),
    ("OCD", "F42.9"),
    ("obsessive compulsive", "F42.9"),
    ("hoarding", "F42.3"),
    ("BPD", "F60.3"),
    ("borderline", "F60.3"),
    ("bipolar", "F31.9"),
    ("bipolar ii", "F31.81"),
    ("bipolar 2", "F31.81"),
    ("manic depression", "F31.9"),
    ("schizophrenia", "F20.9"),
    ("schizoaffective", "F25.0"),
    ("psychosis", "F29"),
    ("AUD", "F10.20"),
    ("alcohol", "F10.20"),
    ("alcohol abuse", "F10.10"),
    ("OUD", "F11.20"),
    ("opioid", "F11.20"),
    ("cannabis", "F12.20"),
    ("marijuana", "F12.20"),
    ("nicotine", "F17.210"),
    ("ASD", "F84.0"),
    ("autism", "F84.0"),
    ("ODD", "F91.3"),
    ("DMDD", "F34.81"),
    ("insomnia", "F51.01"),
    ("dysthymia", "F34.1"),
    ("PDD", "F34.1"),
    ("adjustment", "F43.21"),
    ("adjustment anxiety", "F43.22"),
    ("adjustment mixed anxiety depressed", "F43.23"),
    ("grief", "F43.81"),
    ("PMDD", "F32.81"),
    ("intermittent explosive", "F63.81"),
    ("gambling", "F63.0"),
    ("separation anxiety", "F93.0"),
    ("anorexia", "F50.00"),
    ("bulimia", "F50.20"),
    ("binge eating", "F50.810"),
    ("tourette", "F95.2"),
    ("dementia", "F03.90"),
    ("suicidal ideation", "R45.851"),
    ("F41", "F41.0"),
    ("f43.1", "F43.10"),
    ("F329", "F32.9"),
]


def test_the_table_holds_at_least_forty_terms():
    assert len({term.lower() for term, _ in EXPECTED_FIRST}) >= 40


@pytest.mark.parametrize(("typed", "first"), EXPECTED_FIRST)
def test_common_psychiatric_terms_find_the_expected_code_first(typed, first):
    found = icd_search(typed, limit=10)
    assert found, typed
    assert found[0].code == first, [c.code for c in found]


def test_depress_lists_major_depression_before_other_chapters_and_f_codes():
    codes = [c.code for c in icd_search("depress", limit=30)]
    assert all(code[:3] in ("F32", "F33") for code in codes[:6]), codes
    chapters = ["F" if code.startswith("F") else "other" for code in codes]
    assert chapters == sorted(chapters), codes  # no F code after a code of another chapter


def test_anxiety_lists_f41_first():
    codes = [c.code for c in icd_search("anxiety", limit=10)]
    assert all(code.startswith("F41.") for code in codes[:3]), codes


def test_words_are_matched_whole_panic_is_not_tympanic():
    found = icd_search("panic", limit=50)
    assert found
    assert not [c for c in found if "tympanic" in c.description.lower()]
    for code in found:
        words = _words_of_code_and_categories(code.code)
        assert any(word.startswith("panic") for word in words), code


def test_a_typed_word_begins_a_word_it_matches():
    # "press" is inside "depressive" but begins no word of the depression codes.
    codes = [c.code for c in icd_search("press", limit=50)]
    assert not [code for code in codes if code[:3] in ("F32", "F33")], codes


def test_bpd_shows_borderline_personality_first_and_bipolar_after_it():
    codes = [c.code for c in icd_search("bpd", limit=10)]
    assert codes[0] == "F60.3"
    assert all(code.startswith("F31.") for code in codes[1:]), codes


def test_an_abbreviation_matches_its_phrase_in_order_not_its_words_anywhere():
    # F21's inclusion term "Borderline schizophrenia" and its category's "personality"
    # are not "borderline personality"; "Social phobia, generalized" is not GAD.
    assert "F21" not in [c.code for c in icd_search("bpd", limit=50)]
    assert [c.code for c in icd_search("gad", limit=10)] == ["F41.1"]


def test_every_word_of_a_multi_word_query_must_match():
    found = icd_search("mdd recurrent severe", limit=10)
    assert {c.code for c in found} == {"F33.2", "F33.3"}
    assert icd_search("generalized anxiety tympanic") == []


def test_the_payers_psychotherapy_z_codes_rank_with_chapter_f_dg_3():
    commercial = load_default_payer_profiles()["commercial"]
    accepting = dataclasses.replace(commercial, accepted_z_codes=("Z63",))
    plain = [c.code for c in icd_search("relationship", limit=10, payers=[commercial])]
    ranked = [c.code for c in icd_search("relationship", limit=10, payers=[accepting])]
    assert plain.index("M26.220") < plain.index("Z63.1")  # Z-codes are not special without it
    z63 = [i for i, code in enumerate(ranked) if code.startswith("Z63")]
    others = [i for i, code in enumerate(ranked) if not code.startswith(("F", "Z63"))]
    assert z63
    assert max(z63) < min(others), ranked


def test_only_billable_codes_are_offered():
    for typed in ("depress", "ptsd", "F43", "bipolar", "anorexia"):
        for code in icd_search(typed, limit=15):
            assert icd_lookup(code.code) == code, code


def test_the_index_is_built_once_per_process_not_per_search(monkeypatch):
    icd_search("panic")  # builds it, if no test did

    def rebuild():
        raise AssertionError("the search index was built again")

    monkeypatch.setattr(icd, "_build_search_index", rebuild)
    assert icd_search("depress")
    assert icd_search("F41.1")
    assert icd._search_index.cache_info().currsize == 1


def test_the_data_table_names_only_billable_codes_and_every_term_finds_one():
    assert len(set(COMMON_CODES)) == len(COMMON_CODES)
    assert [code for code in COMMON_CODES if icd_lookup(code) is None] == []
    assert [term for term in SEARCH_TERMS if not icd_search(term)] == []


def test_very_long_or_empty_queries_give_nothing_not_an_error():
    assert icd_search("a" * 5000) == []
    assert icd_search("\x00") == []
    assert icd_search("!!! ???") == []


# --- the view ----------------------------------------------------------------------


def test_the_field_takes_full_words_and_the_view_searches_them(client_for, prescriber):
    typed = "generalized anxiety disorder"
    response = client_for(prescriber).get(
        reverse("encounters:icd-search"), {"diagnosis_1": typed, "slot": "1"}
    )
    html = response.content.decode()
    assert 'id="dx-option-1-1" aria-selected="false" data-icd-code="F41.1"' in html
    assert 'role="listbox" id="dx-listbox-1"' in html


def test_the_diagnosis_field_is_a_combobox_that_takes_long_words(client_for, prescriber):
    from tests.factories import PatientFactory

    patient = PatientFactory()
    patient.clinicians.add(prescriber.clinician)
    html = (
        client_for(prescriber)
        .get(reverse("encounters:encounter-create", kwargs={"patient_id": patient.pk}))
        .content.decode()
    )
    field = re.search(r'<input[^>]*id="id_diagnosis_1"[^>]*>', html, re.S)
    assert field is not None
    tag = field.group()
    assert 'maxlength="100"' in tag
    assert 'role="combobox"' in tag
    assert 'aria-expanded="false"' in tag
    assert 'aria-controls="dx-listbox-1"' in tag
    assert len("posttraumatic stress disorder chronic") <= 100


def test_a_query_over_the_limit_says_so(client_for, prescriber):
    response = client_for(prescriber).get(
        reverse("encounters:icd-search"), {"q": "anxiety " * 20, "slot": "1"}
    )
    assert response.status_code == 200
    assert "Type at most 100 characters" in response.content.decode()


def test_the_view_ranks_the_z_codes_the_practices_payers_take(client_for, prescriber):
    plain = client_for(prescriber).get(reverse("encounters:icd-search"), {"q": "relationship"})
    accepting = payer("commercial")
    accepting.accepted_z_codes = ["Z63"]
    accepting.save(update_fields=["accepted_z_codes"])
    ranked = client_for(prescriber).get(reverse("encounters:icd-search"), {"q": "relationship"})
    first = re.findall(r'data-icd-code="([^"]+)"', ranked.content.decode())
    assert first[0].startswith("Z63")
    assert re.findall(r'data-icd-code="([^"]+)"', plain.content.decode())[0] == "F66"


def test_a_garbage_slot_is_dropped(client_for, prescriber):
    response = client_for(prescriber).get(
        reverse("encounters:icd-search"), {"q": "panic", "slot": '1" onmouseover="x'}
    )
    html = response.content.decode()
    assert 'id="dx-listbox-"' in html
    assert "onmouseover" not in html
