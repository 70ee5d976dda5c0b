"""The families' one policy: who sees which child's records, who invites, who publishes.

- A parent sees only the children they are linked to (a live Guardianship); anything else is a 404,
  logged as other refusals are (schoolrecords.permissions.not_found).
- The homeroom teacher of a student's class (the django-guardian permission
  "schoolrecords.homeroom_schoolclass") and the admin board invite its families.
- The principal and vice principals publish and withdraw results and set the families' settings.
Staff accounts never see the parents' pages; parents never reach a staff page (they hold no role).
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from schoolrecords import models as sm
from schoolrecords import roles
from schoolrecords.permissions import has_role, not_found, same_school, user_school

from .models import Guardianship, Parent

HOMEROOM = "schoolrecords.homeroom_schoolclass"
PUBLISHERS = (roles.PRINCIPAL, roles.VICE_PRINCIPAL)
INVITERS = (roles.ADMIN_BOARD,)


def parent_of(user) -> Parent | None:
    """The parent account behind ``user``, cached on the user object; None for staff and anonymous."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if not hasattr(user, "_family_parent"):
        user._family_parent = Parent.objects.filter(user=user).first()
    return user._family_parent


def is_parent(user) -> bool:
    return parent_of(user) is not None


@dataclass
class Access:
    """What one parent may read, worked out once per request (one query)."""

    parent: Parent | None
    child_ids: frozenset[int] = field(default_factory=frozenset)

    def can_see(self, student_id: int) -> bool:
        return student_id in self.child_ids


def access_for(user) -> Access:
    parent = parent_of(user)
    if parent is None:
        return Access(parent=None)
    ids = Guardianship.objects.filter(parent=parent, ended_at__isnull=True).values_list("student_id", flat=True)
    return Access(parent=parent, child_ids=frozenset(ids))


def visible_students(user) -> QuerySet[sm.Student]:
    """The queryset twin of ``Access.can_see``: the students ``user`` may read as a parent."""
    parent = parent_of(user)
    if parent is None:
        return sm.Student.objects.none()
    return sm.Student.objects.filter(family_links__parent=parent, family_links__ended_at__isnull=True)


def child_or_404(user, student_id: int) -> sm.Student:
    """The linked child, else a 404 (a logged refusal when the student exists)."""
    student = visible_students(user).filter(pk=student_id).select_related("school").first()
    if student is None:
        raise not_found(sm.Student, user, "families.view_child", pk=student_id)
    return student


def may_invite(user, school_class: sm.SchoolClass) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active or not same_school(user, school_class):
        return False
    return has_role(user, *INVITERS) or user.has_perm(HOMEROOM, school_class)


def require_invite(user, school_class: sm.SchoolClass) -> None:
    if not may_invite(user, school_class):
        raise PermissionDenied(_("Only the class's homeroom teacher or the admin board may invite its families."))


def may_deactivate(user, school_class: sm.SchoolClass) -> bool:
    """Who closes the account of a parent of the class's students: who invites its families, and the leadership."""
    return may_invite(user, school_class) or (same_school(user, school_class) and is_leader(user, user_school(user)))


def require_deactivate(user, school_class: sm.SchoolClass) -> None:
    if not may_deactivate(user, school_class):
        raise PermissionDenied(_("Only the class's homeroom teacher, the admin board or the leadership may close a "
                                 "parent's account."))


def may_reopen(user, school_class: sm.SchoolClass) -> bool:
    """Who opens a closed parent's account again: the admin board or the leadership of the class's school (not
    the homeroom teacher alone)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or not same_school(user, school_class):
        return False
    return has_role(user, *INVITERS) or is_leader(user, user_school(user))


def require_reopen(user, school_class: sm.SchoolClass) -> None:
    if not may_reopen(user, school_class):
        raise PermissionDenied(_("Only the admin board or the leadership may reopen a parent's account."))


def may_publish(user, school: sm.School | None = None) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active or user_school(user) is None:
        return False
    if school is not None and user_school(user).pk != school.pk:
        return False
    return has_role(user, *PUBLISHERS)


def require_publish(user, school: sm.School) -> None:
    if not may_publish(user, school):
        raise PermissionDenied(_("Only the principal or a vice principal may publish results to families."))


# --- notices --------------------------------------------------------------------------------------

def is_leader(user, school: sm.School | None = None) -> bool:
    return may_publish(user, school)  # the same people: the principal and the vice principals


def may_write_notice(user, *, audience: str, school_class: sm.SchoolClass | None = None) -> bool:
    """A homeroom teacher writes to their class's families; the leadership to a class, a grade or the school."""
    school = user_school(user)
    if school is None or not user.is_active:
        return False
    if school_class is not None and not same_school(user, school_class):
        return False
    if is_leader(user, school):
        return True
    return audience == "class" and school_class is not None and user.has_perm(HOMEROOM, school_class)


def require_write_notice(user, *, audience: str, school_class: sm.SchoolClass | None = None) -> None:
    if not may_write_notice(user, audience=audience, school_class=school_class):
        raise PermissionDenied(_("A homeroom teacher writes to their own class's families; the principal and the "
                                 "vice principals to a grade or the whole school."))


def may_see_notice(user, notice) -> bool:
    """The author and the school's leadership see a notice and who read it."""
    return notice.author_id == user.pk or is_leader(user, notice.school)


def require_decide_notice(user, notice) -> None:
    if not is_leader(user, notice.school) or notice.author_id == user.pk:
        raise PermissionDenied(_("A vice principal or the principal approves a homeroom teacher's notice, not its "
                                 "author."))
