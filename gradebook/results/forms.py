"""Forms of the class results: re-tests, summer training, exemptions and approval.

The field names are gradebook.results.services.field_key's, so that a service's refusal lands at
the field where it was typed.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gradebook.models import LevelChoice
from gradebook.results.compute import YEAR, ClassResults, format_value
from gradebook.results.services import RetestEntry, SummerEntry, field_key
from schoolrecords import models as sm

LEVEL_CHOICES = [("", "—"), *LevelChoice.choices]

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
