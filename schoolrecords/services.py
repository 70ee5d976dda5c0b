"""Every change to the school's master data: one function each, with the acting user and a reason.

Each service checks the actor's permission, runs in a transaction, validates with
full_clean() and saves with the actor and reason recorded in simple-history. Object
permissions (django-guardian) are granted and revoked here and nowhere else.
"""

import datetime
import logging
import secrets
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from . import levels, photos, roles
from . import models as m
from . import signals as movement_signals
from .permissions import require
from .selectors import sort_vietnamese, studies
from .text import is_class_name

User = get_user_model()

SYSTEM_USERNAME = "system"
security_log = logging.getLogger("schoolrecords.security")
SETUP = "schoolrecords.manage_school_setup"
CONFIRMED = m.TeachingAssignment.State.CONFIRMED


def system_user() -> User:
    """The account that commands and background jobs act as; it cannot log in."""
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"is_superuser": True, "is_staff": False, "first_name": "Hệ thống"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def record(obj: Model, *, actor, reason: str, update_fields: Iterable[str] | None = None) -> Model:
    """Validate and save one history-tracked row with who and why."""
    obj.full_clean()
    obj._history_user = actor
    obj._change_reason = reason
    if update_fields is None:
        obj.save()
    else:
        obj.save(update_fields=list(update_fields))
    return obj


def _school_role_group(name: str) -> Group:
    return Group.objects.get_or_create(name=name)[0]


# --- years and terms -------------------------------------------------------------------

def _check_rule_set(school: m.School, rule_set: str) -> None:
    """A primary school's years follow TT27, a secondary school's TT22 (schoolrecords.levels)."""
    if not levels.rule_set_fits(level=school.level, rule_set=rule_set):
        raise ValidationError({"rule_set": _(levels.MSG_RULE_SET_OF_SCHOOL) % {
            "level": school.get_level_display(), "rule_set": levels.RULE_SET_OF_LEVEL[school.level]}},
            code="rule_set")


def _check_grade(year: m.SchoolYear, grade: int, field: str = "grade") -> None:
    """A class or a grade's subjects may exist in the year only for a grade its school and rules have."""
    level = year.school.level
    why = levels.grade_fits(level=level, rule_set=year.rule_set, grade=grade)
    if why:
        raise ValidationError({field: _(why) % levels.grade_params(level=level, rule_set=year.rule_set, grade=grade)},
                              code="grade")


@transaction.atomic
def school_year_create(
    *, actor, school: m.School, name: str, start_date: datetime.date, end_date: datetime.date,
    term_dates: tuple[tuple[datetime.date, datetime.date], tuple[datetime.date, datetime.date]],
    make_current: bool = False, rule_set: str | None = None, reason: str = "",
) -> m.SchoolYear:
    """A new school year with its two terms; its rule set is the school level's unless given (and then checked)."""
    require(actor, SETUP, school)
    reason = reason or _("School year created")
    rule_set = rule_set or levels.RULE_SET_OF_LEVEL[school.level]
    _check_rule_set(school, rule_set)
    year = record(m.SchoolYear(school=school, name=name, start_date=start_date, end_date=end_date,
                               rule_set=rule_set), actor=actor, reason=reason)
    for number, (term_start, term_end) in enumerate(term_dates, start=1):
        _check_term_inside_year(year, term_start, term_end)
        record(m.Term(year=year, number=number, start_date=term_start, end_date=term_end), actor=actor, reason=reason)
    if make_current:
        school_year_make_current(actor=actor, year=year, reason=reason)
    return year


def _check_term_inside_year(year: m.SchoolYear, start: datetime.date, end: datetime.date) -> None:
    if start < year.start_date or end > year.end_date:
        raise ValidationError(_("A term must lie inside its school year."))


@transaction.atomic
def school_year_update(*, actor, year: m.SchoolYear, reason: str = "", **fields) -> m.SchoolYear:
    year = m.SchoolYear.objects.select_for_update().select_related("school").get(pk=year.pk)
    require(actor, SETUP, year)
    if "rule_set" in fields and fields["rule_set"] != year.rule_set:
        _check_rule_set(year.school, fields["rule_set"])
        # Unreachable while a school's level fixes its rule set; kept for a school whose level changes.
        for grade in year.classes.values_list("grade", flat=True).distinct():
            if levels.rule_set_for_grade(grade) != fields["rule_set"]:
                raise ValidationError({"rule_set": _(levels.MSG_GRADE_OF_RULE_SET) % {
                    "grade": grade, "rule_set": fields["rule_set"]}}, code="rule_set")
    for name, value in fields.items():
        setattr(year, name, value)
    return record(year, actor=actor, reason=reason or _("School year changed"))


@transaction.atomic
def term_update(*, actor, term: m.Term, start_date: datetime.date, end_date: datetime.date,
                reason: str = "") -> m.Term:
    term = m.Term.objects.select_for_update().select_related("year").get(pk=term.pk)
    require(actor, SETUP, term)
    _check_term_inside_year(term.year, start_date, end_date)
    term.start_date, term.end_date = start_date, end_date
    return record(term, actor=actor, reason=reason or _("Term dates changed"))


@transaction.atomic
def school_year_make_current(*, actor, year: m.SchoolYear, reason: str = "") -> m.SchoolYear:
    require(actor, SETUP, year)
    reason = reason or _("Current school year changed")
    for other in m.SchoolYear.objects.select_for_update().filter(school_id=year.school_id, is_current=True):
        if other.pk != year.pk:
            other.is_current = False
            record(other, actor=actor, reason=reason, update_fields=["is_current"])
    year.refresh_from_db()
    if not year.is_current:
        year.is_current = True
        record(year, actor=actor, reason=reason, update_fields=["is_current"])
    return year


# --- departments and subjects ----------------------------------------------------------

@transaction.atomic
def department_save(*, actor, school: m.School, name: str, department: m.Department | None = None,
                    reason: str = "") -> m.Department:
    require(actor, SETUP, school)
    department = department or m.Department(school=school)
    department.name = name
    return record(department, actor=actor, reason=reason or _("Department saved"))


