"""The payers' files (835, 999, 277CA) as the tests write them: the app's writers
(``claims.x12.payer_build``) dated on one fixed day, so expectations never move."""

from __future__ import annotations

import datetime
from typing import Any

from claims.x12 import payer_build
from claims.x12.payer_build import PAYER_KEY, Adj, ClaimPay, ClaimStatus, SvcLine

__all__ = ["DAY", "PAYER_KEY", "Adj", "ClaimPay", "ClaimStatus", "SvcLine"]
__all__ += ["ack_277ca", "ack_999", "era_835"]

DAY = datetime.date(2026, 11, 20)


def era_835(claims: list[ClaimPay], **kwargs: Any) -> str:
    return payer_build.era_835(claims, **{"day": DAY, **kwargs})


def ack_999(**kwargs: Any) -> str:
    return payer_build.ack_999(**{"day": DAY, **kwargs})


def ack_277ca(claims: list[ClaimStatus], **kwargs: Any) -> str:
    return payer_build.ack_277ca(claims, **{"day": DAY, **kwargs})
