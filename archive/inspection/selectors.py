"""Reads of inspectors' access: the principal's list, a share's log, and what a share opens (fixed queries)."""

from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404

from ..models import ArchivedDocument, InspectionShare, Kind, ShareAccess
from . import policy
from .services import token_hash


def shares(*, actor, school) -> QuerySet[InspectionShare]:
    """The school's shares, newest first, with their number of uses and last use (one query)."""
    policy.require_share(actor, school)
    return (InspectionShare.objects.filter(school=school)
            .select_related("year", "school_class", "created_by__profile", "revoked_by__profile")
            .annotate(uses=Count("accesses"), last_use=Max("accesses__at")).order_by("-created_at", "-pk"))


def share_for(*, actor, pk: int) -> InspectionShare:
    share = (InspectionShare.objects.select_related("year", "school_class", "created_by__profile",
                                                    "revoked_by__profile").filter(pk=pk).first())
    if share is None:
        raise Http404
    policy.require_share(actor, share)
    return share


def accesses(share: InspectionShare, limit: int = 500) -> list[ShareAccess]:
    return list(share.accesses.select_related("document").order_by("-at", "-pk")[:limit])


def by_token(token: str) -> InspectionShare | None:
    """The share of a link's token (any state), or None."""
    if not token or len(token) > 100:
        return None
    return (InspectionShare.objects.select_related("school", "year", "school_class")
            .filter(token_hash=token_hash(token)).first())


def documents(share: InspectionShare) -> QuerySet[ArchivedDocument]:
    """Exactly what ``share`` opens: a class's ledgers, the period's correction minutes, or the year's archive."""
    queryset = ArchivedDocument.objects.filter(school_id=share.school_id, year_id=share.year_id)
    if share.scope == InspectionShare.Scope.LEDGER:
        queryset = queryset.filter(kind=Kind.LEDGER, school_class_id=share.school_class_id)
    elif share.scope == InspectionShare.Scope.CORRECTIONS:
        queryset = queryset.filter(Q(kind=Kind.CORRECTION_MINUTES), created_at__date__gte=share.period_from,
                                   created_at__date__lte=share.period_until)
    return (queryset.select_related("term", "school_class", "student", "revocation", "superseded_by")
            .order_by("school_class__grade", "school_class__name", "kind", "-created_at", "-pk"))
