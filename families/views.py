"""The families' pages: thin, each checks families.policy and calls one service or selector."""

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from schoolrecords import models as sm
from schoolrecords import selectors as records
from schoolrecords.forms import apply_service_errors
from schoolrecords.permissions import found_or_hidden, user_school

from . import forms as f
from . import policy, selectors, services
from .models import Publication


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _parent(request):
    parent = policy.parent_of(request.user)
    if parent is None:
        raise PermissionDenied(_("These pages are for parents' accounts."))
    return parent


# --- parents --------------------------------------------------------------------------------------

@login_required
def home(request):
    parent = _parent(request)
    return render(request, "families/home.html", {"parent": parent, "children": selectors.children(parent)})


@login_required
def child(request, student_id: int):
    _parent(request)
    student = policy.child_or_404(request.user, student_id)
    return render(request, "families/child.html", {"page": selectors.child_page(student)})


@login_required
def child_add(request):
    _parent(request)
    form = f.ChildForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            link = services.child_add(actor=request.user, code=form.cleaned_data["code"],
                                      relation=form.cleaned_data["relation"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s is added to your account.") % {"name": link.student.full_name})
            return redirect("families:home")
    return render(request, "families/child_add.html", {"form": form})


def join(request):
    """An account from the code on the school's paper (no login): then logged in."""
    if request.user.is_authenticated:  # a parent adds a child from their account; staff make no parent account
        return redirect("families:child_add" if policy.is_parent(request.user) else "home")
    form = f.AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            parent = services.account_create(code=data["code"], full_name=data["full_name"], phone=data["phone"],
                                             email=data["email"], password=data["password1"],
                                             relation=data["relation"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            auth_login(request, parent.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your account is ready. Log in next time with %(login)s.")
                             % {"login": parent.user.username})
            return redirect("families:home")
    return render(request, "families/join.html", {"form": form})


# --- staff ----------------------------------------------------------------------------------------

@login_required
def class_families(request, class_id: int):
    school_class = found_or_hidden(sm.SchoolClass.objects.filter(year__school=user_school(request.user))
                                   .select_related("year"), request.user, pk=class_id)
    policy.require_invite(request.user, school_class)
    if request.method == "POST":
        student_id = _int(request.POST.get("student"))
        if student_id is None:
            messages.error(request, _("Choose the student whose family gets the code."))
            return redirect("families:class_families", class_id=school_class.pk)
        student = found_or_hidden(sm.Student.objects.filter(enrolments__school_class=school_class).distinct(),
                                  request.user, pk=student_id)
        form = f.InvitationForm(request.POST)
        if form.is_valid():
            try:
                invitation, code = services.invitation_issue(actor=request.user, student=student,
                                                             email=form.cleaned_data["email"])
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                # The code is shown once, on a page to print: only its hash is kept.
                return render(request, "families/invitation.html", {
                    "invitation": invitation, "code": code, "school_class": school_class,
                    "join_url": request.build_absolute_uri(reverse("families:join"))})
        else:
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return render(request, "families/class_families.html", {
        "school_class": school_class, "lines": selectors.class_families(school_class), "form": f.InvitationForm()})


def _year_or_404(request, year_id: int):
    year = found_or_hidden(sm.SchoolYear.objects.filter(school=user_school(request.user)).select_related("school"),
                           request.user, pk=year_id)
    policy.require_publish(request.user, year.school)
    return year


@login_required
def publications(request, year_id: int | None = None):
    if year_id is None:
        school = user_school(request.user)
        policy.require_publish(request.user, school)
        year = records.current_year(school)
        if year is None:
            raise PermissionDenied(_("No school year has been set up yet."))
        return redirect("families:publications_year", year_id=year.pk)
    year = _year_or_404(request, year_id)
    settings_form = f.SettingsForm(request.POST if "settings" in request.POST else None, initial={
        "publish_regular_scores": getattr(getattr(year.school, "family_settings", None), "publish_regular_scores",
                                          False)})
    if request.method == "POST":
        try:
            if "settings" in request.POST:
                if settings_form.is_valid():
                    services.settings_save(actor=request.user, school=year.school, **settings_form.cleaned_data)
                    messages.success(request, _("Saved."))
                    return redirect("families:publications_year", year_id=year.pk)
            elif _int(request.POST.get("term")) is None:
                messages.error(request, _("Choose the term to publish."))
                return redirect("families:publications_year", year_id=year.pk)
            else:
                term = found_or_hidden(sm.Term.objects.filter(year=year), request.user, pk=_int(request.POST.get("term")))
                if request.POST.get("grade"):
                    done = services.publish_grade(actor=request.user, year=year, grade=_int(request.POST["grade"]) or 0,
                                                  term=term)
                    messages.success(request, _("%(count)s classes published.") % {"count": len(done)})
                else:
                    school_class = found_or_hidden(sm.SchoolClass.objects.filter(year=year), request.user,
                                                   pk=_int(request.POST.get("school_class")))
                    services.publish(actor=request.user, school_class=school_class, term=term)
                    messages.success(request, _("%(class)s's results of %(term)s are published to its families.")
                                     % {"class": school_class.name, "term": term.get_number_display()})
                return redirect("families:publications_year", year_id=year.pk)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    terms, lines = selectors.publication_board(year)
    grades = sorted({line.school_class.grade for line in lines})
    return render(request, "families/publications.html", {
        "year": year, "terms": terms, "lines": lines, "grades": grades, "settings_form": settings_form,
        "withdraw_form": f.WithdrawForm()})


@login_required
@require_POST
def withdraw(request, pk: int):
    publication = found_or_hidden(Publication.objects.filter(school_class__year__school=user_school(request.user))
                                  .select_related("school_class__year__school"), request.user, pk=pk)
    policy.require_publish(request.user, publication.school_class.year.school)
    form = f.WithdrawForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Give the reason for withdrawing the results."))
        services.withdraw(actor=request.user, publication=publication, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The results are withdrawn: families no longer see them."))
    return redirect("families:publications_year", year_id=publication.school_class.year_id)
