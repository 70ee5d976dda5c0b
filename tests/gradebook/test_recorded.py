"""Entered → recorded: a score changes freely only in the login session it was typed in (seed 000 art. 8.2),
then through a re-entry (regular scores, seed 003 §5) or a correction request the leadership decides."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from gradebook.corrections import services as corrections
from gradebook.corrections.services import ChangeInput
from gradebook.models import CorrectionRequest, EntrySettings, Score
from gradebook.rules import entry as rule
from gradebook.rules.entry import ChangeRules, Facts, Recorded, Remedy
from gradebook.scores.services import CellInput, Outcome, scores_save
from gradebook.windows import services as windows
from schoolrecords import models as sm
from seed.demo import demo_year

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)

TX, GK, CK = Score.Kind.REGULAR, Score.Kind.MIDTERM, Score.Kind.FINAL
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _english(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


def pdf():
    return SimpleUploadedFile("bai.pdf", PDF, content_type="application/pdf")


def first(demo):
    return sm.Enrolment.objects.filter(school_class=demo.school_class("6A1"),
                                       status=sm.Enrolment.Status.STUDYING).order_by("pk").first()


def save(demo, text, *, session, kind=TX, version=None):
    return scores_save(actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"),
                       term=demo.year.terms.get(number=1), session=session,
                       cells=[CellInput(first(demo).pk, kind, 1, text, expected_version=version)])


# --- the rule, pure ------------------------------------------------------------------------------------

FACTS = Facts(term_start=DEMO_YEAR.next.on(9, 5), term_end=DEMO_YEAR.next.on(1, 10), regular_required=3,
              is_teacher=True, midterm_test_on=DEMO_YEAR.next.on(11, 2), final_test_on=DEMO_YEAR.next.on(12, 28),
              today=DEMO_YEAR.next.on(11, 20))
EARLY, LATE = Recorded(DEMO_YEAR.next.on(10, 1)), Recorded(DEMO_YEAR.next.on(11, 10))


@pytest.mark.parametrize("rules, today, kind, recorded, remedy, deadline", [
    (ChangeRules(), None, TX, None, Remedy.NONE, DEMO_YEAR.next.on(12, 21)),  # entered in this session: typed freely
    (ChangeRules(), None, TX, EARLY, Remedy.REENTRY, DEMO_YEAR.next.on(12, 21)),  # seed 000: a week before
    (ChangeRules(regular_correction_days=40), None, TX, EARLY, Remedy.CORRECTION, DEMO_YEAR.next.on(11, 18)),
    (ChangeRules(), DEMO_YEAR.next.on(12, 22), TX, EARLY, Remedy.CORRECTION, DEMO_YEAR.next.on(12, 21)),
    # seed 003: two weeks before the mid-term test for scores dated before it, the end-of-term test after
    (ChangeRules(regular_deadline="each"), None, TX, EARLY, Remedy.CORRECTION, DEMO_YEAR.next.on(10, 19)),
    (ChangeRules(regular_deadline="each"), None, TX, LATE, Remedy.REENTRY, DEMO_YEAR.next.on(12, 14)),
    (ChangeRules(), None, GK, LATE, Remedy.CORRECTION, DEMO_YEAR.next.on(11, 7)),  # 5 days after the test
    (ChangeRules(test_correction_days=30), None, GK, LATE, Remedy.CORRECTION, DEMO_YEAR.next.on(12, 2)),
    (ChangeRules(), None, CK, LATE, Remedy.CORRECTION, DEMO_YEAR.next.on(1, 2)),
])
def test_the_rule_for_recorded_scores(rules, today, kind, recorded, remedy, deadline):
    facts = Facts(**{**FACTS.__dict__, "rules": rules, "today": today or FACTS.today})
    student = rule.Student(enrolment_id=1, start_date=DEMO_YEAR.next.on(9, 5))
    verdict = rule.judge(facts, student, kind, 1, recorded)
    assert (verdict.allowed, verdict.remedy) == (recorded is None, remedy)
    assert rule.change_deadline(facts, kind, recorded.entered_on if recorded else None) == deadline
    if recorded is not None:
        assert deadline.strftime("%d/%m/%Y") in verdict.text(lambda text: text)


def test_approved_results_are_changed_by_a_correction_request():
    facts = Facts(**{**FACTS.__dict__, "results_approved": True})
    student = rule.Student(enrolment_id=1, start_date=DEMO_YEAR.next.on(9, 5))
    assert rule.judge(facts, student, TX, 1).remedy == Remedy.CORRECTION
    assert rule.correctable(facts, student, TX, 1)


# --- the services ----------------------------------------------------------------------------------------


def test_a_score_changes_freely_in_its_session_and_is_recorded_after_it(demo):
    assert save(demo, "6", session="login-1").ok
    assert save(demo, "7", session="login-1", version=1).ok  # same login session: a typo fixed at once
    later = save(demo, "8", session="login-2", version=2)  # logged out and in again
    cell = later.cells[0]
    assert (cell.outcome, cell.remedy) == (Outcome.REFUSED, "reentry")
    assert "re-enter it with a reason and evidence" in cell.message
    assert Score.objects.get(enrolment=first(demo), kind=TX, index=1).value == Decimal(7)


def test_a_path_without_a_session_changes_no_recorded_score(demo):
    assert save(demo, "6", session="login-1").ok
    assert save(demo, "9", session="", version=1).cells[0].outcome == Outcome.REFUSED
    assert save(demo, "6", session="login-2", version=1).cells[0].outcome == Outcome.UNCHANGED  # same value: nothing


def test_a_mid_term_score_after_its_session_needs_a_correction_request_with_the_examiner(demo):
    assert save(demo, "6", session="login-1", kind=GK).ok
    assert save(demo, "8", session="login-2", kind=GK, version=1).cells[0].remedy == "correction"
    with pytest.raises(ValidationError) as refused:
        corrections.correction_submit(actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"),
                                      term=demo.year.terms.get(number=1), session="login-2", reason="Chấm sai",
                                      changes=[ChangeInput(first(demo).pk, GK, 1, "8")], files=[pdf()])
    assert "examiner" in refused.value.message_dict
    request = corrections.correction_submit(
        actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"), term=demo.year.terms.get(number=1),
        session="login-2", reason="Chấm sai", changes=[ChangeInput(first(demo).pk, GK, 1, "8")], files=[pdf()],
        examiner="Nguyễn Thị Lan")
    assert (request.kind, request.status, request.examiner) == ("correction", "pending", "Nguyễn Thị Lan")


def test_a_regular_reentry_waits_for_the_leadership_by_default_and_applies_at_once_if_the_school_says(demo):
    assert save(demo, "6", session="login-1").ok
    ask = dict(actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"),
               term=demo.year.terms.get(number=1), session="login-2", reason="Nhập nhầm",
               changes=[ChangeInput(first(demo).pk, TX, 1, "8", shown="6")])
    pending = corrections.correction_submit(**ask, files=[pdf()])
    assert (pending.kind, pending.status) == ("reentry", "pending")
    assert Score.objects.get(enrolment=first(demo), kind=TX, index=1).value == Decimal(6)
    corrections.correction_withdraw(actor=demo.user("teacher_math"), request=pending)
    EntrySettings.objects.create(school=demo.year.school, reentry_needs_approval=False, updated_by=demo.user("principal"))
    applied = corrections.correction_submit(**ask, files=[pdf()])
    score = Score.objects.get(enrolment=first(demo), kind=TX, index=1)
    assert (applied.status, score.value, score.entry_session) == ("applied", Decimal(8), "")
    assert score.history.first().history_change_reason == f"Re-entry no. {applied.pk}"


@pytest.mark.parametrize("problem", ["blank reason", "not recorded", "stale", "not evidence"])
def test_bad_requests_change_nothing(demo, problem):
    assert save(demo, "6", session="login-1").ok
    reason = "   " if problem == "blank reason" else "Nhập nhầm"
    session = "login-1" if problem == "not recorded" else "login-2"
    shown = "5" if problem == "stale" else "6"
    files = [SimpleUploadedFile("x.pdf", b"GIF89a fake", content_type="application/pdf")] \
        if problem == "not evidence" else [pdf()]
    with pytest.raises(ValidationError):
        corrections.correction_submit(actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"),
                                      term=demo.year.terms.get(number=1), session=session, reason=reason,
                                      changes=[ChangeInput(first(demo).pk, TX, 1, "8", shown=shown)], files=files)
    assert not CorrectionRequest.objects.exists()
    assert Score.objects.get(enrolment=first(demo), kind=TX, index=1).value == Decimal(6)


def test_a_late_regular_request_goes_to_the_leadership_even_when_reentries_apply_at_once(demo):
    assert save(demo, "6", session="login-1").ok
    EntrySettings.objects.create(school=demo.year.school, reentry_needs_approval=False, updated_by=demo.user("principal"))
    today = timezone.localdate()
    windows.schedule_save(actor=demo.user("board"), term=demo.year.terms.get(number=1),
                          midterm_test_on=today - datetime.timedelta(days=40), final_test_on=today + datetime.timedelta(days=2))
    request = corrections.correction_submit(
        actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"), term=demo.year.terms.get(number=1),
        session="login-2", reason="Nhập nhầm", changes=[ChangeInput(first(demo).pk, TX, 1, "8")], files=[pdf()])
    assert (request.kind, request.late, request.status) == ("correction", True, "pending")


# --- through the pages: the grid and the import ------------------------------------------------------------


def test_the_grid_marks_recorded_cells_and_a_retype_after_logging_in_again_offers_the_path(demo, client):
    client.force_login(demo.user("teacher_math"))
    math = demo.assignment("6A1", "toan")
    save_url = reverse("gradebook:grid_save", args=(math.pk, 1))
    body = {"cells": [{"enrolment": first(demo).pk, "kind": "tx", "index": 1, "text": "6", "version": None}]}
    assert client.post(save_url, body, content_type="application/json").json()["cells"][0]["outcome"] == "saved"
    client.logout()
    client.force_login(demo.user("teacher_math"))
    page = client.get(reverse("gradebook:grid", args=(math.pk, 1))).content.decode()
    assert 'class="cell rec"' in page
    body["cells"][0].update(text="8", version=1)
    answer = client.post(save_url, body, content_type="application/json").json()["cells"][0]
    assert (answer["outcome"], answer["remedy"]) == ("refused", "reentry")
    key = f"{first(demo).pk}:tx:1"
    form = client.get(reverse("gradebook:correction_new", args=(math.pk, 1)), {"cell": key, f"new-{key}": "8"})
    assert form.status_code == 200 and 'value="8"' in form.content.decode()
