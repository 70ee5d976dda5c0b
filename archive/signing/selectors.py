"""Reads for signing: the signable documents of a class, their chains of signatures, the board, what waits for whom.

A document's signatures are those of the versions that signatures made, walking back from its latest
version to the printed one (a re-print starts a new chain: its data changed, it is signed again). Each
read runs a fixed number of queries whatever the number of documents.
"""

from dataclasses import dataclass, field

from django.db.models import Max, Q

from schoolrecords import models as sm
from schoolrecords import roles
from schoolrecords.permissions import has_role, user_school

from ..models import ArchivedDocument, Kind, Signature, SigningCertificate, SigningRole, SigningStage
from . import stages

SIGNABLE_KINDS = (Kind.REPORT_CARD, Kind.LEDGER, Kind.SUMMARY)


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
    base = ArchivedDocument.objects.filter(school_class=school_class, term=term, kind=kind)
    latest = base.values("scope_key").annotate(top=Max("version"))
    wanted = Q(pk__in=[])
    for row in latest:
        wanted |= Q(scope_key=row["scope_key"], version=row["top"])
    return list(base.filter(wanted).select_related("student", "school_class", "term", "year")
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


def waiting_for(*, actor, year: sm.SchoolYear | None = None) -> list[Waiting]:
    """What waits for ``actor``'s signature (in ``year``, or in any year of their school), per class, term, kind."""
    school = user_school(actor)
    if school is None:
        return []
    documents = ArchivedDocument.objects.filter(school=school, kind__in=SIGNABLE_KINDS)
    if year is not None:
        documents = documents.filter(year=year)
    present = set(documents.values_list("school_class_id", "term_id", "kind").distinct())
    if not present:
        return []
    classes = sm.SchoolClass.objects.filter(pk__in={class_id for class_id, _term, _kind in present})
    if not has_role(actor, roles.PRINCIPAL, roles.CLERK):
        classes = classes.filter(Q(homeroom_teacher=actor) | Q(assignments__teacher=actor)).distinct()
    classes = list(classes.select_related("year").order_by("-year__start_date", "grade", "name"))
    terms = {term.pk: term for term in sm.Term.objects.filter(pk__in={term_id for _c, term_id, _k in present})}
    waiting = []
    for school_class in classes:
        for term_id, term in sorted(terms.items(), key=lambda item: item[1].number):
            for kind in SIGNABLE_KINDS:
                if (school_class.pk, term_id, kind) not in present:
                    continue
                found = board(actor=actor, school_class=school_class, term=term, kind=kind)
                count = sum(1 for row in found.rows if row.mine)
                if count:
                    waiting.append(Waiting(school_class, term, kind, count))
    return waiting


def active_certificate(*, user=None, school=None) -> SigningCertificate | None:
    if user is not None:
        return SigningCertificate.objects.filter(user=user, active=True).first()
    return SigningCertificate.objects.filter(school=school, user__isnull=True, active=True).first()
