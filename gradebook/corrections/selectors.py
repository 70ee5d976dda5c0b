"""Reads of correction requests: one request, the principal's queue, a teacher's own, home cards, the correction log."""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from gradebook import policy
from gradebook.corrections import homeroom_values
from gradebook.models import (
    CorrectionChange,
    CorrectionEvidence,
    CorrectionRequest,
    DecisionDelegation,
    EntryWindow,
    HomeroomCorrection,
    Score,
    column_label,
    format_result,
)
from schoolrecords import models as sm
from schoolrecords import roles
from schoolrecords.permissions import found_or_hidden, same_school, user_school
from schoolrecords.text import vietnamese_sort_key

Status = CorrectionRequest.Status


def _requests():
    # Who decided and who witnessed come in their own small queries (none while nobody has): joined
    # too, the eleven tables took PostgreSQL 12 ms to plan and run on a district database, against 3
    # without them (docs/benchmarks.md, "Scale").
    accounts = get_user_model().objects.select_related("profile")
    return (CorrectionRequest.objects
            .select_related("school_class__year", "subject", "term", "requested_by__profile")
            .prefetch_related(Prefetch("changes", CorrectionChange.objects.select_related("enrolment__student")
                                       .order_by("pk")), "evidence",
                              Prefetch("decided_by", accounts), Prefetch("witness", accounts)))


def _school_requests(user):
    school = user_school(user)
    if school is None:
        return CorrectionRequest.objects.none()
    return _requests().filter(school_class__year__school=school)


def request_for(*, actor, pk: int) -> CorrectionRequest:
    """One request, for its teacher or the school's leadership (principal, vice, board); else 403, another school 404."""
    found = found_or_hidden(_school_requests(actor), actor, "corrections", pk=pk)
    if found.requested_by_id != actor.pk and not policy.reads_corrections(actor):
        raise PermissionDenied(_("You do not have permission to see this request."))
    return found


@dataclass
class ChangeView:
    change: CorrectionChange
    current: str  # what the cell holds now
    stale: bool  # the cell no longer holds the request's old value (approval would be refused)


def with_current_values(requests: list[CorrectionRequest]) -> dict[int, list[ChangeView]]:
    """Each request's cells with what they hold now, in one query for all the requests."""
    changes = [change for request in requests for change in request.changes.all()]
    scores = {}
    if changes:
        wanted = Q()
        for request in requests:
            wanted |= Q(subject_id=request.subject_id, term_id=request.term_id,
                        enrolment_id__in=[change.enrolment_id for change in request.changes.all()])
        for score in Score.objects.filter(wanted).order_by():
            scores[(score.subject_id, score.term_id, score.slot)] = score
    views = {}
    for request in requests:
        rows = []
        for change in request.changes.all():
            score = scores.get((request.subject_id, request.term_id, (change.enrolment_id, change.kind, change.index)))
            holds = (score.value, score.comment_passed) if score else (None, None)
            rows.append(ChangeView(change=change, current=format_result(*holds),
                                   stale=request.is_open and holds != (change.old_value, change.old_comment_passed)))
        views[request.pk] = rows
    return views


def queue(*, actor) -> list[CorrectionRequest]:
    """The requests waiting for a decision (and those sent back), oldest first. Leadership and board only.

    The principal and a delegated vice principal decide them (gradebook.policy.may_decide); the
    others read.
    """
    if not policy.reads_corrections(actor):
        raise PermissionDenied(_("You do not have permission to see the correction requests."))
    return list(_school_requests(actor).filter(status__in=[Status.PENDING, Status.NEEDS_INFO])
                .order_by("requested_at", "pk"))


def decided(*, actor, limit: int = 50) -> list[CorrectionRequest]:
    if not policy.reads_corrections(actor):
        raise PermissionDenied(_("You do not have permission to see the correction requests."))
    return list(_school_requests(actor).exclude(status__in=[Status.PENDING, Status.NEEDS_INFO])
                .order_by("-decided_at", "-pk")[:limit])


def own_requests(*, actor, limit: int = 50) -> list[CorrectionRequest]:
    return list(_school_requests(actor).filter(requested_by=actor).order_by("-requested_at", "-pk")[:limit])


