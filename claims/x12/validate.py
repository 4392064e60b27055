"""pyx12's verdict on an X12 file, with its errors in words a biller can act on.

``x12_validate(text)`` runs pyx12 over the file (the implementation guide is picked from
GS08: 005010X222A1 837P, 005010X221A1 835, 005010X231A1 999, 005010X214 277CA) and
returns the problems found, each naming the segment and its position; an empty list means
the file is valid. pyx12 reports through the 999 it writes, which ``ack_read`` reads.

pyx12 reads its implementation-guide maps (XML, with the code lists) afresh for every file,
which takes most of a validation's time; the maps are read-only once loaded (pyx12 counts
loops and segments in its walker, not on the map), so each is loaded once per process and
shared (``_map_load``). Four of its hottest bookkeeping steps are replaced by faster ones with
the same verdicts (``claims.x12.pyx12_faster``).
"""

from __future__ import annotations

import functools
import io
import logging
from typing import Any

import pyx12.map_if
import pyx12.params
import pyx12.x12n_document

from . import pyx12_faster
from .ack_read import ack_999_read
from .read import X12ReadError

_PYX12_MAP_LOAD = pyx12.map_if.load_map_file


_DEFAULT_EXCLUDED_CODES = pyx12.params.params().get("exclude_external_codes")


@functools.lru_cache(maxsize=16)
def _map_cached(map_file: str, map_path: str | None) -> Any:
    return _PYX12_MAP_LOAD(map_file, pyx12.params.params(), map_path)


def _map_load(map_file: str, param: pyx12.params.ParamsBase, map_path: str | None = None) -> Any:
    """pyx12's map loader, loading each map once (with the default parameters we use)."""
    if param.get("exclude_external_codes") != _DEFAULT_EXCLUDED_CODES:
        return _PYX12_MAP_LOAD(map_file, param, map_path)
    return _map_cached(map_file, map_path)


pyx12.map_if.load_map_file = _map_load
pyx12_faster.install()


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def x12_validate(text: str) -> list[str]:
    """The problems pyx12 finds in ``text``; [] when the file is valid."""
    params = pyx12.params.params()
    ack = io.StringIO()  # no HTML report: pyx12 spends a fifth of its time writing it
    logger = logging.getLogger("pyx12")
    handler = _Collect()
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        ok = pyx12.x12n_document.x12n_document(params, io.StringIO(text), ack, None, None)
    except Exception as exc:  # noqa: BLE001 - pyx12 raises many kinds on unreadable input
        return [f"pyx12 could not read the file: {exc}"]
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
    if ok:
        return []
    # pyx12's own messages name the line (segment number) and element; its 999 is the
    # fallback (it cannot always write one for a broken file).
    problems = [m for m in handler.messages if "999 response" not in m]
    if not problems:
        try:
            for answer in ack_999_read(ack.getvalue()):
                problems += answer.errors
        except X12ReadError:
            pass
    return problems or ["pyx12 rejected the file."]
