"""Forms of the set-up's staff and department screens; they validate input, the services write."""

import datetime

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from . import models as m
from . import roles
from .services import ASSIGNABLE_ROLES

User = get_user_model()

# Django 6 words MinimumLengthValidator's error with %d; Django's own Vietnamese catalogue still has
# the old %(min_length)d msgid. Marked here so makemessages brings it into the project catalogue.
DJANGO_PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
)

phone_validator = RegexValidator(
    r"^[0-9 +().-]*$", _("Enter a phone number with digits, spaces, dots, dashes and a leading + only.")
)


class FieldGroup:
    """Some fields of a form, shaped like a form so includes/form_fields.html can render them in a card."""

    def __init__(self, form: forms.Form, title, names: list[str], *, first: bool = False):
        self.form, self.title, self.names, self.first = form, title, names, first

    def non_field_errors(self):
        return self.form.non_field_errors() if self.first else []

    def hidden_fields(self):
        return self.form.hidden_fields() if self.first else []

    def visible_fields(self):
        return [self.form[name] for name in self.names]



def role_choices() -> list[tuple[str, str]]:
    return [(name, roles.LABELS[name]) for name in ASSIGNABLE_ROLES]


class StaffDetailsForm(forms.Form):
    """Full name, position, department, phone and the roles the board gives by hand."""

    full_name = forms.CharField(label=_("Full name"), max_length=120)
    position = forms.CharField(label=_("Position"), max_length=120, required=False,
                               help_text=_("For example: Teacher, Vice principal, Clerk."))
    department = forms.ModelChoiceField(label=_("Department"), queryset=m.Department.objects.none(),
                                        required=False, empty_label=_("(no department)"))
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False, validators=[phone_validator])
    roles = forms.MultipleChoiceField(
        label=_("Roles"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Homeroom teacher and department head follow from the class and department set-up."),
    )

    def __init__(self, *args, school: m.School, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = m.Department.objects.filter(school=school).order_by("name")
        self.fields["roles"].choices = role_choices()

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise ValidationError(_("Enter the full name."))
        return name

    def details(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("full_name", "position", "department", "phone")}


class PasswordPairMixin(forms.Form):
    """A password typed twice, checked by the site's password validators for the given account."""

    password1 = forms.CharField(
        label=_("Temporary password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Temporary password again"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def account_for_validation(self):
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords do not match."))
        elif first:
            try:
                password_validation.validate_password(first, self.account_for_validation())
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class StaffCreateForm(PasswordPairMixin, StaffDetailsForm):
    username = forms.CharField(
        label=_("Login name"), max_length=150,
        help_text=_("Letters, digits and . _ - @ + only, no spaces; for example: nguyenvana."),
    )
    field_order = ["username", "full_name", "position", "department", "phone", "roles", "password1", "password2"]

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip()

    def account_for_validation(self):
        return User(username=self.cleaned_data.get("username", ""),
                    first_name=self.cleaned_data.get("full_name", "")[:150])

    def groups(self) -> list[FieldGroup]:
        return [
            FieldGroup(self, _("Account and details"),
                       ["username", "full_name", "position", "department", "phone"], first=True),
            FieldGroup(self, _("Roles"), ["roles"]),
            FieldGroup(self, _("Temporary password"), ["password1", "password2"]),
        ]


class StaffEditForm(StaffDetailsForm):
    # A signing certificate must carry the same number (archive/signing/services.py check_holder).
    cccd = forms.RegexField(label=_("CCCD number"), regex=r"^[0-9]{12}$", max_length=12, required=False,
                            error_messages={"invalid": _("A CCCD number has 12 digits.")})
    reason = forms.CharField(label=_("Reason for the change"), max_length=255, required=False,
                             help_text=_("Kept in the change history."))

    def details(self) -> dict:
        return {**super().details(), "cccd": self.cleaned_data.get("cccd", "")}

    def groups(self) -> list[FieldGroup]:
        return [
            FieldGroup(self, _("Details"), ["full_name", "position", "department", "phone", "cccd", "reason"],
                       first=True),
            FieldGroup(self, _("Roles"), ["roles"]),
        ]


class StaffPasswordForm(PasswordPairMixin):
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False,
                             help_text=_("For example: forgot the password."))

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def account_for_validation(self):
        return self.user


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class StaffDeactivateForm(forms.Form):
    left_on = forms.DateField(label=_("Left on"), widget=DateInput,
                              help_text=_("Their teaching assignments end on this date."))
    reason = forms.CharField(label=_("Reason"), max_length=255,
                             widget=forms.Textarea(attrs={"rows": 2, "cols": 50}),
                             help_text=_("For example: transferred to another school, retired."))

    def clean_left_on(self) -> datetime.date:
        left_on = self.cleaned_data["left_on"]
        if left_on > timezone.localdate():
            raise ValidationError(_("The leaving date cannot be in the future: deactivate the account on the day "
                                    "they leave."))
        return left_on

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Give a reason."))
        return reason


class StaffReactivateForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False,
                             help_text=_("For example: came back from a long leave."))


class DepartmentNameForm(forms.Form):
    name = forms.CharField(label=_("Department name"), max_length=120,
                           help_text=_("For example: Tổ Toán - Tin."))

    def __init__(self, *args, school: m.School, department: m.Department | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.school, self.department = school, department

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        others = m.Department.objects.filter(school=self.school)
        if self.department is not None:
            others = others.exclude(pk=self.department.pk)
        # Compared in Python: SQLite's iexact ignores the case of ASCII letters only ("TỔ TOÁN" is "Tổ Toán").
        if name and any(other.casefold() == name.casefold() for other in others.values_list("name", flat=True)):
            raise ValidationError(_("The school already has a department with this name."))
        return name


class DepartmentHeadForm(forms.Form):
    head = forms.ModelChoiceField(
        label=_("Choose the head"), queryset=User.objects.none(), required=False, empty_label=_("(no head)"),
        help_text=_("Only staff of the school who are still working can be chosen."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["head"].queryset = candidates
        self.fields["head"].label_from_instance = lambda user: (
            f"{user.profile.full_name} ({user.username})"
        )


class StaffFilterForm(forms.Form):
    """The staff list's filters, read from the query string; department choices come from the caller."""

    ACTIVE, LEFT, ALL = "active", "left", "all"
    NO_DEPARTMENT = "none"

    status = forms.ChoiceField(
        label=_("Show"), required=False, initial=ALL,
        choices=[(ALL, _("Everyone")), (ACTIVE, _("Working")), (LEFT, _("Left the school"))],
    )
    department = forms.ChoiceField(label=_("Department"), required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("name or login")}))

    def __init__(self, *args, departments: list[m.Department], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = (
            [("", _("All departments"))]
            + [(str(d.pk), d.name) for d in departments]
            + [(self.NO_DEPARTMENT, _("(no department)"))]
        )

    def value(self, name: str, default: str = "") -> str:
        if not self.is_bound or not self.is_valid():
            return default
        return self.cleaned_data.get(name) or default
