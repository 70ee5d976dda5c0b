"""The pages that gather every app's work for a staff member: the home page per role and a class page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render

from archive.signing import selectors as signing_selectors
from eledger import selectors as eledger_selectors
from families import policy as family_policy
from gradebook import policy
from gradebook.corrections import selectors as corrections_selectors
from gradebook.homeroom import selectors as homeroom_selectors
from gradebook.primary import selectors as primary_selectors
from gradebook.primaryyear import selectors as primary_year
from gradebook.progress import selectors as progress_selectors
from schoolrecords import models as m
from schoolrecords import roles, selectors
from schoolrecords.permissions import has_role, require, user_school


@login_required
def home(request):
    user = request.user
    school = user_school(user)
    year = selectors.current_year(school)
    context = {"school": school, "year": year, "sections": []}
    if school is None:
        if family_policy.is_parent(user):
            return redirect("families:home")
        return render(request, "portal/home.html", context)
    if has_role(user, roles.PRINCIPAL, roles.VICE_PRINCIPAL):
        context["overview"] = selectors.school_counts(school, year)
        context["overview_classes"] = selectors.classes_of(year) if year else []
    if has_role(user, roles.ADMIN_BOARD) and year is not None:
        context["gaps"] = selectors.setup_gaps(year)
        context["awaiting_first_login"] = selectors.staff_awaiting_first_login(school)
    if has_role(user, roles.CLERK) and year is not None:
        context["clerk_classes"] = selectors.classes_of(year)
    if year is not None:
        if year.rule_set == m.RuleSet.TT27:  # a primary year: levels at four points, in the primary grids
            context["primary_grids"] = primary_selectors.teacher_grids(user, year)
        else:
            context["teaching"] = selectors.assignments_of_teacher(user, year)
        context["homeroom"] = list(selectors.classes_of(year).filter(homeroom_teacher=user))
        context["rollcall"] = homeroom_selectors.rollcall_home(classes=context["homeroom"])
    context["reminders"] = progress_selectors.unread_reminders(user)
    context["documents_summary"] = eledger_selectors.home_summary(user)
    context["signing_waiting"] = signing_selectors.waiting_for(actor=user)
    context["corrections"] = corrections_selectors.home_summary(user)
    if has_role(user, roles.DEPARTMENT_HEAD):
        context["departments"] = [
            (department, selectors.department_members(department))
            for department in m.Department.objects.filter(head=user, school=school)
        ]
    return render(request, "portal/home.html", context)


@login_required
def class_detail(request, pk: int):
    school_class = get_object_or_404(m.SchoolClass.objects.select_related("year", "homeroom_teacher__profile"), pk=pk)
    require(request.user, "schoolrecords.view_schoolclass", school_class)
    roster = selectors.sort_vietnamese(selectors.class_roster(school_class))
    assignments = list(selectors.assignments_of_class(school_class))
    return render(request, "portal/class_detail.html", {
        "school_class": school_class,
        "roster": roster,
        "assignments": assignments,
        "signing_board": signing_selectors.may_see_board(request.user, school_class),
        "readable": policy.readable_assignment_ids(request.user, school_class, assignments),
        "can_see_results": policy.can_read_results(request.user, school_class),
        "can_invite_families": family_policy.may_deactivate(request.user, school_class),
        "primary_points": primary_selectors.points() if school_class.year.rule_set == m.RuleSet.TT27 else [],
        "is_primary": primary_year.is_primary(school_class),
        "can_see_primary_results": (primary_year.is_primary(school_class)
                                    and policy.can_read_primary_results(request.user, school_class)),
        "can_see_plans": policy.may_read_plans(request.user, school_class),
    })
