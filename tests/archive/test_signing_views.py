"""The signing pages: the board (who signed, who not; signing a batch with one PIN), the home card, the
certificate page; bad input answered in Vietnamese at the field with nothing saved; query counts pinned."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from archive.models import ArchivedDocument, Kind, Signature, SigningAttempt, SigningCertificate, SigningRole
from archive.signing import pki

from .signing_support import print_report_cards

pytestmark = pytest.mark.django_db


def board_url(small, kind=Kind.REPORT_CARD):
    return f"{reverse('archive:signing_board', args=[small.school_class.pk])}?term=1&kind={kind}"


def test_the_board_shows_who_signed_and_signs_the_chosen_documents_with_one_pin(pki_ready, small, login):
    documents = print_report_cards(small)
    client = login("teacher_math")
    page = client.get(board_url(small))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Bảng ký — lớp 6A1" in text and text.count('name="documents"') == 3
    response = client.post(board_url(small), {"role": SigningRole.SUBJECT_TEACHERS, "pin": "123456",
                                              "documents": [d.pk for d in documents]})
    assert response.status_code == 302
    assert Signature.objects.filter(signer__username="teacher_math").count() == 3
    page = login("homeroom_6a1").get(board_url(small))
    text = page.content.decode()
    assert small.demo.user("gv_gdtc").profile.full_name in text  # still waited for
    assert small.demo.user("teacher_math").profile.full_name in text  # signed
    assert 'name="documents"' not in text  # nothing is the homeroom teacher's turn yet


def test_a_wrong_pin_is_answered_at_the_field_and_nothing_is_signed(pki_ready, small, login):
    documents = print_report_cards(small)
    response = login("gv_gdtc").post(board_url(small), {"role": SigningRole.SUBJECT_TEACHERS, "pin": "999999",
                                                        "documents": [documents[0].pk]})
    assert response.status_code == 400
    assert "Sai mã PIN của token" in response.content.decode()
    assert not Signature.objects.exists() and ArchivedDocument.objects.filter(kind=Kind.REPORT_CARD).count() == 3
    assert SigningAttempt.objects.get().code == "token_pin"
    response = login("gv_gdtc").post(board_url(small), {"role": SigningRole.SUBJECT_TEACHERS, "pin": "",
                                                        "documents": [documents[0].pk]})
    assert response.status_code == 400 and "Nhập mã PIN của token." in response.content.decode()


def test_a_document_not_waiting_for_this_signer_is_refused_at_the_field_and_logged(pki_ready, small, login):
    documents = print_report_cards(small)
    response = login("principal").post(board_url(small), {"role": SigningRole.PRINCIPAL, "pin": "123456",
                                                          "documents": [documents[0].pk]})
    assert response.status_code == 400 and not Signature.objects.exists()
    assert "Chưa đến lượt bước này" in response.content.decode()
    assert SigningAttempt.objects.get().code == "out_of_order"


def test_the_home_page_lists_what_waits_for_the_signer(pki_ready, small, login):
    print_report_cards(small)
    text = login("gv_gdtc").get(reverse("home")).content.decode()
    assert "3 văn bản chờ thầy/cô ký" in text
    text = login("homeroom_6a1").get(reverse("home")).content.decode()
    assert "Không có văn bản nào chờ thầy/cô ký." in text


def test_the_certificate_page_refuses_someone_elses_certificate_then_registers_ones_own(pki_ready, small, login,
                                                                                      signing_dir):
    teacher = small.demo.user("gv_gdtc")
    root = pki.Issued(pki.load_certificate((signing_dir / "roots.pem").read_bytes()),
                      pki.load_key((signing_dir / "root.key").read_bytes()))
    other = pki.issue(root, subject=pki.person_name("Người Khác", teacher.profile.cccd))
    client = login("gv_gdtc")
    before = SigningCertificate.objects.get(user=teacher, active=True)
    response = client.post(reverse("archive:signing_certificate"),
                           {"certificate": SimpleUploadedFile("cert.pem", other.pem)})
    assert response.status_code == 400
    assert "Chứng thư số cấp cho “Người Khác”" in response.content.decode()
    assert SigningCertificate.objects.get(user=teacher, active=True) == before
    response = client.post(reverse("archive:signing_certificate"), {})
    assert response.status_code == 400 and "Hãy tải lên chứng thư số" in response.content.decode()
    own = pki.issue(root, subject=pki.person_name(teacher.profile.full_name, teacher.profile.cccd),
                    not_after=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=400))
    response = client.post(reverse("archive:signing_certificate"),
                           {"certificate": SimpleUploadedFile("cert.der", own.der)})
    assert response.status_code == 302
    now = SigningCertificate.objects.get(user=teacher, active=True)
    assert now.fingerprint == pki.fingerprint(own.certificate) and not SigningCertificate.objects.get(pk=before.pk).active


# The board's page: the session and user, the class, its terms, the documents, their signatures, the plan, the
# subject teachers, the roles, whether remote signing is offered, the page's frame; the same for one summary
# table or three report cards.
QUERIES = 14


@pytest.mark.parametrize("kind", [Kind.SUMMARY, Kind.REPORT_CARD])
def test_the_board_runs_the_same_queries_for_one_document_or_three(pki_ready, small, login, kind,
                                                                   django_assert_num_queries):
    from archive import jobs as archive_jobs
    from archive import tasks
    from archive.models import Mode

    batch = archive_jobs.batch_start(actor=small.demo.user("clerk"), year=small.year, term_number=1, kind=kind,
                                     mode=Mode.AD_HOC, classes=[small.school_class], dispatch=False)
    for job in batch.jobs.order_by("pk"):
        tasks.render_job.apply(args=[job.pk])
    assert ArchivedDocument.objects.filter(kind=kind).count() == (1 if kind == Kind.SUMMARY else 3)
    client = login("principal")
    client.get(board_url(small, kind))  # warm the session and caches
    with django_assert_num_queries(QUERIES):
        assert client.get(board_url(small, kind)).status_code == 200



@pytest.mark.parametrize("kinds", [(Kind.SUMMARY,), (Kind.SUMMARY, Kind.REPORT_CARD, Kind.LEDGER)])
def test_what_waits_for_a_signer_is_read_in_the_same_queries_whatever_the_number_of_documents(
        pki_ready, small, kinds, django_assert_num_queries):
    from archive import jobs as archive_jobs
    from archive import tasks
    from archive.models import Mode
    from archive.signing import selectors

    for kind in kinds:
        batch = archive_jobs.batch_start(actor=small.demo.user("clerk"), year=small.year, term_number=1, kind=kind,
                                         mode=Mode.AD_HOC, classes=[small.school_class], dispatch=False)
        for job in batch.jobs.order_by("pk"):
            tasks.render_job.apply(args=[job.pk])
    homeroom = small.demo.user("homeroom_6a1")
    # Six, and the actor's school (profile, school) and roles: the same for one document or five.
    with django_assert_num_queries(9):
        waiting = selectors.waiting_for(actor=homeroom)
    assert sum(w.count for w in waiting) == (1 if len(kinds) == 1 else 2)  # summary and ledger: the homeroom's turn


def test_the_admin_board_enters_a_staff_members_cccd_and_a_bad_one_is_refused_at_the_field(demo, login):
    from schoolrecords import roles

    profile = demo.user("gv_tin").profile
    url = reverse("setup:staff_edit", args=[profile.pk])
    data = {"full_name": profile.full_name, "position": profile.position, "phone": profile.phone,
            "department": profile.department_id or "", "roles": [roles.SUBJECT_TEACHER], "reason": "CCCD"}
    client = login("board")
    response = client.post(url, {**data, "cccd": "12345"})
    assert response.status_code == 200 and "Số CCCD gồm 12 chữ số." in response.content.decode()
    profile.refresh_from_db()
    assert profile.cccd == ""
    assert client.post(url, {**data, "cccd": "001234567890"}).status_code == 302
    profile.refresh_from_db()
    assert profile.cccd == "001234567890" and profile.history.first().cccd == "001234567890"


@pytest.mark.parametrize(("content", "message"), [
    (b"MZ\x90\x00 not a certificate", "Tệp này không phải chứng thư số X.509"),
    (b"-----BEGIN CERTIFICATE-----\n" + b"A" * 70000 + b"\n-----END CERTIFICATE-----\n", "không được quá 64 KB"),
])
def test_a_file_that_is_no_certificate_is_refused_at_the_field_and_nothing_is_saved(pki_ready, small, login, content,
                                                                                   message):
    before = SigningCertificate.objects.count()
    response = login("gv_gdtc").post(reverse("archive:signing_certificate"),
                                     {"certificate": SimpleUploadedFile("x.pem", content)})
    assert response.status_code == 400 and message in response.content.decode()
    assert SigningCertificate.objects.count() == before
