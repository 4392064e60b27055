"""The upload of a payer's file: an 835 is posted (``claims.era``), a 999 or 277CA applied
(``claims.acks``), a 271 read into coverages' benefits (``claims.eligibility``); and the
files imported so far."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from .acks import ack_import
from .eligibility import eligibility_import
from .era import era_import, require_biller
from .models import PayerFile
from .x12.read import X12ReadError, transaction_kind, x12_segments

MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Imported:
    payer_file: PayerFile
    summary: dict[str, Any]


def payer_file_import(*, user: User, name: str, data: bytes) -> Imported:
    """Post an 835 or apply a 999/277CA uploaded by a biller; ValidationError says why not."""
    require_biller(user)
    if len(data) > MAX_BYTES:
        raise ValidationError("The file is larger than 5 MB: is it an X12 file?")
    content = data.decode("ascii", errors="replace")
    try:
        kind = transaction_kind(x12_segments(content))
    except X12ReadError as exc:
        raise ValidationError(str(exc)) from None
    if kind == "271":
        result = eligibility_import(user=user, name=name, data=data)
        if result.payer_file is None:  # kept whenever a user imports it
            raise ValidationError("The 271 was read but not kept.")
        return Imported(result.payer_file, result.to_dict())
    if kind == "835":
        payer_file, era = era_import(user=user, name=name, content=content)
        return Imported(payer_file, era.to_dict())
    payer_file, ack = ack_import(user=user, name=name, content=content)
    return Imported(payer_file, ack.to_dict())


def payer_files_recent(*, user: User) -> QuerySet[PayerFile]:
    """The last 20 files imported, newest first, without their content."""
    require_biller(user)
    return PayerFile.objects.select_related("imported_by").defer("content")[:20]