@dataclass
class HomeSummary:
    """What the home page's correction card shows, by role."""

    recent: list[CorrectionRequest]  # a teacher's latest requests with their outcome
    waiting: int  # the principal or a delegated vice principal: requests waiting for their decision
    open_windows: int  # board: windows open now
    closed_windows: int  # board: windows closed
    is_principal: bool  # also links to the delegations and the score change rules
    is_board: bool
    decides: bool = False  # the principal, or a vice principal delegated today

    @property
    def empty(self) -> bool:
        return not (self.recent or self.waiting or self.decides or self.is_principal or self.is_board)


def home_summary(user) -> HomeSummary:
    """The correction card of the home page (templates/gradebook/_home_corrections.html): at most four queries
    (a vice principal's delegations are one more)."""
    recent = list(CorrectionRequest.objects.filter(requested_by=user).select_related("school_class", "subject", "term")
                  .order_by("-requested_at", "-pk")[:5]) if user.is_authenticated else []
    is_principal = policy.is_principal(user)
    is_board = policy.is_board(user)
    school = user_school(user)
    years = policy.decider_years(user)  # None: every year (the principal)
    decides = school is not None and (years is None or bool(years))
    waiting = 0
    if decides:
        pending = CorrectionRequest.objects.filter(school_class__year__school=school, status=Status.PENDING).exclude(
            requested_by=user)
        if years is not None:
            pending = pending.filter(school_class__year_id__in=years)
        waiting = pending.count()
    open_windows = closed_windows = 0
    if is_board and school is not None:
        now = timezone.now()
        counts = EntryWindow.objects.filter(term__year__school=school, term__year__is_current=True).aggregate(
            open=Count("pk", filter=Q(state="open", opens_at__lte=now) & (Q(closes_at__isnull=True)
                                                                           | Q(closes_at__gt=now))),
            total=Count("pk"))
        open_windows, closed_windows = counts["open"], counts["total"] - counts["open"]
    return HomeSummary(recent=recent, waiting=waiting, open_windows=open_windows, closed_windows=closed_windows,
                       is_principal=is_principal, is_board=is_board, decides=decides)


def _staff_of_role(school: sm.School, role: str):
    return (get_user_model().objects.filter(groups__name=role, profile__school=school, is_active=True)
            .select_related("profile").order_by("profile__full_name"))


def board_members(school: sm.School):
    """The admin board's accounts, to name the member present on the minutes."""
    return _staff_of_role(school, roles.ADMIN_BOARD)


def vice_principals(school: sm.School):
    """The accounts the principal may delegate deciding correction requests to."""
    return _staff_of_role(school, roles.VICE_PRINCIPAL)


def delegations(*, actor, year: sm.SchoolYear) -> list[DecisionDelegation]:
    """The year's delegations, in force or not, newest first (one query). The leadership and the board read them."""
    if not (policy.reads_corrections(actor) and same_school(actor, year)):
        raise PermissionDenied(_("You do not have permission to see the delegations."))
    return list(DecisionDelegation.objects.filter(year=year)
                .select_related("delegate__profile", "granted_by__profile", "revoked_by__profile")
                .order_by("-starts_on", "-pk"))


def delegation_for(*, actor, pk: int) -> DecisionDelegation:
    """One delegation of the actor's school (another school's is a 404)."""
    school = user_school(actor)
    return found_or_hidden(DecisionDelegation.objects.filter(year__school=school).select_related("year"), actor,
                           "delegations", pk=pk)


# --- the minutes (biên bản sửa dữ liệu) of an approved request, for the archive ---------------------


@dataclass(frozen=True)
class MinutesCell:
    student: str
    column: str  # ĐĐGtx1, ĐĐGgk …
    old: str  # as printed: "6", "6,5", "Đ", "" for none
    new: str
    student_id: int = 0  # whose value changed (the families tell that child's parents)
    kind: str = ""  # tx, gk, ck; "" for a homeroom value


@dataclass(frozen=True)
class MinutesData:
    """What the minutes of one approved correction request show (seed 000 art. 8.3), as plain values."""

    request_id: int
    number: int | None
    place: str
    date: datetime.date | None
    decided_at: datetime.datetime  # local time
    school_id: int
    school_name: str
    year_id: int
    year_name: str
    term_id: int
    term_number: int
    class_id: int
    class_name: str
    subject_name: str
    requester: str
    decider: str
    # The vice principal decided under a delegation: who granted it, when, and its days.
    delegated_by: str
    delegated_on: datetime.date | None
    delegation_from: datetime.date | None
    delegation_until: datetime.date | None
    witness: str
    cells: tuple[MinutesCell, ...]
    reason: str
    evidence: tuple[str, ...]
    decision_note: str

    @property
    def delegated(self) -> bool:
        return bool(self.delegated_by)


