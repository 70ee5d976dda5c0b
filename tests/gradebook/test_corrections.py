"""Correction requests: filing, the principal's decisions (every transition), conflicts, permissions, pages and prints."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse

from gradebook.corrections import selectors
from gradebook.corrections import services as corrections
from gradebook.corrections.services import ChangeInput, CorrectionConflict, InvalidTransition
from gradebook.models import CorrectionRequest, Score
from gradebook.scores.services import CellInput, scores_save
from gradebook.windows import services as locks
from gradebook.windows.selectors import columns_state
from schoolrecords import models as sm


@pytest.fixture(autouse=True)
def _english_messages():
    """These tests read the services' messages in English; the pages show them in Vietnamese."""
    from django.utils import translation

    with translation.override("en"):
        yield

TX, GK = Score.Kind.REGULAR, Score.Kind.MIDTERM
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def pdf(name="bai-kiem-tra.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def term(demo):
    return demo.year.terms.get(number=1)


def students(demo, count=2):
    return list(sm.Enrolment.objects.filter(school_class=demo.school_class("6A1"),
                                            status=sm.Enrolment.Status.STUDYING).order_by("pk")[:count])


def locked_scores(demo):
    """Two students with ĐĐGtx1 = 6 and 7, then the column locked by the teacher."""
    math = demo.assignment("6A1", "toan")
    first, second = students(demo)
    scores_save(session="test-session", actor=demo.user("teacher_math"), assignment=math, term=term(demo),
                cells=[CellInput(first.pk, TX, 1, "6"), CellInput(second.pk, TX, 1, "7")])
    locks.column_lock(actor=demo.user("teacher_math"), assignment=math, term=term(demo), kind=TX, index=1)
    return first, second


def file_request(demo, *, text="8", username="teacher_math", files=None):
    first, _second = students(demo)
    return corrections.correction_submit(
        actor=demo.user(username), assignment=demo.assignment("6A1", "toan"), term=term(demo),
        changes=[ChangeInput(first.pk, TX, 1, text)], reason="Typed 6 instead of 8",
        files=[pdf()] if files is None else files)


# --- filing -------------------------------------------------------------------------------------------


def test_a_teacher_files_a_request_for_a_locked_cell_with_old_new_reason_and_evidence(demo):
    first, _ = locked_scores(demo)
    request = file_request(demo, text="8,5")
    change = request.changes.get()
    assert (request.status, change.enrolment_id, change.old_value, change.new_value) == (
        "pending", first.pk, Decimal(6), Decimal("8.5"))
    assert request.evidence.get().content_type == "application/pdf"
    assert Score.objects.get(enrolment=first, kind=TX, index=1).value == 6  # nothing applied before approval


def test_an_open_cell_is_typed_in_the_grid_not_corrected(demo):
    first = students(demo)[0]
    with pytest.raises(ValidationError, match="not recorded yet"):
        corrections.correction_submit(actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"),
                                      term=term(demo), changes=[ChangeInput(first.pk, TX, 1, "8")], reason="x",
                                      files=[pdf()])


@pytest.mark.parametrize("missing", ["reason", "evidence"])
def test_a_request_needs_a_reason_and_evidence(demo, missing):
    first, _ = locked_scores(demo)
    with pytest.raises(ValidationError) as error:
        corrections.correction_submit(actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"),
                                      term=term(demo), changes=[ChangeInput(first.pk, TX, 1, "8")],
                                      reason="" if missing == "reason" else "why",
                                      files=[] if missing == "evidence" else [pdf()])
    assert missing in error.value.message_dict
    assert not CorrectionRequest.objects.exists()


@pytest.mark.parametrize("name, content, accepted", [
    ("scan.pdf", PDF, True),
    ("photo.png", PNG, True),
    ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 20, True),
    ("virus.pdf", b"MZ\x90\x00 not a pdf", False),  # the name says PDF, the content does not
    ("big.pdf", PDF + b"\0" * (10 * 1024 * 1024), False),
])
def test_evidence_is_checked_by_its_content_and_size(demo, name, content, accepted):
    locked_scores(demo)
    if accepted:
        assert file_request(demo, files=[pdf(name, content)]).evidence.count() == 1
    else:
        with pytest.raises(ValidationError):
            file_request(demo, files=[pdf(name, content)])
        assert not CorrectionRequest.objects.exists()


