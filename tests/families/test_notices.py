"""Notices to families (issue 18, item 4): written, approved, delivered on the page and by e-mail, read,
acknowledged and answered."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from families import services
from families.models import Notice, NoticeReceipt
from tests.mailserver import TinySMTP

from .test_families import first_student, make_account, noting_retries


def parent_of(demo, class_name="6A1", phone="0912345678", email_address="hanh@nha.test"):
    _invitation, code = services.invitation_issue(actor=demo.user("board"), student=first_student(demo, class_name))
    return make_account(code, phone=phone, email_address=email_address)


def write(demo, username="homeroom_6a1", **more):
    fields = {"audience": "class", "school_class": demo.school_class("6A1"), "title": "Họp phụ huynh",
              "body": "Kính mời quý phụ huynh dự họp lúc 8 giờ sáng Chủ nhật."} | more
    return services.notice_write(actor=demo.user(username), year=demo.year, **fields)


def test_a_class_notice_waits_for_the_vice_principal_then_reaches_the_linked_parents(
        demo, smtp_server, eager_celery, django_capture_on_commit_callbacks):
    parent = parent_of(demo)
    parent_of(demo, "8A1", phone="0987000111", email_address="")  # another class: not reached
    notice = write(demo)
    assert notice.state == Notice.State.WAITING and not notice.receipts.exists()
    with pytest.raises(PermissionDenied):
        services.notice_decide(actor=demo.user("homeroom_6a1"), notice=notice, approve=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.notice_decide(actor=demo.user("vice"), notice=notice, approve=True)
    receipt = NoticeReceipt.objects.get(notice=notice)
    assert receipt.parent == parent and receipt.emailed_at is not None
    assert [m["to"] for m in smtp_server.messages] == [["hanh@nha.test"]]
    assert notice.history.count() == 2


def test_a_returned_notice_needs_a_note_and_goes_back_for_approval_when_mended(demo):
    notice = write(demo)
    with pytest.raises(ValidationError):
        services.notice_decide(actor=demo.user("vice"), notice=notice, approve=False)
    services.notice_decide(actor=demo.user("vice"), notice=notice, approve=False, note="Ghi rõ địa điểm")
    notice.refresh_from_db()
    assert notice.state == Notice.State.RETURNED
    services.notice_resubmit(actor=demo.user("homeroom_6a1"), notice=notice, title="Họp phụ huynh",
                             body="Họp tại phòng 6A1, 8 giờ sáng Chủ nhật.")
    notice.refresh_from_db()
    assert notice.state == Notice.State.WAITING


def test_who_may_write_to_whom(demo):
    with pytest.raises(PermissionDenied):
        write(demo, school_class=demo.school_class("8A1"))
    with pytest.raises(PermissionDenied):
        write(demo, audience="school", school_class=None)
    with pytest.raises(PermissionDenied):
        write(demo, "teacher_math")
    with pytest.raises(ValidationError) as caught:
        write(demo, "principal", audience="grade", school_class=None, grade=12)
    assert list(caught.value.message_dict) == ["grade"]
    notice = write(demo, "principal", audience="grade", school_class=None, grade=6)
    assert notice.state == Notice.State.SENT  # the leadership's go out at once
    assert not Notice.objects.filter(author=demo.user("homeroom_6a1")).exists()


def test_without_the_approval_setting_a_class_notice_goes_out_at_once(demo):
    services.settings_save(actor=demo.user("principal"), school=demo.school, publish_regular_scores=False,
                           class_notices_need_approval=False)
    parent_of(demo)
    notice = write(demo)
    assert notice.state == Notice.State.SENT and notice.receipts.count() == 1


def test_the_parent_reads_acknowledges_and_replies_and_the_teacher_sees_it(demo, login):
    parent = parent_of(demo)
    notice = write(demo, "principal")
    receipt = NoticeReceipt.objects.get(notice=notice, parent=parent)
    client = Client()
    client.force_login(parent.user)
    assert notice.title in client.get(reverse("families:notices")).content.decode()
    client.get(reverse("families:notice", args=[receipt.pk]))
    receipt.refresh_from_db()
    assert receipt.read_at is not None and receipt.acknowledged_at is None
    response = client.post(reverse("families:notice", args=[receipt.pk]), {"reply": "Gia đình sẽ đến đúng giờ."})
    assert response.status_code == 302
    receipt.refresh_from_db()
    assert receipt.acknowledged_at and receipt.reply == "Gia đình sẽ đến đúng giờ."
    page = login("principal").get(reverse("families:staff_notice", args=[notice.pk])).content.decode()
    assert "Gia đình sẽ đến đúng giờ." in page
    assert login("homeroom_6a1").get(reverse("families:staff_notice", args=[notice.pk])).status_code == 403
    other = parent_of(demo, "8A1", phone="0987000111", email_address="")
    stranger = Client()
    stranger.force_login(other.user)
    assert stranger.get(reverse("families:notice", args=[receipt.pk])).status_code == 404


def test_the_homeroom_author_of_a_class_notice_sees_who_has_read_and_acknowledged_it(demo, login):
    services.settings_save(actor=demo.user("principal"), school=demo.school, publish_regular_scores=False,
                           class_notices_need_approval=False)
    parent = parent_of(demo)
    notice = write(demo)  # the homeroom teacher's, to 6A1: out at once with the setting off
    receipt = NoticeReceipt.objects.get(notice=notice, parent=parent)
    teacher = login("homeroom_6a1")
    assert "Lê Thị Hạnh" in teacher.get(reverse("families:staff_notice", args=[notice.pk])).content.decode()
    client = Client()
    client.force_login(parent.user)
    client.get(reverse("families:notice", args=[receipt.pk]))
    client.post(reverse("families:notice", args=[receipt.pk]), {"reply": ""})
    receipt.refresh_from_db()
    page = teacher.get(reverse("families:staff_notice", args=[notice.pk])).content.decode()
    assert receipt.read_at and receipt.acknowledged_at
    assert timezone.localtime(receipt.acknowledged_at).strftime("%d/%m/%Y") in page


def test_the_notice_task_retries_while_the_smtp_server_is_down(demo, settings, eager_celery,
                                                               django_capture_on_commit_callbacks):
    from families import tasks

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens: connection refused
    parent_of(demo)
    with noting_retries(tasks.deliver_notice) as retried, pytest.raises(OSError), \
            django_capture_on_commit_callbacks(execute=True):
        write(demo, "principal")
    assert retried and isinstance(retried[0], OSError)
    assert NoticeReceipt.objects.filter(emailed_at__isnull=True).count() == 1  # delivered on a later try


def test_delivery_is_retried_after_the_smtp_server_was_down_and_sends_each_once(demo):
    parent_of(demo)
    parent_of(demo, "6A2", phone="0987000111", email_address="an@nha.test")
    notice = write(demo, "principal", audience="grade", school_class=None, grade=6)
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
                           EMAIL_PORT=9):
        with pytest.raises(OSError):
            services.notice_deliver(notice_id=notice.pk)
    server = TinySMTP().start()
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
                               EMAIL_PORT=server.port, EMAIL_USE_TLS=False, EMAIL_USE_SSL=False):
            assert services.notice_deliver(notice_id=notice.pk) == 2
            assert services.notice_deliver(notice_id=notice.pk) == 0  # a second delivery sends nothing
    finally:
        server.stop()
    assert sorted(m["to"][0] for m in server.messages) == ["an@nha.test", "hanh@nha.test"]


class LogChannel:
    """A second channel as a Zalo OA or SMS gateway would plug in (docs/operations.md, "Families"): it reaches
    parents without an e-mail too."""

    name = "log"
    handed: list = []

    def deliver(self, receipt, subject, body):
        LogChannel.handed.append((receipt.parent.phone, subject))
        return True


def test_a_channel_named_in_the_settings_delivers_beside_the_email(demo, smtp_server):
    parent_of(demo)
    parent_of(demo, "6A2", phone="0987000111", email_address="")  # no e-mail: only the second channel
    notice = write(demo, "principal", audience="grade", school_class=None, grade=6)
    LogChannel.handed = []
    with override_settings(FAMILIES_CHANNELS=["families.channels.EmailChannel",
                                              "tests.families.test_notices.LogChannel"]):
        assert services.notice_deliver(notice_id=notice.pk) == 2
        assert services.notice_deliver(notice_id=notice.pk) == 0
    subject = "Trường THCS Nguyễn Du: Họp phụ huynh"
    assert sorted(LogChannel.handed) == [("0912345678", subject), ("0987000111", subject)]
    assert [m["to"] for m in smtp_server.messages] == [["hanh@nha.test"]]


def test_the_notice_pages_through_the_forms(demo, login):
    client = login("homeroom_6a1")
    page = client.get(reverse("families:staff_notices"))
    assert [value for value, _label in page.context["form"].fields["to"].choices] == [
        f"class:{demo.school_class('6A1').pk}"]
    bad = client.post(reverse("families:staff_notices"), {"to": f"class:{demo.school_class('6A1').pk}",
                                                          "title": "", "body": "x"})
    assert bad.status_code == 200 and bad.context["form"].errors["title"]
    response = client.post(reverse("families:staff_notices"), {"to": f"class:{demo.school_class('6A1').pk}",
                                                               "title": "Nghỉ học", "body": "Lớp nghỉ thứ Hai."})
    notice = Notice.objects.get(title="Nghỉ học")
    assert response.url == reverse("families:staff_notice", args=[notice.pk])
    vice = login("vice")
    vice.post(reverse("families:staff_notice", args=[notice.pk]), {"decide": "approve", "note": ""})
    notice.refresh_from_db()
    assert notice.state == Notice.State.SENT
    assert login("teacher_math").get(reverse("families:staff_notices")).status_code == 403
