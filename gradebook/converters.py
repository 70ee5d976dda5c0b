"""The gradebook's URL converters: a term number, and a period (a term or the whole year)."""

YEAR = 0  # gradebook.results.compute.YEAR: the whole year wherever periods are keyed by term number


class TermNumber:
    regex = "[12]"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


class PeriodConverter:
    """A period in a URL is "1" (term I), "2" (term II) or "year"; views receive 1, 2 or YEAR."""

    regex = "1|2|year"

    def to_python(self, value: str) -> int:
        return YEAR if value == "year" else int(value)

    def to_url(self, value) -> str:
        return "year" if str(value) in ("year", str(YEAR)) else str(int(value))
