"""The remote-signing forms: the school's CSC service (the principal), a staff member's credential, a batch signed
remotely (the PIN and/or OTP once)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import RemoteSigningService, SigningRole
from .forms import SignForm


class ServiceForm(forms.Form):
    name = forms.CharField(label=_("Service name"), max_length=100)
    base_url = forms.URLField(label=_("Service address"), max_length=300, assume_scheme="https",
                              help_text=_("The part before /csc/v2/, e.g. https://rmgateway.vnptit.vn"))
    auth_mode = forms.ChoiceField(label=_("Authentication"), choices=RemoteSigningService.AuthMode.choices)
    client_id = forms.CharField(label=_("Client id"), max_length=200, required=False)
    secret = forms.CharField(label=_("Client secret or access token"), required=False, max_length=4000,
                             widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False),
                             help_text=_("Stored encrypted and never shown again; leave blank to keep the "
                                         "stored one."))
    enabled = forms.BooleanField(label=_("In use"), required=False, initial=True)


class CredentialForm(forms.Form):
    credential_id = forms.CharField(label=_("Credential id at the service"), max_length=200, required=False,
                                    help_text=_("Leave blank to find it: the service lists your credentials."))
    # no user id to type: the service is asked only for the credentials of the CCCD of one's own staff profile


class RemoteSignForm(SignForm):
    otp = forms.CharField(label=_("OTP code"), required=False, max_length=16,
                          widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))

    def clean(self):
        data = forms.Form.clean(self)
        if data.get("role") == SigningRole.SEAL:
            self.add_error("role", _("The school seal signs with the server's token, not remotely."))
        if not data.get("pin") and not data.get("otp"):
            self.add_error("pin", _("Enter the PIN (or the OTP code) the remote-signing service asks."))
        return data
