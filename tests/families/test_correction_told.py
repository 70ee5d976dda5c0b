"""Issue 18, item 3: an approved correction of a score parents see updates their page and tells them, once."""

import email
import email.policy

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from families import services
from families.models import CorrectionMessage
from gradebook.corrections import services as corrections
from gradebook.corrections.services import ChangeInput
from gradebook.scores.services import CellInput, scores_save
from gradebook.windows import services as locks
from schoolrecords import models as sm

from .test_families import first_student, make_account

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _family(demo, phone="0912345678", address="hanh@nha.test"):
    student = first_student(demo)
    _invitation, code = services.invitation_issue(actor=demo.user("homeroom_6a1"), student=student)
    return student, make_account(code, phone=phone, email_address=address)


def _corrected(demo, student, django_capture_on_commit_callbacks):
    """Score 6 for ĐĐGtx1, locked, then corrected to 8,5 and approved by the principal (callbacks run)."""
    math, term = demo.assignment("6A1", "toan"), demo.year.terms.get(number=1)
    enrolment = sm.Enrolment.objects.get(school_class=math.school_class, student=student)
    teacher = demo.user("teacher_math")
    scores_save(actor=teacher, assignment=math, term=term, cells=[CellInput(enrolment.pk, "tx", 1, "6")])
    locks.column_lock(actor=teacher, assignment=math, term=term, kind="tx", index=1)
    request = corrections.correction_submit(actor=teacher, assignment=math, term=term,
                                            changes=[ChangeInput(enrolment.pk, "tx", 1, "8,5")],
                                            reason="Cộng nhầm điểm bài kiểm tra",
                                            files=[SimpleUploadedFile("bai-kiem-tra.pdf", PDF, "application/pdf")])
    with django_capture_on_commit_callbacks(execute=True):
        corrections.correction_approve(actor=demo.user("principal"), request=request, witness=demo.user("board"))
    return request


def test_a_correction_of_a_published_term_tells_the_linked_parents_once_by_email(
        demo, smtp_server, eager_celery, django_capture_on_commit_callbacks, login):
    student, parent = _family(demo)
    services.publish(actor=demo.user("principal"), school_class=demo.school_class("6A1"),
                     term=demo.year.terms.get(number=1))
    request = _corrected(demo, student, django_capture_on_commit_callbacks)

    [message] = CorrectionMessage.objects.all()
    assert (message.parent, message.student, message.correction_id) == (parent, student, request.pk)
    assert message.changes == "ĐĐGtx1: 6 → 8,5" and message.emailed_at is not None
    assert message.history.count() == 2
    [mail] = smtp_server.messages
    assert mail["to"] == ["hanh@nha.test"]
    text = email.message_from_bytes(mail["data"], policy=email.policy.default)
    body = text.get_body().get_content()
    assert student.full_name in text["subject"] and "ĐĐGtx1: 6 → 8,5" in body and "Toán" in body

    # Heard again (a retried task): nothing new, no second e-mail.
    with django_capture_on_commit_callbacks(execute=True):
        services.correction_tell(request_id=request.pk)
    assert CorrectionMessage.objects.count() == 1 and len(smtp_server.messages) == 1

    # The parent's page shows the corrected value and the message.
    page = login(parent.user.username).get(reverse("families:child", args=[student.pk])).content.decode()
    assert 'id="corrections"' in page and "ĐĐGtx1: 6 → 8,5" in page


def test_nothing_is_told_while_the_term_is_not_published(demo, smtp_server, eager_celery,
                                                         django_capture_on_commit_callbacks):
    student, _parent = _family(demo)
    _corrected(demo, student, django_capture_on_commit_callbacks)
    assert not CorrectionMessage.objects.exists() and smtp_server.messages == []


def test_regular_scores_shown_as_entered_are_told_without_a_publication(demo, smtp_server, eager_celery,
                                                                         django_capture_on_commit_callbacks):
    student, parent = _family(demo, address="")  # no e-mail address: the message is on the page only
    services.settings_save(actor=demo.user("principal"), school=demo.school, publish_regular_scores=True)
    _corrected(demo, student, django_capture_on_commit_callbacks)
    [message] = CorrectionMessage.objects.all()
    assert message.parent == parent and message.emailed_at is None and smtp_server.messages == []


