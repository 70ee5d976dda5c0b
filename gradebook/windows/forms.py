"""Forms of the windows pages: a new entry window, a term's test dates and deadline days, the score change rules."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gradebook.models import EntrySettings, Score
from schoolrecords import models as sm
from schoolrecords.forms import DateInput

REACH = datetime.timedelta(days=366)  # how far from its school year a window or a test date may lie


def check_near_year(value, year: sm.SchoolYear):
    """``value`` (a date or datetime) if it lies within a year of ``year``, else ValidationError.

    A mistyped year (01/01/0001, 31/12/9999) would otherwise be saved and break every page that
    computes a deadline from it, or that reads the window back.
    """
    day = value.date() if isinstance(value, datetime.datetime) else value  # a form's datetime is local already
    start, end = year.start_date - REACH, year.end_date + REACH
    if value is not None and not start <= day <= end:
        raise ValidationError(_("Choose a date between %(start)s and %(end)s (the school year %(year)s, give or take "
                                "a year).") % {"start": start.strftime("%d/%m/%Y"), "end": end.strftime("%d/%m/%Y"),
                                              "year": year.name})
    return value


class WindowForm(forms.Form):
    term = forms.ModelChoiceField(queryset=sm.Term.objects.none(), label=gettext_lazy("Term"))
    kind = forms.ChoiceField(choices=[("", gettext_lazy("Every column"))] + list(Score.Kind.choices), required=False,
                             label=gettext_lazy("Columns"))
    grade = forms.TypedChoiceField(choices=[("", "—")] + [(g, str(g)) for g in range(6, 10)], coerce=int,
                                   empty_value=None, required=False, label=gettext_lazy("Grade"))
    school_class = forms.ModelChoiceField(queryset=sm.SchoolClass.objects.none(), required=False,
                                          label=gettext_lazy("Class"))
    subject = forms.ModelChoiceField(queryset=sm.Subject.objects.none(), required=False, label=gettext_lazy("Subject"))
    opens_at = forms.DateTimeField(label=gettext_lazy("Opens at"), input_formats=["%d/%m/%Y %H:%M", "%d/%m/%Y",
                                                                                   "%Y-%m-%dT%H:%M"],
                                   help_text=gettext_lazy("dd/mm/yyyy hh:mm"))
    closes_at = forms.DateTimeField(label=gettext_lazy("Closes at"), required=False,
                                    input_formats=["%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y-%m-%dT%H:%M"],
                                    help_text=gettext_lazy("Empty: open until closed by hand."))
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=255)

    def __init__(self, *args, year: sm.SchoolYear, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year
        self.fields["term"].queryset = sm.Term.objects.filter(year=year).select_related("year")
        self.fields["school_class"].queryset = sm.SchoolClass.objects.filter(year=year).order_by("grade", "name")
        self.fields["subject"].queryset = sm.Subject.objects.filter(school_id=year.school_id).order_by("name")

    def clean_opens_at(self):
        return check_near_year(self.cleaned_data["opens_at"], self.year)

    def clean_closes_at(self):
        return check_near_year(self.cleaned_data["closes_at"], self.year)

    def clean(self):
        data = super().clean()
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", _("A window must close after it opens."))
        return data


class ScheduleForm(forms.Form):
    """A term's test dates and the school's deadline days around them."""

    midterm_test_on = forms.DateField(label=gettext_lazy("Mid-term test date"), required=False,
                                      input_formats=["%d/%m/%Y", "%Y-%m-%d"],
                                      widget=DateInput())
    final_test_on = forms.DateField(label=gettext_lazy("End-of-term test date"), required=False,
                                    input_formats=["%d/%m/%Y", "%Y-%m-%d"],
                                    widget=DateInput())
    midterm_entry_days = forms.IntegerField(label=gettext_lazy("Days to enter mid-term scores after the test"),
                                            min_value=1, max_value=60, initial=14)
    regular_correction_days = forms.IntegerField(
        label=gettext_lazy("Regular scores may be corrected until this many days before the end-of-term test"),
        min_value=0, max_value=60, initial=7)

    def __init__(self, *args, year: sm.SchoolYear, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year

    def clean_midterm_test_on(self):
        return check_near_year(self.cleaned_data["midterm_test_on"], self.year)

    def clean_final_test_on(self):
        return check_near_year(self.cleaned_data["final_test_on"], self.year)


class EntrySettingsForm(forms.Form):
    """The school's score change rules (gradebook.models.EntrySettings) and why they change."""

    regular_deadline = forms.ChoiceField(
        label=gettext_lazy("Deadline for re-entering regular scores"), choices=EntrySettings.RegularDeadline.choices,
        widget=forms.RadioSelect, error_messages={"invalid_choice": gettext_lazy("Choose one of the deadline rules."),
                                                  "required": gettext_lazy("Choose one of the deadline rules.")})
    reentry_needs_approval = forms.BooleanField(
        label=gettext_lazy("Re-entered regular scores wait for the leadership's approval"), required=False,
        help_text=gettext_lazy("Seed 000 art. 8.3 requires the principal's consent for every change."))
    test_correction_days = forms.IntegerField(
        label=gettext_lazy("Days after a mid-term or end-of-term test to file its corrections"),
        help_text=gettext_lazy("Seed 003 §5: 5 days."),
        error_messages={"required": gettext_lazy("Give a number of days from 1 to 60."),
                        "invalid": gettext_lazy("Give a number of days from 1 to 60.")})
    reason = forms.CharField(label=gettext_lazy("Reason for the change"), max_length=255,
                             error_messages={"required": gettext_lazy("Give the reason for the change.")})