def test_a_cell_can_be_in_one_open_request_only(demo):
    locked_scores(demo)
    file_request(demo)
    with pytest.raises(ValidationError, match="already has"):
        file_request(demo, text="9")


def test_only_the_assigned_teacher_files_a_request(demo):
    locked_scores(demo)
    with pytest.raises(PermissionDenied):
        file_request(demo, username="head_math")


def test_a_regular_correction_after_the_schools_deadline_is_a_late_request_for_the_leadership(demo):
    import datetime

    from django.utils import timezone

    locked_scores(demo)
    today = timezone.localdate()
    locks.schedule_save(actor=demo.user("board"), term=term(demo), midterm_test_on=today - datetime.timedelta(days=40),
                        final_test_on=today + datetime.timedelta(days=3))  # the deadline was 4 days ago
    request = file_request(demo)
    assert (request.kind, request.late, request.status) == ("correction", True, "pending")
    assert request.deadline == today - datetime.timedelta(days=4)


# --- the state machine --------------------------------------------------------------------------------


def test_approval_applies_the_new_value_with_the_request_as_history_reason(demo):
    first, _ = locked_scores(demo)
    request = file_request(demo)
    corrections.correction_approve(actor=demo.user("principal"), request=request, note="Checked the paper",
                                   witness=demo.user("board"))
    score = Score.objects.get(enrolment=first, kind=TX, index=1)
    assert (score.value, score.version, score.updated_by) == (Decimal(8), 2, demo.user("principal"))
    latest = score.history.first()
    assert latest.history_change_reason == f"Correction request no. {request.pk} approved"
    request.refresh_from_db()
    assert (request.status, request.decided_by, request.witness) == ("approved", demo.user("principal"),
                                                                      demo.user("board"))


def test_nobody_approves_their_own_request(demo):
    # The principal also teaches here: the principal's own request waits for someone else.
    math = demo.assignment("6A1", "toan")
    from guardian.shortcuts import assign_perm

    assign_perm("schoolrecords.teach_assignment", demo.user("principal"), math)
    locked_scores(demo)
    request = file_request(demo, username="principal")
    with pytest.raises(PermissionDenied):
        corrections.correction_approve(actor=demo.user("principal"), request=request)
    assert CorrectionRequest.objects.get().status == "pending"


def test_a_stale_old_value_is_a_conflict_and_changes_nothing(demo):
    first, _ = locked_scores(demo)
    request = file_request(demo)
    lock = columns_state(demo.assignment("6A1", "toan"), term(demo))[1][(TX, 1)]
    locks.lock_lift(actor=demo.user("board"), lock=lock, reason="reopen for a moment")
    scores_save(session="test-session", actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"), term=term(demo),
                cells=[CellInput(first.pk, TX, 1, "5", expected_version=1)])
    with pytest.raises(CorrectionConflict) as conflict:
        corrections.correction_approve(actor=demo.user("principal"), request=request, witness=demo.user("board"))
    assert [change.enrolment_id for change in conflict.value.cells] == [first.pk]
    assert Score.objects.get(enrolment=first, kind=TX, index=1).value == 5
    assert CorrectionRequest.objects.get().status == "pending"
    assert selectors.with_current_values([selectors.request_for(actor=demo.user("principal"), pk=request.pk)])[
        request.pk][0].stale


def test_rejection_needs_a_reason_and_is_final(demo):
    locked_scores(demo)
    request = file_request(demo)
    with pytest.raises(ValidationError):
        corrections.correction_reject(actor=demo.user("principal"), request=request, note="")
    corrections.correction_reject(actor=demo.user("principal"), request=request, note="No evidence of the error")
    for action in ("approve", "ask_info"):
        with pytest.raises(InvalidTransition):
            getattr(corrections, f"correction_{action}")(actor=demo.user("principal"), request=request, note="x")
    with pytest.raises(InvalidTransition):
        corrections.correction_withdraw(actor=demo.user("teacher_math"), request=request)