def minutes_data(request_id: int) -> MinutesData | None:
    """The minutes of an approved request, or None while it is not approved. Four queries; no permission check:
    the archive seals them when the decision is taken, and its pages check who reads them."""
    found = (CorrectionRequest.objects
             .select_related("school_class__year__school", "subject", "term", "requested_by__profile",
                             "decided_by__profile", "witness__profile")
             .prefetch_related(Prefetch("changes", CorrectionChange.objects.select_related("enrolment__student")
                                        .order_by("pk")), "evidence")
             .filter(pk=request_id, status=Status.APPROVED).first())
    if found is None:
        return None
    decided_at = timezone.localtime(found.decided_at)
    delegation = _delegation_at(found)
    year = found.school_class.year
    return MinutesData(
        request_id=found.pk, number=found.minutes_number, place=found.minutes_place, date=found.minutes_date,
        decided_at=decided_at, school_id=year.school_id, school_name=year.school.name, year_id=year.pk,
        year_name=year.name, term_id=found.term_id, term_number=found.term.number, class_id=found.school_class_id,
        class_name=found.school_class.name, subject_name=found.subject.name, requester=_person(found.requested_by),
        decider=_person(found.decided_by), delegated_by=_person(delegation.granted_by) if delegation else "",
        delegated_on=timezone.localdate(delegation.granted_at) if delegation else None,
        delegation_from=delegation.starts_on if delegation else None,
        delegation_until=delegation.ends_on if delegation else None,
        witness=_person(found.witness) if found.witness_id else "",
        cells=tuple(MinutesCell(student=change.enrolment.student.full_name,
                                column=_column_label(change.kind, change.index), old=change.old_display,
                                new=change.new_display, student_id=change.enrolment.student_id, kind=change.kind)
                    for change in found.changes.all()),
        reason=found.reason, evidence=tuple(item.original_name for item in found.evidence.all()),
        decision_note=found.decision_note,
    )


def _delegation_at(found) -> DecisionDelegation | None:
    """The delegation in force when the vice principal decided ``found`` (the principal decides without one)."""
    day = timezone.localdate(found.decided_at)
    return (DecisionDelegation.objects.filter(year_id=found.school_class.year_id, delegate_id=found.decided_by_id,
                                              starts_on__lte=day)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
            .filter(Q(revoked_at__isnull=True) | Q(revoked_at__gt=found.decided_at))
            .select_related("granted_by__profile").order_by("-starts_on").first())


def homeroom_minutes_data(request_id: int) -> MinutesData | None:
    """The minutes of an approved homeroom correction (gradebook.models.HomeroomCorrection), in the score
    minutes' form: one line, the value's name as its column. None while it is not approved. Three queries.

    A value of the year (a year remark, a year exemption, a re-test) is filed under the year's last
    term, where the year's results are approved.
    """
    found = (HomeroomCorrection.objects
             .select_related("school_class__year__school", "enrolment__student", "subject", "term",
                             "requested_by__profile", "decided_by__profile", "witness__profile")
             .filter(pk=request_id, status=HomeroomCorrection.Status.APPROVED).first())
    if found is None:
        return None
    year = found.school_class.year
    term = found.term or sm.Term.objects.filter(year=year).order_by("-number").first()
    delegation = _delegation_at(found)
    what = found.get_field_display() + (f" · {found.subject.name}" if found.subject_id else "")
    return MinutesData(
        request_id=found.pk, number=found.minutes_number, place=found.minutes_place, date=found.minutes_date,
        decided_at=timezone.localtime(found.decided_at), school_id=year.school_id, school_name=year.school.name,
        year_id=year.pk, year_name=year.name, term_id=term.pk, term_number=term.number,
        class_id=found.school_class_id, class_name=found.school_class.name,
        subject_name=f"{what} ({homeroom_values.period_label(found)})", requester=_person(found.requested_by),
        decider=_person(found.decided_by), delegated_by=_person(delegation.granted_by) if delegation else "",
        delegated_on=timezone.localdate(delegation.granted_at) if delegation else None,
        delegation_from=delegation.starts_on if delegation else None,
        delegation_until=delegation.ends_on if delegation else None,
        witness=_person(found.witness) if found.witness_id else "",
        cells=(MinutesCell(student=found.enrolment.student.full_name, column=found.get_field_display(),
                           old=homeroom_values.display(found.field, found.old_value),
                           new=homeroom_values.display(found.field, found.new_value),
                           student_id=found.enrolment.student_id),),
        reason=found.reason, evidence=(found.evidence_name,), decision_note=found.decision_note,
    )


