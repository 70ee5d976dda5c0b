"""The families' pages: thin, each checks families.policy and calls one service or selector."""

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
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
from .models import FamilySettings, Notice, NoticeReceipt, Publication, SlipIssue


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
    return render(request, "families/home.html", {"parent": parent, "children": selectors.children(parent),
                                                  "unread": selectors.unread_count(parent)})


@login_required
def child(request, student_id: int):
    _parent(request)
    parent = _parent(request)
    student = policy.child_or_404(request.user, student_id)
    if request.method == "POST":
        issue = found_or_hidden(SlipIssue.objects.filter(school_class__enrolments__student=student).distinct(),
                                request.user, pk=_int(request.POST.get("slip")))
        services.slip_confirm(actor=request.user, issue=issue, student=student,
                              comment=request.POST.get("comment", "")[:500])
        messages.success(request, _("Thank you: the homeroom teacher sees that you received the slip."))
        return redirect("families:child", student_id=student.pk)
    return render(request, "families/child.html", {"page": selectors.child_page(student, parent)})


@login_required
def child_add(request):
    _parent(request)
    form = f.ChildForm(request.POST if request.method == "POST" else None)
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
    form = f.AccountForm(request.POST if request.method == "POST" else None)
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
    policy.require_deactivate(request.user, school_class)  # the leadership sees the list and closes accounts
    if request.method == "POST":
        policy.require_invite(request.user, school_class)  # the homeroom teacher and the board give codes
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
        "school_class": school_class, "lines": selectors.class_families(school_class), "form": f.InvitationForm(),
        "can_invite": policy.may_invite(request.user, school_class),
        "can_reopen": policy.may_reopen(request.user, school_class),
        "terms": sm.Term.objects.filter(year_id=school_class.year_id).order_by("number")})


