"""Who may print into the archive and who may take documents out of it: the archive's one policy.

- The clerk (văn thư / giáo vụ) runs print batches, takes snapshots and downloads (seed 000
  art. 10.3 and 12: the school office prints, seals and keeps the books; seed 003 section 6.2).
- The principal and the vice principal download (they supervise and sign).
- The principal alone revokes a version of a document (a status with a reason; nothing is deleted).
- Nobody else: the admin board and teachers get a 403; another school's object is a 404.
Roles, not model permissions, as in the gradebook: the role groups' permissions are synced from
schoolrecords.roles.PERMISSIONS, which this app does not own.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.utils.translation import gettext as _

from schoolrecords import roles
from schoolrecords.permissions import OtherSchool, has_role, same_school, user_school

RUNNERS = (roles.CLERK,)
READERS = (roles.CLERK, roles.PRINCIPAL, roles.VICE_PRINCIPAL)
REVOKERS = (roles.PRINCIPAL,)


def _usable(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def _wall(user, obj: Model | None) -> None:
    if obj is not None and _usable(user) and not same_school(user, obj):
        raise OtherSchool(user, "archive", obj)


def can_run(user) -> bool:
    return _usable(user) and (user.is_superuser or (user_school(user) is not None and has_role(user, *RUNNERS)))


def can_read(user) -> bool:
    return _usable(user) and (user.is_superuser or (user_school(user) is not None and has_role(user, *READERS)))


def require_run(user, obj: Model | None = None) -> None:
    """403 unless the user prints for the school; 404 for another school's ``obj``."""
    _wall(user, obj)
    if not can_run(user):
        raise PermissionDenied(_("Only the clerk prints into the archive."))


def require_read(user, obj: Model | None = None) -> None:
    """403 unless the user may open the archive; 404 for another school's ``obj``."""
    _wall(user, obj)
    if not can_read(user):
        raise PermissionDenied(_("Only the clerk, the principal and the vice principal open the archive."))


def can_revoke(user) -> bool:
    return _usable(user) and (user.is_superuser or (user_school(user) is not None and has_role(user, *REVOKERS)))


def require_revoke(user, obj: Model | None = None) -> None:
    """403 unless the user is the principal; 404 for another school's ``obj``."""
    _wall(user, obj)
    if not can_revoke(user):
        raise PermissionDenied(_("Only the principal revokes an archived document."))
