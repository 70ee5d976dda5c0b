"""The clerk's forms: a print batch, a transfer print, a snapshot. Each carries a one-time token."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from schoolrecords import models as sm

from .models import PRINTED_KINDS, Kind, Mode

TERM_CHOICES = [(1, _("Term I")), (2, _("Term II (and the whole year)"))]


class _Tokened(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4().hex)


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Why is this version revoked?"), max_length=255,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("Say why the document is revoked.")})


class BatchForm(_Tokened):
    kind = forms.ChoiceField(label=_("Document"), choices=[(kind.value, kind.label) for kind in PRINTED_KINDS])
    term = forms.TypedChoiceField(label=_("At the end of"), choices=TERM_CHOICES, coerce=int)
    mode = forms.ChoiceField(label=_("Print"), choices=Mode.choices, widget=forms.RadioSelect, initial=Mode.PERIODIC)
    all_classes = forms.BooleanField(label=_("Every class of the year"), required=False)
    classes = forms.ModelMultipleChoiceField(label=_("Classes"), queryset=sm.SchoolClass.objects.none(),
                                             required=False, widget=forms.CheckboxSelectMultiple)
    reason = forms.CharField(label=_("Reason (for an ad-hoc print)"), required=False, max_length=255)

    def __init__(self, *args, year: sm.SchoolYear, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classes"].queryset = sm.SchoolClass.objects.filter(year=year).order_by("grade", "name")
        self.fields["kind"].initial = Kind.LEDGER

    def clean(self):
        data = super().clean()
        if not data.get("all_classes") and not data.get("classes"):
            self.add_error("classes", _("Choose at least one class, or every class."))
        return data


class TransferForm(_Tokened):
    student_code = forms.CharField(label=_("Student code"), max_length=30)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=255,
                             initial=_("Transfer to another school"))

    def __init__(self, *args, year: sm.SchoolYear, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year

    def clean_student_code(self):
        code = self.cleaned_data["student_code"].strip()
        enrolment = (sm.Enrolment.objects.filter(student__code__iexact=code, school_class__year=self.year)
                     .select_related("student", "school_class__year").order_by("-start_date").first())
        if enrolment is None:
            raise forms.ValidationError(_("No student with this code is in a class of the year %(year)s.")
                                        % {"year": self.year.name})
        self.enrolment = enrolment
        return code


class SnapshotForm(_Tokened):
    term = forms.TypedChoiceField(label=_("Term"), choices=TERM_CHOICES[:1] + [(2, _("Term II"))], coerce=int)
