"""The public verification page's form: a printed code, or a PDF file (with, optionally, the code it carries)."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import codes


def upload_limit_mb() -> int:
    return settings.UPLOAD_LIMITS["verify:index"] // (1024 * 1024)


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("Verification code (printed at the bottom of every page)"), required=False,
                           max_length=40, widget=forms.TextInput(attrs={"autocomplete": "off",
                                                                        "placeholder": "ABCDE-FGHJK"}))
    file = forms.FileField(label=_("Or the PDF file"), required=False, allow_empty_file=True,
                           widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}))

    too_large = False

    def clean_code(self):
        typed = self.cleaned_data["code"].strip()
        if typed and codes.normalise(typed) is None:
            raise ValidationError(_("A verification code has 10 letters and digits, such as ABCDE-FGHJK."))
        return typed

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > settings.UPLOAD_LIMITS["verify:index"]:
            self.too_large = True
            raise ValidationError(_("The file is larger than %(size)s MB.") % {"size": upload_limit_mb()})
        return upload

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("code") and not data.get("file"):
            raise ValidationError(_("Type the code printed on the document, or choose its PDF file."))
        return data
