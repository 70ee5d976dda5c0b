"""Reads for the families' pages, each in a fixed number of queries."""

from dataclasses import dataclass, replace

from django.db.models import Prefetch
from django.utils import timezone

from gradebook import api
from schoolrecords import models as sm
from schoolrecords.selectors import sort_vietnamese

from .models import FamilySettings, Guardianship, Invitation, Parent, Publication


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
class ChildPage:
    student: sm.Student
    enrolment: sm.Enrolment | None
    terms: list[TermView]


def _regular_only(slip: api.ParentSlipData) -> api.ParentSlipData:
    """The slip cut to the regular scores: no mid-term, end-of-term, term result, learning or conduct."""
    width = len(slip.headings) - 2
    return replace(slip, headings=slip.headings[:width], learning="", conduct="",
                   subjects=[replace(s, cells=s.cells[:width], term="") for s in slip.subjects])


def child_page(student: sm.Student) -> ChildPage:
    """What a parent sees of one child this year: each published term's slip (fixed queries)."""
    enrolment = (sm.Enrolment.objects.filter(student=student, status=sm.Enrolment.Status.STUDYING,
                                             school_class__year__is_current=True)
                 .select_related("school_class__year__school", "school_class__homeroom_teacher__profile", "student")
                 .order_by("-start_date").first())
    if enrolment is None:
        return ChildPage(student=student, enrolment=None, terms=[])
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
    if not wanted:
        return ChildPage(student=student, enrolment=enrolment, terms=[])
    data = api.load_class(school_class)
    views = []
    for term in sorted(wanted, key=lambda t: t.number):
        slip = api.parent_slip(enrolment, term.number, data=data)
        publication = publications.get(term.number)
        views.append(TermView(number=term.number, label=str(term.get_number_display()),
                              published_at=publication.published_at if publication else None,
                              slip=slip if publication else _regular_only(slip), regular_only=publication is None))
    return ChildPage(student=student, enrolment=enrolment, terms=views)


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
                                                 .select_related("parent"), to_attr="live_links")))
    pending = {i.student_id: i for i in Invitation.objects.filter(
        student_id__in=[e.student_id for e in enrolments], used_at__isnull=True, revoked_at__isnull=True)}
    return [FamilyLine(enrolment=e, parents=tuple(e.student.live_links), pending=pending.get(e.student_id))
            for e in sort_vietnamese(enrolments)]


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
