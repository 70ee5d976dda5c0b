"""The demo's calendar: which school year a day belongs to, and that year's dates. Pure (no Django).

seed.demo.demo_year() asks it with today's date in the school's time zone; scripts that run
outside Django may ask it directly.
"""

import datetime
from dataclasses import dataclass

# A Vietnamese school year runs from early September to the end of May. The summer (June to
# August) belongs to the coming year: the rollover is made at the start of the summer, so in
# June to August the demo shows the new year already rolled over, before its term I begins.
YEAR_START = (9, 5)
YEAR_END = (5, 31)
TERM1_END = (1, 10)
TERM2_START = (1, 12)
TERM2_END = (5, 25)
SUMMER_FROM_MONTH = 6


@dataclass(frozen=True)
class DemoYear:
    """A school year of the demo by the calendar year it begins in: 2026 is 2026-2027."""

    first: int

    @property
    def name(self) -> str:
        return f"{self.first}-{self.first + 1}"

    @property
    def start_date(self) -> datetime.date:
        return datetime.date(self.first, *YEAR_START)

    @property
    def end_date(self) -> datetime.date:
        return datetime.date(self.first + 1, *YEAR_END)

    @property
    def term_dates(self) -> tuple[tuple[datetime.date, datetime.date], tuple[datetime.date, datetime.date]]:
        return ((self.start_date, datetime.date(self.first + 1, *TERM1_END)),
                (datetime.date(self.first + 1, *TERM2_START), datetime.date(self.first + 1, *TERM2_END)))

    def on(self, month: int, day: int, weekday: int | None = None) -> datetime.date:
        """The day of the school year with this month and day: ``on(12, 3)`` is 3 December of its first
        calendar year, ``on(3, 10)`` 10 March of its second (the summer months count with the first).

        With ``weekday`` (0 Monday … 6 Sunday), the day of that weekday nearest to it (at most three
        days away): ``on(10, 1, 2)`` is the Wednesday closest to 1 October.
        """
        exact = datetime.date(self.first if month >= SUMMER_FROM_MONTH else self.first + 1, month, day)
        if weekday is None:
            return exact
        shift = (weekday - exact.weekday()) % 7
        return exact + datetime.timedelta(days=shift if shift <= 3 else shift - 7)

    def month(self, month: int) -> tuple[int, int]:
        """A month of the school year as (calendar year, month): ``month(10)`` is (2026, 10) in 2026-2027."""
        return self.on(month, 1).year, month

    @property
    def previous(self) -> "DemoYear":
        return DemoYear(self.first - 1)

    @property
    def next(self) -> "DemoYear":
        return DemoYear(self.first + 1)


def school_year_of(today: datetime.date) -> DemoYear:
    """The demo's school year on ``today``.

    September to May: the year running (December 2026 → 2026-2027, March 2027 → 2026-2027).
    June to August: the coming year, already rolled over (July 2027 → 2027-2028).
    """
    return DemoYear(today.year if today.month >= SUMMER_FROM_MONTH else today.year - 1)