@transaction.atomic
def department_set_head(*, actor, department: m.Department, head: User | None, reason: str = "") -> m.Department:
    department = m.Department.objects.select_for_update().get(pk=department.pk)
    require(actor, SETUP, department)
    if head is not None:
        _require_staff_of(head, department.school_id)
    previous = department.head
    if previous == head:
        return department
    department.head = head
    record(department, actor=actor, reason=reason or _("Department head changed"), update_fields=["head"])
    if previous is not None:
        remove_perm("schoolrecords.review_department", previous, department)
        _sync_derived_roles(previous)
    if head is not None:
        assign_perm("schoolrecords.review_department", head, department)
        _sync_derived_roles(head)
    return department


@transaction.atomic
def subject_save(*, actor, school: m.School, subject: m.Subject | None = None, reason: str = "",
                 **fields) -> m.Subject:
    require(actor, SETUP, school)
    subject = subject or m.Subject(school=school)
    for name, value in fields.items():
        setattr(subject, name, value)
    why = levels.mode_fits(level=school.level, leveled=subject.is_leveled)
    if why:
        raise ValidationError({"assessment_mode": _(why)}, code="assessment_mode")
    return record(subject, actor=actor, reason=reason or _("Subject saved"))


@transaction.atomic
def grade_subjects_set(*, actor, year: m.SchoolYear, grade: int, periods: dict[int, int | None],
                       reason: str = "") -> list[m.GradeSubject]:
    """Set which subjects a grade studies and their periods per year (None: not studied).

    A subject already used by a teaching assignment of that grade cannot be removed.
    """
    require(actor, SETUP, year)
    _check_grade(year, grade)
    reason = reason or _("Subjects of grade %(grade)s changed") % {"grade": grade}
    current = {gs.subject_id: gs for gs in m.GradeSubject.objects.select_for_update().filter(year=year, grade=grade)}
    subjects = {s.pk: s for s in m.Subject.objects.filter(school_id=year.school_id, pk__in=periods)}
    kept = []
    for subject_id, value in periods.items():
        if subject_id not in subjects:
            raise ValidationError(_("Unknown subject."))
        existing = current.get(subject_id)
        if value:
            if existing is None:
                kept.append(record(m.GradeSubject(year=year, grade=grade, subject=subjects[subject_id],
                                                  periods_per_year=value), actor=actor, reason=reason))
            elif existing.periods_per_year != value:
                existing.periods_per_year = value
                kept.append(record(existing, actor=actor, reason=reason, update_fields=["periods_per_year"]))
            else:
                kept.append(existing)
        elif existing is not None:
            # A class with its own set does not study its grade's subjects: only the others count.
            in_use = m.TeachingAssignment.objects.filter(
                year=year, school_class__grade=grade, subject_id=subject_id, end_date__isnull=True
            ).exclude(school_class__class_subjects__isnull=False).exists()
            if in_use:
                raise ValidationError(
                    _("%(subject)s is still taught in grade %(grade)s; end its assignments first.")
                    % {"subject": subjects[subject_id].name, "grade": grade}
                )
            existing._history_user = actor
            existing._change_reason = reason
            existing.delete()
    return kept


@transaction.atomic
def class_subjects_set(*, actor, school_class: m.SchoolClass, periods: dict[int, int | None],
                       topics: Iterable[int] | None = None, reason: str = "") -> list[m.ClassSubject]:
    """Set which subjects one class studies and their periods per year (None: not studied).

    The upper-secondary shape: the compulsory subjects, the class's elective combination and its
    learning topics (``topics``: the ids of the subjects whose learning topics the class studies; None
    leaves them as they are). A class without rows of its own studies its grade's subjects; its first
    own set starts from them, so a subject the call does not name keeps its grade periods. A subject
    still taught by an open assignment of the class cannot be removed; a subject of another school is refused.
    """
    school_class = m.SchoolClass.objects.select_for_update().select_related("year").get(pk=school_class.pk)
    require(actor, SETUP, school_class)
    reason = reason or _("Subjects of class %(name)s changed") % {"name": school_class.name}
    subjects = {s.pk: s for s in m.Subject.objects.filter(school_id=school_class.year.school_id, pk__in=periods)}
    unknown = [subject_id for subject_id in periods if subject_id not in subjects]
    if unknown:
        raise ValidationError({"subjects": _("Unknown subject.")}, code="unknown_subject")
    current = {row.subject_id: row for row in
               m.ClassSubject.objects.select_for_update().filter(school_class=school_class).select_related("subject")}
    if not current:
        # Start from the grade's set: the subjects the call leaves unnamed keep their grade periods.
        grade_rows = m.GradeSubject.objects.filter(year_id=school_class.year_id, grade=school_class.grade)
        grade_periods = {row.subject_id: row.periods_per_year for row in grade_rows}
        periods = grade_periods | dict(periods)
        if {k: v for k, v in periods.items() if v} == grade_periods and not topics:
            return []  # the grade's set as it is: the class keeps following its grade
        subjects |= {s.pk: s for s in m.Subject.objects.filter(pk__in=set(periods) - set(subjects))}
    studied_after = {subject_id for subject_id, value in periods.items() if value} | (
        set(current) - set(periods))
    if not studied_after:
        raise ValidationError({"subjects": _("A class studies at least one subject.")}, code="no_subject")
    topics = None if topics is None else set(topics)
    if topics is not None and topics - studied_after:
        raise ValidationError({"subjects": _("Learning topics belong to a subject the class studies.")},
                              code="topics_not_studied")
    taught = set(m.TeachingAssignment.objects.filter(school_class=school_class, end_date__isnull=True)
                 .values_list("subject_id", flat=True))
    dropped = sorted(subjects[subject_id].name for subject_id in taught - studied_after if subject_id in subjects)
    if dropped:
        raise ValidationError({"subjects": _("%(subjects)s is still taught in %(name)s; end its assignments first.")
                               % {"subjects": ", ".join(dropped), "name": school_class.name}}, code="in_use")
    kept = []
    for subject_id in sorted(set(periods) | set(current)):
        existing = current.get(subject_id)
        value = periods[subject_id] if subject_id in periods else existing.periods_per_year
        wanted_topics = (subject_id in topics) if topics is not None else bool(existing and existing.learning_topics)
        if value:
            if existing is None:
                kept.append(record(m.ClassSubject(school_class=school_class, subject=subjects[subject_id],
                                                  periods_per_year=value, learning_topics=wanted_topics),
                                   actor=actor, reason=reason))
            elif (existing.periods_per_year, existing.learning_topics) != (value, wanted_topics):
                existing.periods_per_year, existing.learning_topics = value, wanted_topics
                kept.append(record(existing, actor=actor, reason=reason,
                                   update_fields=["periods_per_year", "learning_topics"]))
            else:
                kept.append(existing)
        elif existing is not None:
            existing._history_user = actor
            existing._change_reason = reason
            existing.delete()
    return kept


