"""The minutes of an approved correction are sealed into the archive when the decision is taken, exactly once."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from archive import jobs, services, storage
from archive.models import ArchivedDocument, Kind
from gradebook.corrections import delegation
from gradebook.corrections import services as corrections
from gradebook.corrections.services import ChangeInput
from gradebook.scores.services import CellInput, scores_save
from gradebook.windows import services as locks
from schoolrecords import models as sm
from seed.demo import demo_year

from .conftest import pdf_text

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _requests(demo, count=1):
    math, term = demo.assignment("6A1", "toan"), demo.year.terms.get(number=1)
    enrolments = list(sm.Enrolment.objects.filter(school_class=math.school_class, status="studying")
                      .select_related("student").order_by("pk")[:count])
    teacher = demo.user("teacher_math")
    scores_save(actor=teacher, assignment=math, term=term, cells=[CellInput(e.pk, "tx", 1, "6") for e in enrolments])
    locks.column_lock(actor=teacher, assignment=math, term=term, kind="tx", index=1)
    return [(enrolment, corrections.correction_submit(
        actor=teacher, assignment=math, term=term, changes=[ChangeInput(enrolment.pk, "tx", 1, "8,5")],
        reason="Cộng nhầm điểm bài kiểm tra", files=[SimpleUploadedFile("bai-kiem-tra-so-2.pdf", PDF,
                                                                         "application/pdf")]))
        for enrolment in enrolments]


def _minutes():
    return ArchivedDocument.objects.filter(kind=Kind.CORRECTION_MINUTES)


def test_approval_seals_the_minutes_once_with_number_witness_and_old_to_new(
        demo, django_capture_on_commit_callbacks):
    [(enrolment, request)] = _requests(demo)
    with django_capture_on_commit_callbacks(execute=True):
        corrections.correction_approve(actor=demo.user("principal"), request=request, witness=demo.user("board"),
                                       place="Trường THCS Nguyễn Du")
    [sealed] = _minutes()
    assert (sealed.school_class, sealed.year, sealed.created_by, sealed.idempotency_key) == (
        demo.school_class("6A1"), demo.year, demo.user("principal"), f"minutes:{request.pk}")
    content = storage.absolute(sealed.path).read_bytes()
    assert storage.sha256_bytes(content) == sealed.sha256
    text = pdf_text(content)
    for expected in (f"1/{DEMO_YEAR.name}", "Trường THCS Nguyễn Du", "Lê Minh Quang", "Nguyễn Văn Thành", "Đỗ Thị Mai",
                     enrolment.student.full_name, "ĐĐGtx1", "8,5", "Cộng nhầm điểm bài kiểm tra",
                     "bai-kiem-tra-so-2.pdf", "BIÊN BẢN"):
        assert expected in text, expected
    assert "6" in text.split("ĐĐGtx1", 1)[1]  # the old value beside the column

    # The signal heard again, the task run again: still one document.
    with django_capture_on_commit_callbacks(execute=True):
        jobs.minutes_for_correction_applied(request_id=request.pk, actor_id=demo.user("principal").pk)
    assert services.minutes_seal(actor=demo.user("principal"), request_id=request.pk) == sealed
    assert _minutes().count() == 1


def test_numbers_follow_each_other_and_each_request_has_its_own_minutes(demo, django_capture_on_commit_callbacks):
    pairs = _requests(demo, 3)
    with django_capture_on_commit_callbacks(execute=True):
        for _enrolment, request in pairs:
            corrections.correction_approve(actor=demo.user("principal"), request=request, witness=demo.user("board"))
    sealed = list(_minutes().order_by("pk"))
    assert [doc.idempotency_key for doc in sealed] == [f"minutes:{request.pk}" for _e, request in pairs]
    assert all(doc.version == 1 for doc in sealed)  # three documents, not three versions of one
    assert [f"1/{DEMO_YEAR.name}" in pdf_text(storage.absolute(doc.path).read_bytes()) for doc in sealed] == [True, False,
                                                                                                       False]
    assert f"3/{DEMO_YEAR.name}" in pdf_text(storage.absolute(sealed[2].path).read_bytes())


def test_a_delegated_vice_principals_minutes_say_under_which_delegation(demo, django_capture_on_commit_callbacks):
    [(_enrolment, request)] = _requests(demo)
    delegation.delegation_grant(actor=demo.user("principal"), year=demo.year, delegate=demo.user("vice"),
                                starts_on=demo.year.start_date)
    with django_capture_on_commit_callbacks(execute=True):
        corrections.correction_approve(actor=demo.user("vice"), request=request, witness=demo.user("board"))
    text = pdf_text(storage.absolute(_minutes().get().path).read_bytes())
    assert "Trần Thị Hương" in text and "ủy quyền" in text and "Nguyễn Văn Thành" in text


def test_rejecting_or_asking_seals_nothing(demo, django_capture_on_commit_callbacks):
    (_e1, first), (_e2, second) = _requests(demo, 2)
    with django_capture_on_commit_callbacks(execute=True):
        corrections.correction_reject(actor=demo.user("principal"), request=first, note="Không có minh chứng")
        corrections.correction_ask_info(actor=demo.user("principal"), request=second, note="Gửi bài kiểm tra")
    assert not _minutes().exists()
    assert services.minutes_seal(actor=demo.user("principal"), request_id=first.pk) is None


def test_the_requests_minutes_link_opens_the_sealed_copy(demo, login, django_capture_on_commit_callbacks):
    [(_enrolment, request)] = _requests(demo)
    with django_capture_on_commit_callbacks(execute=True):
        corrections.correction_approve(actor=demo.user("principal"), request=request, witness=demo.user("board"))
    sealed = _minutes().get()
    for username in ("principal", "teacher_math", "board"):
        response = login(username).get(reverse("archive:correction_minutes", args=(request.pk,)))
        assert response.status_code == 200, username
        assert b"".join(response.streaming_content) == storage.absolute(sealed.path).read_bytes()
    assert login("gv_gdcd").get(reverse("archive:correction_minutes", args=(request.pk,))).status_code == 403


def test_before_the_seal_the_minutes_are_printed_from_the_same_data(demo, login):
    [(_enrolment, request)] = _requests(demo)
    corrections.correction_approve(actor=demo.user("principal"), request=request, witness=demo.user("board"))
    assert not _minutes().exists()  # the commit has not happened: no task ran
    response = login("principal").get(reverse("archive:correction_minutes", args=(request.pk,)))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert f"1/{DEMO_YEAR.name}" in text and "Lê Minh Quang" in text


def test_a_homeroom_correction_seals_its_own_minutes_once(
        demo, django_capture_on_commit_callbacks):
    from tests.gradebook.test_homeroom_corrections import Field, decide, submit
    from tests.gradebook.test_results import studying
    from tests.gradebook.test_results_services import approve, complete_term

    complete_term(demo, 1)
    approve(demo, 1)
    student = studying(demo)[0].student
    request = submit(demo, Field.CONDUCT, shown="tot", new="kha", reason="Ghi nhầm mức rèn luyện")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        decide(demo, request, place="Phòng họp hội đồng")
    sealed = _minutes().get(idempotency_key=f"minutes:h{request.pk}")
    assert (sealed.school_class, sealed.term.number, sealed.created_by, sealed.note) == (
        demo.school_class("6A1"), 1, demo.user("principal"),
        f"Minutes no. 1 of homeroom correction request no. {request.pk}")
    text = pdf_text(storage.absolute(sealed.path).read_bytes())
    for expected in (f"1/{DEMO_YEAR.name}", "Phòng họp hội đồng", student.full_name, "Ghi nhầm mức rèn luyện",
                     "bien-ban.pdf", "Nguyễn Văn Thành"):
        assert expected in text, expected

    with django_capture_on_commit_callbacks(execute=True):
        jobs.minutes_for_homeroom_correction_applied(request_id=request.pk, actor_id=demo.user("principal").pk)
    assert services.minutes_seal(actor=demo.user("principal"), request_id=request.pk, homeroom=True) == sealed
    assert _minutes().count() == 1
