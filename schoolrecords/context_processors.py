"""Template context every page needs: the user's school, roles and current year."""

from . import roles
from .permissions import has_role, user_school
from .selectors import current_year


def school(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    school = user_school(user)
    return {
        "current_school": school,
        "current_year": current_year(school) if school else None,
        "user_role_labels": [label for name, label in roles.LABELS.items() if has_role(user, name)],
        "can_manage_setup": user.has_perm("schoolrecords.manage_school_setup"),
        # What the top bar offers; every page checks again on the server.
        "nav": {
            "corrections": has_role(user, roles.PRINCIPAL, roles.VICE_PRINCIPAL, roles.SUBJECT_TEACHER,
                                    roles.ADMIN_BOARD, roles.CLERK),
            "progress": has_role(user, roles.PRINCIPAL, roles.VICE_PRINCIPAL),
            "windows": has_role(user, roles.ADMIN_BOARD, roles.PRINCIPAL, roles.VICE_PRINCIPAL),
            # The archive's readers (archive.permissions.READERS): the clerk prints, the leadership downloads.
            "archive": has_role(user, roles.CLERK, roles.PRINCIPAL, roles.VICE_PRINCIPAL),
        },
    }
