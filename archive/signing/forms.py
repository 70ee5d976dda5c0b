"""The signing forms: sign a batch of documents at one stage (the PIN once), register a certificate."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import SigningRole

MAX_CERTIFICATE = 64 * 1024


class SignForm(forms.Form):
    role = forms.ChoiceField(label=_("Stage"), choices=SigningRole.choices, widget=forms.HiddenInput)
    documents = forms.TypedMultipleChoiceField(label=_("Documents"), coerce=int, widget=forms.CheckboxSelectMultiple)
    pin = forms.CharField(label=_("Token PIN"), required=False, max_length=64,
                          widget=forms.PasswordInput(attrs={"autocomplete": "off"}))

    def __init__(self, *args, documents: list[int], **kwargs):
        """``documents``: the board's documents; whether each waits for this signer is the service's to say
        (it refuses, and logs the attempt)."""
        super().__init__(*args, **kwargs)
        self.fields["documents"].choices = [(pk, pk) for pk in documents]

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role and role != SigningRole.SEAL and not data.get("pin"):
            self.add_error("pin", _("Enter your token's PIN."))
        return data


class CertificateForm(forms.Form):
    certificate = forms.FileField(label=_("Certificate file (PEM or DER)"), required=False)
    token_label = forms.CharField(label=_("Or: the token's label"), required=False, max_length=64)
    pin = forms.CharField(label=_("Token PIN"), required=False, max_length=64,
                          widget=forms.PasswordInput(attrs={"autocomplete": "off"}))

    def clean(self):
        data = super().clean()
        upload = data.get("certificate")
        if upload is not None and upload.size > MAX_CERTIFICATE:
            self.add_error("certificate", _("A certificate file is at most 64 KB."))
        if upload is None and not data.get("token_label"):
            self.add_error("certificate", _("Upload the certificate or name the token that holds it."))
        if data.get("token_label") and upload is None and not data.get("pin"):
            self.add_error("pin", _("Enter the token's PIN to read its certificate."))
        return data


class AgentSignForm(forms.Form):
    """The board's "Sign with my USB token": the stage and the documents (no PIN: the agent asks for it)."""

    role = forms.ChoiceField(label=_("Stage"), choices=SigningRole.choices, widget=forms.HiddenInput)
    documents = forms.TypedMultipleChoiceField(label=_("Documents"), coerce=int, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, documents: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["documents"].choices = [(pk, pk) for pk in documents]
