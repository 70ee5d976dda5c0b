"""Forms of the leadership's correction pages: a decision with its minutes, a delegation and its revocation."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from gradebook.corrections import selectors
from gradebook.models import CorrectionRequest, DecisionDelegation
from schoolrecords import models as sm
from schoolrecords.forms import DateInput

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class DecisionForm(forms.Form):
    """Approve, reject or ask: the note, and for an approval the board member present and the minutes' place.

    What is required for which action is the services' answer (gradebook.corrections.services).
    """

    note = forms.CharField(label=_("Note (required to reject or to ask for more information)"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2, "cols": 60}))
    witness = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), required=False, label=_("Admin board member present"),
        empty_label="—", error_messages={"invalid_choice": _("Choose a member of the admin board.")})
    place = forms.CharField(label=_("Place of the minutes"), required=False,
                            max_length=CorrectionRequest._meta.get_field("minutes_place").max_length)

    def __init__(self, *args, school: sm.School, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["witness"].queryset = selectors.board_members(school)
        self.fields["witness"].label_from_instance = lambda user: user.profile.full_name


class DelegationForm(forms.Form):
    delegate = forms.ModelChoiceField(queryset=get_user_model().objects.none(), label=_("Vice principal"),
                                      error_messages={"invalid_choice": _("Choose a vice principal of the school."),
                                                      "required": _("Choose a vice principal of the school.")})
    starts_on = forms.DateField(label=_("From"), widget=DateInput(), input_formats=DATE_FORMATS)
    ends_on = forms.DateField(label=_("Until"), widget=DateInput(), input_formats=DATE_FORMATS, required=False,
                              help_text=_("Empty: until you revoke it."))
    note = forms.CharField(label=_("Note"), required=False,
                           max_length=DecisionDelegation._meta.get_field("note").max_length)

    def __init__(self, *args, school: sm.School, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delegate"].queryset = selectors.vice_principals(school)
        self.fields["delegate"].label_from_instance = lambda user: user.profile.full_name


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason for revoking"), max_length=DecisionDelegation._meta.get_field(
        "note").max_length, error_messages={"required": _("Give the reason for revoking the delegation.")})
