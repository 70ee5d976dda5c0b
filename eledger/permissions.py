"""The document store's one permission policy: who sees, uploads to and reviews which documents.

- A teacher's own documents: the owner; the head of the document's department (the
  django-guardian object permission "schoolrecords.review_department", granted by
  schoolrecords.services.department_set_head); the principal and vice principals.
- A department's documents: also every member of the department (they work from them).
- The school's content library: every staff member of the school.
- Review: the head of the document's department, the principal and vice principals; never
  the document's own owner.
Anyone else gets a 404 for a document, as for another school's rows.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from schoolrecords import models as sm
from schoolrecords import roles
from schoolrecords.permissions import Hidden, OtherSchool, has_role, objects_for, same_school, user_school

from .models import Document, DocumentKind

REVIEW_DEPARTMENT = "schoolrecords.review_department"
SETUP = "schoolrecords.manage_school_setup"
# Leadership reads and reviews every department's documents (seed 001 art. 12.12). A role, not a
# model permission: the role groups' permissions are synced from schoolrecords.roles.
LEADERS = (roles.PRINCIPAL, roles.VICE_PRINCIPAL)
# The school's content library (templates the school sends) is published by these roles.
PUBLISHERS = (roles.PRINCIPAL, roles.VICE_PRINCIPAL, roles.ADMIN_BOARD)


@dataclass
class Access:
    """What one user may do in the store, worked out once per request (a fixed number of queries)."""

    user: object
    school: sm.School | None
    is_leader: bool = False
    is_publisher: bool = False
    is_superuser: bool = False
    member_department_id: int | None = None
    review_department_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_reviewer(self) -> bool:
        return self.is_leader or bool(self.review_department_ids)

    def can_view(self, document: Document) -> bool:
        if self.is_superuser:
            return True
        if self.school is None or document.school_id != self.school.pk:
            return False
        if document.owner_id == self.user.pk or self.is_leader:
            return True
        scope = document.kind.scope
        if scope == DocumentKind.Scope.SCHOOL:
            return True
        if document.department_id is not None and document.department_id in self.review_department_ids:
            return True
        return scope == DocumentKind.Scope.DEPARTMENT and document.department_id == self.member_department_id

    def can_review(self, document: Document) -> bool:
        """May act as a reviewer of the document (the state machine decides whether now)."""
        if not self.can_view(document) or document.owner_id == self.user.pk:
            return False
        if self.is_leader or self.is_superuser:
            return True
        return document.department_id is not None and document.department_id in self.review_department_ids

    def can_edit(self, document: Document) -> bool:
        """May upload versions and submit: the owner only (the state machine decides whether now)."""
        return self.can_view(document) and document.owner_id == self.user.pk

    def can_create(self, kind: DocumentKind, department: sm.Department | None = None) -> bool:
        if self.school is None or kind.school_id != self.school.pk or not kind.is_active:
            return False
        if kind.scope == DocumentKind.Scope.TEACHER:
            return True
        if kind.scope == DocumentKind.Scope.SCHOOL:
            return self.is_publisher
        if department is None:
            return self.is_leader or bool(self.review_department_ids)
        return department.school_id == self.school.pk and (
            self.is_leader or department.pk in self.review_department_ids
        )

    def visible(self, queryset: QuerySet[Document]) -> QuerySet[Document]:
        """The documents of ``queryset`` this user may see."""
        if self.is_superuser:
            return queryset
        if self.school is None:
            return queryset.none()
        queryset = queryset.filter(school=self.school)
        if self.is_leader:
            return queryset
        rule = (
            Q(owner=self.user)
            | Q(kind__scope=DocumentKind.Scope.SCHOOL)
            | Q(department_id__in=self.review_department_ids)
        )
        if self.member_department_id is not None:
            rule |= Q(kind__scope=DocumentKind.Scope.DEPARTMENT, department_id=self.member_department_id)
        return queryset.filter(rule)

    def reviewable(self, queryset: QuerySet[Document]) -> QuerySet[Document]:
        """The documents of ``queryset`` this user may review (never their own)."""
        if self.school is None and not self.is_superuser:
            return queryset.none()
        if not (self.is_leader or self.is_superuser):
            queryset = queryset.filter(department_id__in=self.review_department_ids)
        if self.school is not None:
            queryset = queryset.filter(school=self.school)
        return queryset.exclude(owner=self.user)

    def reviewable_departments(self) -> QuerySet[sm.Department]:
        if self.school is None:
            return sm.Department.objects.none()
        departments = sm.Department.objects.filter(school=self.school)
        if self.is_leader:
            return departments
        return departments.filter(pk__in=self.review_department_ids)


def access_for(user) -> Access:
    """The user's Access, cached on the user object for the request."""
    cached = getattr(user, "_eledger_access", None)
    if cached is not None:
        return cached
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        access = Access(user=user, school=None)
    else:
        school = user_school(user)
        profile = getattr(user, "profile", None) if school is not None else None
        review_ids = frozenset()
        if school is not None:
            review_ids = frozenset(
                objects_for(user, REVIEW_DEPARTMENT, sm.Department.objects.filter(school=school),
                            school_path="school").values_list("pk", flat=True)
            )
        access = Access(
            user=user,
            school=school,
            is_superuser=user.is_superuser,
            is_leader=has_role(user, *LEADERS),
            is_publisher=has_role(user, *PUBLISHERS),
            member_department_id=profile.department_id if profile is not None else None,
            review_department_ids=review_ids,
        )
    user._eledger_access = access
    return access


def forget(user) -> None:
    """Drop the cached Access (after roles or departments changed within one request or test)."""
    user.__dict__.pop("_eledger_access", None)


# --- the gates views and services pass ---------------------------------------------------------


def require_view(user, document: Document) -> None:
    """404 unless the user may see the document: another's document does not exist for them."""
    if not access_for(user).can_view(document):
        hidden = Hidden if document.school_id == getattr(user_school(user), "pk", None) else OtherSchool
        raise hidden(user, "view", document)


def require_edit(user, document: Document) -> None:
    require_view(user, document)
    if not access_for(user).can_edit(document):
        raise PermissionDenied(_("Only the owner of this document may change it."))


def require_review(user, document: Document) -> None:
    require_view(user, document)
    if document.owner_id == user.pk:
        raise PermissionDenied(_("You cannot review your own document."))
    if not access_for(user).can_review(document):
        raise PermissionDenied(_("You may not review this document."))


def require_create(user, kind: DocumentKind, department: sm.Department | None = None) -> None:
    if kind.school_id != getattr(user_school(user), "pk", None) and not user.is_superuser:
        raise OtherSchool(user, "create", kind)
    if department is not None and not same_school(user, department):
        raise OtherSchool(user, "create", department)
    if not access_for(user).can_create(kind, department):
        raise PermissionDenied(_("You may not add documents of this kind."))


def can_configure(user, school: sm.School) -> bool:
    """The admin board and the principal set the store's rules for the school."""
    from schoolrecords.permissions import allowed

    return allowed(user, SETUP, school) or (same_school(user, school) and has_role(user, roles.PRINCIPAL))


def require_configure(user, school: sm.School) -> None:
    if not can_configure(user, school):
        raise PermissionDenied(_("You do not have permission to do this."))