def test_asking_for_information_then_resubmitting_then_approving(demo):
    first, _ = locked_scores(demo)
    request = file_request(demo)
    corrections.correction_ask_info(actor=demo.user("principal"), request=request, note="Attach the class list")
    with pytest.raises(InvalidTransition):  # not while the teacher has to answer
        corrections.correction_approve(actor=demo.user("principal"), request=request)
    with pytest.raises(PermissionDenied):  # only the teacher answers
        corrections.correction_resubmit(actor=demo.user("head_math"), request=request, note="x")
    corrections.correction_resubmit(actor=demo.user("teacher_math"), request=request, note="Class list attached",
                                    files=[pdf("danh-sach.pdf")])
    request.refresh_from_db()
    assert request.status == "pending" and request.evidence.count() == 2
    corrections.correction_approve(actor=demo.user("principal"), request=request, witness=demo.user("board"))
    assert Score.objects.get(enrolment=first, kind=TX, index=1).value == 8
    with pytest.raises(InvalidTransition):  # approved is final
        corrections.correction_approve(actor=demo.user("principal"), request=request)


def test_a_teacher_withdraws_a_pending_request(demo):
    locked_scores(demo)
    request = file_request(demo)
    corrections.correction_withdraw(actor=demo.user("teacher_math"), request=request)
    assert CorrectionRequest.objects.get().status == "withdrawn"
    with pytest.raises(InvalidTransition):
        corrections.correction_resubmit(actor=demo.user("teacher_math"), request=request, note="again")


@pytest.mark.parametrize("username", ["vice", "board", "head_math", "teacher_math"])
def test_only_the_principal_decides(demo, username):
    locked_scores(demo)
    request = file_request(demo)
    for decide in (corrections.correction_approve, corrections.correction_reject, corrections.correction_ask_info):
        with pytest.raises(PermissionDenied):
            decide(actor=demo.user(username), request=request, note="x")
    assert CorrectionRequest.objects.get().status == "pending"


def test_the_witness_must_be_on_the_admin_board(demo):
    locked_scores(demo)
    request = file_request(demo)
    with pytest.raises(ValidationError):
        corrections.correction_approve(actor=demo.user("principal"), request=request, witness=demo.user("vice"))


def test_another_schools_principal_sees_a_404(demo, other_school):
    from schoolrecords import services as setup

    locked_scores(demo)
    request = file_request(demo)
    outsider = setup.staff_create(actor=setup.system_user(), school=other_school["school"], username="other_head",
                                  full_name="Hiệu Trưởng Khác", password="another-pass-2026",
                                  role_names=["principal"]).user
    with pytest.raises(Http404):
        corrections.correction_approve(actor=outsider, request=request)
    with pytest.raises(Http404):
        selectors.request_for(actor=outsider, pk=request.pk)


# --- pages --------------------------------------------------------------------------------------------


def test_the_grid_shows_locked_cells_read_only_with_a_tick_for_a_correction(demo, login):
    locked_scores(demo)
    page = login("teacher_math").get(reverse("gradebook:grid", args=(demo.assignment("6A1", "toan").pk, 1)))
    html = page.content.decode()
    assert 'class="pick"' in html and "lock-mark" in html and 'id="correction-button"' in html


def test_a_save_into_a_locked_book_is_a_403_and_changes_nothing(demo, login):
    import json

    first, _ = locked_scores(demo)
    locks.book_lock(actor=demo.user("principal"), term=term(demo))
    response = login("teacher_math").post(
        reverse("gradebook:grid_save", args=(demo.assignment("6A1", "toan").pk, 1)),
        data=json.dumps({"cells": [{"enrolment": first.pk, "kind": "tx", "index": 2, "text": "9"}]}),
        content_type="application/json")
    assert response.status_code == 403
    assert not Score.objects.filter(kind=TX, index=2, enrolment__school_class__year__is_current=True).exists()


