"""Clear pages of the entry regime (issue 12 item 9): the grid says why a column is read-only and what to
do; locking a column asks for confirmation and says how many cells are empty; the board's home card is
titled for what it shows; closing a window and approving results ask for confirmation."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from gradebook.models import Score, ScoreLock
from gradebook.scores.services import CellInput, scores_save
from gradebook.windows import services as windows
from gradebook.windows.selectors import column_fill
from schoolrecords import models as sm
from seed.demo import demo_year

from .test_results import fill_scores, set_conduct

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)

TX, GK = Score.Kind.REGULAR, Score.Kind.MIDTERM


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the pages in English; one test reads them in Vietnamese
    with translation.override("en"):
        yield


def _math(demo):
    return demo.assignment("6A1", "toan"), demo.year.terms.get(number=1)


def _studying(demo):
    return list(sm.Enrolment.objects.filter(school_class=demo.school_class("6A1"),
                                            status=sm.Enrolment.Status.STUDYING).order_by("pk"))


def _schedule(demo, term, *, final_test_on):
    windows.schedule_save(actor=demo.user("board"), term=term, midterm_test_on=None, final_test_on=final_test_on)


def _grid(client, math, term):
    return client.get(reverse("gradebook:grid", args=(math.pk, term.number))).content.decode()


def _header_title(html, key):
    match = re.search(rf'<th scope="col" class="[^"]*" data-col="{key}" title="([^"]*)"', html)
    assert match, key
    return match.group(1)


# --- the grid's notes ---------------------------------------------------------------------------------


def test_a_recorded_column_says_when_it_was_recorded_and_until_when_it_is_re_entered(demo, login):
    math, term = _math(demo)
    today = timezone.localdate()
    _schedule(demo, term, final_test_on=today + datetime.timedelta(days=30))
    student = _studying(demo)[0]
    scores_save(actor=demo.user("teacher_math"), assignment=math, term=term, session="an-earlier-login",
                cells=[CellInput(student.pk, TX, 1, "7")])
    html = _grid(login("teacher_math"), math, term)
    deadline = (today + datetime.timedelta(days=23)).strftime("%d/%m/%Y")  # a week before the test (seed 000)
    note = (f"Scores recorded on {today:%d/%m/%Y}: to change one, re-enter it with a reason and evidence before "
            f"{deadline}.")
    assert note in _header_title(html, "tx1")
    assert re.search(r'<li data-col="tx1"><b>Reg. 1</b>: ' + re.escape(note), html)


def test_a_recorded_column_past_its_deadline_sends_the_teacher_to_a_correction_request(demo, login):
    math, term = _math(demo)
    today = timezone.localdate()
    _schedule(demo, term, final_test_on=today + datetime.timedelta(days=3))
    student = _studying(demo)[0]
    scores_save(actor=demo.user("teacher_math"), assignment=math, term=term, session="an-earlier-login",
                cells=[CellInput(student.pk, TX, 1, "7")])
    html = _grid(login("teacher_math"), math, term)
    deadline = (today - datetime.timedelta(days=4)).strftime("%d/%m/%Y")
    assert (f"the deadline for re-entering them was {deadline}: to change one, file a correction request, which "
            "the leadership decides.") in _header_title(html, "tx1")


def test_a_column_typed_in_this_session_has_no_note(demo, login):
    math, term = _math(demo)
    student = _studying(demo)[0]
    scores_save(actor=demo.user("teacher_math"), assignment=math, term=term, session="test-session",
                cells=[CellInput(student.pk, TX, 1, "7")])
    html = _grid(login("teacher_math"), math, term)
    assert '<li data-col="tx1">' not in html
    assert _header_title(html, "tx1") == "Regular assessment 1"


def test_a_locked_column_says_why_in_its_header_and_above_the_grid(demo, login):
    math, term = _math(demo)
    windows.column_lock(actor=demo.user("teacher_math"), assignment=math, term=term, kind=GK)
    html = _grid(login("teacher_math"), math, term)
    assert "This column is locked. File a correction request instead." in _header_title(html, "gk")
    assert '<li data-col="gk"><b>Mid-term</b>: This column is locked. File a correction request instead.</li>' in html


def test_approved_results_say_why_the_teacher_may_type_nothing(demo, login):
    from gradebook.results.services import results_approve

    math, term = _math(demo)
    fill_scores(demo, 1)
    set_conduct(demo, 1)
    client = login("teacher_math")
    assert 'id="grid-locked"' not in _grid(client, math, term)
    results_approve(actor=demo.user("principal"), school_class=math.school_class, term=term, note="")
    html = _grid(client, math, term)
    # The lock is drawn (an inline SVG), not an emoji that needs a font the school's computer may lack.
    assert re.search(r'id="grid-locked"><svg class="lock-icon"[^>]*aria-hidden="true".*?</svg> The principal has '
                     r'approved this class&#x27;s results', html)


# --- locking a column ------------------------------------------------------------------------------------


def test_column_fill_counts_the_empty_cells_in_one_query(demo, django_assert_num_queries):
    math, term = _math(demo)
    students = _studying(demo)
    scores_save(actor=demo.user("teacher_math"), assignment=math, term=term, session="test-session",
                cells=[CellInput(students[0].pk, TX, 1, "7"), CellInput(students[1].pk, TX, 1, "8")])
    with django_assert_num_queries(1):
        fill = column_fill(math, term, kind=TX, index=1)
    in_term = [e for e in sm.Enrolment.objects.filter(school_class=math.school_class)
               if e.start_date <= term.end_date and (e.end_date is None or e.end_date >= term.start_date)]
    assert (fill.cells, fill.empty) == (len(in_term), len(in_term) - 2)


def test_locking_a_column_asks_for_confirmation_with_its_empty_cells_and_locks_only_when_confirmed(demo, login):
    math, term = _math(demo)
    students = _studying(demo)
    scores_save(actor=demo.user("teacher_math"), assignment=math, term=term, session="test-session",
                cells=[CellInput(students[0].pk, TX, 1, "7")])
    client = login("teacher_math")
    url = reverse("gradebook:column_lock", args=(math.pk, 1))
    response = client.post(url, {"column": "tx1"})
    assert response.status_code == 200
    html = response.content.decode()
    fill = column_fill(math, term, kind=TX, index=1)
    assert fill.empty == fill.cells - 1
    assert f"{fill.empty} of its {fill.cells} cells are empty." in html
    assert 'name="confirm" value="1"' in html and 'name="column" value="tx1"' in html
    assert not ScoreLock.objects.filter(term=term, kind=TX, index=1).exists()

    response = client.post(url, {"column": "tx1", "confirm": "1"})
    assert response.status_code == 302
    lock = ScoreLock.objects.get(term=term, school_class=math.school_class, subject=math.subject, kind=TX, index=1)
    assert lock.locked_by == demo.user("teacher_math") and lock.history.count() == 1


def test_the_lock_confirmation_refuses_an_unknown_column_and_another_teacher(demo, login):
    math, term = _math(demo)
    url = reverse("gradebook:column_lock", args=(math.pk, 1))
    response = login("teacher_math").post(url, {"column": "tx9"}, follow=True)
    assert "Unknown column." in response.content.decode()
    assert login("principal").post(url, {"column": "tx1"}).status_code == 403
    assert not ScoreLock.objects.filter(term=term, school_class=math.school_class).exists()


# --- the home card and the two confirmed buttons ----------------------------------------------------------


def test_the_boards_home_card_is_titled_for_the_entry_windows_it_shows(demo, login):
    html = login("board").get(reverse("home")).content.decode()
    title = re.search(r'<h2 id="home-corrections-title"><a href="([^"]+)">([^<]+)</a></h2>', html)
    assert title.groups() == (reverse("gradebook:windows"), "Entry windows and locks")
    html = login("principal").get(reverse("home")).content.decode()
    title = re.search(r'<h2 id="home-corrections-title"><a href="([^"]+)">([^<]+)</a></h2>', html)
    assert title.groups() == (reverse("gradebook:corrections"), "Correction requests")


def test_close_now_asks_for_confirmation_before_it_posts(demo, login):
    math, term = _math(demo)
    window = windows.window_create(actor=demo.user("board"), term=term, school_class=math.school_class,
                                   subject=math.subject, opens_at=timezone.now() - datetime.timedelta(days=1))
    html = login("board").get(reverse("gradebook:windows")).content.decode()
    step = re.search(r'<details class="confirm-step"><summary[^>]*>Close now</summary><form method="post" '
                     r'action="([^"]+)">.*?<p>Close this window now\?.*?</p><button type="submit"[^>]*>'
                     r'Yes, close the window</button></form></details>', html)
    assert step and step.group(1) == reverse("gradebook:window_close", args=(window.pk,))


def test_approving_results_asks_for_confirmation_before_it_posts(demo, login):
    school_class = demo.school_class("6A1")
    fill_scores(demo, 1)
    set_conduct(demo, 1)
    html = login("principal").get(reverse("gradebook:results", args=(school_class.pk, 1))).content.decode()
    assert re.search(r'<summary class="button">Approve the results</summary>\s*<p>Approve the results of class '
                     r'6A1\? They are then frozen', html)
    assert re.search(r'<button type="submit" id="approve-confirm">Yes, approve the results</button>', html)


def test_the_notes_read_in_vietnamese(demo, client, login, settings):
    math, term = _math(demo)
    windows.column_lock(actor=demo.user("teacher_math"), assignment=math, term=term, kind=GK)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    html = _grid(login("teacher_math"), math, term)
    assert re.search(r'<li data-col="gk"><b>[^<]+</b>: Cột điểm này đã khóa\. Hãy lập phiếu đề nghị sửa điểm\.</li>',
                     html)
    response = login("teacher_math").post(reverse("gradebook:column_lock", args=(math.pk, 1)), {"column": "tx1"})
    assert "Còn " in response.content.decode() and "ô của cột chưa có điểm." in response.content.decode()


# --- the rule's verdict carries the deadline it names (computed once) ----------------------------------


@pytest.mark.parametrize("kind, entered, locked, today, deadline, late", [
    (TX, DEMO_YEAR.next.on(10, 1), False, DEMO_YEAR.next.on(11, 20), DEMO_YEAR.next.on(12, 21), False),
    (TX, DEMO_YEAR.next.on(10, 1), False, DEMO_YEAR.next.on(12, 22), DEMO_YEAR.next.on(12, 21), True),
    (GK, DEMO_YEAR.next.on(11, 3), False, DEMO_YEAR.next.on(11, 20), DEMO_YEAR.next.on(11, 7), True),
    (TX, None, True, DEMO_YEAR.next.on(11, 20), DEMO_YEAR.next.on(12, 21), False),  # an empty locked cell
    (TX, DEMO_YEAR.next.on(10, 1), True, DEMO_YEAR.next.on(12, 22), DEMO_YEAR.next.on(12, 21), True),
])
def test_a_refusal_with_a_remedy_carries_its_deadline_and_whether_it_passed(kind, entered, locked, today, deadline,
                                                                            late):
    from gradebook.rules import entry as rule

    facts = rule.Facts(term_start=DEMO_YEAR.next.on(9, 5), term_end=DEMO_YEAR.next.on(1, 10),
                       regular_required=3, is_teacher=True, midterm_test_on=DEMO_YEAR.next.on(11, 2),
                       final_test_on=DEMO_YEAR.next.on(12, 28), today=today,
                       columns=rule.Columns(locked_columns=frozenset({(kind, 1)}) if locked else frozenset()))
    student = rule.Student(enrolment_id=1, start_date=DEMO_YEAR.next.on(9, 5))
    verdict = rule.judge(facts, student, kind, 1, rule.Recorded(entered) if entered else None)
    assert not verdict.allowed and verdict.remedy != rule.Remedy.NONE
    assert (verdict.deadline, verdict.late) == (deadline, late)
    assert verdict.deadline == rule.change_deadline(facts, kind, entered)
