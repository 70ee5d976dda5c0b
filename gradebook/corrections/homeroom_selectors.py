"""Reads of homeroom corrections: one request, the leadership's queue and decisions, a teacher's own."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from gradebook import policy
from gradebook.models import HomeroomCorrection
from schoolrecords.permissions import found_or_hidden, user_school


def _corrections():
    accounts = get_user_model().objects.select_related("profile")
    return (HomeroomCorrection.objects
            .select_related("school_class__year", "enrolment__student", "term", "subject", "requested_by__profile")
            .prefetch_related(Prefetch("decided_by", accounts), Prefetch("witness", accounts)))


def _school_corrections(user):
    school = user_school(user)
    if school is None:
        return HomeroomCorrection.objects.none()
    return _corrections().filter(school_class__year__school=school)


def homeroom_correction_for(*, actor, pk: int) -> HomeroomCorrection:
    """One request, for its requester or the school's leadership and board; else 403, another school's a 404."""
    found = found_or_hidden(_school_corrections(actor), actor, "corrections", pk=pk)
    if found.requested_by_id != actor.pk and not policy.reads_corrections(actor):
        raise PermissionDenied(_("You do not have permission to see this request."))
    return found


def homeroom_correction_queue(*, actor) -> list[HomeroomCorrection]:
    """The requests waiting for the leadership, oldest first: the leadership and the board only."""
    if not policy.reads_corrections(actor):
        raise PermissionDenied(_("You do not have permission to see the correction requests."))
    return list(_school_corrections(actor).filter(status=HomeroomCorrection.Status.PENDING)
                .order_by("requested_at", "pk"))


def homeroom_corrections_decided(*, actor, limit: int = 50) -> list[HomeroomCorrection]:
    if not policy.reads_corrections(actor):
        raise PermissionDenied(_("You do not have permission to see the correction requests."))
    return list(_school_corrections(actor).exclude(status=HomeroomCorrection.Status.PENDING)
                .order_by("-decided_at", "-pk")[:limit])


def own_homeroom_corrections(*, actor, limit: int = 50) -> list[HomeroomCorrection]:
    return list(_school_corrections(actor).filter(requested_by=actor).order_by("-requested_at", "-pk")[:limit])
