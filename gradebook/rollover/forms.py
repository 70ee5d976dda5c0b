"""The rollover page's one form: the reason the board gives for starting the next year."""

from django import forms
from django.utils.translation import gettext_lazy as _


class RolloverForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255,
                             error_messages={"required": _("Give a reason.")},
                             help_text=_("For example: the board's decision of the year-end meeting."))

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give a reason."))
        return reason
