"""The year rollover's services on the demo school: preview, apply, the drafts, the command."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation

from gradebook import policy
from gradebook.api import year_outcomes
from gradebook.models import Score
from gradebook.rollover import services as rollover
from gradebook.rules.rollover import MoveKind, YearOutcome
from gradebook.scores.services import CellInput, scores_save
from schoolrecords import models as sm
from schoolrecords import selectors
from schoolrecords import services as setup
from seed import demo as demo_module
from tests.conftest import TEST_SESSION

YEAR = demo_module.demo_year()  # the demo's year, rolled over here into the next
NEXT = YEAR.next.name


def dump_year(year: sm.SchoolYear) -> dict:
    """Every row of the year as plain values, its history rows counted: what 'untouched' compares."""
    return {
        "year": list(sm.SchoolYear.objects.filter(pk=year.pk).values()),
        "terms": list(sm.Term.objects.filter(year=year).order_by("pk").values()),
        "periods": list(sm.GradeSubject.objects.filter(year=year).order_by("pk").values()),
        "classes": list(sm.SchoolClass.objects.filter(year=year).order_by("pk").values()),
        "enrolments": list(sm.Enrolment.objects.filter(school_class__year=year).order_by("pk").values()),
        "assignments": list(sm.TeachingAssignment.objects.filter(year=year).order_by("pk").values()),
        "history": (sm.SchoolClass.history.filter(year_id=year.pk).count(),
                    sm.Enrolment.history.filter(school_class__year=year).count(),
                    sm.TeachingAssignment.history.filter(year_id=year.pk).count()),
    }


def counts() -> tuple[int, ...]:
    return (sm.SchoolYear.objects.count(), sm.Term.objects.count(), sm.GradeSubject.objects.count(),
            sm.SchoolClass.objects.count(), sm.Enrolment.objects.count(), sm.TeachingAssignment.objects.count(),
            sm.SchoolClass.history.count(), sm.Enrolment.history.count())


@pytest.fixture
def codes(demo) -> dict[str, str]:
    """"6A1/1" → the code of the first student (by code) studying in the demo year's 6A1, and so on;
    "6A1/left" → the newcomer of 6A1 who transferred out during the year."""
    by_class: dict[str, list[str]] = {}
    for class_name, code in (sm.Enrolment.objects.filter(school_class__year=demo.year, status="studying")
                             .order_by("student__code").values_list("school_class__name", "student__code")):
        by_class.setdefault(class_name, []).append(code)
    labels = {f"{name}/{number}": code for name, row in by_class.items() for number, code in enumerate(row, 1)}
    labels["6A1/left"] = demo.newcomer("6A1", 40).code
    labels["9A2/last"] = by_class["9A2"][-1]
    return labels


@pytest.fixture
def outcomes(monkeypatch, demo, codes):
    """Give chosen demo students an outcome of every kind (the rest keep what their results say)."""
    chosen = {
        codes["6A1/1"]: YearOutcome.PROMOTED,
        codes["6A1/2"]: YearOutcome.REPEATS,
        codes["6A1/3"]: YearOutcome.PENDING_RETEST,
        codes["6A1/4"]: YearOutcome.PENDING_SUMMER,
        codes["7A1/1"]: YearOutcome.PROMOTED,
        codes["7A1/2"]: YearOutcome.REPEATS,
        codes["9A1/1"]: YearOutcome.PROMOTED,
        codes["9A1/2"]: YearOutcome.REPEATS,
    }
    real = rollover.year_outcomes

    def patched(year):
        rows = real(year)
        return [row.__class__(**{**row.__dict__, "outcome": chosen.get(row.code, row.outcome)}) for row in rows]

    monkeypatch.setattr(rollover, "year_outcomes", patched)
    return chosen


def test_the_outcomes_come_from_the_years_results_and_enrolments(demo, codes):
    board = demo.user("board")
    dropped = sm.Enrolment.objects.get(student__code=codes["7A1/5"], school_class__year=demo.year)
    setup.enrolment_end(actor=board, enrolment=dropped, status=sm.Enrolment.Status.DROPPED,
                        end_date=YEAR.on(3, 2), reason="Thôi học")
    by_code = {row.code: row for row in year_outcomes(demo.year)}
    assert len(by_code) == sm.Enrolment.objects.filter(school_class__year=demo.year).count()
    assert by_code[codes["6A1/left"]].outcome is YearOutcome.TRANSFERRED  # the demo's transfer out
    assert by_code[codes["7A1/5"]].outcome is YearOutcome.LEFT
    # The demo's results are not complete: nobody is decided yet.
    assert by_code[codes["8A2/10"]].outcome is YearOutcome.PENDING_RESULTS


def test_preview_shows_every_move_and_writes_nothing(demo, outcomes, codes):
    before = counts()
    seen = rollover.preview(actor=demo.user("board"), from_year=demo.year, to_year=NEXT)
    assert counts() == before
    assert seen.ok, seen.errors
    assert (seen.start_date, seen.end_date) == (YEAR.next.on(9, 5), YEAR.next.on(5, 31))
    assert seen.term_dates == ((YEAR.next.on(9, 5), YEAR.next.on(1, 10)),
                               (YEAR.next.on(1, 12), YEAR.next.on(5, 25)))
    assert [c.new_class.name for c in seen.classes] == ["6A1", "6A2", "7A1", "7A2", "8A1", "8A2", "9A1", "9A2"]
    assert len(seen.rows) == len(year_outcomes(demo.year))
    moves = {row.move.code: row.move for row in seen.rows}
    assert (moves[codes["6A1/1"]].kind, moves[codes["6A1/1"]].to_class) == (MoveKind.NEXT_GRADE, "7A1")
    assert (moves[codes["6A1/2"]].kind, moves[codes["6A1/2"]].to_class) == (MoveKind.SAME_GRADE, "6A1")
    assert moves[codes["6A1/3"]].needs_decision and moves[codes["6A1/3"]].to_class == "6A1"
    assert (moves[codes["9A1/1"]].kind, moves[codes["9A1/1"]].to_class) == (MoveKind.COMPLETED, None)
    assert (moves[codes["6A1/left"]].kind, moves[codes["6A1/left"]].to_class) == (MoveKind.NOT_CARRIED, None)
    homeroom = {c.new_class.name: c for c in seen.classes}["7A1"]
    assert homeroom.new_class.source == "6A1" and homeroom.homeroom == "Ngô Thị Thu Hà"


def test_apply_makes_the_next_year_with_exact_moves_and_leaves_the_old_year_untouched(demo, outcomes, codes):
    board = demo.user("board")
    before = dump_year(demo.year)
    done = rollover.apply(actor=board, from_year=demo.year, to_year=NEXT, reason="Họp cuối năm")
    assert dump_year(demo.year) == before
    new = done.year
    assert (new.name, new.start_date, new.is_current) == (NEXT, YEAR.next.on(9, 5), False)
    assert [(t.number, t.start_date, t.end_date) for t in new.terms.order_by("number")] == [
        (1, YEAR.next.on(9, 5), YEAR.next.on(1, 10)),
        (2, YEAR.next.on(1, 12), YEAR.next.on(5, 25))]
    assert sorted(sm.GradeSubject.objects.filter(year=new).values_list("grade", "subject__code", "periods_per_year")) \
        == sorted(sm.GradeSubject.objects.filter(year=demo.year).values_list("grade", "subject__code",
                                                                             "periods_per_year"))
    placed = dict(sm.Enrolment.objects.filter(school_class__year=new).values_list("student__code",
                                                                                 "school_class__name"))
    assert placed[codes["6A1/1"]] == "7A1"  # promoted
    assert placed[codes["6A1/2"]] == "6A1"  # repeats
    assert placed[codes["6A1/3"]] == "6A1" and placed[codes["6A1/4"]] == "6A1"  # waiting for a decision
    assert placed[codes["7A1/1"]] == "8A1" and placed[codes["7A1/2"]] == "7A1"
    assert codes["9A1/1"] not in placed  # completed lower secondary
    assert placed[codes["9A1/2"]] == "9A1"  # repeats grade 9
    assert codes["6A1/left"] not in placed  # transferred out during the year
    everyone = len(year_outcomes(demo.year))
    # Everyone less the two who transferred out (6A1's and 6A2's) and the one who completed grade 9.
    assert len(placed) == done.enrolments == everyone - 3 and done.classes == 8
    assert set(sm.Enrolment.objects.filter(school_class__year=new).values_list("start_date", "status")) == {
        (YEAR.next.on(9, 5), sm.Enrolment.Status.STUDYING)}
    # Every row written carries the board member and the reason.
    history = sm.Enrolment.history.filter(student__code=codes["6A1/1"], school_class__year=new).get()
    assert (history.history_user, history.history_change_reason) == (board, "Họp cuối năm")
    # The teaching and homeroom assignments follow the class up, as drafts.
    new_7a1 = sm.SchoolClass.objects.get(year=new, name="7A1")
    assert new_7a1.homeroom_teacher is None
    assert new_7a1.draft_homeroom_teacher == demo.school_class("6A1").homeroom_teacher
    old = set(sm.TeachingAssignment.objects.filter(school_class=demo.school_class("6A1"), end_date__isnull=True)
              .values_list("subject__code", "teacher__username"))
    copied = set(sm.TeachingAssignment.objects.filter(school_class=new_7a1).values_list("subject__code",
                                                                                    "teacher__username"))
    assert copied == old
    assert set(sm.TeachingAssignment.objects.filter(year=new).values_list("state", flat=True)) == {"draft"}
    assert not sm.TeachingAssignment.objects.filter(school_class__year=new, school_class__name="6A1").exists()


def test_running_it_twice_is_refused_and_duplicates_nothing(demo, outcomes):
    board = demo.user("board")
    rollover.apply(actor=board, from_year=demo.year, to_year=NEXT, reason="Lần một")
    after_first = counts()
    with translation.override("vi"), pytest.raises(ValidationError) as refused:
        rollover.apply(actor=board, from_year=demo.year, to_year=NEXT, reason="Lần hai")
    assert refused.value.messages == [f"Năm học {NEXT} đã có lớp: chỉ chuyển năm học vào một năm học chưa có lớp."]
    assert counts() == after_first


def test_a_target_year_with_classes_is_refused_with_nothing_saved(demo):
    board = demo.user("board")
    target = setup.school_year_create(
        actor=board, school=demo.school, name=NEXT, start_date=YEAR.next.on(9, 7),
        end_date=YEAR.next.on(5, 30),
        term_dates=((YEAR.next.on(9, 7), YEAR.next.on(1, 15)),
                    (YEAR.next.on(1, 18), YEAR.next.on(5, 25))))
    setup.school_class_save(actor=board, year=target, name="6A1", grade=6)
    before = counts()
    with translation.override("vi"), pytest.raises(ValidationError) as refused:
        rollover.apply(actor=board, from_year=demo.year, to_year=NEXT, reason="Thử")
    assert f"Năm học {NEXT} đã có lớp" in refused.value.messages[0]
    assert counts() == before


def test_an_existing_empty_target_year_keeps_its_own_dates(demo):
    board = demo.user("board")
    target = setup.school_year_create(
        actor=board, school=demo.school, name=NEXT, start_date=YEAR.next.on(9, 7),
        end_date=YEAR.next.on(5, 30),
        term_dates=((YEAR.next.on(9, 7), YEAR.next.on(1, 15)),
                    (YEAR.next.on(1, 18), YEAR.next.on(5, 25))))
    done = rollover.apply(actor=board, from_year=demo.year, to_year=NEXT, reason="Năm học mới")
    assert done.year == target
    assert set(sm.Enrolment.objects.filter(school_class__year=target).values_list("start_date", flat=True)) == {
        YEAR.next.on(9, 7)}


def test_a_year_other_than_the_next_is_refused(demo):
    with translation.override("vi"), pytest.raises(ValidationError) as refused:
        rollover.apply(actor=demo.user("board"), from_year=demo.year, to_year=YEAR.next.next.name, reason="Sai năm")
    assert refused.value.messages == [f"Năm học sau năm học {YEAR.name} là {NEXT}: chỉ chuyển sang năm học kế tiếp."]


def test_only_the_board_rolls_a_year_over(demo):
    for username in ("principal", "teacher_math", "clerk"):
        with pytest.raises(PermissionDenied):
            rollover.preview(actor=demo.user(username), from_year=demo.year, to_year=NEXT)
        with pytest.raises(PermissionDenied):
            rollover.apply(actor=demo.user(username), from_year=demo.year, to_year=NEXT, reason="x")


def test_a_reason_is_required(demo):
    with pytest.raises(ValidationError):
        rollover.apply(actor=demo.user("board"), from_year=demo.year, to_year=NEXT, reason="  ")
    assert not sm.SchoolYear.objects.filter(name=NEXT).exists()


# --- the drafts give no right until the board confirms them ----------------------------------------


def test_a_draft_assignment_lets_its_teacher_enter_nothing_until_it_is_confirmed(demo, outcomes, codes):
    board, teacher = demo.user("board"), demo.user("teacher_math")
    new = rollover.apply(actor=board, from_year=demo.year, to_year=NEXT, reason="Năm học mới").year
    draft = sm.TeachingAssignment.objects.get(school_class__year=new, school_class__name="7A1", subject__code="toan")
    assert draft.teacher == teacher and draft.is_draft
    term = new.terms.get(number=1)
    student = sm.Enrolment.objects.get(school_class=draft.school_class, student__code=codes["6A1/1"])
    cell = [CellInput(student.pk, Score.Kind.REGULAR, 1, "8")]
    assert not policy.is_assigned_teacher(teacher, draft)
    assert not policy.can_read(teacher, draft)
    with pytest.raises(PermissionDenied):
        scores_save(session=TEST_SESSION, actor=teacher, assignment=draft, term=term, cells=cell)
    assert draft.pk not in {a.pk for a in selectors.assignments_of_teacher(teacher, new)}

    setup.assignment_confirm(actor=board, assignment=draft, reason="Phân công chính thức")
    draft.refresh_from_db()
    assert not draft.is_draft
    fresh = type(teacher).objects.get(pk=teacher.pk)
    assert policy.is_assigned_teacher(fresh, draft)
    assert draft.pk in {a.pk for a in selectors.assignments_of_teacher(fresh, new)}


def test_a_draft_homeroom_teacher_holds_the_class_only_once_confirmed(demo, outcomes):
    board = demo.user("board")
    new = rollover.apply(actor=board, from_year=demo.year, to_year=NEXT, reason="Năm học mới").year
    school_class = sm.SchoolClass.objects.select_related("year").get(year=new, name="7A1")
    teacher = school_class.draft_homeroom_teacher
    assert not policy.is_homeroom(teacher, school_class)
    setup.homeroom_confirm(actor=board, school_class=school_class)
    school_class = sm.SchoolClass.objects.select_related("year").get(pk=school_class.pk)
    assert (school_class.homeroom_teacher, school_class.draft_homeroom_teacher) == (teacher, None)
    assert policy.is_homeroom(type(teacher).objects.get(pk=teacher.pk), school_class)


def test_confirm_all_confirms_every_draft_of_the_year(demo, outcomes):
    board = demo.user("board")
    done = rollover.apply(actor=board, from_year=demo.year, to_year=NEXT, reason="Năm học mới")
    count = setup.drafts_confirm_all(actor=board, year=done.year)
    assert count == done.draft_assignments + done.draft_homerooms == 84
    assert selectors.drafts_of(done.year).count == 0
    assert not sm.TeachingAssignment.objects.filter(year=done.year, state="draft").exists()


def test_giving_a_drafted_subject_to_another_teacher_replaces_the_draft(demo, outcomes):
    board = demo.user("board")
    new = rollover.apply(actor=board, from_year=demo.year, to_year=NEXT, reason="Năm học mới").year
    draft = sm.TeachingAssignment.objects.get(school_class__year=new, school_class__name="7A1", subject__code="toan")
    other = demo.user("gv_tin")
    setup.assignment_create(actor=board, school_class=draft.school_class, subject=draft.subject, teacher=other)
    now = sm.TeachingAssignment.objects.get(school_class=draft.school_class, subject=draft.subject)
    assert (now.teacher, now.is_draft) == (other, False)


# --- the command ---------------------------------------------------------------------------------------


def test_the_command_dry_run_prints_the_preview_and_saves_nothing(demo, codes):
    before = counts()
    out = io.StringIO()
    call_command("year_rollover", "--from", YEAR.name, "--to", NEXT, "--dry-run", "--user", "board", stdout=out)
    text = out.getvalue()
    assert counts() == before
    assert "7A1 (7) ← 6A1" in text
    assert codes["6A1/1"] in text and codes["9A2/last"] in text
    assert not sm.SchoolYear.objects.filter(name=NEXT).exists()


def test_the_command_applies_the_rollover_as_the_first_board_member(demo):
    out = io.StringIO()
    call_command("year_rollover", "--from", YEAR.name, "--to", NEXT, stdout=out)
    new = sm.SchoolYear.objects.get(school=demo.school, name=NEXT)
    assert sm.SchoolClass.objects.filter(year=new).count() == 8
    # Everyone but the two who transferred out: nobody's results are complete, so nobody completes grade 9.
    assert sm.Enrolment.objects.filter(school_class__year=new).count() == len(year_outcomes(demo.year)) - 2
    assert sm.SchoolClass.history.filter(year_id=new.pk).first().history_user == demo.user("board")
    with pytest.raises(CommandError):
        call_command("year_rollover", "--from", YEAR.name, "--to", NEXT, stdout=io.StringIO())
