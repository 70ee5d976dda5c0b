"""Reads for the families' pages, each in a fixed number of queries."""

from dataclasses import dataclass, replace

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from gradebook import api
from schoolrecords import models as sm
from schoolrecords.selectors import sort_vietnamese

from . import policy
from .models import (
    CorrectionMessage,
    FamilySettings,
    Guardianship,
    Invitation,
    Notice,
    NoticeReceipt,
    Parent,
    Publication,
    SlipConfirmation,
    SlipIssue,
)


@dataclass(frozen=True)
class Child:
    student: sm.Student
    relation: str
    enrolment: sm.Enrolment | None  # this year's class, None when the student no longer studies there
    published: tuple[str, ...]  # the labels of the terms published for the class


def children(parent: Parent) -> list[Child]:
    """The parent's children with this year's class and what is published for it (three queries)."""
    links = list(Guardianship.objects.filter(parent=parent, ended_at__isnull=True)
                 .select_related("student__school").order_by("student__full_name"))
    students = [link.student_id for link in links]
    enrolments = {e.student_id: e for e in sm.Enrolment.objects.filter(
        student_id__in=students, status=sm.Enrolment.Status.STUDYING, school_class__year__is_current=True)
        .select_related("school_class__year").order_by("start_date")}
    published: dict[int, list[str]] = {}
    for publication in (Publication.objects.filter(
            school_class_id__in=[e.school_class_id for e in enrolments.values()], withdrawn_at__isnull=True)
            .select_related("term").order_by("term__number")):
        published.setdefault(publication.school_class_id, []).append(str(publication.term.get_number_display()))
    return [Child(student=link.student, relation=link.get_relation_display(), enrolment=enrolments.get(link.student_id),
                  published=tuple(published.get(enrolments[link.student_id].school_class_id, ()))
                  if link.student_id in enrolments else ())
            for link in links]


@dataclass(frozen=True)
class TermView:
    number: int
    label: str
    published_at: object | None  # None: regular scores as entered (the school's setting), not published
    slip: api.ParentSlipData
    regular_only: bool


@dataclass(frozen=True)
class SlipLine:
    issue: SlipIssue
    confirmed: SlipConfirmation | None


@dataclass(frozen=True)
class ChildPage:
    student: sm.Student
    enrolment: sm.Enrolment | None
    terms: list[TermView]
    slips: list[SlipLine] = ()
    corrections: list = ()  # CorrectionMessage: the school corrected a score this parent sees


def current_enrolment(student: sm.Student) -> sm.Enrolment | None:
    """The student's enrolment in their school's current year (studying), with its class, year and school."""
    return (sm.Enrolment.objects.filter(student=student, status=sm.Enrolment.Status.STUDYING,
                                        school_class__year__is_current=True)
            .select_related("school_class__year__school", "school_class__homeroom_teacher__profile", "student")
            .order_by("-start_date").first())


def _without_results(slip: api.ParentSlipData, dropped: int) -> api.ParentSlipData:
    """The slip without its last ``dropped`` score columns (end-of-term, mid-term) and without any result."""
    width = len(slip.headings) - dropped
    return replace(slip, headings=slip.headings[:width], learning="", conduct="", year=None,
                   subjects=[replace(s, cells=s.cells[:width], term="", remark="") for s in slip.subjects])


def midterm_only(slip: api.ParentSlipData) -> api.ParentSlipData:
    """The slip after the mid-term tests: the regular and mid-term scores, no end-of-term or results."""
    return _without_results(slip, 1)


def _regular_only(slip: api.ParentSlipData) -> api.ParentSlipData:
    """The slip cut to the regular scores: no mid-term, end-of-term, term result, learning or conduct."""
    return _without_results(slip, 2)


