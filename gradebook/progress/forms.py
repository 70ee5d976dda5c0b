"""Forms of entry progress: a reminder to one teacher, and to every teacher below a threshold."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import MAX_MESSAGE

DEFAULT_THRESHOLD = 80


class ReminderForm(forms.Form):
    term = forms.TypedChoiceField(label=_("Term"), choices=[("1", "1"), ("2", "2")], coerce=int,
                                  widget=forms.HiddenInput)
    message = forms.CharField(label=_("Message (optional)"), required=False, max_length=MAX_MESSAGE,
                              widget=forms.Textarea(attrs={"rows": 2, "cols": 50}))


class ReminderAllForm(ReminderForm):
    threshold = forms.IntegerField(
        label=_("Completion below (%)"), min_value=1, max_value=100, initial=DEFAULT_THRESHOLD,
        error_messages={"required": _("Give a percentage from 1 to 100."),
                        "invalid": _("Give a percentage from 1 to 100."),
                        "min_value": _("Give a percentage from 1 to 100."),
                        "max_value": _("Give a percentage from 1 to 100.")},
        widget=forms.NumberInput(attrs={"size": 4, "inputmode": "numeric"}))

    field_order = ["threshold", "message", "term"]
