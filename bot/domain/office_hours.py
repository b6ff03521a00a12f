"""When advisors are there: weekly hours in Europe/Berlin, closed on NRW public holidays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays

BERLIN = ZoneInfo("Europe/Berlin")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class OfficeHours:
    """`weekly` as in the OFFICE_HOURS setting: "mon-thu 09:00-16:00; fri 09:00-13:00" ("24:00" ends a day)."""

    weekly: str = "mon-thu 09:00-16:00; fri 09:00-13:00"
    timezone: ZoneInfo = BERLIN

    @cached_property
    def slots(self) -> dict[int, list[tuple[time, time]]]:
        slots: dict[int, list[tuple[time, time]]] = {}
        for part in filter(None, (p.strip() for p in self.weekly.split(";"))):
            days, hours = part.split()
            first, _, last = days.partition("-")
            start_day, end_day = DAYS.index(first), DAYS.index(last or first)
            opens, closes = (time.max if t == "24:00" else time.fromisoformat(t) for t in hours.split("-"))
            for day in range(start_day, end_day + 1):
                slots.setdefault(day, []).append((opens, closes))
        return slots

    def is_holiday(self, day: date) -> bool:
        return day in holidays.country_holidays("DE", subdiv="NW", years=day.year)

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(self.timezone)
        if self.is_holiday(local.date()):
            return False
        return any(opens <= local.time() < closes for opens, closes in self.slots.get(local.weekday(), []))

    def next_opening(self, now: datetime) -> datetime | None:
        """The next moment advisors are there (now, if open); None if no hours are configured."""
        if self.is_open(now):
            return now
        local = now.astimezone(self.timezone)
        for offset in range(0, 15):
            day = local.date() + timedelta(days=offset)
            if self.is_holiday(day):
                continue
            for opens, _ in sorted(self.slots.get(day.weekday(), [])):
                candidate = datetime.combine(day, opens, tzinfo=self.timezone)
                if candidate > local:
                    return candidate
        return None