# --- what the printed ledger lists ------------------------------------------------------------------


@dataclass(frozen=True)
class Correction:
    """One approved change of one score cell, as the printed ledger lists it."""

    number: int  # its number in the ledger's list, shown beside the corrected cell
    enrolment_id: int
    student_name: str
    subject_id: int
    subject_name: str
    term_number: int
    kind: str  # gradebook.models.Score.Kind
    index: int
    column_label: str  # ĐĐGtx2, ĐĐGgk …
    old_value: str  # as printed: "7", "6,5", "Đ"
    new_value: str
    reason: str
    requested_by: str
    approved_by: str
    approved_on: datetime.date

    @property
    def cell(self) -> tuple[int, int, int, str, int]:
        return (self.term_number, self.enrolment_id, self.subject_id, self.kind, self.index)


def approved_corrections(school_class: sm.SchoolClass, term_numbers: tuple[int, ...]) -> list[Correction]:
    """The approved corrections of the class's scores in those terms, in approval order (one query).

    Each changed cell of each APPROVED correction request (gradebook.models.CorrectionRequest) is one
    entry, numbered 1, 2, … as the ledger lists them beside the corrected cells.
    """
    changes = (
        CorrectionChange.objects.filter(
            request__school_class=school_class, request__term__number__in=term_numbers,
            request__status=CorrectionRequest.Status.APPROVED,
        )
        .select_related("request__subject", "request__term", "request__requested_by__profile",
                        "request__decided_by__profile", "enrolment__student")
        .order_by("request__decided_at", "request_id", "kind", "index", "enrolment__student__full_name")
    )
    return [
        Correction(
            number=number, enrolment_id=change.enrolment_id, student_name=change.enrolment.student.full_name,
            subject_id=change.request.subject_id, subject_name=change.request.subject.name,
            term_number=change.request.term.number, kind=change.kind, index=change.index,
            column_label=_column_label(change.kind, change.index),
            old_value=format_result(change.old_value, change.old_comment_passed),
            new_value=format_result(change.new_value, change.new_comment_passed),
            reason=change.request.reason, requested_by=_person(change.request.requested_by),
            approved_by=_person(change.request.decided_by),
            approved_on=timezone.localdate(change.request.decided_at),
        )
        for number, change in enumerate(changes, start=1)
    ]


def _column_label(kind: str, index: int) -> str:
    # The Ministry's abbreviations, printed the same in every language.
    return {"tx": f"ĐĐGtx{index}", "gk": "ĐĐGgk", "ck": "ĐĐGck"}.get(kind, kind)


def _person(user) -> str:
    profile = getattr(user, "profile", None) if user is not None else None
    return profile.full_name if profile else (user.get_username() if user is not None else "")


# --- the correction log (seed 000 art. 8.6) ----------------------------------------------------------
#
# Every change of a recorded score: each approved request, and each re-entry the school let apply
# without approval (status "applied"), dated when it took effect (decided_at; an applied re-entry
# that has none, when it was filed). Per teacher (the requests they filed) or per department (the
# requests of its subjects), per month of the school's time, printed before the monthly department
# meeting. Who reads what: the teacher their own; the leadership and the admin board (the readers of
# every request, policy.reads_corrections) every teacher and department of their school; a department
# head their department's log and its members' logs, of the subjects of the departments they head only
# (the scores a head reads, policy.can_read). Anyone else: 403; another school's teacher or department: 404.

LOGGED = (Status.APPROVED, Status.APPLIED)


@dataclass(frozen=True)
class LogCell:
    student_name: str
    column_label: str  # "TX1", "GK", … as the grid heads it
    old_value: str  # as shown: "7", "6,5", "Đ"; "" for an empty cell
    new_value: str


