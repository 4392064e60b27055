"""Signed encounters for audit tests, signed the way clinicians sign them, and review data."""

from __future__ import annotations

import datetime
import re
import zlib
from typing import Any

from claims.signing import visit_sign
from encounters.models import Encounter
from tests.factories import (
    ClinicianFactory,
    EncounterDiagnosisFactory,
    EncounterFactory,
    MedicationReviewFactory,
)


def signed_encounter(
    *,
    month: datetime.date,
    clinician: Any = None,
    day: int = 10,
    diagnosis: str = "F41.0",
    medication: bool = True,
    **fields: Any,
) -> Encounter:
    """A draft with a diagnosis and a complete medication review, then ``visit_sign``.

    Signing stores the engine's proposal and the chosen lines, and builds the claim.
    """
    clinician = clinician or ClinicianFactory(credential="MD")
    encounter = EncounterFactory(
        clinician=clinician, date_of_service=month.replace(day=day), **fields
    )
    EncounterDiagnosisFactory(encounter=encounter, code=diagnosis)
    if medication:
        MedicationReviewFactory(encounter=encounter)
    # Without the review the drug management is a documentation gap the clinician accepts.
    return visit_sign(
        user=clinician.user, encounter=encounter, documentation_acknowledged=not medication
    ).encounter


ALL_MET = {
    "check_time_blocks": "met",
    "check_psychotherapy_minutes": "met",
    "check_em_level": "met",
    "check_medication_review": "met",
    "check_psychotherapy_documentation": "met",
    "check_diagnoses": "met",
    "check_signed_in_time": "met",
}


def review_data(outcome="supported", reviewer_code="", comment="", **checks):
    """The review form's cleaned data: every item met unless ``checks`` says otherwise."""
    return {
        **ALL_MET,
        **checks,
        "outcome": outcome,
        "reviewer_code": reviewer_code,
        "comment": comment,
    }


def _pdf_unescape(literal: bytes) -> bytes:
    """The bytes of a PDF literal string (between its parentheses)."""
    escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}

    def one(match: re.Match[bytes]) -> bytes:
        code = match.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8)])
        return escapes.get(code, code)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, literal, flags=re.S)


def pdf_pages(content: bytes) -> list[str]:
    """The text drawn on each page of an fpdf2 PDF, read through each font's ToUnicode map.

    Fonts are embedded TrueType subsets: a string is a run of 2-byte glyph ids, turned
    back into characters by the font's /ToUnicode CMap. Non-text operators stay as they
    are, so a test can also see what else (a drawing) is on the page.
    """
    objects = {
        int(number): body
        for number, body in re.findall(
            rb"(?m)^(\d+) 0 obj\n(.*?)\nendobj\n(?=\d+ 0 obj|xref)", content, re.S
        )
    }

    def stream(body: bytes) -> bytes:
        length = int(re.search(rb"/Length (\d+)", body).group(1))
        data = body[body.index(b"stream\n") + 7 :][:length]
        return zlib.decompress(data) if b"/FlateDecode" in body else data

    def unicode_map(font: bytes) -> dict[bytes, str]:
        ref = re.search(rb"/ToUnicode (\d+) 0 R", font)
        cmap = stream(objects[int(ref.group(1))]) if ref else b""
        return {
            bytes.fromhex(code.decode()): bytes.fromhex(text.decode()).decode("utf-16-be")
            for code, text in re.findall(rb"<([0-9A-Fa-f]{4})> <([0-9A-Fa-f]+)>", cmap)
        }

    fonts: dict[bytes, dict[bytes, str]] = {}
    for body in objects.values():
        for name, number in re.findall(rb"/(F\d+) (\d+) 0 R", body):
            fonts.setdefault(name, unicode_map(objects[int(number)]))
    pages = []
    for body in objects.values():
        if re.search(rb"/Type /Page\b", body):
            refs = re.search(rb"/Contents (\d+) 0 R", body)
            ops = stream(objects[int(refs.group(1))])
            current: dict[bytes, str] = {}
            out = []
            for token in re.finditer(
                rb"/(F\d+) [\d.]+ Tf|\[(.*?)\] TJ|(\((?:\\.|[^\\)])*\))|.", ops, re.S
            ):
                if token.group(1):
                    current = fonts.get(token.group(1), {})
                elif token.group(2) is not None or token.group(3) is not None:
                    for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\)", token.group(0)):
                        raw = _pdf_unescape(literal)
                        out.extend(current.get(raw[i : i + 2], "?") for i in range(0, len(raw), 2))
                else:
                    out.append(token.group(0).decode("latin-1"))
            pages.append("".join(out))
    return pages


def pdf_text(content: bytes) -> str:
    """Every page's text, in order."""
    return "\n".join(pdf_pages(content))
