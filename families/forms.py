"""The families' forms: an account from a code, a second child, an invitation, a withdrawal."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Relation


class CodeField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(label=_("Code from the school"), max_length=20,
                         help_text=_("Ten letters and digits, for example ABCDE-23456."), **kwargs)
        self.widget.attrs.update({"autocomplete": "one-time-code", "autocapitalize": "characters"})


class AccountForm(forms.Form):
    code = CodeField()
    relation = forms.ChoiceField(label=_("You are the child's"), choices=Relation.choices)
    full_name = forms.CharField(label=_("Your full name"), max_length=120)
    phone = forms.CharField(label=_("Phone number"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    email = forms.EmailField(label=_("E-mail"), required=False,
                             help_text=_("A phone number or an e-mail address: you log in with it."))
    password1 = forms.CharField(label=_("Password"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Password again"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", ValidationError(_("The two passwords differ.")))
        return data


class ChildForm(forms.Form):
    code = CodeField()
    relation = forms.ChoiceField(label=_("You are the child's"), choices=Relation.choices)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Also send the code by e-mail to"), required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255)


class SettingsForm(forms.Form):
    publish_regular_scores = forms.BooleanField(
        label=_("Parents see regular scores as they are entered"), required=False,
        help_text=_("Otherwise parents see a term only once the leadership publishes it."))
    class_notices_need_approval = forms.BooleanField(
        label=_("A homeroom teacher's notice waits for a vice principal's approval"), required=False)


class NoticeForm(forms.Form):
    """To whom (the choices the writer may use), a title and the message."""

    to = forms.ChoiceField(label=_("To the families of"))
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 8}))

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = choices


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note to the author"), max_length=255, required=False)


class ReplyForm(forms.Form):
    reply = forms.CharField(label=_("Reply to the school (optional)"), max_length=2000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))


class CloseAccountForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255,
                             help_text=_("For example: the student has left the school; the account was misused."))