@dataclass(frozen=True)
class LogEvidence:
    pk: int
    name: str


@dataclass(frozen=True)
class LogEntry:
    """One request that changed recorded scores, with its cells."""

    request_id: int
    changed_at: datetime.datetime  # when the change took effect
    class_name: str
    subject_name: str
    term_label: str
    department_name: str
    kind: str  # CorrectionRequest.Kind
    kind_label: str
    late: bool  # filed after the deadline
    reason: str
    cells: tuple[LogCell, ...]
    evidence: tuple[LogEvidence, ...]
    requester_id: int
    requested_by: str
    decided_by: str  # "" for a re-entry applied without approval
    applied_without_approval: bool
    decision_note: str
    witness: str
    minutes_number: int | None
    # A correction of an approved class's homeroom work or results (gradebook.models.HomeroomCorrection):
    # request_id is then that request's number, and its page and evidence are the homeroom corrections'.
    homeroom: bool = False


@dataclass(frozen=True)
class CorrectionLog:
    """One teacher's or one department's log of one month."""

    month: datetime.date  # its first day
    teacher_id: int | None  # the teacher's log, or None
    teacher_name: str
    department_id: int | None  # the department's log, or None
    department_name: str
    entries: tuple[LogEntry, ...]
    # A department head reading a member's log sees only their departments' subjects: those departments.
    only_departments: tuple[str, ...]
    linkable: bool  # the reader may open every request and its evidence (the teacher, the leadership)

    @property
    def cell_count(self) -> int:
        return sum(len(entry.cells) for entry in self.entries)


