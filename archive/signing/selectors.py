"""Reads for signing: the signable documents of a class, their chains of signatures, the board, what waits for whom.

A document's signatures are those of the versions that signatures made, walking back from its latest
version to the printed one (a re-print starts a new chain: its data changed, it is signed again). Each
read runs a fixed number of queries whatever the number of documents.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from schoolrecords import models as sm
from schoolrecords import roles
from schoolrecords.permissions import has_role, user_school

from ..models import ArchivedDocument, Kind, Signature, SigningCertificate, SigningRole, SigningStage
from . import stages

SIGNABLE_KINDS = (Kind.REPORT_CARD, Kind.LEDGER, Kind.SUMMARY, Kind.PRIMARY_REPORT_CARD, Kind.PRIMARY_SUMMARY)


def plan(school_id: int, kind: str) -> tuple[str, ...]:
    rows = list(SigningStage.objects.filter(school_id=school_id, kind=kind).order_by("position")
                .values_list("role", flat=True))
    return tuple(rows) or stages.DEFAULT_PLANS.get(kind, ())


def subject_teachers(school_class: sm.SchoolClass) -> dict[int, str]:
    """The class's subject teachers (confirmed assignments of its year, open or ended): id → name."""
    rows = (sm.TeachingAssignment.objects.filter(school_class=school_class, state=sm.TeachingAssignment.State.CONFIRMED)
            .values_list("teacher_id", "teacher__profile__full_name", "teacher__username").distinct())
    return {teacher_id: name or username for teacher_id, name, username in rows}


def latest_documents(*, school_class: sm.SchoolClass, term: sm.Term, kind: str) -> list[ArchivedDocument]:
    """The latest version of each document of ``kind`` of the class and term (report cards: one per student)."""
    return list(ArchivedDocument.objects.filter(school_class=school_class, term=term, kind=kind,
                                                superseded_by__isnull=True)
                .select_related("student", "school_class", "term", "year")
                .order_by("student__full_name", "scope_key"))


def chains(documents: list[ArchivedDocument]) -> dict[int, list[Signature]]:
    """Each document's signatures, first to last (two queries)."""
    keys = {document.scope_key for document in documents}
    by_made: dict[int, Signature] = {}
    for signature in (Signature.objects.filter(scope_key__in=keys)
                      .select_related("signer__profile", "certificate")):
        by_made[signature.document_id] = signature
    result = {}
    for document in documents:
        found, current = [], document.pk
        while current in by_made:
            found.append(by_made[current])
            current = by_made[current].signed_id
        result[document.pk] = list(reversed(found))
    return result


def signed_by_role(signatures: list[Signature]) -> dict[str, set[int]]:
    signed: dict[str, set[int]] = {}
    for signature in signatures:
        signed.setdefault(signature.role, set()).add(signature.signer_id)
    return signed


def entitled(actor, role: str, school_class: sm.SchoolClass, teachers: dict[int, str]) -> bool:
    if role == SigningRole.SUBJECT_TEACHERS:
        return actor.pk in teachers
    if role == SigningRole.HOMEROOM:
        return school_class.homeroom_teacher_id == actor.pk
    if role == SigningRole.PRINCIPAL:
        return has_role(actor, roles.PRINCIPAL)
    if role == SigningRole.SEAL:
        return has_role(actor, roles.CLERK, roles.PRINCIPAL)
    return False


BOARD_READERS = (roles.PRINCIPAL, roles.VICE_PRINCIPAL, roles.CLERK)


def may_see_board(user, school_class: sm.SchoolClass) -> bool:
    """The class's signing board is for its teachers (homeroom and subject), the leadership and the clerk."""
    if user_school(user) is None or user_school(user).pk != school_class.year.school_id:
        return False
    return (has_role(user, *BOARD_READERS) or school_class.homeroom_teacher_id == user.pk
            or user.pk in subject_teachers(school_class))


@dataclass
class BoardRow:
    document: ArchivedDocument
    signatures: list[Signature]
    progress: stages.Progress
    mine: list[str] = field(default_factory=list)  # the roles the actor may sign this document at now
    waiting: list[str] = field(default_factory=list)  # the subject teachers who have not signed yet (names)


@dataclass
class Board:
    school_class: sm.SchoolClass
    term: sm.Term
    kind: str
    plan: tuple[str, ...]
    teachers: dict[int, str]
    rows: list[BoardRow]

    @property
    def signable(self) -> dict[str, list[int]]:
        """The actor's roles → the documents they may sign there now."""
        out: dict[str, list[int]] = {}
        for row in self.rows:
            for role in row.mine:
                out.setdefault(role, []).append(row.document.pk)
        return out

    def waiting_names(self, row: BoardRow) -> list[str]:
        return row.waiting


