"""{% form_wording "ledger" as w %}: a printed form's labels (archive/wording/), and ``fill`` for those with a value."""

from django import template

from archive.wording import ledger, minutes

register = template.Library()

FORMS = {"ledger": ledger, "minutes": minutes}


@register.simple_tag
def form_wording(form: str):
    return FORMS[form]


@register.filter
def fill(label, value) -> str:
    """A label with ``%(value)s`` (``w.SCHOOL_YEAR|fill:school.year``), filled with ``value``."""
    return str(label) % {"value": value}


@register.filter
def ledger_outcome(label, code) -> str:
    """An outcome as the ledger's form words it (``row.outcome|ledger_outcome:row.outcome_code``)."""
    return str(ledger.OUTCOMES.get(code, label))


@register.filter
def ledger_total(label, part) -> str:
    """A line of a summary part's totals as the form words it (``label|ledger_total:part``)."""
    return ledger_outcome(label, part.codes.get(str(label), ""))


@register.simple_tag
def minutes_number(data) -> str:
    """The minutes' "Số: 3/2026-2027/BB-SĐ" (``data``: gradebook.api.MinutesData)."""
    return minutes.number_line(data.number, data.year_name)


@register.simple_tag
def minutes_place_date(data) -> str:
    """The minutes' "…, ngày 03 tháng 12 năm 2026" line."""
    return minutes.place_date_line(data.place, data.date)
