"""The admin board's yearly set-up: years and terms, subjects and periods, classes, assignments, students."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from . import forms as f
from . import levels, selectors, services, statuscodes
from . import models as m
from .forms import apply_service_errors
from .permissions import found_or_hidden, require, user_school

SETUP = "schoolrecords.manage_school_setup"
GRADES = {level: list(grades) for level, grades in levels.GRADES_OF_LEVEL.items()}


def _school(request) -> m.School:
    require(request.user, SETUP)
    school = user_school(request.user)
    if school is None:
        raise Http404
    return school


def _year(request, pk: int) -> m.SchoolYear:
    school = _school(request)
    return found_or_hidden(m.SchoolYear.objects.filter(school=school), request.user, SETUP, pk=pk)


def _class(request, pk: int) -> m.SchoolClass:
    school = _school(request)
    return found_or_hidden(m.SchoolClass.objects.select_related("year", "homeroom_teacher__profile")
                           .filter(year__school=school), request.user, SETUP, pk=pk)



@login_required
def index(request):
    school = _school(request)
    year = selectors.current_year(school)
    return render(request, "schoolrecords/setup/index.html", {
        "school": school, "year": year, "years": selectors.years_of(school),
        "gaps": selectors.setup_gaps(year) if year else None,
    })


# --- years and terms -------------------------------------------------------------------

@login_required
def year_list(request):
    school = _school(request)
    form = f.SchoolYearForm(request.POST if request.method == "POST" else None,
                            initial={"rule_set": levels.RULE_SET_OF_LEVEL[school.level]})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            year = services.school_year_create(
                actor=request.user, school=school, name=data["name"], start_date=data["start_date"],
                end_date=data["end_date"],
                term_dates=((data["term1_start"], data["term1_end"]), (data["term2_start"], data["term2_end"])),
                make_current=data["make_current"], rule_set=data["rule_set"] or None,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("School year %(name)s created.") % {"name": year.name})
            return redirect("setup:year_edit", pk=year.pk)
    return render(request, "schoolrecords/setup/year_list.html", {
        "years": selectors.years_of(school), "form": form,
    })


@login_required
def year_edit(request, pk: int):
    year = _year(request, pk)
    terms = list(year.terms.order_by("number"))
    term_forms = [(t, f.TermDatesForm(request.POST if request.POST.get("term") == str(t.pk) else None,
                                      prefix=f"t{t.pk}", initial={"start_date": t.start_date,
                                                                  "end_date": t.end_date})) for t in terms]
    settings_form = f.YearSettingsForm(request.POST if "settings" in request.POST else None,
                                       initial={"rule_set": year.rule_set,
                                                "comment_subject_can_adjust": year.comment_subject_can_adjust})
    numbers_form = f.RegistrationNumbersForm(request.POST if "registration" in request.POST else None,
                                             initial={"suffix": year.school.registration_suffix})
    if request.method == "POST":
        try:
            if numbers_form.is_bound and numbers_form.is_valid():
                given = services.registration_numbers_assign(actor=request.user, year=year,
                                                             suffix=numbers_form.cleaned_data["suffix"])
                messages.success(request, ngettext("%(count)d registration number given.",
                                                   "%(count)d registration numbers given.", len(given))
                                 % {"count": len(given)})
                return redirect("setup:year_edit", pk=year.pk)
            if "make_current" in request.POST:
                services.school_year_make_current(actor=request.user, year=year)
                messages.success(request, _("%(name)s is now the current year.") % {"name": year.name})
                return redirect("setup:year_edit", pk=year.pk)
            if "settings" in request.POST and settings_form.is_valid():
                try:
                    services.school_year_update(actor=request.user, year=year, **settings_form.cleaned_data)
                except ValidationError as error:
                    apply_service_errors(settings_form, error)
                else:
                    messages.success(request, _("Saved."))
                    return redirect("setup:year_edit", pk=year.pk)
            for term, form in term_forms:
                if form.is_bound and form.is_valid():
                    try:
                        services.term_update(actor=request.user, term=term, **form.cleaned_data)
                    except ValidationError as error:
                        apply_service_errors(form, error)
                    else:
                        messages.success(request, _("Saved."))
                        return redirect("setup:year_edit", pk=year.pk)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return render(request, "schoolrecords/setup/year_edit.html", {
        "year": year, "term_forms": term_forms, "settings_form": settings_form, "numbers_form": numbers_form,
        "drafts": selectors.drafts_of(year).count,
        "unnumbered": m.Student.objects.filter(enrolments__school_class__year=year, registration_number="")
        .distinct().count(),
        "history": year.history.select_related("history_user__profile")[:50],
    })


@login_required
def drafts(request, pk: int):
    """The rollover's proposals for a year: confirm one homeroom teacher, one assignment, or all of them."""
    year = _year(request, pk)
    if request.method == "POST":
        try:
            if "homeroom" in request.POST:
                school_class = _draft_target(m.SchoolClass.objects.filter(year=year), request, "homeroom")
                services.homeroom_confirm(actor=request.user, school_class=school_class)
                messages.success(request, _("Homeroom teacher of %(class)s confirmed.") % {"class": school_class})
            elif "assignment" in request.POST:
                assignment = _draft_target(m.TeachingAssignment.objects.filter(year=year), request, "assignment")
                services.assignment_confirm(actor=request.user, assignment=assignment)
                messages.success(request, _("Teaching assignment %(assignment)s confirmed.")
                                 % {"assignment": assignment})
            elif "all" in request.POST:
                count = services.drafts_confirm_all(actor=request.user, year=year)
                messages.success(request, ngettext("%(count)d proposal confirmed.", "%(count)d proposals confirmed.",
                                                   count) % {"count": count})
            else:
                messages.error(request, _("Choose what to confirm."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("setup:drafts", pk=year.pk)
    return render(request, "schoolrecords/setup/drafts.html", {"year": year, "drafts": selectors.drafts_of(year)})


def _draft_target(queryset, request, field: str):
    value = request.POST.get(field, "")
    if not value.isdigit():
        raise Http404
    return found_or_hidden(queryset, request.user, SETUP, pk=int(value))


# --- subjects and periods --------------------------------------------------------------

@login_required
def subject_list(request):
    school = _school(request)
    form = f.SubjectForm(request.POST if request.method == "POST" else None, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            services.subject_save(actor=request.user, school=school, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Subject saved."))
            return redirect("setup:subject_list")
    return render(request, "schoolrecords/setup/subject_list.html", {
        "subjects": selectors.subjects_of(school), "form": form,
    })


@login_required
def subject_edit(request, pk: int):
    school = _school(request)
    subject = found_or_hidden(m.Subject.objects.filter(school=school), request.user, SETUP, pk=pk)
    form = f.SubjectForm(request.POST if request.method == "POST" else None, instance=subject, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            services.subject_save(actor=request.user, school=school, subject=subject, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Subject saved."))
            return redirect("setup:subject_list")
    return render(request, "schoolrecords/setup/subject_edit.html", {
        "subject": subject, "form": form,
        "history": subject.history.select_related("history_user__profile")[:50],
    })


@login_required
def periods(request, pk: int):
    year = _year(request, pk)
    grades = GRADES[year.school.level]
    subjects = list(selectors.subjects_of(year.school))
    form = f.PeriodsForm(request.POST if request.method == "POST" else None, grades=grades, subjects=subjects,
                         initial_periods=selectors.periods_matrix(year))
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                for grade in grades:
                    services.grade_subjects_set(actor=request.user, year=year, grade=grade,
                                                periods=form.periods_for(grade))
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Subjects and periods saved."))
            return redirect("setup:periods", pk=year.pk)
    return render(request, "schoolrecords/setup/periods.html", {"year": year, "form": form, "grades": grades})


# --- classes, homeroom and teaching assignments ----------------------------------------

@login_required
def class_list(request, pk: int):
    year = _year(request, pk)
    teachers = list(selectors.active_teachers(year.school))
    form = f.SchoolClassForm(request.POST if request.method == "POST" else None, grades=GRADES[year.school.level],
                             teachers=teachers, year=year)
    if request.method == "POST" and form.is_valid():
        try:
            school_class = services.school_class_save(
                actor=request.user, year=year, name=form.cleaned_data["name"], grade=form.cleaned_data["grade"],
                homeroom_teacher=form.homeroom(),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Class %(name)s created.") % {"name": school_class.name})
            return redirect("setup:class_edit", pk=school_class.pk)
    return render(request, "schoolrecords/setup/class_list.html", {
        "year": year, "classes": selectors.classes_of(year), "form": form,
    })


@login_required
def class_edit(request, pk: int):
    school_class = _class(request, pk)
    year = school_class.year
    teachers = list(selectors.active_teachers(year.school))
    current = {a.subject_id: a.teacher_id for a in selectors.assignments_of_class(school_class)}
    class_form = f.SchoolClassForm(
        request.POST if "save_class" in request.POST else None, grades=GRADES[year.school.level],
        teachers=teachers, year=year, instance=school_class,
        initial={"name": school_class.name, "grade": school_class.grade,
                 "homeroom_teacher": school_class.homeroom_teacher_id},
    )
    assignments_form = f.AssignmentsForm(
        request.POST if "save_assignments" in request.POST else None,
        studied=selectors.class_subjects(school_class), teachers=teachers, current=current,
    )
    student_form = f.ClassStudentForm(request.POST if "add_student" in request.POST else None,
                                      school=year.school, prefix="student")
    if request.method == "POST":
        if class_form.is_bound and class_form.is_valid():
            try:
                services.school_class_save(actor=request.user, year=year, school_class=school_class,
                                           name=class_form.cleaned_data["name"],
                                           grade=class_form.cleaned_data["grade"],
                                           homeroom_teacher=class_form.homeroom())
            except ValidationError as error:
                apply_service_errors(class_form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("setup:class_edit", pk=school_class.pk)
        if assignments_form.is_bound and assignments_form.is_valid():
            try:
                _save_assignments(request.user, school_class, current, assignments_form.chosen())
            except ValidationError as error:
                apply_service_errors(assignments_form, error)
            else:
                messages.success(request, _("Teaching assignments saved."))
                return redirect("setup:class_edit", pk=school_class.pk)
        if student_form.is_bound and student_form.is_valid():
            try:
                with transaction.atomic():
                    student = services.student_save(actor=request.user, school=year.school,
                                                    **student_form.student_data())
                    arrived = student_form.cleaned_data["arrived_on"]
                    if arrived:  # a transfer in: due only for the periods from that day on
                        services.student_transfer_in(actor=request.user, student=student, school_class=school_class,
                                                     on=arrived, reason=student_form.cleaned_data["reason"],
                                                     from_school=student_form.cleaned_data["other_school"])
                    else:
                        services.enrolment_create(actor=request.user, student=student, school_class=school_class)
            except ValidationError as error:
                apply_service_errors(student_form, error, field_map={"date": "arrived_on"})
            else:
                messages.success(request, _("%(name)s added to the class.") % {"name": student.full_name})
                return redirect("setup:class_edit", pk=school_class.pk)
    return render(request, "schoolrecords/setup/class_edit.html", {
        "school_class": school_class, "class_form": class_form, "assignments_form": assignments_form,
        "student_form": student_form, "roster": selectors.sort_vietnamese(selectors.class_roster(school_class)),
        "end_form": f.EnrolmentEndForm(),
        "history": school_class.history.select_related("history_user__profile")[:50],
    })


@login_required
def class_subjects(request, pk: int):
    """The subjects one class studies, with periods: the grade's by default, or its own combination."""
    school_class = _class(request, pk)
    studied = selectors.class_subjects(school_class)
    own = m.ClassSubject.objects.filter(school_class=school_class).exists()
    form = f.ClassSubjectsForm(request.POST if "save" in request.POST else None,
                               subjects=list(selectors.subjects_of(school_class.year.school)),
                               initial_periods={each.subject.pk: each.periods_per_year for each in studied},
                               initial_topics={each.subject.pk for each in studied if each.learning_topics})
    resetting = request.method == "POST" and "reset" in request.POST
    if resetting or (form.is_bound and form.is_valid()):
        try:
            if resetting:
                services.class_subjects_reset(actor=request.user, school_class=school_class)
            else:
                services.class_subjects_set(actor=request.user, school_class=school_class, periods=form.periods(),
                                            topics=form.topics())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Subjects and periods saved."))
            return redirect("setup:class_subjects", pk=school_class.pk)
    return render(request, "schoolrecords/setup/class_subjects.html", {
        "school_class": school_class, "form": form, "own": own,
        "history": m.ClassSubject.history.filter(school_class_id=school_class.pk)
        .select_related("history_user__profile", "subject").order_by("-history_date")[:50],
    })


@transaction.atomic
def _save_assignments(actor, school_class, current: dict[int, int], chosen: dict[int, object]) -> None:
    subjects = {s.pk: s for s in m.Subject.objects.filter(pk__in=chosen)}
    for subject_id, teacher in chosen.items():
        if (teacher.pk if teacher else None) == current.get(subject_id):
            continue
        if teacher is None:
            assignment = m.TeachingAssignment.objects.get(school_class=school_class, subject_id=subject_id,
                                                          end_date__isnull=True)
            services.assignment_end(actor=actor, assignment=assignment)
        else:
            services.assignment_create(actor=actor, school_class=school_class, subject=subjects[subject_id],
                                       teacher=teacher)


@login_required
@require_POST
def enrolment_end(request, pk: int):
    school = _school(request)
    enrolment = found_or_hidden(m.Enrolment.objects.select_related("student", "school_class")
                                .filter(school_class__year__school=school), request.user, SETUP, pk=pk)
    form = f.EnrolmentEndForm(request.POST)
    if form.is_valid():
        try:
            services.enrolment_end(actor=request.user, enrolment=enrolment, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The enrolment of %(name)s has ended.") % {"name": enrolment.student})
    else:
        problems = [f"{form.fields[name].label}: {' '.join(errs)}" for name, errs in form.errors.items()]
        messages.error(request, "; ".join(problems))
    return redirect("setup:class_edit", pk=enrolment.school_class_id)


@login_required
def student_edit(request, pk: int):
    school = _school(request)
    student = found_or_hidden(m.Student.objects.filter(school=school), request.user, SETUP, pk=pk)
    form = f.StudentForm(request.POST if request.method == "POST" else None, instance=student, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            services.student_save(actor=request.user, school=school, student=student, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("setup:student_edit", pk=student.pk)
    return student_page(request, student, form=form)


def student_page(request, student: m.Student, *, form=None, photo_form=None, movement_form=None):
    """The student's page: details, photo, movements, enrolments and history (also shown again by a refusal)."""
    year = selectors.current_year(student.school)
    enrolments = list(student.enrolments.select_related("school_class__year").order_by(
        "school_class__year__start_date", "start_date", "pk"))
    movements = list(selectors.movements_of_student(student))
    code = None
    if year is not None:
        code = selectors.status_code_of([each for each in movements if each.year_id == year.pk], year.terms.all())
    return render(request, "schoolrecords/setup/student_edit.html", {
        "student": student, "form": form or f.StudentForm(instance=student, school=student.school),
        "photo_form": photo_form or f.PhotoForm(),
        "enrolments": enrolments, "movements": movements, "year": year,
        "status_code": code, "status_label": _(statuscodes.label(code)) if code else "",
        "movement_forms": _movement_forms(student, year, enrolments, movement_form),
        "history": student.history.select_related("history_user__profile")[:50],
    })


MOVEMENT_TITLES = {kind: kind.label for kind in m.Movement.Kind}


def _year_place(year, enrolments) -> tuple[m.Enrolment | None, m.Enrolment | None]:
    """The student's studying place in the year, and their last place of it."""
    of_year = [e for e in enrolments if year is not None and e.school_class.year_id == year.pk]
    studying = next((e for e in of_year if e.is_active), None)
    return studying, (of_year[-1] if of_year else None)


def _movement_form(kind: str, year, studying, data=None):
    if kind == m.Movement.Kind.TRANSFER_OUT:
        return f.TransferOutForm(data, prefix=kind)
    if kind == m.Movement.Kind.DROP_OUT:
        return f.DropOutForm(data, prefix=kind)
    if kind == m.Movement.Kind.RETURN:
        return f.ReturnForm(data, prefix=kind)
    if kind == m.Movement.Kind.CLASS_CHANGE:
        return f.ClassChangeForm(data, prefix=kind, year=year, current_class_id=studying.school_class_id)
    return f.TransferInForm(data, prefix=kind, year=year)


def _allowed_kinds(year, studying, last) -> list[str]:
    """The movements the student's place this year allows."""
    if year is None:
        return []
    if studying is not None:
        return [m.Movement.Kind.TRANSFER_OUT, m.Movement.Kind.CLASS_CHANGE, m.Movement.Kind.DROP_OUT]
    if last is not None and last.status == m.Enrolment.Status.DROPPED:
        return [m.Movement.Kind.RETURN, m.Movement.Kind.TRANSFER_IN]
    return [m.Movement.Kind.TRANSFER_IN]


def _movement_forms(student, year, enrolments, bound=None) -> list[tuple[str, str, object]]:
    studying, last = _year_place(year, enrolments)
    forms = []
    for kind in _allowed_kinds(year, studying, last):
        form = bound if bound is not None and bound.prefix == kind else _movement_form(kind, year, studying)
        forms.append((kind, MOVEMENT_TITLES[kind], form))
    return forms


@login_required
@require_POST
def student_movement(request, pk: int):
    """One movement of the student this year (the kind is the form's), through its service."""
    school = _school(request)
    student = found_or_hidden(m.Student.objects.filter(school=school), request.user, SETUP, pk=pk)
    year = selectors.current_year(school)
    enrolments = list(student.enrolments.select_related("school_class__year").order_by(
        "school_class__year__start_date", "start_date", "pk"))
    studying, last = _year_place(year, enrolments)
    kind = request.POST.get("kind", "")
    if kind not in _allowed_kinds(year, studying, last):
        messages.error(request, _("This movement does not fit the student's place this year."))
        return redirect("setup:student_edit", pk=student.pk)
    form = _movement_form(kind, year, studying, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        common = {"actor": request.user, "on": data["date"], "reason": data["reason"]}
        try:
            if kind == m.Movement.Kind.TRANSFER_OUT:
                services.student_transfer_out(enrolment=studying, to_school=data["other_school"], **common)
            elif kind == m.Movement.Kind.DROP_OUT:
                services.student_drop_out(enrolment=studying, **common)
            elif kind == m.Movement.Kind.RETURN:
                services.student_return(enrolment=last, **common)
            elif kind == m.Movement.Kind.CLASS_CHANGE:
                services.student_class_change(enrolment=studying, to_class=data["school_class"], **common)
            else:
                services.student_transfer_in(student=student, school_class=data["school_class"],
                                             from_school=data["other_school"], **common)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("%(movement)s of %(name)s recorded.") % {
                "movement": MOVEMENT_TITLES[kind], "name": student.full_name})
            return redirect("setup:student_edit", pk=student.pk)
    return student_page(request, student, movement_form=form)


@login_required
def movements(request, pk: int):
    """The year's movements, and the transfer in of a student from another school."""
    year = _year(request, pk)
    form = f.NewStudentTransferInForm(request.POST if request.method == "POST" else None, year=year,
                                      prefix="transfer_in")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                student = form.student or services.student_save(
                    actor=request.user, school=year.school, code=data["code"].strip(), full_name=data["full_name"],
                    date_of_birth=data["date_of_birth"], gender=data["gender"])
                services.student_transfer_in(actor=request.user, student=student, school_class=data["school_class"],
                                             on=data["date"], reason=data["reason"],
                                             from_school=data["other_school"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s transferred in to %(class)s.") % {
                "name": student.full_name, "class": data["school_class"].name})
            return redirect("setup:movements", pk=year.pk)
    rows = list(selectors.movements_of_year(year))
    return render(request, "schoolrecords/setup/movements.html", {"year": year, "movements": rows, "form": form})