def board(*, actor, school_class: sm.SchoolClass, term: sm.Term, kind: str) -> Board:
    documents = latest_documents(school_class=school_class, term=term, kind=kind)
    signature_chains = chains(documents)
    the_plan = plan(school_class.year.school_id, kind)
    teachers = subject_teachers(school_class)
    rows = []
    for document in documents:
        signed = signed_by_role(signature_chains[document.pk])
        state = stages.progress(the_plan, signed, set(teachers))
        mine = [role for role in the_plan if stages.refusal(
            the_plan, signed, set(teachers), role=role, signer_id=actor.pk,
            entitled=entitled(actor, role, school_class, teachers)) is None]
        names = sorted(teachers[each] for each in state.waiting_teachers)
        rows.append(BoardRow(document, signature_chains[document.pk], state, mine, names))
    return Board(school_class, term, kind, the_plan, teachers, rows)


@dataclass(frozen=True)
class Waiting:
    school_class: sm.SchoolClass
    term: sm.Term
    kind: str
    count: int

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label


def _plans(school_id: int) -> dict[str, tuple[str, ...]]:
    plans: dict[str, list[str]] = {}
    for kind, role in (SigningStage.objects.filter(school_id=school_id).order_by("kind", "position")
                       .values_list("kind", "role")):
        plans.setdefault(kind, []).append(role)
    return {kind: tuple(plans.get(kind) or stages.DEFAULT_PLANS.get(kind, ())) for kind in SIGNABLE_KINDS}


def waiting_for(*, actor, year: sm.SchoolYear | None = None) -> list[Waiting]:
    """What waits for ``actor``'s signature (in ``year``, or in any year of their school), per class, term, kind.

    Six queries whatever the school's size: the latest versions, the classes, the terms, the plans, the
    subject teachers, the signatures (as plain tuples)."""
    school = user_school(actor)
    if school is None:
        return []
    latest = ArchivedDocument.objects.filter(school=school, kind__in=SIGNABLE_KINDS, superseded_by__isnull=True)
    if year is not None:
        latest = latest.filter(year=year)
    rows = list(latest.values_list("pk", "scope_key", "school_class_id", "term_id", "kind"))
    if not rows:
        return []
    classes = sm.SchoolClass.objects.filter(pk__in={row[2] for row in rows})
    if not has_role(actor, roles.PRINCIPAL, roles.CLERK):
        classes = classes.filter(Q(homeroom_teacher=actor) | Q(assignments__teacher=actor)).distinct()
    classes = {each.pk: each for each in classes.select_related("year")}
    rows = [row for row in rows if row[2] in classes]
    if not rows:
        return []
    terms = {term.pk: term for term in sm.Term.objects.filter(pk__in={row[3] for row in rows})}
    plans = _plans(school.pk)
    teachers: dict[int, set[int]] = {}
    for class_id, teacher_id in (sm.TeachingAssignment.objects.filter(
            school_class_id__in=classes, state=sm.TeachingAssignment.State.CONFIRMED)
            .values_list("school_class_id", "teacher_id")):
        teachers.setdefault(class_id, set()).add(teacher_id)
    made_by: dict[int, tuple[int, str, int]] = {}
    for made, signed, role, signer in Signature.objects.filter(scope_key__in={row[1] for row in rows}).values_list(
            "document_id", "signed_id", "role", "signer_id"):
        made_by[made] = (signed, role, signer)
    counts: dict[tuple[int, int, str], int] = {}
    for pk, _key, class_id, term_id, kind in rows:
        signed: dict[str, set[int]] = {}
        current = pk
        while current in made_by:
            current, role, signer = made_by[current]
            signed.setdefault(role, set()).add(signer)
        school_class = classes[class_id]
        class_teachers = {teacher: "" for teacher in teachers.get(class_id, ())}
        plan_of = plans[kind]
        if any(stages.refusal(plan_of, signed, set(class_teachers), role=role, signer_id=actor.pk,
                              entitled=entitled(actor, role, school_class, class_teachers)) is None
               for role in plan_of):
            counts[(class_id, term_id, kind)] = counts.get((class_id, term_id, kind), 0) + 1
    order = {kind: index for index, kind in enumerate(SIGNABLE_KINDS)}
    return [Waiting(classes[class_id], terms[term_id], kind, count) for (class_id, term_id, kind), count in sorted(
        counts.items(), key=lambda item: (-classes[item[0][0]].year.start_date.toordinal(), classes[item[0][0]].grade,
                                          classes[item[0][0]].name, terms[item[0][1]].number, order[item[0][2]]))]


def active_certificate(*, user=None, school=None) -> SigningCertificate | None:
    if user is not None:
        return SigningCertificate.objects.filter(user=user, active=True).first()
    return SigningCertificate.objects.filter(school=school, user__isnull=True, active=True).first()