def child_page(student: sm.Student, parent: Parent | None = None) -> ChildPage:
    """What a parent sees of one child this year: each published term's slip (fixed queries)."""
    enrolment = current_enrolment(student)
    if enrolment is None:
        return ChildPage(student=student, enrolment=None, terms=[], slips=[])
    school_class = enrolment.school_class
    publications = {p.term.number: p for p in Publication.objects.filter(
        school_class=school_class, withdrawn_at__isnull=True).select_related("term")}
    regular = FamilySettings.objects.filter(school_id=school_class.year.school_id,
                                            publish_regular_scores=True).exists()
    terms = sorted(sm.Term.objects.filter(year_id=school_class.year_id), key=lambda t: t.number)
    wanted = [t for t in terms if t.number in publications]
    if regular:
        today = timezone.localdate()
        wanted += [t for t in terms if t.number not in publications and t.start_date <= today]
    slips = _slip_lines(enrolment, parent)
    told = _corrections(student, parent, published=[t.pk for t in terms if t.number in publications],
                        regular=[t.pk for t in wanted if t.number not in publications])
    if not wanted:
        return ChildPage(student=student, enrolment=enrolment, terms=[], slips=slips, corrections=told)
    data = api.load_class(school_class)
    views = []
    for term in sorted(wanted, key=lambda t: t.number):
        slip = api.parent_slip(enrolment, term.number, data=data)
        publication = publications.get(term.number)
        views.append(TermView(number=term.number, label=str(term.get_number_display()),
                              published_at=publication.published_at if publication else None,
                              slip=slip if publication else _regular_only(slip), regular_only=publication is None))
    return ChildPage(student=student, enrolment=enrolment, terms=views, slips=slips, corrections=told)


def _corrections(student: sm.Student, parent: Parent | None, *, published: list[int],
                 regular: list[int]) -> list[CorrectionMessage]:
    """The parent's messages of corrections still in sight: of a term with a live publication, or of regular
    scores of a term shown as entered; none after the term's publication is withdrawn (one query)."""
    if parent is None or not (published or regular):
        return []
    return list(CorrectionMessage.objects.filter(student=student, parent=parent)
                .filter(Q(term_id__in=published) | Q(term_id__in=regular, regular=True))[:20])


def _slip_lines(enrolment: sm.Enrolment, parent: Parent | None) -> list[SlipLine]:
    """The class's printed slips with this parent's confirmation of each (two queries)."""
    issues = list(SlipIssue.objects.filter(school_class_id=enrolment.school_class_id).select_related("term")
                  .order_by("term__number", "-occasion"))
    confirmed = {c.issue_id: c for c in SlipConfirmation.objects.filter(
        issue__in=issues, student_id=enrolment.student_id, parent=parent)} if parent else {}
    return [SlipLine(issue=i, confirmed=confirmed.get(i.pk)) for i in issues]


def class_slips(school_class: sm.SchoolClass, term: sm.Term, occasion: str) -> list[tuple[int, api.ParentSlipData]]:
    """(student id, slip) of every studying student of the class for ``occasion`` (the class is loaded once)."""
    data = api.load_class(school_class)
    enrolments = sort_vietnamese(sm.Enrolment.objects.filter(school_class=school_class,
                                                             status=sm.Enrolment.Status.STUDYING)
                                 .select_related("student"))
    cut = midterm_only if occasion == SlipIssue.Occasion.MID_TERM else (lambda slip: slip)
    return [(e.student_id, cut(api.parent_slip(e, term.number, data=data))) for e in enrolments]


def slip_confirmations(school_class: sm.SchoolClass) -> dict[tuple[int, int], list[SlipConfirmation]]:
    """(issue id, student id) → the parents' confirmations, for the homeroom teacher's list (one query)."""
    found: dict[tuple[int, int], list[SlipConfirmation]] = {}
    for c in SlipConfirmation.objects.filter(issue__school_class=school_class).select_related("parent"):
        found.setdefault((c.issue_id, c.student_id), []).append(c)
    return found


# --- the staff's side --------------------------------------------------------------------------------

@dataclass(frozen=True)
class FamilyLine:
    enrolment: sm.Enrolment
    parents: tuple[Guardianship, ...]
    pending: Invitation | None


