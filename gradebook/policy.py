"""The gradebook's one policy: who may read or write what, with the role and permission names.

Scores — write: the assigned teacher only (the django-guardian object permission
"schoolrecords.teach_assignment", granted and revoked by the assignment services); nobody else,
the principal included: a change after entry goes through a correction request. Whether a cell
may be written *now* (windows, locks, approvals) is the entry rule's answer
(gradebook.rules.entry), not this module's. Read: the assigned teacher, the class's homeroom
teacher, the head of the subject's department, the vice principal and the principal.
Homeroom work: the class's homeroom teacher ("schoolrecords.homeroom_schoolclass"). Results:
the principal approves and decides exemptions; the principal, the vice principal and the
homeroom teacher read them; the leadership sees the entry progress. Correction requests: the
principal decides, or a vice principal the principal has delegated for the request's school year
(gradebook.models.DecisionDelegation, active today); nobody decides their own request; the
leadership and the admin board read them. The school's score change rules (EntrySettings): the principal. The
correction log (gradebook.corrections.selectors): its teacher, the leadership and the board, and the
head of the teacher's department (of the subjects of the departments they head).
Windows and deadlines: the admin board ("schoolrecords.manage_school_setup") sets them.
Individual education plans: the class's homeroom teacher and the admin board draft them, the
principal approves them; those and the vice principal read them.
Another school's object is a 404 everywhere (schoolrecords.permissions.OtherSchool).
"""

from django.core.exceptions import PermissionDenied
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.shortcuts import get_objects_for_user

from gradebook.models import DecisionDelegation
from schoolrecords import models as sm
from schoolrecords import roles
from schoolrecords.permissions import Hidden, OtherSchool, allowed, has_role, require, same_school, user_school

TEACH = "schoolrecords.teach_assignment"
HOMEROOM = "schoolrecords.homeroom_schoolclass"
REVIEW_DEPARTMENT = "schoolrecords.review_department"
# Leadership reads every class's scores. A role, not a model permission, because the role
# groups' permissions are synced from schoolrecords.roles.PERMISSIONS, which this app does not own.
SCHOOL_WIDE_READERS = (roles.PRINCIPAL, roles.VICE_PRINCIPAL)
SETUP = "schoolrecords.manage_school_setup"
# Who reads correction requests and the windows pages besides their teacher: the leadership and the board.
CORRECTION_READERS = (roles.PRINCIPAL, roles.VICE_PRINCIPAL, roles.ADMIN_BOARD)
WINDOW_VIEWERS = (roles.ADMIN_BOARD, roles.PRINCIPAL, roles.VICE_PRINCIPAL)

PRINCIPAL_ONLY_MESSAGE = gettext_lazy("Only the principal may do this.")
SELF_DECISION_MESSAGE = gettext_lazy("You cannot decide on your own correction request.")
DECIDER_ONLY_MESSAGE = gettext_lazy("Only the principal, or a vice principal the principal has delegated for this "
                                    "school year, decides correction requests.")
DELEGATION_ENDED_MESSAGE = gettext_lazy("Your delegation to decide correction requests ended on %(date)s: only the "
                                        "principal decides now.")
DELEGATION_REVOKED_MESSAGE = gettext_lazy("The principal revoked your delegation to decide correction requests on "
                                          "%(date)s: only the principal decides now.")
DELEGATION_NOT_STARTED_MESSAGE = gettext_lazy("Your delegation to decide correction requests starts on %(date)s.")


