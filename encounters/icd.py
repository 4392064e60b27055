"""The ICD-10-CM code set (simple-icd-10-cm), loaded once on first use (DG-2).

Only billable codes are accepted on an encounter: leaf codes such as
``F32.9``, never a category such as ``F32``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True, slots=True)
class IcdCode:
    code: str
    description: str


@functools.cache
def _codeset() -> ModuleType:
    import simple_icd_10_cm  # 2 s to load its data: import it only when first needed

    module: ModuleType = simple_icd_10_cm
    return module


@functools.cache
def _billable_index() -> tuple[tuple[str, str, str], ...]:
    """(code, description, lower-cased haystack) for every billable code."""
    cm = _codeset()
    rows = []
    for code in cm.get_all_codes(with_dots=True):
        if cm.is_chapter_or_block(code) or not cm.is_leaf(code):
            continue
        description = cm.get_description(code)
        rows.append(
            (
                code,
                description,
                f"{code.lower()} {code.replace('.', '').lower()} {description.lower()}",
            )
        )
    return tuple(rows)


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
    if not code or not cm.is_valid_item(code) or cm.is_chapter_or_block(code):
        return None
    if not cm.is_leaf(code):
        return None
    return IcdCode(code=code, description=cm.get_description(code))


def icd_explain_invalid(code: str) -> str:
    """Why ``code`` cannot be used, in words for the clinician (DG-2)."""
    cm = _codeset()
    norm = icd_normalise(code)
    if norm and cm.is_valid_item(norm) and not cm.is_leaf(norm):
        return f"{norm} is a category, not a billable code: choose a more specific code (DG-2)."
    return f"{code.strip() or 'The code'} is not an ICD-10-CM code (DG-2)."


def icd_search(query: str, *, limit: int = 15) -> list[IcdCode]:
    """Billable codes whose code or description matches every word of ``query``.

    Codes of chapter F (mental and behavioural disorders) come first.
    """
    words = query.lower().split()
    if not words:
        return []
    code_query = icd_normalise(query).lower() if len(words) == 1 else None
    found: list[tuple[int, IcdCode]] = []
    for code, description, haystack in _billable_index():
        if code_query and code.lower().startswith(code_query):
            rank = 0
        elif all(w in haystack for w in words):
            rank = 1
        else:
            continue
        found.append((rank if code.startswith("F") else rank + 2, IcdCode(code, description)))
    found.sort(key=lambda r: (r[0], r[1].code))
    return [c for _, c in found[:limit]]


# Mental and behavioural disorders due to psychoactive substance use (F10-F19): a visit
# coded with one is likely a 42 CFR Part 2 record, which the clinician confirms.
SUBSTANCE_USE_CATEGORIES = frozenset(f"F{n}" for n in range(10, 20))


def icd_suggests_part2(codes: Iterable[str]) -> bool:
    """True when a code is in F10-F19 (substance use): the form suggests the Part 2 flag."""
    return any(icd_normalise(code)[:3] in SUBSTANCE_USE_CATEGORIES for code in codes)