def _page(login, parent, student):
    return login(parent.user.username).get(reverse("families:child", args=[student.pk])).content.decode()


def test_the_message_is_no_longer_shown_once_the_terms_publication_is_withdrawn(
        demo, smtp_server, eager_celery, django_capture_on_commit_callbacks, login):
    student, parent = _family(demo)
    term = demo.year.terms.get(number=1)
    publication = services.publish(actor=demo.user("principal"), school_class=demo.school_class("6A1"), term=term)
    _corrected(demo, student, django_capture_on_commit_callbacks)
    [message] = CorrectionMessage.objects.all()
    assert (message.term, message.kind, message.regular) == (term, "score", True)
    assert "ĐĐGtx1: 6 → 8,5" in _page(login, parent, student)
    services.withdraw(actor=demo.user("principal"), publication=publication, reason="Công bố nhầm")
    page = _page(login, parent, student)
    assert 'id="corrections"' not in page and "ĐĐGtx1: 6 → 8,5" not in page
    services.publish(actor=demo.user("principal"), school_class=demo.school_class("6A1"), term=term)
    assert "ĐĐGtx1: 6 → 8,5" in _page(login, parent, student)  # published again: shown again


def test_a_regular_score_message_stays_while_the_school_shows_regular_scores(
        demo, smtp_server, eager_celery, django_capture_on_commit_callbacks, login):
    student, parent = _family(demo, address="")
    services.settings_save(actor=demo.user("principal"), school=demo.school, publish_regular_scores=True)
    _corrected(demo, student, django_capture_on_commit_callbacks)
    assert "ĐĐGtx1: 6 → 8,5" in _page(login, parent, student)
    services.settings_save(actor=demo.user("principal"), school=demo.school, publish_regular_scores=False)
    assert "ĐĐGtx1: 6 → 8,5" not in _page(login, parent, student)


def test_an_older_message_without_its_term_is_not_shown(demo, login):
    from schoolrecords.services import record

    student, parent = _family(demo)
    services.publish(actor=demo.user("principal"), school_class=demo.school_class("6A1"),
                     term=demo.year.terms.get(number=1))
    record(CorrectionMessage(correction_id=999, parent=parent, student=student, subject="Toán",
                             changes="ĐĐGtx2: 5 → 7"), actor=None, reason="old row")
    assert "ĐĐGtx2: 5 → 7" not in _page(login, parent, student)


def test_a_homeroom_correction_after_publication_tells_the_parents_once(
        demo, smtp_server, eager_celery, django_capture_on_commit_callbacks, login):
    from tests.gradebook.test_homeroom_corrections import decide, submit
    from tests.gradebook.test_results_services import approve, complete_term

    student, parent = _family(demo)
    term = demo.year.terms.get(number=1)
    complete_term(demo, 1)
    approve(demo, 1)
    services.publish(actor=demo.user("principal"), school_class=demo.school_class("6A1"), term=term)
    enrolment = sm.Enrolment.objects.get(school_class=demo.school_class("6A1"), student=student)
    request = submit(demo, "conduct", enrolment=enrolment, shown="tot", new="kha")
    with django_capture_on_commit_callbacks(execute=True):
        decide(demo, request, place="Phòng họp")
    [message] = CorrectionMessage.objects.all()
    assert (message.kind, message.correction_id, message.parent, message.term) == ("homeroom", request.pk, parent,
                                                                                  term)
    assert "→" in message.changes and message.emailed_at is not None
    [mail] = smtp_server.messages
    assert student.full_name in email.message_from_bytes(mail["data"], policy=email.policy.default)["subject"]
    with django_capture_on_commit_callbacks(execute=True):  # heard again: nothing new
        services.correction_tell(request_id=request.pk, kind="homeroom")
    assert CorrectionMessage.objects.count() == 1 and len(smtp_server.messages) == 1
    assert message.changes in _page(login, parent, student)
