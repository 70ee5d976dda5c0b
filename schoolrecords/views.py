"""Pages every staff member uses: the log-in lockout, the password change, the 403 and 404 pages."""

from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults

from . import lockout, services
from .permissions import Hidden
from .signals import log_refusal


def locked_out(request, original_response=None, credentials=None):
    """What django-axes shows after too many failed log-ins (HTTP 429)."""
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)


class LoginForm(auth_forms.AuthenticationForm):
    """Django's form, with a plain word for a closed account (a parent's the school closed, a staff member's)."""

    error_messages = {**auth_forms.AuthenticationForm.error_messages,
                      "inactive": gettext_lazy("This account has been closed by the school, so it cannot log in. "
                                        "Ask the homeroom teacher or the school's office.")}


class Login(auth_views.LoginView):
    """Django's log-in, which also marks the browser as a known device for the login name (schoolrecords.lockout)."""

    redirect_authenticated_user = True
    authentication_form = LoginForm

    def form_valid(self, form):
        response = super().form_valid(form)
        lockout.remember_device(response, self.request, form.get_user().get_username())
        return response


class NewPasswordForm(auth_forms.PasswordChangeForm):
    """Django's form, which also refuses the old password as the new one (the temporary one, at first log-in)."""

    def clean_new_password1(self):
        password = self.cleaned_data.get("new_password1")
        if password and self.user.check_password(password):
            raise ValidationError(_("Choose a new password: it must differ from the one you have now."),
                                  code="password_unchanged")
        return password


class PasswordChange(auth_views.PasswordChangeView):
    """Django's password change, which also clears the first-login obligation."""

    form_class = NewPasswordForm

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(user=self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return response


def permission_denied(request, exception=None):
    """The site's 403 (handler403): logged as a refusal, shown as the Vietnamese page templates/403.html."""
    log_refusal(request, 403, str(exception or ""))
    return defaults.permission_denied(request, exception, template_name="403.html")


def page_not_found(request, exception=None):
    """The site's 404 (handler404); a hidden object (permissions.Hidden, OtherSchool) is logged as a refusal.

    Django answers 404s itself when DEBUG is on, so only a production server logs them.
    """
    if isinstance(exception, Hidden):
        log_refusal(request, 404, exception.reason, perm=exception.perm, object=exception.target)
    return defaults.page_not_found(request, exception)


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page names; the static file's (hashed, so not a permanent) address answers."""
    return HttpResponseRedirect(static("favicon.ico"))
