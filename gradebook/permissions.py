"""Who may read and who may write the scores of one class's subject: the gradebook's permission policy.

Write: the assigned teacher only (the django-guardian object permission
"schoolrecords.teach_assignment", granted and revoked by the assignment services); nobody
else, the principal included: a change after entry goes through a correction request.
Read: the assigned teacher, the class's homeroom teacher, the head of the subject's
department, the vice principal and the principal. Another school's assignment is a 404.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from schoolrecords import models as sm
from schoolrecords import roles
from schoolrecords.permissions import allowed, has_role, same_school

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


def require_read(user, assignment: sm.TeachingAssignment) -> None:
    """403 unless ``can_read``; another school's assignment is a 404."""
    if _usable(user) and not same_school(user, assignment):
        raise Http404
    if not can_read(user, assignment):
        raise PermissionDenied(_("You do not have permission to see these scores."))


def check_writable(user, assignment: sm.TeachingAssignment, term: sm.Term) -> None:
    """The gate every score write passes (403, or 404 for another school).

    Today it checks the teaching permission only. Entry windows and column locks (DESIGN.md
    "Entry windows, locks and corrections") and exemptions are later issues and belong here:
    a closed window refuses the whole save by raising; a locked column or an exempt student
    refuses single cells, which gradebook.services.scores_save reports per cell.
    """
    if _usable(user) and not same_school(user, assignment):
        raise Http404
    if not allowed(user, TEACH, assignment):
        raise PermissionDenied(_("Only the teacher assigned to this class and subject may enter its scores."))


def can_write(user, assignment: sm.TeachingAssignment, term: sm.Term) -> bool:
    """``check_writable`` as a flag, for templates (which only reflect: the service checks again)."""
    try:
        check_writable(user, assignment, term)
    except (PermissionDenied, Http404):
        return False
    return True
