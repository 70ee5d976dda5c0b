"""Who shares the archive with inspectors: the principal alone (seed 001 art. 14.5: the head of the school answers
for what leaves it); another school's share is a 404."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from schoolrecords import roles
from schoolrecords.permissions import OtherSchool, has_role, same_school, user_school

SHARERS = (roles.PRINCIPAL,)


def may_share(user) -> bool:
    return (getattr(user, "is_authenticated", False) and user.is_active and user_school(user) is not None
            and has_role(user, *SHARERS))


def require_share(user, obj=None) -> None:
    """403 unless the user is the principal; 404 (logged) for another school's ``obj``."""
    if obj is not None and getattr(user, "is_authenticated", False) and not same_school(user, obj):
        raise OtherSchool(user, "archive.share", obj)
    if not may_share(user):
        raise PermissionDenied(_("Only the principal shares the archive with inspectors."))