@transaction.atomic
def class_subjects_reset(*, actor, school_class: m.SchoolClass, reason: str = "") -> None:
    """The class studies its grade's subjects again: its own rows go (refused while one of its taught
    subjects is not among the grade's)."""
    school_class = m.SchoolClass.objects.select_for_update().select_related("year").get(pk=school_class.pk)
    require(actor, SETUP, school_class)
    reason = reason or _("Subjects of class %(name)s changed") % {"name": school_class.name}
    grade = set(m.GradeSubject.objects.filter(year_id=school_class.year_id, grade=school_class.grade)
                .values_list("subject_id", flat=True))
    dropped = sorted(m.TeachingAssignment.objects.filter(school_class=school_class, end_date__isnull=True)
                     .exclude(subject_id__in=grade).values_list("subject__name", flat=True))
    if dropped:
        raise ValidationError({"subjects": _("%(subjects)s is still taught in %(name)s; end its assignments first.")
                               % {"subjects": ", ".join(dropped), "name": school_class.name}}, code="in_use")
    for row in m.ClassSubject.objects.select_for_update().filter(school_class=school_class):
        row._history_user = actor
        row._change_reason = reason
        row.delete()


# --- classes and homeroom --------------------------------------------------------------

@transaction.atomic
def school_class_save(*, actor, year: m.SchoolYear, name: str, grade: int,
                      homeroom_teacher: User | None = None, school_class: m.SchoolClass | None = None,
                      reason: str = "") -> m.SchoolClass:
    require(actor, SETUP, year)
    _check_grade(year, grade)
    reason = reason or _("Class saved")
    if not is_class_name(name.strip()):
        raise ValidationError({"name": _("A class name has only letters without accents, digits, dots and hyphens, "
                                         "for example 6A1.")}, code="class_name")
    school_class = school_class or m.SchoolClass(year=year)
    school_class.name, school_class.grade = name.strip(), grade
    record(school_class, actor=actor, reason=reason)
    return homeroom_assign(actor=actor, school_class=school_class, teacher=homeroom_teacher, reason=reason)


@transaction.atomic
def homeroom_assign(*, actor, school_class: m.SchoolClass, teacher: User | None, reason: str = "") -> m.SchoolClass:
    school_class = m.SchoolClass.objects.select_for_update().select_related("year").get(pk=school_class.pk)
    require(actor, SETUP, school_class)
    if school_class.draft_homeroom_teacher_id is not None:
        # The board has chosen: the rollover's proposal is settled either way.
        school_class.draft_homeroom_teacher = None
        record(school_class, actor=actor, reason=reason or _("Homeroom teacher changed"),
               update_fields=["draft_homeroom_teacher"])
    previous = school_class.homeroom_teacher
    if previous == teacher:
        return school_class
    if teacher is not None:
        _require_staff_of(teacher, school_class.year.school_id)
    school_class.homeroom_teacher = teacher
    record(school_class, actor=actor, reason=reason or _("Homeroom teacher changed"),
           update_fields=["homeroom_teacher"])
    if previous is not None:
        remove_perm("schoolrecords.homeroom_schoolclass", previous, school_class)
        _sync_class_view(previous, school_class)
        _sync_derived_roles(previous)
    if teacher is not None:
        assign_perm("schoolrecords.homeroom_schoolclass", teacher, school_class)
        assign_perm("schoolrecords.view_schoolclass", teacher, school_class)
        _sync_derived_roles(teacher)
    return school_class


# --- teaching assignments --------------------------------------------------------------

@transaction.atomic
def assignment_create(*, actor, school_class: m.SchoolClass, subject: m.Subject, teacher: User,
                      start_date: datetime.date | None = None, reason: str = "") -> m.TeachingAssignment:
    """Give a class's subject to a teacher, ending whoever taught it before."""
    school_class = m.SchoolClass.objects.select_related("year").get(pk=school_class.pk)
    require(actor, SETUP, school_class)
    _require_staff_of(teacher, school_class.year.school_id)
    if subject.school_id != school_class.year.school_id:
        raise ValidationError(_("Unknown subject."))
    if not studies(school_class, subject):
        raise ValidationError(
            {"subject": _("%(name)s does not study %(subject)s this year.")
             % {"name": school_class.name, "subject": subject.name}}
        )
    start_date = start_date or max(timezone.localdate(), school_class.year.start_date)
    reason = reason or _("Teaching assignment created")
    current = (
        m.TeachingAssignment.objects.select_for_update()
        .filter(school_class=school_class, subject=subject, end_date__isnull=True)
        .first()
    )
    if current is not None and current.is_draft:
        if current.teacher_id == teacher.pk:
            return assignment_confirm(actor=actor, assignment=current, reason=reason)
        _draft_discard(current, actor=actor, reason=reason)
        current = None
    if current is not None:
        if current.teacher_id == teacher.pk:
            return current
        assignment_end(actor=actor, assignment=current, end_date=max(start_date, current.start_date), reason=reason)
    assignment = record(
        m.TeachingAssignment(year=school_class.year, school_class=school_class, subject=subject,
                             teacher=teacher, start_date=start_date),
        actor=actor, reason=reason,
    )
    assign_perm("schoolrecords.teach_assignment", teacher, assignment)
    assign_perm("schoolrecords.view_schoolclass", teacher, school_class)
    _sync_derived_roles(teacher)
    return assignment


@transaction.atomic
def assignment_end(*, actor, assignment: m.TeachingAssignment, end_date: datetime.date | None = None,
                   reason: str = "") -> m.TeachingAssignment:
    assignment = m.TeachingAssignment.objects.select_for_update().select_related("year").get(pk=assignment.pk)
    require(actor, SETUP, assignment)
    if assignment.end_date is not None:
        return assignment
    if assignment.is_draft:  # never in force: nothing to end, the proposal goes
        _draft_discard(assignment, actor=actor, reason=reason or _("Teaching assignment ended"))
        return assignment
    assignment.end_date = max(end_date or timezone.localdate(), assignment.start_date)
    record(assignment, actor=actor, reason=reason or _("Teaching assignment ended"), update_fields=["end_date"])
    remove_perm("schoolrecords.teach_assignment", assignment.teacher, assignment)
    _sync_class_view(assignment.teacher, assignment.school_class)
    _sync_derived_roles(assignment.teacher)
    return assignment


