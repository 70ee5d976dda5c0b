"""The forms of inspectors' access: a new share, revoking one."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schoolrecords import models as sm
from schoolrecords.forms import DateInput

from ..models import InspectionShare

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class ShareForm(forms.Form):
    scope = forms.ChoiceField(label=_("What to share"), choices=InspectionShare.Scope.choices)
    school_class = forms.ModelChoiceField(label=_("Class (for a ledger)"), queryset=sm.SchoolClass.objects.none(),
                                          required=False)
    period_from = forms.DateField(label=_("Correction minutes from"), required=False,
                                  widget=DateInput(), input_formats=DATE_FORMATS)
    period_until = forms.DateField(label=_("Correction minutes until"), required=False,
                                   widget=DateInput(), input_formats=DATE_FORMATS)
    inspector_name = forms.CharField(label=_("Inspector's full name"), max_length=120)
    organisation = forms.CharField(label=_("Office"), max_length=160,
                                   help_text=_("For example: Phòng GD&ĐT quận Ba Đình."))
    email = forms.EmailField(label=_("Inspector's e-mail"), required=False,
                             help_text=_("The link is also sent there. Without it, hand the link over yourself."))
    starts_on = forms.DateField(label=_("Open from"), widget=DateInput(), input_formats=DATE_FORMATS)
    ends_on = forms.DateField(label=_("Open until (included)"), widget=DateInput(), input_formats=DATE_FORMATS)
    purpose = forms.CharField(label=_("Purpose"), max_length=255,
                              help_text=_("For example: inspection of the score records, term I."))

    def __init__(self, *args, year: sm.SchoolYear, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = sm.SchoolClass.objects.filter(year=year).order_by("grade", "name")
        today = timezone.localdate()
        self.fields["starts_on"].initial = today
        self.fields["ends_on"].initial = today + datetime.timedelta(days=6)


class RevokeShareForm(forms.Form):
    reason = forms.CharField(label=_("Reason for ending the access early"), max_length=255)
