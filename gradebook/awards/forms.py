"""The form that adds one certificate, competition result or award to a student of the class."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gradebook.awards.selectors import AwardSheet
from gradebook.models import MAX_AWARD_LEVEL, MAX_AWARD_TEXT, StudentAward
from schoolrecords.forms import DateInput


class AwardForm(forms.Form):
    enrolment = forms.TypedChoiceField(label=_("Student"), coerce=int,
                                       error_messages={"required": _("Choose a student of the class."),
                                                       "invalid_choice": _("Choose a student of the class.")})
    kind = forms.ChoiceField(label=_("Kind"), choices=StudentAward.Kind.choices,
                             error_messages={"required": _("Choose a certificate, a competition result or an award."),
                                             "invalid_choice": _("Choose a certificate, a competition result or an "
                                                                 "award.")})
    text = forms.CharField(label=_("Name of the certificate, competition or award"), max_length=MAX_AWARD_TEXT,
                           widget=forms.TextInput(attrs={"maxlength": MAX_AWARD_TEXT, "size": 50}),
                           error_messages={"required": _("Write the name of the certificate, competition or award."),
                                           "max_length": _("At most %(limit_value)d characters (this one has "
                                                           "%(show_value)d).")})
    level = forms.CharField(label=_("Level or rank (if any)"), max_length=MAX_AWARD_LEVEL, required=False,
                            error_messages={"max_length": _("At most %(limit_value)d characters (this one has "
                                                            "%(show_value)d).")})
    awarded_on = forms.DateField(label=_("Date (if any)"), required=False, input_formats=["%d/%m/%Y", "%Y-%m-%d"],
                                 widget=DateInput(),
                                 error_messages={"invalid": _("Write the date as dd/mm/yyyy.")})
    reason = forms.CharField(label=_("Reason (kept in the history)"), max_length=200, required=False)

    def __init__(self, data=None, *, sheet: AwardSheet):
        super().__init__(data)
        self.fields["enrolment"].choices = [("", "—")] + [
            (row.enrolment.pk, f"{row.number}. {row.enrolment.student.full_name}") for row in sheet.students]
