"""CARC and RARC codes: the shipped list in our own words, and the official texts an
administrator loads from their own licensed file.

``claims/data/adjustment_codes.json`` holds, per code, a plain-language explanation and a
suggested action (correct and resubmit, appeal, bill the patient, write off). The official
X12 texts are licensed, so they are not shipped: ``adjustment_texts_load`` stores them
(``AdjustmentCodeText``) from a CSV the practice holds, and a code loaded that way is
accepted as known too.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.db import transaction

from .models import AdjustmentCodeText

DATA = Path(__file__).resolve().parent / "data" / "adjustment_codes.json"
KINDS = ("CARC", "RARC")
ACTIONS = {
    "correct_resubmit": "Correct and resubmit",
    "appeal": "Appeal",
    "bill_patient": "Bill the patient",
    "write_off": "Write off",
}


@dataclass(frozen=True)
class AdjustmentCode:
    kind: str  # CARC or RARC
    code: str
    explanation: str
    action: str  # a key of ACTIONS

    @property
    def action_label(self) -> str:
        return ACTIONS[self.action]


@cache
def shipped_codes() -> dict[str, dict[str, AdjustmentCode]]:
    """{"CARC": {code: AdjustmentCode}, "RARC": {...}} from the shipped data file."""
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    return {
        kind: {
            code: AdjustmentCode(kind, code, entry["explanation"], entry["action"])
            for code, entry in raw[kind.lower()].items()
        }
        for kind in KINDS
    }


def adjustment_code(kind: str, code: str) -> AdjustmentCode | None:
    """The shipped entry of a CARC or RARC, or None."""
    return shipped_codes()[kind].get(code.strip().upper())


def unknown_codes(kind: str, codes: list[str]) -> list[str]:
    """The codes of ``codes`` neither shipped nor loaded from the practice's licensed file."""
    shipped = shipped_codes()[kind]
    rest = [c for c in codes if c not in shipped]
    if not rest:
        return []
    loaded = set(
        AdjustmentCodeText.objects.filter(kind=kind, code__in=rest).values_list("code", flat=True)
    )
    return [c for c in rest if c not in loaded]


class AdjustmentFileError(ValueError):
    """A CSV of official texts that cannot be loaded; the message names the row."""


@transaction.atomic
def adjustment_texts_load(*, kind: str, path: Path) -> int:
    """Store the official texts of ``kind`` codes from a CSV with columns code and text
    (a header row is expected); returns how many were stored. Nothing is stored on error."""
    if kind not in KINDS:
        raise AdjustmentFileError(f"The kind is CARC or RARC, not {kind!r}.")
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            fields = {(f or "").strip().lower(): f for f in reader.fieldnames or []}
            if "code" not in fields or not ({"text", "description"} & fields.keys()):
                raise AdjustmentFileError(
                    "The CSV needs a header row with the columns code and text (or description)."
                )
            text_col = fields.get("text") or fields["description"]
            rows = []
            for n, row in enumerate(reader, start=2):
                code = (row.get(fields["code"]) or "").strip().upper()
                text = (row.get(text_col) or "").strip()
                if not code or len(code) > 8 or not code.isalnum():
                    raise AdjustmentFileError(f"Row {n}: {code!r} is not a {kind} code.")
                if not text:
                    raise AdjustmentFileError(f"Row {n}: code {code} has no text.")
                rows.append((code, text))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise AdjustmentFileError(f"The file cannot be read: {exc}") from None
    for code, text in rows:
        AdjustmentCodeText.objects.update_or_create(kind=kind, code=code, defaults={"text": text})
    return len(rows)
