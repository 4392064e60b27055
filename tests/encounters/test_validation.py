"""Date and time-block checks shared by the encounter form and the services (PT-3)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from encounters.validation import encounter_time_errors

NOW = timezone.make_aware(datetime.datetime(2026, 3, 16, 12, 0))
TODAY = NOW.date()
YESTERDAY = TODAY - datetime.timedelta(days=1)


def _t(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


def errors(*, day=YESTERDAY, pt=(None, None), em=(None, None)):
    return encounter_time_errors(
        date_of_service=day,
        pt_start=_t(pt[0]) if pt[0] else None,
        pt_end=_t(pt[1]) if pt[1] else None,
        em_start=_t(em[0]) if em[0] else None,
        em_end=_t(em[1]) if em[1] else None,
        now=NOW,
    )


def test_separate_blocks_back_to_back_are_valid():
    assert errors(pt=("09:00", "09:30"), em=("09:30", "09:50")) == {}


def test_overlapping_blocks_are_refused_on_the_med_management_start_pt_3():
    found = errors(pt=("09:00", "09:45"), em=("09:30", "09:50"))
    assert list(found) == ["em_start"]
    assert "overlaps" in found["em_start"][0]
    assert "PT-3" in found["em_start"][0]


def test_a_block_inside_the_other_overlaps_pt_3():
    assert "em_start" in errors(pt=("09:00", "10:00"), em=("09:15", "09:30"))


def test_block_ending_before_it_starts_is_refused():
    found = errors(pt=("10:00", "09:30"))
    assert list(found) == ["pt_end"]
    assert "before it starts" in found["pt_end"][0]


def test_block_ending_when_it_starts_is_refused():
    assert list(errors(em=("10:00", "10:00"))) == ["em_end"]


def test_block_with_start_but_no_end_asks_for_the_end():
    assert list(errors(pt=("10:00", None))) == ["pt_end"]


def test_block_with_end_but_no_start_asks_for_the_start():
    assert list(errors(em=(None, "10:00"))) == ["em_start"]


def test_future_date_of_service_is_refused():
    found = errors(day=TODAY + datetime.timedelta(days=1))
    assert "future" in found["date_of_service"][0]


def test_today_is_not_a_future_date():
    assert errors(day=TODAY) == {}


def test_block_today_ending_after_now_is_refused():
    found = errors(day=TODAY, pt=("11:30", "12:15"))
    assert "later than now" in found["pt_end"][0]


def test_block_today_ending_before_now_is_valid():
    assert errors(day=TODAY, pt=("11:00", "11:45")) == {}


def test_block_yesterday_ending_late_in_the_day_is_valid():
    assert errors(day=YESTERDAY, em=("22:00", "23:30")) == {}
