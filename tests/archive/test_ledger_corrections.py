"""The ledger's list of approved corrections comes from the approved correction requests."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gradebook import api as seams
from gradebook.corrections import services as corrections
from gradebook.corrections.services import ChangeInput
from gradebook.scores.services import CellInput, scores_save
from gradebook.windows import services as locks
from schoolrecords import models as sm

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _request(demo, text: str):
    math, term = demo.assignment("6A1", "toan"), demo.year.terms.get(number=1)
    first = sm.Enrolment.objects.filter(school_class=math.school_class, status="studying").order_by("pk").first()
    scores_save(session="test-session", actor=demo.user("teacher_math"), assignment=math, term=term, cells=[CellInput(first.pk, "tx", 2, "6")])
    locks.column_lock(actor=demo.user("teacher_math"), assignment=math, term=term, kind="tx", index=2)
    request = corrections.correction_submit(
        actor=demo.user("teacher_math"), assignment=math, term=term, changes=[ChangeInput(first.pk, "tx", 2, text)],
        reason="Nhập nhầm", files=[SimpleUploadedFile("bai.pdf", PDF, content_type="application/pdf")])
    return first, request


def test_only_approved_requests_are_listed_with_old_and_new_values(demo):
    first, request = _request(demo, "8,5")
    school_class = demo.school_class("6A1")
    assert seams.approved_corrections(school_class, (1, 2)) == []  # pending is not a correction
    corrections.correction_approve(actor=demo.user("principal"), request=request, witness=demo.user("board"))
    [listed] = seams.approved_corrections(school_class, (1, 2))
    assert (listed.number, listed.enrolment_id, listed.column_label) == (1, first.pk, "ĐĐGtx2")
    assert (listed.old_value, listed.new_value) == ("6", "8,5")
    assert listed.requested_by == "Đỗ Thị Mai" and listed.approved_by == "Nguyễn Văn Thành"
    assert seams.approved_corrections(school_class, (2,)) == []  # another term


def test_the_list_costs_one_query(demo, django_assert_num_queries):
    _first, request = _request(demo, "9")
    corrections.correction_approve(actor=demo.user("principal"), request=request, witness=demo.user("board"))
    school_class = demo.school_class("6A1")
    with django_assert_num_queries(1):
        seams.approved_corrections(school_class, (1,))


def test_the_ledger_marks_the_cell_an_approved_request_corrected(demo):
    from gradebook import printed

    first, request = _request(demo, "8,5")
    corrections.correction_approve(actor=demo.user("principal"), request=request, witness=demo.user("board"))
    data = printed.ledger(demo.school_class("6A1"), 1)
    math = next(table for table in data.terms[0].subjects if table.subject == "Toán")
    row = next(row for row in math.rows if row.full_name == first.student.full_name)
    assert [(cell.text, cell.correction, cell.old) for cell in row.cells if cell.correction] == [("8,5", 1, "6")]