def month_bounds(year: int, month: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The first instant of the month and of the next, in the school's time (settings.TIME_ZONE)."""
    zone = timezone.get_default_timezone()
    start = timezone.make_aware(datetime.datetime(year, month, 1), zone)
    return start, timezone.make_aware(datetime.datetime(year + (month == 12), month % 12 + 1, 1), zone)


def _in_month(year: int, month: int) -> Q:
    start, end = month_bounds(year, month)
    return (Q(decided_at__gte=start, decided_at__lt=end)
            | Q(decided_at__isnull=True, requested_at__gte=start, requested_at__lt=end))


def _logged(school: sm.School, year: int, month: int):
    return CorrectionRequest.objects.filter(_in_month(year, month), school_class__year__school=school,
                                            status__in=LOGGED)


def _homeroom_logged(school: sm.School, year: int, month: int):
    """The homeroom corrections approved in the month: each is one change of the log, as a score request is."""
    start, end = month_bounds(year, month)
    return HomeroomCorrection.objects.filter(school_class__year__school=school, status=HomeroomCorrection.Status.APPROVED,
                                             decided_at__gte=start, decided_at__lt=end)


def _homeroom_in_department(department_ids) -> Q:
    """A homeroom correction belongs to its subject's department (exemption, re-test), else its requester's."""
    return (Q(subject__department__in=department_ids)
            | Q(subject__isnull=True, requested_by__profile__department__in=department_ids))


def _homeroom_entries(requests) -> list[LogEntry]:
    rows = (requests.select_related("school_class", "enrolment__student", "term", "subject__department",
                                    "requested_by__profile__department", "decided_by__profile", "witness__profile")
            .order_by("decided_at", "pk"))
    entries = []
    for request in rows:
        department = (request.subject.department if request.subject_id and request.subject.department_id
                      else request.requested_by.profile.department if hasattr(request.requested_by, "profile")
                      else None)
        what = request.get_field_display() + (f" · {request.subject.name}" if request.subject_id else "")
        entries.append(LogEntry(
            request_id=request.pk, changed_at=request.decided_at, class_name=request.school_class.name,
            subject_name=what, term_label=homeroom_values.period_label(request),
            department_name=department.name if department else "", kind="homeroom",
            kind_label=_("Correction after the approval of results"), late=False, reason=request.reason,
            cells=(LogCell(student_name=request.enrolment.student.full_name, column_label=request.get_field_display(),
                           old_value=homeroom_values.display(request.field, request.old_value),
                           new_value=homeroom_values.display(request.field, request.new_value)),),
            evidence=(LogEvidence(pk=request.pk, name=request.evidence_name),),
            requester_id=request.requested_by_id, requested_by=_person(request.requested_by),
            decided_by=_person(request.decided_by), applied_without_approval=False,
            decision_note=request.decision_note, witness=_person(request.witness),
            minutes_number=request.minutes_number, homeroom=True))
    return entries


def _merged(scores: tuple[LogEntry, ...], homeroom: list[LogEntry]) -> tuple[LogEntry, ...]:
    return tuple(sorted((*scores, *homeroom), key=lambda entry: entry.changed_at))


def log_teacher(*, actor, pk: int):
    """A staff account of the actor's school whose log may be asked for; another school's is a 404."""
    school = user_school(actor)
    accounts = get_user_model().objects.filter(profile__school=school) if school else get_user_model().objects.none()
    return found_or_hidden(accounts.select_related("profile__department"), actor, "correction_log", pk=pk)


def log_department(*, actor, pk: int) -> sm.Department:
    school = user_school(actor)
    departments = sm.Department.objects.filter(school=school) if school else sm.Department.objects.none()
    return found_or_hidden(departments, actor, "correction_log", pk=pk)


def _entries(requests) -> tuple[LogEntry, ...]:
    accounts = get_user_model().objects.select_related("profile")
    rows = (requests.select_related("school_class", "subject__department", "term", "requested_by__profile")
            .prefetch_related(Prefetch("changes", CorrectionChange.objects.select_related("enrolment__student")
                                       .order_by("pk")),
                              Prefetch("evidence", CorrectionEvidence.objects.order_by("pk")),
                              Prefetch("decided_by", accounts), Prefetch("witness", accounts))
            .order_by(Coalesce("decided_at", "requested_at"), "pk"))
    return tuple(
        LogEntry(
            request_id=request.pk, changed_at=request.decided_at or request.requested_at,
            class_name=request.school_class.name, subject_name=request.subject.name,
            term_label=request.term.get_number_display(),
            department_name=request.subject.department.name if request.subject.department else "",
            kind=request.kind, kind_label=request.get_kind_display(), late=request.late, reason=request.reason,
            cells=tuple(LogCell(student_name=change.enrolment.student.full_name,
                                column_label=column_label(change.kind, change.index),
                                old_value=change.old_display, new_value=change.new_display)
                        for change in request.changes.all()),
            evidence=tuple(LogEvidence(pk=item.pk, name=item.original_name) for item in request.evidence.all()),
            requester_id=request.requested_by_id, requested_by=_person(request.requested_by),
            decided_by=_person(request.decided_by) if request.status == Status.APPROVED else "",
            applied_without_approval=request.status == Status.APPLIED, decision_note=request.decision_note,
            witness=_person(request.witness), minutes_number=request.minutes_number,
        )
        for request in rows
    )


def teacher_log(*, actor, teacher_id: int, year: int, month: int) -> CorrectionLog:
    """The changes ``teacher_id`` made in the month (the requests they filed); see the section's note for who reads."""
    teacher = log_teacher(actor=actor, pk=teacher_id)
    requests = _logged(user_school(actor), year, month).filter(requested_by=teacher)
    homeroom = _homeroom_logged(user_school(actor), year, month).filter(requested_by=teacher)
    only: tuple[sm.Department, ...] = ()
    if actor.pk != teacher.pk and not policy.reads_corrections(actor):
        only = policy.headed_departments(actor)
        if teacher.profile.department_id not in {department.pk for department in only}:
            raise PermissionDenied(_("You do not have permission to see this log."))
        requests = requests.filter(subject__department__in=only)
        homeroom = homeroom.filter(_homeroom_in_department(only))
    return CorrectionLog(
        month=datetime.date(year, month, 1), teacher_id=teacher.pk,
        teacher_name=_person(teacher), department_id=None,
        department_name=teacher.profile.department.name if teacher.profile.department else "",
        entries=_merged(_entries(requests), _homeroom_entries(homeroom)),
        only_departments=tuple(department.name for department in only),
        linkable=not only)


def department_log(*, actor, department_id: int, year: int, month: int) -> CorrectionLog:
    """The changes of the department's subjects in the month, whoever made them."""
    department = log_department(actor=actor, pk=department_id)
    if not policy.reads_corrections(actor) and department not in policy.headed_departments(actor):
        raise PermissionDenied(_("You do not have permission to see this log."))
    return CorrectionLog(
        month=datetime.date(year, month, 1), teacher_id=None, teacher_name="",
        department_id=department.pk, department_name=department.name,
        entries=_merged(
            _entries(_logged(user_school(actor), year, month).filter(subject__department=department)),
            _homeroom_entries(_homeroom_logged(user_school(actor), year, month)
                              .filter(_homeroom_in_department([department.pk])))),
        only_departments=(), linkable=policy.reads_corrections(actor))


@dataclass(frozen=True)
class LogChoices:
    """Whose logs the reader may open: the pickers of the log page."""

    teachers: tuple  # user accounts, with their profile
    departments: tuple[sm.Department, ...]
    school_wide: bool

    @property
    def own_only(self) -> bool:
        return not (self.school_wide or self.departments)


def log_choices(*, actor) -> LogChoices:
    """The teachers and departments whose logs ``actor`` may read, for the pickers (two queries).

    The leadership and the board: every teacher (whoever has taught a class of the school) and every
    department; a head: their departments and their members; anyone else: themself.
    """
    school = user_school(actor)
    accounts = get_user_model().objects.filter(profile__school=school).select_related("profile")
    if school is not None and policy.reads_corrections(actor):
        teachers = accounts.filter(pk__in=sm.TeachingAssignment.objects.filter(
            school_class__year__school=school).values("teacher_id"))
        return LogChoices(teachers=_by_name(teachers),
                          departments=tuple(sorted(sm.Department.objects.filter(school=school),
                                                   key=lambda department: vietnamese_sort_key(department.name))),
                          school_wide=True)
    headed = policy.headed_departments(actor)
    if headed:
        members = accounts.filter(Q(profile__department__in=headed) | Q(pk=actor.pk))
        return LogChoices(teachers=_by_name(members), departments=headed, school_wide=False)
    return LogChoices(teachers=(actor,), departments=(), school_wide=False)


def _by_name(accounts) -> tuple:
    """Staff in the order of the school's lists: by given name, then the whole name."""
    def key(account):
        name = _person(account)
        return vietnamese_sort_key(name.rsplit(" ", 1)[-1]), vietnamese_sort_key(name)

    return tuple(sorted(accounts, key=key))


@dataclass(frozen=True)
class LogCount:
    """One row of the month's overview: a teacher or a department, and how much changed."""

    pk: int
    name: str
    requests: int
    cells: int


@dataclass(frozen=True)
class LogOverview:
    teachers: tuple[LogCount, ...]  # those with changes in the month
    departments: tuple[LogCount, ...]  # every department the reader may open


def log_overview(*, actor, choices: LogChoices, year: int, month: int) -> LogOverview:
    """How many requests and cells changed in the month, per teacher and per department, in one query."""
    requests = _logged(user_school(actor), year, month)
    if not choices.school_wide:
        requests = requests.filter(subject__department__in=choices.departments)
    count_of, cells_of = Counter(), Counter()
    for teacher_id, department_id, count, cells in (
            requests.values("requested_by_id", "subject__department_id")
            .annotate(count=Count("pk", distinct=True), cells=Count("changes")).order_by()
            .values_list("requested_by_id", "subject__department_id", "count", "cells")):
        for key in (("teacher", teacher_id), ("department", department_id)):
            count_of[key] += count
            cells_of[key] += cells
    homeroom = _homeroom_logged(user_school(actor), year, month)
    if not choices.school_wide:
        homeroom = homeroom.filter(_homeroom_in_department(choices.departments))
    for teacher_id, subject_department, own_department in homeroom.values_list(
            "requested_by_id", "subject__department_id", "requested_by__profile__department_id"):
        for key in (("teacher", teacher_id), ("department", subject_department or own_department)):
            count_of[key] += 1
            cells_of[key] += 1
    return LogOverview(
        teachers=tuple(LogCount(pk=teacher.pk, name=_person(teacher), requests=count_of["teacher", teacher.pk],
                                cells=cells_of["teacher", teacher.pk])
                       for teacher in choices.teachers if count_of["teacher", teacher.pk]),
        departments=tuple(LogCount(pk=department.pk, name=department.name,
                                   requests=count_of["department", department.pk],
                                   cells=cells_of["department", department.pk])
                          for department in choices.departments),
    )