def _usable(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def can_read(user, assignment: sm.TeachingAssignment) -> bool:
    """May ``user`` see the scores of the assignment's class and subject?

    ``assignment`` should come with ``year``, ``school_class`` and ``subject__department``
    selected (gradebook.lookups.assignment_for_scores does that), or each check costs a query.
    """
    if not _usable(user) or not same_school(user, assignment):
        return False
    if user.is_superuser or has_role(user, *SCHOOL_WIDE_READERS):
        return True
    if allowed(user, TEACH, assignment):
        return True
    if assignment.school_class.homeroom_teacher_id == user.pk and allowed(user, HOMEROOM, assignment.school_class):
        return True
    department = assignment.subject.department
    return (
        department is not None and department.head_id == user.pk and allowed(user, REVIEW_DEPARTMENT, department)
    )


def readable_assignment_ids(user, school_class: sm.SchoolClass, assignments) -> set[int]:
    """Which of one class's assignments ``user`` may read, as ``can_read`` answers, in two queries.

    For the class page's list: the guardian grants and the department headships are fetched once.
    """
    assignments = list(assignments)
    if not _usable(user) or not same_school(user, school_class):
        return set()
    if (user.is_superuser or has_role(user, *SCHOOL_WIDE_READERS)
            or (school_class.homeroom_teacher_id == user.pk and allowed(user, HOMEROOM, school_class))):
        return {a.pk for a in assignments}
    taught = set(
        get_objects_for_user(user, TEACH, klass=sm.TeachingAssignment.objects.filter(
            pk__in=[a.pk for a in assignments]), accept_global_perms=False).values_list("pk", flat=True)
    )
    headed = set(
        get_objects_for_user(user, REVIEW_DEPARTMENT, klass=sm.Department.objects.filter(head=user),
                             accept_global_perms=False).values_list("pk", flat=True)
    )
    return taught | {a.pk for a in assignments if a.subject.department_id in headed}


def headed_departments(user) -> tuple[sm.Department, ...]:
    """The departments of their school ``user`` heads, with the head's object permission.

    One query, kept on the user object for the request (as ``is_homeroom`` keeps its answers).
    """
    school = user_school(user) if _usable(user) else None
    if school is None:
        return ()
    if not hasattr(user, "_headed_cache"):
        user._headed_cache = tuple(get_objects_for_user(user, REVIEW_DEPARTMENT, klass=sm.Department.objects.filter(
            school=school, head=user), accept_global_perms=False).order_by("name"))
    return user._headed_cache


def require_read(user, assignment: sm.TeachingAssignment) -> None:
    """403 unless ``can_read``; another school's assignment is a 404."""
    if _usable(user) and not same_school(user, assignment):
        raise OtherSchool(user, "read", assignment)
    if not can_read(user, assignment):
        raise PermissionDenied(_("You do not have permission to see these scores."))


def is_assigned_teacher(user, assignment: sm.TeachingAssignment) -> bool:
    """Is ``user`` the teacher who enters this class's subject (and files its correction requests)?"""
    return _usable(user) and same_school(user, assignment) and allowed(user, TEACH, assignment)


def require_same_school(user, obj) -> None:
    """Another school's object is a 404 (OtherSchool, logged as a refusal)."""
    if _usable(user) and not same_school(user, obj):
        raise OtherSchool(user, TEACH, obj)


def require_teacher(user, assignment: sm.TeachingAssignment) -> None:
    """403 unless ``user`` is the assigned teacher; another school's assignment is a 404."""
    require(user, TEACH, assignment)


def require_setup(user, obj) -> None:
    """The admin board's right over the school's set-up (windows, locks, deadlines)."""
    require(user, SETUP, obj)


def may_set_up(user, obj) -> bool:
    return allowed(user, SETUP, obj)


# --- the leadership and the homeroom teacher ------------------------------------------------------


def is_principal(user) -> bool:
    return _usable(user) and (user.is_superuser or has_role(user, roles.PRINCIPAL))


def is_leader(user) -> bool:
    """The principal or a vice principal."""
    return _usable(user) and (user.is_superuser or has_role(user, *SCHOOL_WIDE_READERS))


def is_board(user) -> bool:
    return _usable(user) and has_role(user, roles.ADMIN_BOARD)


def reads_corrections(user) -> bool:
    """Does ``user`` read every correction request of their school (not only their own)?"""
    return _usable(user) and has_role(user, *CORRECTION_READERS)


def sees_windows(user) -> bool:
    return _usable(user) and has_role(user, *WINDOW_VIEWERS)


def require_principal(user, obj) -> None:
    """403 unless ``user`` is the principal of ``obj``'s school; another school's object is a 404."""
    if _usable(user) and not same_school(user, obj):
        raise OtherSchool(user, "principal", obj)
    if not is_principal(user):
        raise PermissionDenied(str(PRINCIPAL_ONLY_MESSAGE))


# --- who decides correction requests ------------------------------------------------------------


def _delegations(user) -> list[DecisionDelegation]:
    """Every delegation ``user`` ever received (ended and revoked ones too), newest first.

    One query, kept on the user object for the request as is_homeroom keeps its answers: the
    queue, the home card and each request's page ask for every request they show.
    """
    if "_delegation_cache" not in user.__dict__:
        user._delegation_cache = list(DecisionDelegation.objects.filter(delegate_id=user.pk)
                                      .order_by("-starts_on", "-pk"))
    return user._delegation_cache


def active_delegation(user, year_id: int, day=None) -> DecisionDelegation | None:
    """The delegation that lets vice principal ``user`` decide the requests of school year ``year_id`` on ``day``
    (today in the school's time zone), or None."""
    if not (_usable(user) and has_role(user, roles.VICE_PRINCIPAL)):
        return None
    day = day or timezone.localdate()
    return next((d for d in _delegations(user) if d.year_id == year_id and d.is_active_on(day)), None)


def is_decider(user, year: sm.SchoolYear) -> bool:
    """Does ``user`` decide correction requests of ``year`` today: the principal, or a delegated vice principal?"""
    if not (_usable(user) and same_school(user, year)):
        return False
    return is_principal(user) or active_delegation(user, year.pk) is not None


def decider_years(user) -> set[int] | None:
    """The school years whose requests ``user`` decides today: None for every year (the principal)."""
    if is_principal(user):
        return None
    if not (_usable(user) and has_role(user, roles.VICE_PRINCIPAL)):
        return set()
    today = timezone.localdate()
    return {d.year_id for d in _delegations(user) if d.is_active_on(today)}


def may_decide(user, request) -> bool:
    """May ``user`` approve, reject or question this correction request (``school_class`` with ``year`` selected)?

    The principal, or a vice principal delegated for the request's school year; never on their own request.
    """
    return user.pk != request.requested_by_id and is_decider(user, request.school_class.year)


def _refusal(user, year_id: int) -> str:
    """Why ``user`` may not decide this year's requests: a vice principal whose delegation ended hears when."""
    if has_role(user, roles.VICE_PRINCIPAL):
        today = timezone.localdate()
        # The latest delegation of the year says why it is no longer (or not yet) in force.
        for delegation in _delegations(user):
            if delegation.year_id != year_id:
                continue
            if delegation.revoked_at is not None:
                return str(DELEGATION_REVOKED_MESSAGE) % {
                    "date": formats.date_format(timezone.localdate(delegation.revoked_at), "d/m/Y")}
            if delegation.ends_on is not None and delegation.ends_on < today:
                return str(DELEGATION_ENDED_MESSAGE) % {"date": formats.date_format(delegation.ends_on, "d/m/Y")}
            if delegation.starts_on > today:
                return str(DELEGATION_NOT_STARTED_MESSAGE) % {
                    "date": formats.date_format(delegation.starts_on, "d/m/Y")}
    return str(DECIDER_ONLY_MESSAGE)


def require_requester(user, request) -> None:
    """Only the teacher who filed a correction request resubmits or withdraws it."""
    if _usable(user) and not same_school(user, request.school_class):
        raise OtherSchool(user, "requester", request)
    if user.pk != request.requested_by_id:
        raise PermissionDenied(_("Only the teacher who filed this request may do this."))


def require_decider(user, request) -> None:
    """403 unless ``may_decide``, saying why (a delegation that ended, one's own request); another school's is a 404."""
    school_class = request.school_class
    if _usable(user) and not same_school(user, school_class):
        raise OtherSchool(user, "decide", request)
    if not is_decider(user, school_class.year):
        raise PermissionDenied(_refusal(user, school_class.year_id) if _usable(user) else str(DECIDER_ONLY_MESSAGE))
    if user.pk == request.requested_by_id:
        raise PermissionDenied(str(SELF_DECISION_MESSAGE))


def is_homeroom(user, school_class: sm.SchoolClass) -> bool:
    """Is ``user`` the homeroom teacher of the class (``school_class`` with ``year`` selected)?

    The answer is kept on the user object for the request, as schoolrecords.permissions keeps
    the roles: a page asks it more than once, and each object-permission check costs two queries.
    """
    if not (_usable(user) and school_class.homeroom_teacher_id == user.pk):
        return False
    cache = user.__dict__.setdefault("_homeroom_cache", {})
    if school_class.pk not in cache:
        cache[school_class.pk] = allowed(user, HOMEROOM, school_class)
    return cache[school_class.pk]


def _wall(user, school_class: sm.SchoolClass) -> None:
    if _usable(user) and not same_school(user, school_class):
        raise OtherSchool(user, "results", school_class)


def require_homeroom(user, school_class: sm.SchoolClass) -> None:
    _wall(user, school_class)
    if not is_homeroom(user, school_class):
        raise PermissionDenied(_("Only the homeroom teacher of the class may enter this."))


def can_read_results(user, school_class: sm.SchoolClass) -> bool:
    return _usable(user) and same_school(user, school_class) and (
        is_leader(user) or is_homeroom(user, school_class)
    )


def require_results_reader(user, school_class: sm.SchoolClass) -> None:
    _wall(user, school_class)
    if not can_read_results(user, school_class):
        raise PermissionDenied(_("You do not have permission to see the results of this class."))


def require_progress_reader(user) -> None:
    if not is_leader(user):
        raise PermissionDenied(_("Only the principal and the vice principal see the entry progress."))


def require_progress_leader(user, obj) -> None:
    """The leadership of ``obj``'s school: reminders and the monthly record (another school's: a 404)."""
    if _usable(user) and not same_school(user, obj):
        raise OtherSchool(user, "progress", obj)
    require_progress_reader(user)


# --- individual education plans (TT22 art. 11) ------------------------------------------------------


def may_draft_plan(user, school_class: sm.SchoolClass) -> bool:
    """Drafts and edits the plans of the class's students: its homeroom teacher, or the admin board."""
    return is_homeroom(user, school_class) or (is_board(user) and same_school(user, school_class))


def may_read_plans(user, school_class: sm.SchoolClass) -> bool:
    """Reads them: who drafts them and the leadership (the principal approves: require_principal)."""
    return is_leader(user) and same_school(user, school_class) or may_draft_plan(user, school_class)


def require_plan_reader(user, school_class: sm.SchoolClass) -> None:
    _wall(user, school_class)
    if not may_read_plans(user, school_class):
        raise PermissionDenied(_("Only the homeroom teacher of the class, the admin board and the leadership see "
                                 "the individual education plans."))


# --- the comment bank (remark phrases) ------------------------------------------------------------

PHRASE_KEEPERS = (roles.PRINCIPAL, roles.VICE_PRINCIPAL, roles.ADMIN_BOARD)


def keeps_school_phrases(user) -> bool:
    """Does ``user`` keep the school's phrases of the comment bank (the leadership and the admin board)?"""
    return _usable(user) and user_school(user) is not None and has_role(user, *PHRASE_KEEPERS)


def may_edit_phrase(user, phrase) -> bool:
    """A teacher edits their own phrases; the school's are the keepers'. Nobody edits another teacher's."""
    if not (_usable(user) and same_school(user, phrase)):
        return False
    return keeps_school_phrases(user) if phrase.owner_id is None else phrase.owner_id == user.pk


def require_phrase_editor(user, phrase) -> None:
    """Another teacher's phrase, like another school's, does not exist for ``user`` (a 404);
    the school's phrase is read-only (403) for whoever does not keep the bank."""
    if _usable(user) and not same_school(user, phrase):
        raise OtherSchool(user, "phrase", phrase)
    if phrase.owner_id is not None and phrase.owner_id != getattr(user, "pk", None):
        raise Hidden(user, "phrase", phrase)
    if not may_edit_phrase(user, phrase):
        raise PermissionDenied(_("Only the leadership and the admin board keep the school's phrases."))


PHRASE_WRITERS = (roles.SUBJECT_TEACHER, roles.HOMEROOM_TEACHER, roles.DEPARTMENT_HEAD)


def require_phrase_bank(user) -> None:
    """The comment bank is for the teachers who write remarks and for its keepers (not the office)."""
    if not (_usable(user) and user_school(user) is not None):
        raise PermissionDenied(_("Your account is not attached to a school yet. Ask the admin board."))
    if not has_role(user, *PHRASE_WRITERS, *PHRASE_KEEPERS):
        raise PermissionDenied(_("The comment bank is for the teachers and the leadership."))


# --- the primary subject grid (TT27) ----------------------------------------------------------------


def may_write_primary(user, assignment: sm.TeachingAssignment) -> bool:
    """May ``user`` enter the levels, test scores and comments of a primary class × subject?

    The teacher of the assignment, as for the secondary grid (in primary the homeroom teacher
    usually holds most of the class's assignments); nobody else, the principal included. Whether
    the sheet is open now (approved results, the subject outside the class's set, a year that is
    not TT27) is gradebook.primary.services' answer.
    """
    return is_assigned_teacher(user, assignment)


def require_primary_writer(user, assignment: sm.TeachingAssignment) -> None:
    """403 unless ``may_write_primary``; another school's assignment is a 404."""
    require_same_school(user, assignment)
    if not may_write_primary(user, assignment):
        raise PermissionDenied(_("Only the teacher assigned to this class and subject enters its levels."))

# --- a primary class's year (TT27: gradebook.primaryyear) -------------------------------------------
#
# The homeroom teacher assesses the qualities and competencies and keeps each student's year record
# (the class's proposal, achievements, remark, the support plan and re-assessment of a student who has
# not completed); the principal approves term I and the year, and decides promotion or repetition of a
# student still not completed after support. The leadership and the admin board read the class results.

PRIMARY_RESULT_READERS = (roles.PRINCIPAL, roles.VICE_PRINCIPAL, roles.ADMIN_BOARD)


def can_assess_traits(user, school_class: sm.SchoolClass) -> bool:
    """May ``user`` enter the qualities and competencies of this primary class (its homeroom teacher)?"""
    return _usable(user) and same_school(user, school_class) and is_homeroom(user, school_class)


def require_traits_assessor(user, school_class: sm.SchoolClass) -> None:
    _wall(user, school_class)
    if not can_assess_traits(user, school_class):
        raise PermissionDenied(_("Only the homeroom teacher of the class assesses its qualities and competencies."))


def can_read_primary_results(user, school_class: sm.SchoolClass) -> bool:
    """The class's homeroom teacher, the principal, the vice principal and the admin board."""
    return _usable(user) and same_school(user, school_class) and (
        user.is_superuser or has_role(user, *PRIMARY_RESULT_READERS) or is_homeroom(user, school_class)
    )


def require_primary_results_reader(user, school_class: sm.SchoolClass) -> None:
    _wall(user, school_class)
    if not can_read_primary_results(user, school_class):
        raise PermissionDenied(_("You do not have permission to see the results of this class."))


def may_enter_awards(user, school_class: sm.SchoolClass) -> bool:
    """Certificates, competition results and awards of a class's students: its homeroom teacher or the leadership."""
    return _usable(user) and same_school(user, school_class) and (is_leader(user) or is_homeroom(user, school_class))


def require_awards_writer(user, school_class: sm.SchoolClass) -> None:
    _wall(user, school_class)
    if not may_enter_awards(user, school_class):
        raise PermissionDenied(_("Only the homeroom teacher of the class or the school's leadership may enter "
                                 "certificates and awards."))