@login_required
def parent_close(request, class_id: int, parent_id: int):
    """Close the account of a parent of the class's students (with a reason): they can no longer log in."""
    school_class = found_or_hidden(sm.SchoolClass.objects.filter(year__school=user_school(request.user))
                                   .select_related("year__school"), request.user, pk=class_id)
    policy.require_deactivate(request.user, school_class)
    parent = found_or_hidden(selectors.parents_of_class(school_class), request.user, pk=parent_id)
    reopening = "reopen" in request.POST
    form = f.CloseAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            if reopening:
                services.parent_reopen(actor=request.user, parent=parent, school_class=school_class,
                                       reason=form.cleaned_data["reason"])
            else:
                parent = services.parent_deactivate(actor=request.user, parent=parent, school_class=school_class,
                                                    reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if reopening:
                messages.success(request, _("%(name)s's account is open again: they can log in.")
                                 % {"name": parent.full_name})
                return redirect("families:parent_close", class_id=school_class.pk, parent_id=parent.pk)
            if parent.user.is_active:
                messages.success(request, _("%(name)s is no longer linked to this school's children; their account "
                                            "stays open for their children in another school.")
                                 % {"name": parent.full_name})
            else:
                messages.success(request, _("%(name)s's account is closed: they can no longer log in.")
                                 % {"name": parent.full_name})
            return redirect("families:class_families", class_id=school_class.pk)
    return render(request, "families/parent_close.html", {
        "school_class": school_class, "parent": parent, "form": form, "reopening": reopening,
        "may_reopen": policy.may_reopen(request.user, school_class),
        "history": parent.history.select_related("history_user").order_by("-history_date")[:20]},
        status=400 if form.is_bound and form.errors else 200)


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
    current = FamilySettings.objects.filter(school=year.school).first() or FamilySettings()
    settings_form = f.SettingsForm(request.POST if "settings" in request.POST else None, initial={
        "publish_regular_scores": current.publish_regular_scores,
        "class_notices_need_approval": current.class_notices_need_approval})
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


# --- notices --------------------------------------------------------------------------------------

@login_required
def parent_notices(request):
    parent = _parent(request)
    return render(request, "families/notices.html", {"receipts": selectors.parent_notices(parent)})


@login_required
def parent_notice(request, pk: int):
    parent = _parent(request)
    receipt = found_or_hidden(NoticeReceipt.objects.filter(parent=parent).select_related("notice__school", "student"),
                              request.user, pk=pk)
    form = f.ReplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.receipt_acknowledge(actor=request.user, receipt=receipt, reply=form.cleaned_data["reply"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Thank you: the school sees that you have read it."))
            return redirect("families:notice", pk=receipt.pk)
    if request.method == "GET":  # opening it is reading it (the teacher sees who has); a refused reply changes nothing
        receipt = services.receipt_read(actor=request.user, receipt=receipt)
    return render(request, "families/notice.html", {"receipt": receipt, "notice": receipt.notice, "form": form})


def _notice_choices(user, year) -> list[tuple[str, str]]:
    classes = sm.SchoolClass.objects.filter(year=year).order_by("grade", "name")
    if policy.is_leader(user, year.school):
        grades = sorted({c.grade for c in classes})
        return ([("school", _("The whole school"))] + [(f"grade:{g}", _("Grade %(grade)s") % {"grade": g})
                                                      for g in grades]
                + [(f"class:{c.pk}", _("Class %(cls)s") % {"cls": c.name}) for c in classes])
    return [(f"class:{c.pk}", _("Class %(cls)s") % {"cls": c.name}) for c in classes
            if user.has_perm(policy.HOMEROOM, c)]


@login_required
def staff_notices(request):
    school = user_school(request.user)
    year = records.current_year(school)
    if year is None:
        raise PermissionDenied(_("No school year has been set up yet."))
    choices = _notice_choices(request.user, year)
    if not choices:
        raise PermissionDenied(_("A homeroom teacher writes to their own class's families; the principal and the "
                                 "vice principals to a grade or the whole school."))
    form = f.NoticeForm(request.POST if request.method == "POST" else None, choices=choices)
    if request.method == "POST" and form.is_valid():
        kind, _sep, value = form.cleaned_data["to"].partition(":")
        school_class = sm.SchoolClass.objects.filter(year=year, pk=_int(value)).first() if kind == "class" else None
        try:
            notice = services.notice_write(actor=request.user, year=year, audience=kind, school_class=school_class,
                                           grade=_int(value) if kind == "grade" else None,
                                           title=form.cleaned_data["title"], body=form.cleaned_data["body"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The notice is sent to the families.") if notice.sent_at else
                             _("The notice waits for a vice principal's approval."))
            return redirect("families:staff_notice", pk=notice.pk)
    return render(request, "families/staff_notices.html", {
        "form": form, "lines": selectors.staff_notices(request.user, school)})


@login_required
def staff_notice(request, pk: int):
    school = user_school(request.user)
    notice = found_or_hidden(Notice.objects.filter(school=school).select_related("school_class", "author__profile",
                                                                                 "school"), request.user, pk=pk)
    if not policy.may_see_notice(request.user, notice):
        raise PermissionDenied(_("Only the author and the leadership see who read a notice."))
    decision = f.DecisionForm(request.POST if "decide" in request.POST else None)
    resubmit = f.NoticeForm(request.POST if "resubmit" in request.POST else None, choices=[("-", "-")],
                            initial={"to": "-", "title": notice.title, "body": notice.body})
    if request.method == "POST":
        try:
            if decision.is_bound and decision.is_valid():
                services.notice_decide(actor=request.user, notice=notice, approve=request.POST["decide"] == "approve",
                                       note=decision.cleaned_data["note"])
                return redirect("families:staff_notice", pk=notice.pk)
            if resubmit.is_bound and resubmit.is_valid():
                services.notice_resubmit(actor=request.user, notice=notice, title=resubmit.cleaned_data["title"],
                                         body=resubmit.cleaned_data["body"])
                return redirect("families:staff_notice", pk=notice.pk)
        except ValidationError as error:
            apply_service_errors(decision if decision.is_bound else resubmit, error)
    return render(request, "families/staff_notice.html", {
        "notice": notice, "receipts": selectors.notice_receipts(notice), "decision": decision, "resubmit": resubmit,
        "may_decide": notice.state == Notice.State.WAITING and policy.is_leader(request.user, notice.school)
        and notice.author_id != request.user.pk,
        "may_resubmit": notice.state == Notice.State.RETURNED and notice.author_id == request.user.pk})


# --- contact slips --------------------------------------------------------------------------------

@login_required
def class_slips(request, class_id: int, term_number: int, occasion: str):
    """The homeroom teacher's own print of the class's contact slips, one per sheet; printing marks them
    given, so that the families can confirm receipt online."""
    school_class = found_or_hidden(sm.SchoolClass.objects.filter(year__school=user_school(request.user))
                                   .select_related("year__school", "homeroom_teacher__profile"),
                                   request.user, pk=class_id)
    policy.require_invite(request.user, school_class)
    term = found_or_hidden(sm.Term.objects.filter(year_id=school_class.year_id), request.user, number=term_number)
    if occasion not in SlipIssue.Occasion.values:
        raise Http404
    issue = SlipIssue.objects.filter(school_class=school_class, term=term, occasion=occasion).first()
    if request.method == "POST":
        issue = services.slips_printed(actor=request.user, school_class=school_class, term=term, occasion=occasion)
        messages.success(request, _("The slips are marked as given: families can confirm receipt on their page."))
        return redirect("families:class_slips", class_id=school_class.pk, term_number=term.number,
                        occasion=occasion)
    confirmations = selectors.slip_confirmations(school_class) if issue else {}
    slips = selectors.class_slips(school_class, term, occasion)
    return render(request, "families/class_slips.html", {
        "school_class": school_class, "term": term, "occasion": occasion, "issue": issue, "slips": slips,
        "occasion_label": SlipIssue.Occasion(occasion).label,
        "confirmed": {student_id for (issue_id, student_id) in confirmations if issue and issue_id == issue.pk}})
