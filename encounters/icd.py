"""The ICD-10-CM code set (simple-icd-10-cm), loaded once on first use (DG-2), and the
search behind the diagnosis fields.

Only billable codes are accepted on an encounter: leaf codes such as
``F32.9``, never a category such as ``F32``; the search offers nothing else.

The search matches whole words: each typed word must begin a word of the code's
description or inclusion terms ("depress" finds "depressive", "panic" never finds
"tympanic"), or of the categories above the code (a leaf of F43.1 "Post-traumatic stress
disorder (PTSD)" is found by "ptsd"). Abbreviations and synonyms come from
``encounters.icd_terms``. The order: codes starting with a typed code first; then codes
DG-3 lets a payer put on a psychotherapy line (chapter F, the payers' Z-codes); then
matches of a likelier meaning, matches in the code's own text, the codes a practice uses
most, shorter descriptions. The word index is built once per process.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Final

from coding.engine import PayerProfile, load_default_payer_profiles
from coding.engine.rules.dg_diagnoses import dg_3_accepts

from .icd_terms import COMMON_CODES, SEARCH_TERMS

ICD_QUERY_MAX_LENGTH: Final = 100
ICD_QUERY_MIN_LENGTH: Final = 2


@dataclass(frozen=True, slots=True)
class IcdCode:
    code: str
    description: str


@functools.cache
def _codeset() -> ModuleType:
    import simple_icd_10_cm  # 2 s to load its data: import it only when first needed

    module: ModuleType = simple_icd_10_cm
    return module


def _is_billable(code: str) -> bool:
    """A leaf code; F99 is also the name of its block, and still billable."""
    cm = _codeset()
    if cm.is_chapter(code) or (cm.is_block(code) and not cm.is_category(code)):
        return False
    return bool(cm.is_leaf(code))


def icd_normalise(code: str) -> str:
    """Upper-case ``code`` and put the dot after the third character."""
    code = code.strip().upper().replace(" ", "")
    if len(code) > 3 and "." not in code:
        code = f"{code[:3]}.{code[3:]}"
    return code


def icd_lookup(code: str) -> IcdCode | None:
    """The billable code with its description, or None when ``code`` is not billable."""
    cm = _codeset()
    code = icd_normalise(code)
    if not code or not cm.is_valid_item(code) or not _is_billable(code):
        return None
    return IcdCode(code=code, description=cm.get_description(code))


def icd_explain_invalid(code: str) -> str:
    """Why ``code`` cannot be used, in words for the clinician (DG-2)."""
    cm = _codeset()
    norm = icd_normalise(code)
    if norm and cm.is_valid_item(norm) and not cm.is_leaf(norm):
        return f"{norm} is a category, not a billable code: choose a more specific code (DG-2)."
    return f"{code.strip() or 'The code'} is not an ICD-10-CM code (DG-2)."


# --- search ------------------------------------------------------------------------

_WORD: Final = re.compile(r"[a-z0-9]+(?:['’/-][a-z0-9]+)*")
_JOINERS: Final = re.compile(r"['’/-]")
_CODE_LIKE: Final = re.compile(r"[a-z][0-9][0-9a-z]?\.?[0-9a-z]{0,4}")
# One ending is taken off a long typed word, so "depression" finds "depressive" and
# "schizophrenic" finds "schizophrenia"; what is left stays at least five letters long.
_ENDINGS: Final = ("ions", "ion", "ives", "ive", "ed", "ing", "ism", "ics", "ic", "ia", "s")
_MIN_STEM: Final = 5


def _index_words(text: str) -> set[str]:
    """The words of ``text``; "post-traumatic" gives "post", "traumatic", "posttraumatic"."""
    words: set[str] = set()
    for match in _WORD.finditer(text.lower()):
        parts = _JOINERS.split(match.group())
        words.update(parts)
        if len(parts) > 1:
            words.add("".join(parts))
    return words


def _typed_words(text: str) -> list[str]:
    """The words of a query; "post-traumatic" gives "posttraumatic"."""
    return [_JOINERS.sub("", m.group()) for m in _WORD.finditer(text.lower())]


def _stem(word: str) -> str:
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= _MIN_STEM:
            return word[: -len(ending)]
    return word


# Where a typed word was found in a code: its description, its own inclusion terms, or
# only in the categories above it. The search ranks a code by where all words matched.
_IN_DESCRIPTION, _IN_INCLUSION_TERMS, _IN_CATEGORIES = 0, 1, 2


@dataclass(frozen=True, slots=True)
class _SearchIndex:
    """Every billable code, and which codes hold each word, and where."""

    codes: tuple[str, ...]  # sorted, so a code prefix is a slice
    descriptions: tuple[str, ...]
    # Each code's place when ranked by how common it is, then description length, then
    # code: the last tie-breaks of a search, worked out once.
    tie_rank: tuple[int, ...]
    vocabulary: tuple[str, ...]  # sorted, so a word prefix is a slice
    # word -> the codes holding it, one mapping per _IN_* place (a code in one place only).
    postings: tuple[dict[str, tuple[int, ...]], ...]

    def codes_with_prefix(self, prefix: str) -> range:
        start = bisect.bisect_left(self.codes, prefix)
        end = bisect.bisect_left(self.codes, prefix + "~")
        return range(start, end)

    def word_prefix(self, prefix: str) -> tuple[set[int], ...]:
        """The codes holding a word that starts with ``prefix``, found up to each place."""
        start = bisect.bisect_left(self.vocabulary, prefix)
        end = bisect.bisect_left(self.vocabulary, prefix + "{")
        found: list[set[int]] = []
        for postings in self.postings:
            ids: set[int] = set(found[-1]) if found else set()
            for word in self.vocabulary[start:end]:
                ids.update(postings.get(word, ()))
            found.append(ids)
        return tuple(found)


def _build_search_index() -> _SearchIndex:
    cm = _codeset()
    billable = sorted(code for code in cm.get_all_codes(with_dots=True) if _is_billable(code))

    def is_category(code: str | None) -> bool:
        return bool(code) and not cm.is_chapter_or_block(code)

    @functools.cache
    def category_words(code: str) -> frozenset[str]:
        """The words of ``code`` (a category) and of the categories above it."""
        words = _index_words(" ".join([cm.get_description(code), *cm.get_inclusion_term(code)]))
        parent = cm.get_parent(code)
        return frozenset(words | category_words(parent) if is_category(parent) else words)

    postings: tuple[dict[str, list[int]], ...] = ({}, {}, {})
    for i, code in enumerate(billable):
        description = _index_words(cm.get_description(code))
        inclusion = _index_words(" ".join(cm.get_inclusion_term(code))) - description
        parent = cm.get_parent(code)
        above = category_words(parent) - description - inclusion if is_category(parent) else ()
        for place, words in enumerate((description, inclusion, above)):
            for word in words:
                postings[place].setdefault(word, []).append(i)
    common = {code: rank for rank, code in enumerate(COMMON_CODES)}
    descriptions = tuple(cm.get_description(code) for code in billable)
    by_tie = sorted(
        range(len(billable)),
        key=lambda i: (common.get(billable[i], len(common)), len(descriptions[i]), billable[i]),
    )
    tie_rank = [0] * len(billable)
    for rank, i in enumerate(by_tie):
        tie_rank[i] = rank
    return _SearchIndex(
        codes=tuple(billable),
        descriptions=descriptions,
        tie_rank=tuple(tie_rank),
        vocabulary=tuple(sorted(set().union(*postings))),
        postings=tuple({word: tuple(ids) for word, ids in p.items()} for p in postings),
    )


@functools.cache
def _search_index() -> _SearchIndex:
    """Built on the first search of the process (a few seconds), then shared."""
    return _build_search_index()


@functools.cache
def _default_payers() -> tuple[PayerProfile, ...]:
    return tuple(load_default_payer_profiles().values())


@functools.lru_cache(maxsize=8)
def _psychotherapy_tiers(payers: tuple[PayerProfile, ...]) -> bytes:
    """Per indexed code: 0 when DG-3 lets one of ``payers`` bill psychotherapy for it, else 1.

    Worked out once per set of payer profiles (a payer's Z-codes change rarely).
    """
    return bytes(
        0 if any(dg_3_accepts(code, payer) for payer in payers) else 1
        for code in _search_index().codes
    )


# A clause is one typed word (or phrase of SEARCH_TERMS): its meanings, likeliest first,
# each one word or a phrase (words that must follow each other in one text of the code).
_Clause = tuple[tuple[str, ...], ...]


@functools.lru_cache(maxsize=8192)
def _code_texts(code: str) -> tuple[tuple[str, ...], ...]:
    """The code's texts by _IN_* place, each twice: "post-traumatic" as one word and as two."""
    cm = _codeset()
    above: list[str] = []
    parent = cm.get_parent(code)
    while parent and not cm.is_chapter_or_block(parent):
        above += [cm.get_description(parent), *cm.get_inclusion_term(parent)]
        parent = cm.get_parent(parent)
    places = ([cm.get_description(code)], list(cm.get_inclusion_term(code)), above)
    return tuple(
        tuple(
            v
            for text in texts
            for v in (_JOINERS.sub("", text.lower()), _JOINERS.sub(" ", text.lower()))
        )
        for texts in places
    )


def _phrase_place(code: str, words: tuple[str, ...]) -> int | None:
    """The first _IN_* place where ``words`` follow each other in one text, if any."""
    pattern = re.compile(
        r"(?<![a-z0-9])"
        + r"[^a-z0-9]+".join(re.escape(_stem(word)) + r"[a-z0-9]*" for word in words)
    )
    for place, texts in enumerate(_code_texts(code)):
        if any(pattern.search(text) for text in texts):
            return place
    return None


def _clauses(query: str) -> list[_Clause]:
    text = " ".join(_typed_words(query))
    clauses: list[_Clause] = []
    for phrase in sorted((t for t in SEARCH_TERMS if " " in t), key=len, reverse=True):
        pattern = rf"(?<!\S){re.escape(phrase)}(?!\S)"
        if re.search(pattern, text):
            text = re.sub(pattern, " ", text)
            clauses.append(tuple(tuple(_typed_words(m)) for m in SEARCH_TERMS[phrase]))
    for word in text.split():
        meanings = SEARCH_TERMS.get(word, (word,))
        clauses.append(tuple(tuple(_typed_words(m)) for m in meanings))
    return clauses


def _clause_matches(index: _SearchIndex, clause: _Clause) -> dict[int, tuple[int, int]]:
    """Code -> (number of the meaning it matched, _IN_* place where all its words are)."""
    best: dict[int, tuple[int, int]] = {}
    for meaning_no, words in enumerate(clause):
        found: list[set[int]] | None = None
        for word in words:
            by_place = index.word_prefix(_stem(word))
            found = (
                list(by_place)
                if found is None
                else [a & b for a, b in zip(found, by_place, strict=True)]
            )
        if not found:
            continue
        in_description, in_inclusion_terms, anywhere = found
        places: dict[int, tuple[int, int]] = {}
        if len(words) > 1:
            for i in anywhere:
                phrase_place = _phrase_place(index.codes[i], words)
                if phrase_place is not None:
                    places[i] = (meaning_no, phrase_place)
        else:  # set operations: a broad prefix such as "in" holds tens of thousands of codes
            places = dict.fromkeys(anywhere - in_inclusion_terms, (meaning_no, _IN_CATEGORIES))
            places.update(
                dict.fromkeys(
                    in_inclusion_terms - in_description, (meaning_no, _IN_INCLUSION_TERMS)
                )
            )
            places.update(dict.fromkeys(in_description, (meaning_no, _IN_DESCRIPTION)))
        # An earlier meaning always ranks first, whatever the place.
        places.update(best)
        best = places
    return best


def _word_matches(index: _SearchIndex, query: str) -> dict[int, tuple[int, int]]:
    """Codes matching every clause of ``query``: (summed meaning numbers, worst place)."""
    matches: dict[int, tuple[int, int]] | None = None
    for clause in _clauses(query):
        found = _clause_matches(index, clause)
        if matches is None:
            matches = found
        else:
            matches = {
                i: (m[0] + found[i][0], max(m[1], found[i][1]))
                for i, m in matches.items()
                if i in found
            }
        if not matches:
            return {}
    return matches or {}


def icd_search(
    query: str, *, limit: int = 15, payers: Sequence[PayerProfile] | None = None
) -> list[IcdCode]:
    """The billable codes best matching ``query`` (a code's beginning or words), best first.

    ``payers``: the profiles whose DG-3 Z-codes rank with chapter F (default: the
    engine's shipped profiles, which take chapter F only).
    """
    query = query[:ICD_QUERY_MAX_LENGTH].strip()
    if not query or limit < 1:
        return []
    index = _search_index()
    tiers = _psychotherapy_tiers(tuple(payers) if payers else _default_payers())
    first: list[int] = []
    if _CODE_LIKE.fullmatch(query.lower()):
        first = list(index.codes_with_prefix(icd_normalise(query))[:limit])
    chosen = [IcdCode(index.codes[i], index.descriptions[i]) for i in first]
    if len(chosen) < limit:
        matches = _word_matches(index, query)
        for i in first:
            matches.pop(i, None)
        size = len(index.codes)

        def rank(i: int) -> int:  # (tier, meaning, place, tie rank) packed in one number
            meaning, place = matches[i]
            return ((tiers[i] * 64 + min(meaning, 63)) * 4 + place) * size + index.tie_rank[i]

        for i in heapq.nsmallest(limit - len(chosen), matches, key=rank):
            chosen.append(IcdCode(index.codes[i], index.descriptions[i]))
    return chosen


# Mental and behavioural disorders due to psychoactive substance use (F10-F19): a visit
# coded with one is likely a 42 CFR Part 2 record, which the clinician confirms.
SUBSTANCE_USE_CATEGORIES = frozenset(f"F{n}" for n in range(10, 20))


def icd_suggests_part2(codes: Iterable[str]) -> bool:
    """True when a code is in F10-F19 (substance use): the form suggests the Part 2 flag."""
    return any(icd_normalise(code)[:3] in SUBSTANCE_USE_CATEGORIES for code in codes)
