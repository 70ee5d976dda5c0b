"""Reads for the signing plan page and the batch progress: each kind's plan and its default, the documents of a
kind part-way through signing, a signer's batch and its items. A fixed number of queries whatever the sizes."""

from dataclasses import dataclass

from schoolrecords import models as sm
from schoolrecords import selectors as sm_selectors
from schoolrecords.permissions import found_or_hidden, user_school

from ..models import ArchivedDocument, Kind, Signature, SigningBatch, SigningBatchItem, SigningStage
from . import selectors, stages


@dataclass(frozen=True)
class KindPlan:
    kind: str
    plan: tuple[str, ...]
    default: tuple[str, ...]
    custom: bool  # the school set its own plan for this kind

    @property
    def label(self) -> str:
        return Kind(self.kind).label


def plans(school_id: int) -> list[KindPlan]:
    """Every signable kind's plan at the school, with its default (one query)."""
    found: dict[str, list[str]] = {}
    for kind, role in (SigningStage.objects.filter(school_id=school_id).order_by("kind", "position")
                       .values_list("kind", "role")):
        found.setdefault(kind, []).append(role)
    return [KindPlan(kind, tuple(found.get(kind) or stages.DEFAULT_PLANS.get(kind, ())),
                     stages.DEFAULT_PLANS.get(kind, ()), kind in found) for kind in selectors.SIGNABLE_KINDS]


def part_way(school_id: int, kind: str) -> list[str]:
    """The names of the classes with a document of ``kind`` of the current school year (or a later one being set up)
    signed by some but not all of its stages (four queries).

    A change of the plan would reorder what is left of those documents' signatures against what
    they already carry: the plan waits until they are fully signed (or printed again). A past year's
    documents left part-way (nobody will finish them now) do not block it."""
    year = sm_selectors.current_year(sm.School(pk=school_id))
    if year is None:
        return []
    rows = list(ArchivedDocument.objects.filter(school_id=school_id, kind=kind, year__start_date__gte=year.start_date,
                                                superseded_by__isnull=True, signature__isnull=False)
                .values_list("pk", "scope_key", "school_class_id", "school_class__name"))
    if not rows:
        return []
    made_by: dict[int, tuple[int, str, int]] = {}
    for made, signed, role, signer in Signature.objects.filter(scope_key__in={row[1] for row in rows}).values_list(
            "document_id", "signed_id", "role", "signer_id"):
        made_by[made] = (signed, role, signer)
    teachers: dict[int, set[int]] = {}
    for class_id, teacher_id in (sm.TeachingAssignment.objects.filter(
            school_class_id__in={row[2] for row in rows}, state=sm.TeachingAssignment.State.CONFIRMED)
            .values_list("school_class_id", "teacher_id")):
        teachers.setdefault(class_id, set()).add(teacher_id)
    plan = selectors.plan(school_id, kind)
    names = set()
    for pk, _key, class_id, class_name in rows:
        signed: dict[str, set[int]] = {}
        current = pk
        while current in made_by:
            current, role, signer = made_by[current]
            signed.setdefault(role, set()).add(signer)
        if not stages.progress(plan, signed, teachers.get(class_id, set())).complete:
            names.add(class_name)
    return sorted(names)


def batch_for(*, actor, pk: int) -> SigningBatch:
    """The actor's own signing batch (another's: a logged 404)."""
    school = user_school(actor)
    queryset = SigningBatch.objects.select_related("school_class", "term")
    if not actor.is_superuser:
        queryset = queryset.filter(requested_by=actor, school=school)
    return found_or_hidden(queryset, actor, "archive", pk=pk)


def batch_items(batch: SigningBatch) -> list[SigningBatchItem]:
    return list(batch.items.select_related("document__student").order_by("document__student__full_name", "pk"))
