"""The school roles as Django groups, and the model permissions each role holds school-wide."""

from django.utils.translation import gettext_lazy as _

PRINCIPAL = "principal"
VICE_PRINCIPAL = "vice_principal"
ADMIN_BOARD = "admin_board"
DEPARTMENT_HEAD = "department_head"
HOMEROOM_TEACHER = "homeroom_teacher"
SUBJECT_TEACHER = "subject_teacher"
CLERK = "clerk"

LABELS = {
    PRINCIPAL: _("Principal"),
    VICE_PRINCIPAL: _("Vice principal"),
    ADMIN_BOARD: _("Admin board"),
    DEPARTMENT_HEAD: _("Department head"),
    HOMEROOM_TEACHER: _("Homeroom teacher"),
    SUBJECT_TEACHER: _("Subject teacher"),
    CLERK: _("Clerk"),
}
ALL = tuple(LABELS)

_MASTER_MODELS = (
    "school", "schoolyear", "term", "department", "subject", "gradesubject",
    "schoolclass", "student", "enrolment", "staffprofile", "teachingassignment",
)
_VIEW_ALL = tuple(f"schoolrecords.view_{model}" for model in _MASTER_MODELS)

# Global permissions apply to the user's own school only: permissions.allowed() puts the
# school wall in front of every check. Per-object rights (a teacher's class and subject, a
# homeroom class, a head's department) are granted by the services through django-guardian.
PERMISSIONS = {
    PRINCIPAL: _VIEW_ALL + ("schoolrecords.view_school_overview",),
    VICE_PRINCIPAL: _VIEW_ALL + ("schoolrecords.view_school_overview",),
    ADMIN_BOARD: _VIEW_ALL
    + ("schoolrecords.manage_school_setup", "schoolrecords.view_school_overview")
    + tuple(f"schoolrecords.{action}_{model}" for model in _MASTER_MODELS for action in ("add", "change")),
    DEPARTMENT_HEAD: (),
    HOMEROOM_TEACHER: (),
    SUBJECT_TEACHER: (),
    CLERK: _VIEW_ALL,
}
