"""Two principals deciding the same correction request at once, on PostgreSQL: it is applied once.

Each principal posts the decision from their own browser (a test client per thread) to the
request's page, which calls gradebook.corrections.correction_approve.
"""

from collections import Counter
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from gradebook.corrections import services as corrections
from gradebook.corrections.services import ChangeInput
from gradebook.models import CorrectionRequest, Score
from gradebook.scores.services import CellInput, scores_save
from gradebook.windows import services as locks
from schoolrecords import models as sm
from schoolrecords import roles
from schoolrecords import services as setup

from .conftest import errors, run_together

# Committed transactions: the racing threads (or the worker) must see each other's rows.
pytestmark = pytest.mark.django_db(transaction=True)

TX = Score.Kind.REGULAR
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ROUNDS = 3


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def client_for(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def test_two_principals_approving_the_same_request_at_once_apply_it_once(pg_demo):
    demo = pg_demo
    teacher, math = demo.user("teacher_math"), demo.assignment("6A1", "toan")
    term = demo.year.terms.get(number=1)
    second_principal = setup.staff_create(
        actor=setup.system_user(), school=demo.school, username="principal2", full_name="Trần Văn Hai",
        password="second-principal-2026", role_names=[roles.PRINCIPAL], must_change_password=False).user
    principals = [demo.user("principal"), second_principal]
    witness = demo.user("board").pk  # the admin board member present, named on the minutes
    students = list(sm.Enrolment.objects.filter(school_class=demo.school_class("6A1"),
                                                status=sm.Enrolment.Status.STUDYING).order_by("pk")[:ROUNDS])
    scores_save(session="test-session", actor=teacher, assignment=math, term=term, cells=[CellInput(e.pk, TX, 1, "6") for e in students])
    locks.column_lock(actor=teacher, assignment=math, term=term, kind=TX, index=1)

    for round_number, enrolment in enumerate(students):
        request = corrections.correction_submit(
            actor=teacher, assignment=math, term=term, changes=[ChangeInput(enrolment.pk, TX, 1, "8,5")],
            reason="Typed 6 instead of 8,5", files=[SimpleUploadedFile("bai.pdf", PDF, "application/pdf")])
        score = Score.objects.get(enrolment=enrolment, subject=math.subject, term=term, kind=TX, index=1)
        url = reverse("gradebook:correction", args=(request.pk,))

        responses = run_together(
            2, lambda client, url=url: client.post(url, {"action": "approve", "note": "Đồng ý", "witness": witness}),
            prepare=lambda number, rotate=round_number: client_for(principals[(number + rotate) % 2]))

        assert errors(responses) == []
        # the winner is sent back to the request; the other sees the page again with why nothing happened
        assert sorted(response.status_code for response in responses) == [200, 302], round_number
        loser = next(response for response in responses if response.status_code == 200)
        assert "This request is Approved: it cannot be approved." in loser.content.decode()
        request.refresh_from_db()
        assert request.status == CorrectionRequest.Status.APPROVED and request.decided_by in principals
        assert Counter(request.history.values_list("status", flat=True))["approved"] == 1
        score.refresh_from_db()
        assert (score.value, score.version) == (Decimal("8.5"), 2)
        changes = list(score.history.order_by("history_date").values_list("value", "history_change_reason"))
        assert changes == [(Decimal(6), "Scores entered"), (Decimal("8.5"), corrections.correction_reason(request))]


def test_two_leaders_approving_two_requests_at_once_take_minutes_numbers_1_and_2(pg_demo):
    """The principal and the delegated vice principal approve at the same moment: no number twice, none skipped."""
    from gradebook.corrections import delegation

    demo = pg_demo
    teacher, math = demo.user("teacher_math"), demo.assignment("6A1", "toan")
    term = demo.year.terms.get(number=1)
    delegation.delegation_grant(actor=demo.user("principal"), year=demo.year, delegate=demo.user("vice"),
                                starts_on=demo.year.start_date)
    students = list(sm.Enrolment.objects.filter(school_class=demo.school_class("6A1"),
                                                status=sm.Enrolment.Status.STUDYING).order_by("pk")[:2])
    scores_save(session="test-session", actor=teacher, assignment=math, term=term, cells=[CellInput(e.pk, TX, 1, "6") for e in students])
    locks.column_lock(actor=teacher, assignment=math, term=term, kind=TX, index=1)
    requests = [corrections.correction_submit(
        actor=teacher, assignment=math, term=term, changes=[ChangeInput(enrolment.pk, TX, 1, "7")],
        reason="Nhập nhầm", files=[SimpleUploadedFile("bai.pdf", PDF, "application/pdf")]) for enrolment in students]
    deciders = [demo.user("principal"), demo.user("vice")]
    board = demo.user("board")

    results = run_together(2, lambda number: corrections.correction_approve(
        actor=deciders[number], request=requests[number], witness=board))
    assert errors(results) == []
    numbers = sorted(CorrectionRequest.objects.filter(pk__in=[r.pk for r in requests])
                     .values_list("minutes_number", flat=True))
    assert numbers == [1, 2]