def test_filing_from_the_form_and_approving_in_the_queue(demo, login):
    first, _ = locked_scores(demo)
    math = demo.assignment("6A1", "toan")
    client = login("teacher_math")
    url = reverse("gradebook:correction_new", args=(math.pk, 1))
    key = f"{first.pk}:tx:1"
    form = client.get(url, {"cell": key})
    assert form.status_code == 200 and "Typed" not in form.content.decode()
    missing = client.post(url, {"cell": key, f"new-{key}": "8", "reason": ""})
    assert missing.status_code == 200 and not CorrectionRequest.objects.exists()
    done = client.post(url, {"cell": key, f"new-{key}": "8", "reason": "Typed 6 instead of 8", "evidence": pdf()})
    request = CorrectionRequest.objects.get()
    assert done.status_code == 302
    principal = login("principal")
    queue = principal.get(reverse("gradebook:corrections")).content.decode()
    assert "bai-kiem-tra.pdf" in queue and "→" in queue
    principal.post(reverse("gradebook:correction", args=(request.pk,)), {"action": "approve", "note": "ok",
                                                                          "witness": demo.user("board").pk})
    assert Score.objects.get(enrolment=first, kind=TX, index=1).value == 8
    minutes = principal.get(reverse("archive:correction_minutes", args=(request.pk,)))
    assert minutes["Content-Type"] == "application/pdf" and minutes.content.startswith(b"%PDF")
    request.refresh_from_db()
    log = principal.get(reverse("archive:correction_log", args=(
        demo.user("teacher_math").pk, request.decided_at.year, request.decided_at.month)))
    assert log.content.startswith(b"%PDF")


def test_a_teacher_cannot_open_the_queue_of_others_or_another_teachers_request(demo, login):
    locked_scores(demo)
    request = file_request(demo)
    assert login("head_math").get(reverse("gradebook:correction", args=(request.pk,))).status_code == 403
    assert login("head_math").post(reverse("gradebook:correction", args=(request.pk,)),
                                   {"action": "approve"}).status_code == 403
    assert CorrectionRequest.objects.get().status == "pending"


def test_the_home_summary_shows_the_teacher_the_outcome_and_the_principal_the_queue(demo):
    locked_scores(demo)
    request = file_request(demo)
    assert selectors.home_summary(demo.user("principal")).waiting == 1
    corrections.correction_reject(actor=demo.user("principal"), request=request, note="No paper")
    mine = selectors.home_summary(demo.user("teacher_math"))
    assert [(r.pk, r.status) for r in mine.recent] == [(request.pk, "rejected")]
    assert selectors.home_summary(demo.user("principal")).waiting == 0


# A constant count: the session, the user and their school (with their profile), the roles, the site's context
# processor, then the waiting requests and the decided ones, each with their cells (and students) and evidence
# prefetched.
QUEUE_QUERIES = 12


def test_the_queue_costs_the_same_queries_for_one_request_or_three(demo, login, django_assert_num_queries):
    locked_scores(demo)
    file_request(demo)
    client = login("principal")
    url = reverse("gradebook:corrections")
    with django_assert_num_queries(QUEUE_QUERIES):
        client.get(url)
    math = demo.assignment("6A1", "toan")
    for enrolment in students(demo, 4)[2:]:
        scores_save(session="test-session", actor=demo.user("teacher_math"), assignment=math, term=term(demo),
                    cells=[CellInput(enrolment.pk, GK, 1, "5")])
    locks.column_lock(actor=demo.user("teacher_math"), assignment=math, term=term(demo), kind=GK)
    for enrolment in students(demo, 4)[2:]:
        corrections.correction_submit(actor=demo.user("teacher_math"), assignment=math, term=term(demo),
                                      changes=[ChangeInput(enrolment.pk, GK, 1, "6")], reason="r", files=[pdf()],
                                      examiner="Nguyễn Thị Lan")
    with django_assert_num_queries(QUEUE_QUERIES):
        page = client.get(url)
    html = page.content.decode()
    assert all(reverse("gradebook:correction", args=(request.pk,)) in html for request in CorrectionRequest.objects.all())
    assert CorrectionRequest.objects.count() == 3
