"""Office hours with a fixed clock, including NRW public holidays."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.domain.office_hours import BERLIN, OfficeHours

HOURS = OfficeHours("mon-thu 09:00-16:00; fri 09:00-13:00")


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (berlin(2026, 11, 24, 10, 0), True),  # Tuesday morning
        (berlin(2026, 11, 24, 16, 0), False),  # closing time is exclusive
        (berlin(2026, 11, 27, 12, 59), True),  # Friday before one
        (berlin(2026, 11, 27, 13, 30), False),
        (berlin(2026, 11, 28, 10, 0), False),  # Saturday
        (berlin(2026, 5, 1, 10, 0), False),  # 1 May, a Friday
        (berlin(2026, 6, 4, 10, 0), False),  # Corpus Christi: a holiday in NRW, a Thursday
        (berlin(2026, 12, 25, 10, 0), False),  # Christmas
        (berlin(2026, 6, 3, 10, 0), True),  # the Wednesday before Corpus Christi
    ],
)
def test_is_open(moment: datetime, is_open: bool) -> None:
    assert HOURS.is_open(moment) is is_open


def test_utc_clock_is_converted_to_berlin_time() -> None:
    from datetime import UTC

    assert HOURS.is_open(datetime(2026, 11, 24, 8, 30, tzinfo=UTC))  # 09:30 in Berlin (winter time)
    assert not HOURS.is_open(datetime(2026, 7, 7, 6, 30, tzinfo=UTC))  # 08:30 in Berlin (summer time)


def test_next_opening_skips_weekends_and_holidays() -> None:
    assert HOURS.next_opening(berlin(2026, 11, 27, 14, 0)) == berlin(2026, 11, 30, 9, 0)  # Fri after 13 → Mon
    assert HOURS.next_opening(berlin(2026, 6, 3, 17, 0)) == berlin(2026, 6, 5, 9, 0)  # skips Corpus Christi
    assert HOURS.next_opening(berlin(2026, 12, 24, 17, 0)) == berlin(2026, 12, 28, 9, 0)  # 25/26 Dec, Sunday
    now = berlin(2026, 11, 24, 10, 0)
    assert HOURS.next_opening(now) == now


def test_no_hours_means_never_open() -> None:
    closed = OfficeHours("")
    assert not closed.is_open(berlin(2026, 11, 24, 10, 0))
    assert closed.next_opening(berlin(2026, 11, 24, 10, 0)) is None
