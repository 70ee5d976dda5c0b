"""The homeroom sheet's form: a row per student, a field per cell, named as the service's errors are keyed."""

from urllib.parse import urlencode

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gradebook.homeroom.selectors import HomeroomSheet
from gradebook.homeroom.services import HomeroomEntry
from gradebook.models import MAX_SESSIONS_PER_MONTH, HomeroomCorrection, LevelChoice
from gradebook.results.homeroom_write import correction_slot
from gradebook.results.services import field_key

LEVEL_CHOICES = [("", "—"), *LevelChoice.choices]

_SESSIONS_ERRORS = {
    "invalid": _("Type a whole number of sessions, e.g. 2."),
    "min_value": _("The number of sessions absent cannot be negative."),
    "max_value": _("A month has at most %(limit_value)s sessions."),
}



def _sessions_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=False, min_value=0, max_value=MAX_SESSIONS_PER_MONTH, error_messages=_SESSIONS_ERRORS,
        widget=forms.NumberInput(attrs={"min": 0, "max": MAX_SESSIONS_PER_MONTH, "class": "sessions",
                                        "inputmode": "numeric"}),
    )


class HomeroomForm(forms.Form):
    """One form for the whole sheet: a row per student, a field per cell; only writable rows have fields."""

    def __init__(self, data=None, *, sheet: HomeroomSheet):
        super().__init__(data)
        self.sheet = sheet
        for row in sheet.rows:
            if not row.writable or sheet.frozen:
                continue
            pk = row.enrolment.pk
            name = row.enrolment.student.full_name
            if not sheet.is_year:
                self.fields[field_key("conduct", pk)] = forms.ChoiceField(
                    label=_("Conduct of %(name)s") % {"name": name}, choices=LEVEL_CHOICES, required=False,
                    initial=row.conduct,
                )
                for month in sheet.months:
                    if month in sheet.daily:
                        continue  # counted from the daily roll-call, shown read-only
                    excused, unexcused = row.absences.get(month, (0, 0))
                    label = {"name": name, "month": f"{month[1]:02d}/{month[0]}"}
                    self.fields[field_key("excused", pk, month)] = _sessions_field(
                        _("Excused sessions of %(name)s in %(month)s") % label)
                    self.fields[field_key("excused", pk, month)].initial = excused or None
                    self.fields[field_key("unexcused", pk, month)] = _sessions_field(
                        _("Unexcused sessions of %(name)s in %(month)s") % label)
                    self.fields[field_key("unexcused", pk, month)].initial = unexcused or None
            self.fields[field_key("remark", pk)] = forms.CharField(
                label=_("Remark on %(name)s") % {"name": name}, required=False, max_length=1000,
                initial=row.remark, widget=forms.Textarea(attrs={"rows": 1, "cols": 28}),
            )
        for field in self.fields.values():  # the sheet shows no <label>: each box names its student and cell
            field.widget.attrs["aria-label"] = str(field.label)

    def clean(self):
        cleaned = super().clean()
        for row in self.sheet.rows:
            for month in self.sheet.months:
                if month in self.sheet.daily:
                    continue
                excused_key = field_key("excused", row.enrolment.pk, month)
                unexcused_key = field_key("unexcused", row.enrolment.pk, month)
                if excused_key not in self.fields or excused_key in self.errors or unexcused_key in self.errors:
                    continue
                if (cleaned.get(excused_key) or 0) + (cleaned.get(unexcused_key) or 0) > MAX_SESSIONS_PER_MONTH:
                    self.add_error(unexcused_key, _("A month has at most %(max)s sessions.") % {
                        "max": MAX_SESSIONS_PER_MONTH})
        return cleaned

    @property
    def lines(self) -> list[dict]:
        """The sheet's rows with their bound fields, for the template.

        On an approved sheet each value of a student in the class carries the link to request its
        correction (``fix_*``), or None where a request for it is already waiting.
        """
        lines = []
        sheet = self.sheet
        for row in sheet.rows:
            pk = row.enrolment.pk
            has_fields = field_key("remark", pk) in self.fields
            fixable = sheet.frozen and row.writable
            months = []
            for month in sheet.months:
                excused, unexcused = row.absences.get(month, (0, 0))
                typed = has_fields and month not in sheet.daily
                months.append({
                    "editable": typed,
                    "excused": self[field_key("excused", pk, month)] if typed else excused,
                    "unexcused": self[field_key("unexcused", pk, month)] if typed else unexcused,
                    "fix": self._fix(HomeroomCorrection.Field.ABSENCES, pk, month) if fixable else None,
                })
            lines.append({
                "row": row,
                "editable": has_fields,
                "conduct": self[field_key("conduct", pk)] if has_fields and not self.sheet.is_year else None,
                "conduct_label": LevelChoice(row.conduct).label if row.conduct else "",
                "months": months,
                "remark": self[field_key("remark", pk)] if has_fields else row.remark,
                "fix_conduct": self._fix(HomeroomCorrection.Field.CONDUCT, pk) if fixable and not sheet.is_year
                else None,
                "fix_remark": self._fix(HomeroomCorrection.Field.REMARK, pk) if fixable else None,
            })
        return lines

    def _fix(self, field: str, enrolment_id: int, month=None) -> str | None:
        sheet = self.sheet
        slot = correction_slot(field=field, enrolment_id=enrolment_id, term_id=sheet.term.pk if sheet.term else None,
                               month=month)
        if slot in sheet.pending:
            return None
        return correction_link(sheet.school_class.pk, field=field, enrolment_id=enrolment_id,
                               period="year" if sheet.is_year else sheet.number, month=month)

    def entries(self) -> list[HomeroomEntry]:
        data = self.cleaned_data
        entries = []
        for row in self.sheet.rows:
            pk = row.enrolment.pk
            if field_key("remark", pk) not in self.fields:
                continue
            absences = {
                month: (data.get(field_key("excused", pk, month)) or 0,
                        data.get(field_key("unexcused", pk, month)) or 0)
                for month in self.sheet.months if month not in self.sheet.daily
            }
            entries.append(HomeroomEntry(enrolment_id=pk, conduct=data.get(field_key("conduct", pk), ""),
                                         absences=absences, remark=data.get(field_key("remark", pk), "")))
        return entries


def correction_link(class_id: int, *, field: str, enrolment_id: int, period, month=None, subject_id=None) -> str:
    """The "Request a correction" link of one value, prefilled for its student and field."""
    query = {"field": field, "enrolment": enrolment_id, "period": period}
    if month:
        query["month"] = f"{month[0]}-{month[1]}"
    if subject_id:
        query["subject"] = subject_id
    return f"{reverse('gradebook:homeroom_correction_new', args=[class_id])}?{urlencode(query)}"
