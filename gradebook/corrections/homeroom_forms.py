"""The request form of a homeroom correction (gradebook.corrections.homeroom)."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from gradebook.models import MAX_SESSIONS_PER_MONTH, HomeroomCorrection, LevelChoice

LEVEL_CHOICES = [("", "—"), *LevelChoice.choices]
_SESSIONS_ERRORS = {
    "invalid": _("Type a whole number of sessions, e.g. 2."),
    "min_value": _("The number of sessions absent cannot be negative."),
    "max_value": _("A month has at most %(limit_value)s sessions."),
}


def _sessions_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, min_value=0, max_value=MAX_SESSIONS_PER_MONTH,
                              error_messages=_SESSIONS_ERRORS,
                              widget=forms.NumberInput(attrs={"min": 0, "max": MAX_SESSIONS_PER_MONTH}))


EXEMPTION_CHOICES = [("1", _("Exempt")), ("0", _("Not exempt"))]


class HomeroomCorrectionForm(forms.Form):
    """The request form: the value shown (hidden, checked by the service), the new value, the reason, the evidence.

    The new value's field follows what is corrected; reason and evidence are checked by the service,
    whose messages land at their fields.
    """

    shown = forms.CharField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
    evidence = forms.FileField(label=_("Evidence (PDF, JPEG or PNG)"), required=False,
                               widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}))

    def __init__(self, *args, field: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = field
        Field = HomeroomCorrection.Field
        if field == Field.CONDUCT:
            self.fields["new"] = forms.ChoiceField(label=_("New conduct"), choices=LEVEL_CHOICES, required=False)
        elif field == Field.ABSENCES:
            self.fields["excused"] = _sessions_field(_("Excused sessions (P)"))
            self.fields["unexcused"] = _sessions_field(_("Unexcused sessions (K)"))
        elif field == Field.REMARK:
            self.fields["new"] = forms.CharField(label=_("New remark"), required=False, max_length=1000,
                                                 widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
        elif field == Field.EXEMPTION:
            self.fields["new"] = forms.ChoiceField(label=_("New decision"), choices=EXEMPTION_CHOICES)
        else:
            self.fields["new"] = forms.CharField(label=_("New re-test result"), required=False, max_length=10,
                                                 help_text=_("A score such as 6,5, or Đ / CĐ."))
        self.order_fields(["new", "excused", "unexcused", "reason", "evidence", "shown"])

    def new_value(self):
        data = self.cleaned_data
        if self.kind == HomeroomCorrection.Field.ABSENCES:
            return (data.get("excused") or 0, data.get("unexcused") or 0)
        if self.kind == HomeroomCorrection.Field.EXEMPTION:
            return data.get("new") == "1"
        return data.get("new") or ""

    def shown_value(self):
        # Always sent by the page (json of the value shown); missing or garbled, it can match no value.
        try:
            return json.loads(self.cleaned_data.get("shown") or "")
        except ValueError:
            return {"unreadable": True}
