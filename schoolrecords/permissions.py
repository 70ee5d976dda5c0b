"""One permission policy: may this user act on this object, and which objects may they see.

A role's model permissions (groups) reach every object of the user's own school; a
django-guardian object permission reaches that one object. Both stop at the school wall:
an object of another school is never allowed, and views turn that into a 404.
"""

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.db.models.fields.related_descriptors import ForwardManyToOneDescriptor
from django.http import Http404
from django.utils.translation import gettext as _
from guardian.shortcuts import get_objects_for_user

from . import models as m


def user_school(user) -> m.School | None:
    """The school a staff account belongs to, cached on the user object."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_school_cache"):
        profile = getattr(user, "profile", None) if _has_profile(user) else None
        user._school_cache = profile.school if profile else None
    return user._school_cache


def _has_profile(user) -> bool:
    try:
        user.profile  # noqa: B018 — the reverse one-to-one raises when absent
    except m.StaffProfile.DoesNotExist:
        return False
    return True


def school_of(obj: Model) -> int | None:
    """The id of the school an object belongs to, following its own foreign keys."""
    match obj:
        case m.School():
            return obj.pk
        case m.SchoolYear() | m.Department() | m.Subject() | m.Student() | m.StaffProfile():
            return obj.school_id
        case m.Term() | m.GradeSubject() | m.SchoolClass() | m.TeachingAssignment():
            return obj.year.school_id
        case m.Enrolment():
            return obj.school_class.year.school_id
    owner = getattr(obj, "school_id", None)
    if owner is not None:
        return owner
    for link in ("school_class", "term", "year", "enrolment", "document"):  # the other apps' rows, through their owner
        if isinstance(getattr(type(obj), link, None), ForwardManyToOneDescriptor):
            return school_of(getattr(obj, link))
    raise TypeError(f"No school rule for {type(obj).__name__}")


def same_school(user, obj: Model) -> bool:
    if user.is_superuser:
        return True
    school = user_school(user)
    return school is not None and school.pk == school_of(obj)


def allowed(user, perm: str, obj: Model | None = None) -> bool:
    if user is None or isinstance(user, AnonymousUser) or not user.is_active:
        return False
    if obj is None:
        return user.has_perm(perm)
    if not same_school(user, obj):
        return False
    return user.has_perm(perm) or user.has_perm(perm, obj)


class Hidden(Http404):
    """A refusal answered as a 404: the object (or page) exists, but not for this user.

    The site's 404 handler (schoolrecords.views.page_not_found) logs it as a refusal, where a
    plain Http404 (a row that is not there) is not logged.
    """

    reason = "hidden"

    def __init__(self, user, perm: str, obj: Model | None = None):
        super().__init__()
        self.perm = perm
        self.target = f"{type(obj).__name__}#{obj.pk}" if obj is not None else "-"


class OtherSchool(Hidden):
    """The 404 of an object behind the school wall."""

    reason = "other_school"


def found_or_hidden(queryset: QuerySet, user, perm: str = "", **lookup) -> Model:
    """The object of ``queryset`` (the rows ``user`` may reach) matching ``lookup``, else a 404.

    The 404 is a logged refusal (OtherSchool, Hidden) when the object exists outside
    ``queryset``, and a plain Http404 when there is no such row at all; the second lookup runs
    only on the way to a 404.
    """
    found = queryset.filter(**lookup).first()
    if found is not None:
        return found
    raise not_found(queryset.model, user, perm, **lookup)


def not_found(model: type[Model], user, perm: str = "", **lookup) -> Http404:
    """The 404 for a ``model`` row ``user`` could not reach: a refusal (logged) when it exists, else plain."""
    other = model._default_manager.filter(**lookup).first()
    if other is None:
        return Http404()
    try:
        behind_wall = getattr(user, "is_authenticated", False) and not same_school(user, other)
    except TypeError:  # a model without a school rule
        behind_wall = False
    return (OtherSchool if behind_wall else Hidden)(user, perm, other)


def wall(user, obj: Model, perm: str = "") -> None:
    """Raise a 404 (OtherSchool, logged as a refusal) when ``obj`` belongs to another school than the user's."""
    if user.is_authenticated and not same_school(user, obj):
        raise OtherSchool(user, perm, obj)


def require(user, perm: str, obj: Model | None = None) -> None:
    """Raise PermissionDenied (403) unless allowed; another school's object is a 404."""
    if obj is not None:
        wall(user, obj, perm)
    if not allowed(user, perm, obj):
        raise PermissionDenied(_("You do not have permission to do this."))


def objects_for(user, perm: str, queryset: QuerySet, *, school_path: str) -> QuerySet:
    """The objects of ``queryset`` the user may act on: all of their school, or the granted ones."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    school = user_school(user)
    if school is None:
        return queryset.none()
    scoped = queryset.filter(**{school_path: school})
    if user.has_perm(perm):
        return scoped
    return get_objects_for_user(user, perm, klass=scoped, accept_global_perms=False)


def has_role(user, *roles: Iterable[str]) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if not hasattr(user, "_role_cache"):
        user._role_cache = frozenset(user.groups.values_list("name", flat=True))
    return any(role in user._role_cache for role in roles)
