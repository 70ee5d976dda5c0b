"""Who may read and who may write the scores of one class's subject: the gradebook's permission policy.

Write: the assigned teacher only (the django-guardian object permission
"schoolrecords.teach_assignment", granted and revoked by the assignment services); nobody
else, the principal included: a change after entry goes through a correction request.
Read: the assigned teacher, the class's homeroom teacher, the head of the subject's
department, the vice principal and the principal. Another school's assignment is a 404.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.shortcuts import get_objects_for_user

from schoolrecords import models as sm
from schoolrecords import roles
from schoolrecords.permissions import OtherSchool, allowed, has_role, same_school

from . import locks
from .models import Exemption, ResultApproval

TEACH = "schoolrecords.teach_assignment"
HOMEROOM = "schoolrecords.homeroom_schoolclass"
REVIEW_DEPARTMENT = "schoolrecords.review_department"
# Leadership reads every class's scores. A role, not a model permission, because the role
# groups' permissions are synced from schoolrecords.roles.PERMISSIONS, which this app does not own.
SCHOOL_WIDE_READERS = (roles.PRINCIPAL, roles.VICE_PRINCIPAL)


def _usable(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def can_read(user, assignment: sm.TeachingAssignment) -> bool:
    """May ``user`` see the scores of the assignment's class and subject?

    ``assignment`` should come with ``year``, ``school_class`` and ``subject__department``
    selected (gradebook.selectors does that), or each check costs a query.
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


def require_read(user, assignment: sm.TeachingAssignment) -> None:
    """403 unless ``can_read``; another school's assignment is a 404."""
    if _usable(user) and not same_school(user, assignment):
        raise OtherSchool(user, "read", assignment)
    if not can_read(user, assignment):
        raise PermissionDenied(_("You do not have permission to see these scores."))


def check_writable(user, assignment: sm.TeachingAssignment, term: sm.Term, *,
                   for_update: bool = False) -> "locks.WriteState":
    """The gate every score write passes (403, or 404 for another school).

    It checks the teaching permission, and refuses the whole save once the principal has approved
    the class's results for the term or the year (gradebook.models.ResultApproval: approved results
    are frozen; a change then goes through a correction request). Entry windows and column locks
    (DESIGN.md "Entry windows, locks and corrections", gradebook.locks) are checked here too: a
    term's book lock, or windows that close every column, refuse the whole save by raising; the
    returned ``locks.WriteState`` names the locked columns and an exempt student
    (``exempt_enrolment_ids``) is refused too, single cells which gradebook.services.scores_save
    reports per cell.
    """
    if _usable(user) and not same_school(user, assignment):
        raise OtherSchool(user, TEACH, assignment)
    if not allowed(user, TEACH, assignment):
        raise PermissionDenied(_("Only the teacher assigned to this class and subject may enter its scores."))
    if for_update:  # the save's transaction: no approval, window or lock can change until it commits
        locks.pass_term_gate(term.pk)
    if results_approved(assignment.school_class_id, term):
        raise PermissionDenied(str(FROZEN_SCORES_MESSAGE))
    # Entry windows and locks (gradebook.locks): a book lock, or windows closing every column,
    # refuse the whole save; the returned state refuses single columns (``locked_columns``).
    state = locks.write_state(assignment, term)
    if state.whole_refusal:
        raise locks.EntryClosed(state)
    return state


def can_write(user, assignment: sm.TeachingAssignment, term: sm.Term) -> bool:
    """``check_writable`` as a flag, for templates (which only reflect: the service checks again)."""
    try:
        check_writable(user, assignment, term)
    except (PermissionDenied, Http404):
        return False
    return True


def writable_state(user, assignment: sm.TeachingAssignment, term: sm.Term) -> "locks.WriteState | None":
    """``check_writable``'s state when ``user`` may write, else None (for the grid, which shows the locks)."""
    try:
        return check_writable(user, assignment, term)
    except (PermissionDenied, Http404):
        return None


# --- approved results and exemptions (gradebook.results_services writes them) --------------------

FROZEN_SCORES_MESSAGE = gettext_lazy(
    "The principal has approved this class's results for this period: its scores can no longer be changed."
)
EXEMPT_MESSAGE = gettext_lazy("This student is exempt from this subject for this term.")


def results_approved(school_class_id: int, term: sm.Term) -> bool:
    """Has the principal approved the class's results for ``term``, or for its whole year? (one query)"""
    return ResultApproval.objects.filter(Q(term=term) | Q(term__isnull=True), school_class_id=school_class_id).exists()


def exempt_enrolment_ids(assignment: sm.TeachingAssignment, term: sm.Term) -> frozenset[int]:
    """The students of the assignment's class exempt from its subject in ``term`` (one query).

    Their cells are not required and must not be written: the score service refuses them per cell
    with EXEMPT_MESSAGE, and the grid shows them read-only.
    """
    return frozenset(
        Exemption.objects.filter(
            Q(term=term) | Q(term__isnull=True), enrolment__school_class_id=assignment.school_class_id,
            subject_id=assignment.subject_id,
        ).values_list("enrolment_id", flat=True)
    )


def locked_columns(state: "locks.WriteState", columns) -> set[tuple[str, int]]:
    """Which of ``columns`` ((kind, index) pairs) the windows and locks of ``state`` refuse.

    The per-cell hook beside ``exempt_enrolment_ids``: the score service refuses their cells with
    ``state.cell_refusal``'s message, and the grid shows them read-only with a lock mark.
    """
    return {(kind, index) for kind, index in columns if state.is_locked(kind, index)}


def is_assigned_teacher(user, assignment: sm.TeachingAssignment) -> bool:
    """May ``user`` file correction requests for this class's subject (the teacher who enters its scores)?"""
    return _usable(user) and same_school(user, assignment) and allowed(user, TEACH, assignment)