def _sync_class_view(user: User, school_class: m.SchoolClass) -> None:
    """A teacher sees a class while they teach in it or are its homeroom teacher."""
    still_needed = (
        school_class.homeroom_teacher_id == user.pk
        or m.TeachingAssignment.objects.filter(school_class=school_class, teacher=user, end_date__isnull=True,
                                               state=CONFIRMED).exists()
    )
    if not still_needed:
        remove_perm("schoolrecords.view_schoolclass", user, school_class)


def _sync_derived_roles(user: User) -> None:
    """Homeroom teacher, subject teacher and department head follow from what the user holds."""
    derived = {
        roles.HOMEROOM_TEACHER: m.SchoolClass.objects.filter(homeroom_teacher=user).exists(),
        roles.SUBJECT_TEACHER: m.TeachingAssignment.objects.filter(teacher=user, end_date__isnull=True,
                                                                   state=CONFIRMED).exists(),
        roles.DEPARTMENT_HEAD: m.Department.objects.filter(head=user).exists(),
    }
    for name, holds in derived.items():
        group = _school_role_group(name)
        if holds:
            user.groups.add(group)
        else:
            user.groups.remove(group)
    for cache in ("_role_cache", "_perm_cache", "_group_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(cache, None)


def _require_staff_of(user: User, school_id: int) -> None:
    profile = m.StaffProfile.objects.filter(user=user).first()
    if profile is None or profile.school_id != school_id:
        raise ValidationError(_("This person is not a staff member of the school."))
    if profile.status != m.StaffProfile.Status.ACTIVE or not user.is_active:
        raise ValidationError(_("%(name)s has left the school.") % {"name": profile.full_name})


# --- staff accounts --------------------------------------------------------------------

ASSIGNABLE_ROLES = (roles.PRINCIPAL, roles.VICE_PRINCIPAL, roles.ADMIN_BOARD, roles.CLERK, roles.SUBJECT_TEACHER)


@transaction.atomic
def staff_create(*, actor, school: m.School, username: str, full_name: str, password: str,
                 position: str = "", department: m.Department | None = None, phone: str = "",
                 role_names: Iterable[str] = (), must_change_password: bool = True,
                 reason: str = "") -> m.StaffProfile:
    require(actor, SETUP, school)
    reason = reason or _("Staff account created")
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This login name is already taken.")})
    user = User(username=username, first_name=full_name[:150])
    validate_password(password, user)
    user.set_password(password)
    record(user, actor=actor, reason=reason)
    profile = record(
        m.StaffProfile(user=user, school=school, full_name=full_name, position=position, department=department,
                       phone=phone, must_change_password=must_change_password),
        actor=actor, reason=reason,
    )
    staff_set_roles(actor=actor, profile=profile, role_names=role_names, reason=reason)
    return profile


@transaction.atomic
def staff_update(*, actor, profile: m.StaffProfile, reason: str = "", **fields) -> m.StaffProfile:
    profile = m.StaffProfile.objects.select_for_update().get(pk=profile.pk)
    require(actor, SETUP, profile)
    for name, value in fields.items():
        setattr(profile, name, value)
    record(profile, actor=actor, reason=reason or _("Staff details changed"))
    if profile.user.first_name != profile.full_name[:150]:
        profile.user.first_name = profile.full_name[:150]
        record(profile.user, actor=actor, reason=reason or _("Staff details changed"), update_fields=["first_name"])
    return profile


def _check_role_change(actor, user, *, granted: set[str], revoked: set[str]) -> None:
    """Separation of duties: nobody gives themselves a role, and only a principal or the district
    administrator gives or takes the principal role (else the board could make itself the one who
    decides corrections)."""
    if granted and actor.pk == user.pk:
        raise ValidationError({"roles": _("You cannot give yourself a role: another member of the board must do it.")})
    if roles.PRINCIPAL in granted | revoked and not (actor.is_superuser or actor.groups.filter(
            name=roles.PRINCIPAL).exists()):
        raise ValidationError({"roles": _("Only a principal or the district administrator may give or take the "
                                          "principal role.")})


@transaction.atomic
def staff_set_roles(*, actor, profile: m.StaffProfile, role_names: Iterable[str], reason: str = "") -> None:
    """Set the roles the board gives by hand; derived roles (homeroom, head) follow assignments.

    Every role given or taken goes to the security log, with who did it.
    """
    require(actor, SETUP, profile)
    wanted = set(role_names)
    unknown = wanted - set(ASSIGNABLE_ROLES)
    if unknown:
        raise ValidationError(_("Unknown role."))
    user = profile.user
    current = set(user.groups.filter(name__in=ASSIGNABLE_ROLES).values_list("name", flat=True))
    _check_role_change(actor, user, granted=wanted - current, revoked=current - wanted)
    for name in ASSIGNABLE_ROLES:
        group = _school_role_group(name)
        if name in wanted:
            user.groups.add(group)
        elif name == roles.SUBJECT_TEACHER:
            # May be given ahead of the assignments, but stays while the person still teaches.
            if not m.TeachingAssignment.objects.filter(teacher=user, end_date__isnull=True, state=CONFIRMED).exists():
                user.groups.remove(group)
        else:
            user.groups.remove(group)
    after = set(user.groups.filter(name__in=ASSIGNABLE_ROLES).values_list("name", flat=True))
    for name in sorted(after - current):
        security_log.info("role_granted user=%s role=%s by=%s", user.get_username(), name, actor.get_username())
    for name in sorted(current - after):
        security_log.info("role_revoked user=%s role=%s by=%s", user.get_username(), name, actor.get_username())
    # Group membership is not a history-tracked row; the profile's history carries the note.
    labels = ", ".join(str(roles.LABELS[name]) for name in ASSIGNABLE_ROLES if name in wanted) or "—"
    record(profile, actor=actor, reason=f"{reason or _('Roles changed')}: {labels}")
    for cache in ("_role_cache", "_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)


@transaction.atomic
def staff_reset_password(*, actor, profile: m.StaffProfile, password: str, reason: str = "") -> None:
    profile = m.StaffProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
    require(actor, SETUP, profile)
    validate_password(password, profile.user)
    profile.user.set_password(password)
    record(profile.user, actor=actor, reason=reason or _("Password reset by the admin board"),
           update_fields=["password"])
    profile.must_change_password = True
    record(profile, actor=actor, reason=reason or _("Password reset by the admin board"),
           update_fields=["must_change_password"])


@transaction.atomic
def password_changed(*, user: User) -> None:
    """The user chose their own password: the first-login obligation is met."""
    profile = m.StaffProfile.objects.select_for_update().filter(user=user).first()
    if profile is not None and profile.must_change_password:
        profile.must_change_password = False
        record(profile, actor=user, reason=_("Password changed by its owner"), update_fields=["must_change_password"])


@transaction.atomic
def staff_deactivate(*, actor, profile: m.StaffProfile, left_on: datetime.date, reason: str) -> m.StaffProfile:
    """A leaver keeps their account and everything they wrote; they can no longer log in or teach."""
    profile = m.StaffProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
    require(actor, SETUP, profile)
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason.")})
    if actor.pk == profile.user_id:
        raise ValidationError(_("You cannot deactivate your own account."))
    if profile.status == m.StaffProfile.Status.LEFT:
        raise ValidationError(_("%(name)s has left the school.") % {"name": profile.full_name})
    for assignment in m.TeachingAssignment.objects.filter(teacher=profile.user, end_date__isnull=True):
        assignment_end(actor=actor, assignment=assignment, end_date=left_on, reason=reason)
    for school_class in m.SchoolClass.objects.filter(homeroom_teacher=profile.user):
        homeroom_assign(actor=actor, school_class=school_class, teacher=None, reason=reason)
    for school_class in m.SchoolClass.objects.filter(draft_homeroom_teacher=profile.user):
        school_class.draft_homeroom_teacher = None
        record(school_class, actor=actor, reason=reason, update_fields=["draft_homeroom_teacher"])
    for department in m.Department.objects.filter(head=profile.user):
        department_set_head(actor=actor, department=department, head=None, reason=reason)
    profile.status, profile.left_on = m.StaffProfile.Status.LEFT, left_on
    record(profile, actor=actor, reason=reason, update_fields=["status", "left_on"])
    profile.user.is_active = False
    record(profile.user, actor=actor, reason=reason, update_fields=["is_active"])
    return profile


@transaction.atomic
def staff_reactivate(*, actor, profile: m.StaffProfile, reason: str) -> m.StaffProfile:
    profile = m.StaffProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
    require(actor, SETUP, profile)
    profile.status, profile.left_on = m.StaffProfile.Status.ACTIVE, None
    record(profile, actor=actor, reason=reason or _("Staff account reactivated"), update_fields=["status", "left_on"])
    profile.user.is_active = True
    record(profile.user, actor=actor, reason=reason or _("Staff account reactivated"), update_fields=["is_active"])
    return profile


# --- drafts: what the year rollover proposes, confirmed by the board --------------------------

def _draft_discard(assignment: m.TeachingAssignment, *, actor, reason: str) -> None:
    """A draft was never in force, so it is deleted (its history keeps it) rather than ended."""
    assignment._history_user = actor
    assignment._change_reason = reason
    assignment.delete()


@transaction.atomic
def assignment_draft_create(*, actor, school_class: m.SchoolClass, subject: m.Subject, teacher: User,
                            start_date: datetime.date, reason: str) -> m.TeachingAssignment:
    """Propose a class's subject to a teacher: a draft, which grants nothing until it is confirmed.

    A class's subject that already has an assignment (a draft or one in force) keeps it.
    """
    school_class = m.SchoolClass.objects.select_related("year").get(pk=school_class.pk)
    require(actor, SETUP, school_class)
    _require_staff_of(teacher, school_class.year.school_id)
    existing = m.TeachingAssignment.objects.filter(school_class=school_class, subject=subject,
                                                   end_date__isnull=True).first()
    if existing is not None:
        return existing
    return record(
        m.TeachingAssignment(year=school_class.year, school_class=school_class, subject=subject, teacher=teacher,
                             start_date=start_date, state=m.TeachingAssignment.State.DRAFT),
        actor=actor, reason=reason,
    )


@transaction.atomic
def assignment_confirm(*, actor, assignment: m.TeachingAssignment, reason: str = "") -> m.TeachingAssignment:
    """The board confirms a draft assignment: from now on it lets its teacher enter scores."""
    assignment = (m.TeachingAssignment.objects.select_for_update()
                  .select_related("year", "school_class", "teacher").get(pk=assignment.pk))
    require(actor, SETUP, assignment)
    if not assignment.is_draft:
        return assignment
    _require_staff_of(assignment.teacher, assignment.year.school_id)
    assignment.state = m.TeachingAssignment.State.CONFIRMED
    record(assignment, actor=actor, reason=reason or _("Teaching assignment confirmed"), update_fields=["state"])
    assign_perm("schoolrecords.teach_assignment", assignment.teacher, assignment)
    assign_perm("schoolrecords.view_schoolclass", assignment.teacher, assignment.school_class)
    _sync_derived_roles(assignment.teacher)
    return assignment


@transaction.atomic
def homeroom_draft_set(*, actor, school_class: m.SchoolClass, teacher: User, reason: str) -> m.SchoolClass:
    """Propose a class's homeroom teacher: no right comes with it until the board confirms it."""
    school_class = m.SchoolClass.objects.select_for_update().select_related("year").get(pk=school_class.pk)
    require(actor, SETUP, school_class)
    _require_staff_of(teacher, school_class.year.school_id)
    if school_class.homeroom_teacher_id is not None or school_class.draft_homeroom_teacher_id == teacher.pk:
        return school_class
    school_class.draft_homeroom_teacher = teacher
    return record(school_class, actor=actor, reason=reason, update_fields=["draft_homeroom_teacher"])


@transaction.atomic
def homeroom_confirm(*, actor, school_class: m.SchoolClass, reason: str = "") -> m.SchoolClass:
    """The board confirms the proposed homeroom teacher, who then holds the class as homeroom_assign gives it."""
    school_class = m.SchoolClass.objects.select_for_update().select_related("year").get(pk=school_class.pk)
    require(actor, SETUP, school_class)
    teacher = school_class.draft_homeroom_teacher
    if teacher is None:
        return school_class
    return homeroom_assign(actor=actor, school_class=school_class, teacher=teacher,
                           reason=reason or _("Homeroom teacher confirmed"))


@transaction.atomic
def drafts_confirm_all(*, actor, year: m.SchoolYear, reason: str = "") -> int:
    """Confirm every draft of the year, homeroom teachers and teaching assignments; how many were confirmed.

    All or nothing: a draft whose teacher has left the school stops the whole confirmation.
    """
    require(actor, SETUP, year)
    count = 0
    for school_class in m.SchoolClass.objects.filter(year=year, draft_homeroom_teacher__isnull=False) \
            .order_by("grade", "name"):
        homeroom_confirm(actor=actor, school_class=school_class, reason=reason)
        count += 1
    for assignment in m.TeachingAssignment.objects.filter(year=year, state=m.TeachingAssignment.State.DRAFT) \
            .order_by("school_class__grade", "school_class__name", "subject__order"):
        assignment_confirm(actor=actor, assignment=assignment, reason=reason)
        count += 1
    return count


# --- students and enrolments -----------------------------------------------------------

@transaction.atomic
def student_save(*, actor, school: m.School, student: m.Student | None = None, reason: str = "",
                 **fields) -> m.Student:
    require(actor, SETUP, school)
    student = student or m.Student(school=school)
    for name, value in fields.items():
        setattr(student, name, value)
    return record(student, actor=actor, reason=reason or _("Student saved"))


@transaction.atomic
def enrolment_create(*, actor, student: m.Student, school_class: m.SchoolClass,
                     start_date: datetime.date | None = None, reason: str = "") -> m.Enrolment:
    school_class = m.SchoolClass.objects.select_related("year").get(pk=school_class.pk)
    require(actor, SETUP, school_class)
    if student.school_id != school_class.year.school_id:
        raise ValidationError(_("The student belongs to another school."))
    open_elsewhere = m.Enrolment.objects.filter(
        student=student, school_class__year=school_class.year, status=m.Enrolment.Status.STUDYING
    ).exclude(school_class=school_class)
    if open_elsewhere.exists():
        raise ValidationError(
            _("%(name)s is already studying in %(class)s this year.")
            % {"name": student.full_name, "class": open_elsewhere.first().school_class.name}
        )
    existing = m.Enrolment.objects.filter(student=student, school_class=school_class).first()
    if existing is not None:
        return existing
    return record(
        m.Enrolment(student=student, school_class=school_class,
                    start_date=start_date or school_class.year.start_date),
        actor=actor, reason=reason or _("Student enrolled"),
    )


@transaction.atomic
def enrolment_end(*, actor, enrolment: m.Enrolment, status: str, end_date: datetime.date,
                  reason: str, other_school: str = "") -> m.Enrolment:
    """A transfer out or a drop-out: the enrolment stays, with its end date and status, and a movement is logged."""
    if status == m.Enrolment.Status.TRANSFERRED_OUT:
        kind = m.Movement.Kind.TRANSFER_OUT
    elif status == m.Enrolment.Status.DROPPED:
        kind = m.Movement.Kind.DROP_OUT
    else:
        raise ValidationError(_("Choose how the enrolment ends."))
    movement = _leave(actor=actor, enrolment=enrolment, kind=kind, on=end_date, reason=reason,
                      other_school=other_school)
    return movement.enrolment


# --- movements during the year: transfer in and out, class change, drop-out, return ------

def _day(value: datetime.date) -> str:
    return value.strftime("%d/%m/%Y")


def _check_in_year(year: m.SchoolYear, on: datetime.date) -> None:
    if not year.start_date <= on <= year.end_date:
        raise ValidationError({"date": _(
            "The date must lie inside the school year %(year)s (%(start)s – %(end)s)."
        ) % {"year": year.name, "start": _day(year.start_date), "end": _day(year.end_date)}})


def _check_reason(reason: str) -> str:
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason.")})
    return reason.strip()


def _check_not_placed(student: m.Student, year: m.SchoolYear) -> None:
    """A student has one open place in a year: refuse a second one."""
    studying = (m.Enrolment.objects.filter(student=student, school_class__year=year,
                                           status=m.Enrolment.Status.STUDYING)
                .select_related("school_class").first())
    if studying is not None:
        raise ValidationError({"school_class": _("%(name)s is already studying in %(class)s this year.") % {
            "name": student.full_name, "class": studying.school_class.name}})


def _check_no_place_in(student: m.Student, school_class: m.SchoolClass) -> None:
    if m.Enrolment.objects.filter(student=student, school_class=school_class).exists():
        raise ValidationError({"school_class": _(
            "%(name)s already had a place in %(class)s this year; a class keeps one place per student."
        ) % {"name": student.full_name, "class": school_class.name}})


def _noted(note: str, text: str) -> str:
    """The enrolment's note with one more movement: the ledger's "changes during the year" print it."""
    return "; ".join(part for part in (note, text) if part)[:255]


def _movement(*, actor, kind: str, enrolment: m.Enrolment, on: datetime.date, reason: str,
              other_school: str = "", previous: m.Enrolment | None = None) -> m.Movement:
    return record(m.Movement(year_id=enrolment.school_class.year_id, student_id=enrolment.student_id, kind=kind,
                             date=on, reason=reason[:255], other_school=other_school.strip()[:200],
                             enrolment=enrolment, previous=previous, recorded_by=actor),
                  actor=actor, reason=reason)


def _end_enrolment(*, actor, enrolment: m.Enrolment, status: str, kind: str, on: datetime.date,
                   reason: str, note: str = "") -> m.Enrolment:
    """End a studying enrolment on ``on``, once the apps above agree (no score after that day)."""
    enrolment = (m.Enrolment.objects.select_for_update()
                 .select_related("school_class__year", "student").get(pk=enrolment.pk))
    require(actor, SETUP, enrolment)
    if enrolment.status != m.Enrolment.Status.STUDYING:
        raise ValidationError(_("This enrolment has already ended."))
    reason = _check_reason(reason)
    _check_in_year(enrolment.school_class.year, on)
    if on < enrolment.start_date:
        raise ValidationError({"date": _(
            "%(name)s joined %(class)s on %(date)s: the date cannot be before it."
        ) % {"name": enrolment.student.full_name, "class": enrolment.school_class.name,
             "date": _day(enrolment.start_date)}})
    movement_signals.enrolment_ending.send(sender=m.Enrolment, enrolment=enrolment, on=on, kind=kind)
    enrolment.status, enrolment.end_date = status, on
    enrolment.note = _noted(enrolment.note, f"{note}: {reason}" if note else reason)
    return record(enrolment, actor=actor, reason=reason, update_fields=["status", "end_date", "note"])


def _leave(*, actor, enrolment: m.Enrolment, kind: str, on: datetime.date, reason: str,
           other_school: str = "") -> m.Movement:
    status = (m.Enrolment.Status.TRANSFERRED_OUT if kind == m.Movement.Kind.TRANSFER_OUT
              else m.Enrolment.Status.DROPPED)
    note = _("to %(school)s") % {"school": other_school.strip()} if other_school.strip() else ""
    ended = _end_enrolment(actor=actor, enrolment=enrolment, status=status, kind=kind, on=on, reason=reason,
                           note=note)
    return _movement(actor=actor, kind=kind, enrolment=ended, on=on, reason=reason, other_school=other_school)


@transaction.atomic
def student_transfer_in(*, actor, student: m.Student, school_class: m.SchoolClass, on: datetime.date,
                        reason: str, from_school: str) -> m.Movement:
    """A student arrives from another school on ``on``: due only for the periods from that day on.

    Their results of the periods before can be typed from the other school's học bạ
    (gradebook.results: earlier results), marked as coming from it.
    """
    school_class = m.SchoolClass.objects.select_related("year").get(pk=school_class.pk)
    require(actor, SETUP, school_class)
    year = school_class.year
    if student.school_id != year.school_id:
        raise ValidationError(_("The student belongs to another school."))
    reason = _check_reason(reason)
    if not from_school.strip():
        raise ValidationError({"other_school": _("Name the school the student comes from.")})
    _check_in_year(year, on)
    _check_not_placed(student, year)
    _check_no_place_in(student, school_class)
    enrolment = record(m.Enrolment(student=student, school_class=school_class, start_date=on,
                                   note=_noted("", _("Transferred in from %(school)s") % {
                                       "school": from_school.strip()})),
                       actor=actor, reason=reason)
    enrolment.school_class = school_class
    return _movement(actor=actor, kind=m.Movement.Kind.TRANSFER_IN, enrolment=enrolment, on=on, reason=reason,
                     other_school=from_school)


@transaction.atomic
def student_transfer_out(*, actor, enrolment: m.Enrolment, on: datetime.date, reason: str,
                         to_school: str) -> m.Movement:
    """The student leaves for another school on ``on`` (their last day here)."""
    if not to_school.strip():
        raise ValidationError({"other_school": _("Name the school the student goes to.")})
    return _leave(actor=actor, enrolment=enrolment, kind=m.Movement.Kind.TRANSFER_OUT, on=on, reason=reason,
                  other_school=to_school)


@transaction.atomic
def student_drop_out(*, actor, enrolment: m.Enrolment, on: datetime.date, reason: str) -> m.Movement:
    """The student stops coming to school (thôi học) on ``on``."""
    return _leave(actor=actor, enrolment=enrolment, kind=m.Movement.Kind.DROP_OUT, on=on, reason=reason)


@transaction.atomic
def student_class_change(*, actor, enrolment: m.Enrolment, to_class: m.SchoolClass, on: datetime.date,
                         reason: str) -> m.Movement:
    """Move a student to another class of the same year from ``on``.

    The place in the old class ends that day (status "changed class"), a new one starts in
    ``to_class``; the gradebook moves the scores of the term in progress (and any later one) to the
    new place, so the new class's grid shows them, and keeps the terms already over with the old class,
    whose approved results stay as they were (the new class reads them as earlier results).
    """
    current = m.Enrolment.objects.select_related("school_class__year", "student").get(pk=enrolment.pk)
    to_class = m.SchoolClass.objects.select_related("year").get(pk=to_class.pk)
    require(actor, SETUP, to_class)
    if to_class.year_id != current.school_class.year_id:
        raise ValidationError({"school_class": _("Choose a class of the same school year.")})
    if to_class.pk == current.school_class_id:
        raise ValidationError({"school_class": _("%(name)s is already in %(class)s.") % {
            "name": current.student.full_name, "class": to_class.name}})
    _check_no_place_in(current.student, to_class)
    ended = _end_enrolment(actor=actor, enrolment=current, status=m.Enrolment.Status.CLASS_CHANGED,
                           kind=m.Movement.Kind.CLASS_CHANGE, on=on, reason=reason,
                           note=_("to class %(class)s") % {"class": to_class.name})
    reason = reason.strip()
    new = record(m.Enrolment(student=ended.student, school_class=to_class, start_date=on,
                             note=_noted("", _("From class %(class)s") % {"class": ended.school_class.name})),
                 actor=actor, reason=reason)
    new.school_class = to_class
    movement_signals.enrolment_continued.send(sender=m.Enrolment, previous=ended, enrolment=new, on=on,
                                              actor=actor, reason=reason)
    return _movement(actor=actor, kind=m.Movement.Kind.CLASS_CHANGE, enrolment=new, on=on, reason=reason,
                     previous=ended)


@transaction.atomic
def student_return(*, actor, enrolment: m.Enrolment, on: datetime.date, reason: str) -> m.Movement:
    """A student who had left school comes back to the same class on ``on``.

    The class keeps one place per student, so the place that ended opens again; the movements
    keep both dates (left, returned) for the ledger and the sector database.
    """
    enrolment = (m.Enrolment.objects.select_for_update()
                 .select_related("school_class__year", "student").get(pk=enrolment.pk))
    require(actor, SETUP, enrolment)
    if enrolment.status != m.Enrolment.Status.DROPPED:
        raise ValidationError(_("Only a student who left school can return."))
    reason = _check_reason(reason)
    year = enrolment.school_class.year
    _check_in_year(year, on)
    if on <= enrolment.end_date:
        raise ValidationError({"date": _("%(name)s left school on %(date)s: the return comes after it.") % {
            "name": enrolment.student.full_name, "date": _day(enrolment.end_date)}})
    _check_not_placed(enrolment.student, year)
    left_on = enrolment.end_date
    enrolment.status, enrolment.end_date = m.Enrolment.Status.STUDYING, None
    enrolment.note = _noted(enrolment.note, _("Left school on %(left)s, returned on %(back)s") % {
        "left": _day(left_on), "back": _day(on)})
    record(enrolment, actor=actor, reason=reason, update_fields=["status", "end_date", "note"])
    return _movement(actor=actor, kind=m.Movement.Kind.RETURN, enrolment=enrolment, on=on, reason=reason)


# --- the staff edit page: details and roles saved together ---------------------------

@transaction.atomic
def staff_update_with_roles(*, actor, profile: m.StaffProfile, details: dict, role_names, reason: str = "") -> None:
    """Save the edit page in one go: both the details and the roles change, or neither does.

    Only what changed is written, so the history shows real changes. Subject teacher is
    taken away only from someone who no longer teaches: their open assignments come first.
    Nobody removes themselves from the admin board, so a school cannot lock itself out.
    """
    profile = m.StaffProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
    require(actor, SETUP, profile)
    changed = {name: value for name, value in details.items() if getattr(profile, name) != value}
    if changed:
        profile = staff_update(actor=actor, profile=profile, reason=reason, **changed)
    user = profile.user
    current = set(user.groups.filter(name__in=ASSIGNABLE_ROLES).values_list("name", flat=True))
    wanted = set(role_names)
    if wanted == current:
        return
    if actor.pk == user.pk and roles.ADMIN_BOARD in current - wanted:
        raise ValidationError({"roles": _("You cannot take the admin board role from your own account: "
                                          "another member of the board must do it.")})
    dropping_subject_teacher = roles.SUBJECT_TEACHER in current - wanted
    if dropping_subject_teacher:
        teaching = m.TeachingAssignment.objects.filter(teacher=user, end_date__isnull=True, state=CONFIRMED).count()
        if teaching:
            raise ValidationError({"roles": _(
                "%(name)s still has %(count)s open teaching assignments; end them before taking away "
                "the subject teacher role."
            ) % {"name": profile.full_name, "count": teaching}})
    staff_set_roles(actor=actor, profile=profile, role_names=wanted, reason=reason)


# --- students' photos ------------------------------------------------------------------

def _photo_name(student: m.Student) -> str:
    """A new name each time: the old photo stays where the history points to it."""
    return f"{student.code}-{secrets.token_hex(4)}.jpg"


def _store_photo(student: m.Student, data: bytes, *, actor, reason: str) -> m.Student:
    student.photo.save(_photo_name(student), ContentFile(data), save=False)
    return record(student, actor=actor, reason=reason, update_fields=["photo"])


@transaction.atomic
def student_photo_set(*, actor, student: m.Student, content: bytes, reason: str = "") -> m.Student:
    """Check a photo by its content, make the printed 3×4 JPEG of it and keep it as the student's photo."""
    student = m.Student.objects.select_for_update().get(pk=student.pk)
    require(actor, SETUP, student.school)
    try:
        data = photos.normalized_photo(content)
    except photos.PhotoError as error:
        raise ValidationError({"photo": _(error.message) % error.params if error.params else _(error.message)}) \
            from error
    return _store_photo(student, data, actor=actor, reason=reason or _("Photo uploaded"))


@transaction.atomic
def class_photos_import(*, actor, school_class: m.SchoolClass, content: bytes, reason: str = "") -> list[m.Student]:
    """The photos of a zip named by student code, for the class's students: all of them or none.

    Every problem (a file that is not a picture, a code of nobody in the class) is listed at once;
    then nothing is stored. Hidden companions of a Mac's or a shell's zip are ignored.
    """
    school_class = m.SchoolClass.objects.select_related("year__school").get(pk=school_class.pk)
    require(actor, SETUP, school_class)

    def text(message: str, **params) -> str:
        return _(message) % params if params else _(message)

    try:
        found = photos.photos_in_zip(content)
    except photos.PhotoError as error:
        raise ValidationError({"file": text(error.message, **error.params)}) from error
    problems = [f"{name}: {text(why)}" for name, why in found.skipped]
    # PostgreSQL locks no DISTINCT rows: the class's students by id (a student is enrolled once per class)
    students = {s.code: s for s in m.Student.objects.select_for_update().filter(
        pk__in=m.Enrolment.objects.filter(school_class=school_class).values("student_id"))}
    ready: list[tuple[m.Student, bytes]] = []
    for code, raw in sorted(found.photos.items()):
        student = students.get(code)
        if student is None:
            problems.append(_("%(code)s: no student of %(class)s has this code.") % {
                "code": code, "class": school_class.name})
            continue
        try:
            ready.append((student, photos.normalized_photo(raw)))
        except photos.PhotoError as error:
            problems.append(f"{code}: {text(error.message, **error.params)}")
    if problems:
        raise ValidationError({"file": problems})
    if not ready:
        raise ValidationError({"file": _("The zip holds no photo named by a student code.")})
    why = reason or _("Photos imported for %(class)s") % {"class": school_class.name}
    return [_store_photo(student, data, actor=actor, reason=why) for student, data in ready]


# --- registration numbers (số đăng bộ) ------------------------------------------------

@transaction.atomic
def registration_numbers_assign(*, actor, year: m.SchoolYear, suffix: str, reason: str = "") -> list[m.Student]:
    """Give every student of the year without a registration number the school's next ones.

    Numbers run on from the highest the school has given with the same suffix ("125/THCS" → 126/THCS),
    class by class in list order; the suffix becomes the school's. A number is never reused.
    """
    school = m.School.objects.select_for_update().get(pk=year.school_id)
    require(actor, SETUP, school)
    if school.registration_suffix != suffix:
        school.registration_suffix = suffix
        record(school, actor=actor, reason=reason or _("Registration number suffix set"),
               update_fields=["registration_suffix"])
    tail = f"/{suffix}" if suffix else ""
    highest = 0
    for number in m.Student.objects.filter(school=school).exclude(registration_number="") \
            .values_list("registration_number", flat=True):
        head, _sep, rest = number.partition("/")
        if head.isdigit() and (f"/{rest}" if _sep else "") == tail:
            highest = max(highest, int(head))
    enrolments = (m.Enrolment.objects.filter(school_class__year=year, student__registration_number="")
                  .select_related("student", "school_class").order_by("school_class__grade", "school_class__name"))
    seen: set[int] = set()
    ordered = []
    for class_id in dict.fromkeys(e.school_class_id for e in enrolments):
        for enrolment in sort_vietnamese([e for e in enrolments if e.school_class_id == class_id]):
            if enrolment.student_id not in seen:
                seen.add(enrolment.student_id)
                ordered.append(enrolment.student)
    why = reason or _("Registration number given")
    for student in ordered:
        highest += 1
        student.registration_number = f"{highest}{tail}"
        record(student, actor=actor, reason=why, update_fields=["registration_number"])
    return ordered
