"""Forms of the homeroom sheet, the re-test and summer forms, exemptions and approval.

The field names are gradebook.results_services.field_key's, so that a service's refusal lands at
the field where it was typed.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from schoolrecords import models as sm

from .models import MAX_SESSIONS_PER_MONTH, LevelChoice
from .results import YEAR, ClassResults, format_value
from .results_selectors import HomeroomSheet
from .results_services import HomeroomEntry, RetestEntry, SummerEntry, field_key

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

    def clean(self):
        cleaned = super().clean()
        for row in self.sheet.rows:
            for month in self.sheet.months:
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
        """The sheet's rows with their bound fields, for the template."""
        lines = []
        for row in self.sheet.rows:
            pk = row.enrolment.pk
            has_fields = field_key("remark", pk) in self.fields
            months = []
            for month in self.sheet.months:
                excused, unexcused = row.absences.get(month, (0, 0))
                months.append({
                    "excused": self[field_key("excused", pk, month)] if has_fields else excused,
                    "unexcused": self[field_key("unexcused", pk, month)] if has_fields else unexcused,
                })
            lines.append({
                "row": row,
                "editable": has_fields,
                "conduct": self[field_key("conduct", pk)] if has_fields and not self.sheet.is_year else None,
                "conduct_label": LevelChoice(row.conduct).label if row.conduct else "",
                "months": months,
                "remark": self[field_key("remark", pk)] if has_fields else row.remark,
            })
        return lines

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
                for month in self.sheet.months
            }
            entries.append(HomeroomEntry(enrolment_id=pk, conduct=data.get(field_key("conduct", pk), ""),
                                         absences=absences, remark=data.get(field_key("remark", pk), "")))
        return entries


COMMENT_CHOICES = [("", "—"), ("Đ", pgettext_lazy("comment result, short", "Pass")),
                   ("CĐ", pgettext_lazy("comment result, short", "Not yet"))]


class RetestForm(forms.Form):
    """A field per student and subject on the re-test list: a score, or Đ / CĐ for a comment subject."""

    def __init__(self, data=None, *, results: ClassResults):
        super().__init__(data)
        self.results = results
        for row in results.retest_list:
            for subject in row.retest_subjects:
                key = field_key("retest", row.enrolment.pk, subject.info.subject.pk)
                label = _("Re-test of %(name)s in %(subject)s") % {"name": row.enrolment.student.full_name,
                                                                   "subject": subject.info.subject.name}
                if subject.info.is_commented:
                    initial = {True: "Đ", False: "CĐ"}.get(subject.retest, "")
                    self.fields[key] = forms.ChoiceField(label=label, choices=COMMENT_CHOICES, required=False,
                                                         initial=initial)
                else:
                    self.fields[key] = forms.CharField(
                        label=label, required=False, max_length=10, initial=format_value(subject.retest, average=False),
                        widget=forms.TextInput(attrs={"size": 4, "inputmode": "decimal", "class": "score"}))

    @property
    def lines(self) -> list[dict]:
        return [
            {"row": row, "subjects": [
                {"subject": subject,
                 "field": self[field_key("retest", row.enrolment.pk, subject.info.subject.pk)]}
                for subject in row.retest_subjects
            ]}
            for row in self.results.retest_list
        ]

    def entries(self) -> list[RetestEntry]:
        entries = []
        for row in self.results.retest_list:
            for subject in row.retest_subjects:
                key = field_key("retest", row.enrolment.pk, subject.info.subject.pk)
                entries.append(RetestEntry(enrolment_id=row.enrolment.pk, subject_id=subject.info.subject.pk,
                                           text=self.cleaned_data.get(key) or ""))
        return entries


class SummerForm(forms.Form):
    """The conduct level after the summer training, per student on the list."""

    def __init__(self, data=None, *, results: ClassResults):
        super().__init__(data)
        self.results = results
        for row in results.summer_list:
            self.fields[field_key("summer", row.enrolment.pk)] = forms.ChoiceField(
                label=_("Conduct of %(name)s after the summer training") % {
                    "name": row.enrolment.student.full_name},
                choices=LEVEL_CHOICES, required=False, initial=row.summer_conduct or "",
            )

    @property
    def lines(self) -> list[dict]:
        return [{"row": row, "field": self[field_key("summer", row.enrolment.pk)]} for row in self.results.summer_list]

    def entries(self) -> list[SummerEntry]:
        return [
            SummerEntry(enrolment_id=row.enrolment.pk,
                        level=self.cleaned_data.get(field_key("summer", row.enrolment.pk)) or "")
            for row in self.results.summer_list
        ]


class _StudentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: sm.Enrolment) -> str:
        return obj.student.full_name


class ExemptionForm(forms.Form):
    enrolment = _StudentChoice(label=_("Student"), queryset=sm.Enrolment.objects.none())
    subject = forms.ModelChoiceField(label=_("Subject"), queryset=sm.Subject.objects.none())
    period = forms.ChoiceField(label=_("Exempt for"), choices=[
        ("1", _("Term I")), ("2", _("Term II")), ("year", _("Whole year"))])
    reason = forms.CharField(label=_("Reason"), max_length=255,
                             help_text=_("For example: health, disability."))
    evidence_note = forms.CharField(label=_("Evidence"), max_length=255, required=False,
                                    help_text=_("Which document proves it, e.g. a medical certificate."))

    def __init__(self, data=None, *, enrolments: list[sm.Enrolment], subjects: list[sm.Subject]):
        super().__init__(data)
        self.fields["enrolment"].queryset = sm.Enrolment.objects.filter(pk__in=[e.pk for e in enrolments])
        self.fields["enrolment"].choices = [("", "—")] + [(e.pk, e.student.full_name) for e in enrolments]
        self.fields["subject"].queryset = sm.Subject.objects.filter(pk__in=[s.pk for s in subjects])
        self.fields["subject"].choices = [("", "—")] + [(s.pk, s.name) for s in subjects]

    @property
    def term_number(self) -> int:
        period = self.cleaned_data["period"]
        return YEAR if period == "year" else int(period)


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason for revoking"), max_length=255)


class ApproveForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=255, required=False)