def class_families(school_class: sm.SchoolClass) -> list[FamilyLine]:
    """Each studying student of the class with their linked parents and pending invitation (three queries)."""
    enrolments = list(sm.Enrolment.objects.filter(school_class=school_class, status=sm.Enrolment.Status.STUDYING)
                      .select_related("student")
                      .prefetch_related(Prefetch("student__family_links",
                                                 queryset=Guardianship.objects.filter(ended_at__isnull=True)
                                                 .select_related("parent__user"), to_attr="live_links")))
    pending = {i.student_id: i for i in Invitation.objects.filter(
        student_id__in=[e.student_id for e in enrolments], used_at__isnull=True, revoked_at__isnull=True)}
    return [FamilyLine(enrolment=e, parents=tuple(e.student.live_links), pending=pending.get(e.student_id))
            for e in sort_vietnamese(enrolments)]


def parents_of_class(school_class: sm.SchoolClass):
    """The parents linked (live) to a student studying in the class, with their login."""
    return (Parent.objects.filter(links__ended_at__isnull=True, links__student__enrolments__school_class=school_class,
                                  links__student__enrolments__status=sm.Enrolment.Status.STUDYING)
            .select_related("user").distinct())


@dataclass(frozen=True)
class PublicationLine:
    school_class: sm.SchoolClass
    cells: list[tuple[sm.Term, Publication | None]]  # each term of the year, with its live publication


def publication_board(year: sm.SchoolYear) -> tuple[list[sm.Term], list[PublicationLine]]:
    """The year's classes with their live publications per term (three queries)."""
    terms = list(sm.Term.objects.filter(year=year).order_by("number"))
    live: dict[int, dict[int, Publication]] = {}
    for p in Publication.objects.filter(school_class__year=year, withdrawn_at__isnull=True).select_related(
            "term", "published_by__profile"):
        live.setdefault(p.school_class_id, {})[p.term.number] = p
    classes = sm.SchoolClass.objects.filter(year=year).order_by("grade", "name")
    return terms, [PublicationLine(school_class=c, cells=[(t, live.get(c.pk, {}).get(t.number)) for t in terms])
                   for c in classes]


# --- notices --------------------------------------------------------------------------------------

def parent_notices(parent: Parent) -> list[NoticeReceipt]:
    """The parent's notices, newest first, with their child (one query)."""
    return list(NoticeReceipt.objects.filter(parent=parent).select_related("notice__school", "student")
                .order_by("-notice__sent_at", "-pk"))


def unread_count(parent: Parent) -> int:
    return NoticeReceipt.objects.filter(parent=parent, read_at__isnull=True).count()


@dataclass(frozen=True)
class NoticeLine:
    notice: Notice
    receipts: int
    read: int
    acknowledged: int
    replies: int


def staff_notices(user, school: sm.School) -> list[NoticeLine]:
    """The notices a staff member wrote, and for the leadership every notice of the school (two queries)."""
    notices = Notice.objects.filter(school=school).select_related("school_class", "author__profile")
    if not policy.is_leader(user, school):
        notices = notices.filter(author=user)
    notices = notices.annotate(
        n_receipts=Count("receipts"), n_read=Count("receipts", filter=Q(receipts__read_at__isnull=False)),
        n_ack=Count("receipts", filter=Q(receipts__acknowledged_at__isnull=False)),
        n_replies=Count("receipts", filter=~Q(receipts__reply="")),
    ).order_by("-created_at")[:200]
    return [NoticeLine(notice=n, receipts=n.n_receipts, read=n.n_read, acknowledged=n.n_ack, replies=n.n_replies)
            for n in notices]


def notice_receipts(notice: Notice) -> list[NoticeReceipt]:
    """Who received the notice and what they did, by child (one query)."""
    return list(NoticeReceipt.objects.filter(notice=notice).select_related("parent", "student")
                .order_by("student__full_name", "parent__full_name"))
