"""pyx12's maps are loaded once and shared: a file's verdict never depends on the files
validated before it."""

from __future__ import annotations

from claims.x12 import validate
from claims.x12.validate import x12_validate
from tests.claims.payer_files import ClaimPay, SvcLine, era_835

GOOD = era_835([ClaimPay("C1", "1", "100", "80", lines=[SvcLine("99213", "100", "80")])])
BROKEN = GOOD.replace("SVC*HC:99213*100*80**1", "SVC*HC:99213*100*80**1*X*Y*Z*W")


def test_verdicts_do_not_depend_on_the_files_checked_before():
    first = x12_validate(BROKEN)
    assert first
    assert x12_validate(GOOD) == []
    assert x12_validate(BROKEN) == first
    assert x12_validate(GOOD) == []


def test_each_map_is_loaded_once():
    x12_validate(GOOD)
    loaded = validate._map_cached.cache_info().currsize
    before = validate._map_cached.cache_info().misses
    x12_validate(GOOD)
    x12_validate(BROKEN)
    assert validate._map_cached.cache_info().misses == before
    assert loaded >= 2  # the control segments' map and the 835's
