"""How the values of homeroom corrections read on the pages, the log and the minutes (no writes, no queries)."""

import datetime
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _

from gradebook.models import HomeroomCorrection, LevelChoice, format_comment, format_score
from gradebook.results.compute import YEAR, period_in_sentence

Field = HomeroomCorrection.Field


def display(field: str, value) -> str:
    """A canonical value as the pages and the log show it."""
    if field == Field.CONDUCT:
        return str(LevelChoice(value).label) if value else ""
    if field == Field.ABSENCES:
        excused, unexcused = value or (0, 0)
        return _("%(excused)s excused, %(unexcused)s unexcused") % {"excused": excused, "unexcused": unexcused}
    if field == Field.REMARK:
        return value or ""
    if field == Field.EXEMPTION:
        return _("Exempt") if value else _("Not exempt")
    if value is None:
        return ""
    return format_comment(value) if isinstance(value, bool) else format_score(Decimal(value))


def period_label(request: HomeroomCorrection) -> str:
    if request.month:
        return formats.date_format(datetime.date(request.month_year, request.month, 1), "m/Y")
    return period_in_sentence(request.term.number if request.term_id else YEAR)
