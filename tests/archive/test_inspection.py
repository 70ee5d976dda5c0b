"""Issue 18, item 6: the principal shares chosen archived records with an inspector for set days, through a link;
read only, only what was shared, every use logged, expiry on each request, revoked early with a reason."""

import datetime
import email
import email.policy

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from archive import jobs
from archive import services as archive_services
from archive.inspection import services
from archive.models import ArchivedDocument, InspectionShare, Kind, Mode, ShareAccess

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _today():
    return timezone.localdate()


def share(demo, scope="ledger", days=7, **more):
    fields = {"actor": demo.user("principal"), "year": demo.year, "scope": scope, "inspector_name": "Phạm Thu Hà",
              "organisation": "Phòng GD&ĐT quận Ba Đình", "starts_on": _today(),
              "ends_on": _today() + datetime.timedelta(days=days - 1), "purpose": "Kiểm tra hồ sơ điểm học kì I",
              "school_class": demo.school_class("6A1") if scope == "ledger" else None} | more
    return services.share_create(**fields)


def ledger_of(demo, class_name="6A1"):
    """6A1's (or another class's) ledger of term I, printed ad hoc into the archive by the clerk (the real render)."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        batch = jobs.batch_start(actor=demo.user("clerk"), year=demo.year, term_number=1, kind=Kind.LEDGER,
                                 mode=Mode.AD_HOC, classes=[demo.school_class(class_name)],
                                 token=f"ledger-{class_name}")
    job = batch.jobs.get()
    assert job.status == "done", job.error
    return ArchivedDocument.objects.get(job__batch=batch)


def snapshot(demo, key):
    return archive_services.snapshot_take(actor=demo.user("clerk"), term=demo.year.terms.get(number=1), key=key)


def test_a_link_opens_only_the_shared_ledger_and_every_use_is_logged(demo, login):
    ledger, other_ledger = ledger_of(demo), ledger_of(demo, "8A1")
    snap = snapshot(demo, "s1")
    found, token = share(demo)
    assert found.token_hash != token and token not in found.token_hash  # only the hash is kept
    link = reverse("inspect:home", args=[token])

    inspector = Client()  # no account, no log-in
    page = inspector.get(link, HTTP_USER_AGENT="Firefox thanh tra")
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    text = page.content.decode()
    assert ledger.file_name in text and other_ledger.file_name not in text and snap.file_name not in text
    download = inspector.get(reverse("inspect:download", args=[token, ledger.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    for refused in (other_ledger, snap):  # not what was shared
        assert inspector.get(reverse("inspect:download", args=[token, refused.pk])).status_code == 404
    assert inspector.get(reverse("inspect:home", args=["not-a-real-token"])).status_code == 404
    assert inspector.post(link).status_code == 405  # read only

    uses = list(ShareAccess.objects.filter(share=found).order_by("at", "pk"))
    assert [(u.action, u.document_id) for u in uses] == [("view", None), ("download", ledger.pk)]
    assert uses[0].user_agent == "Firefox thanh tra" and uses[0].address == "127.0.0.1"

    # The principal sees them on the share's page, and the share in the list.
    client = login("principal")
    detail = client.get(reverse("archive:share", args=[found.pk])).content.decode()
    assert ledger.file_name in detail and "Firefox thanh tra" in detail
    listing = client.get(reverse("archive:shares")).content.decode()
    assert f'id="share-{found.pk}"' in listing and "Phạm Thu Hà" in listing


def test_the_share_expires_by_itself_and_the_link_answers_a_clear_page(demo, login, monkeypatch):
    ledger = snapshot(demo, "s1")
    found, token = share(demo, "year", days=7)
    assert Client().get(reverse("inspect:home", args=[token])).status_code == 200
    later = timezone.now() + datetime.timedelta(days=8)
    monkeypatch.setattr(timezone, "now", lambda: later)  # a week and a day later: no job ran
    with translation.override("vi"):
        closed = Client().get(reverse("inspect:home", args=[token]), HTTP_ACCEPT_LANGUAGE="vi")
        refused = Client().get(reverse("inspect:download", args=[token, ledger.pk]), HTTP_ACCEPT_LANGUAGE="vi")
    assert closed.status_code == 410 and refused.status_code == 410
    assert "Đường liên kết này không còn mở hồ sơ" in closed.content.decode()
    assert found.ends_on.strftime("%d/%m/%Y") in closed.content.decode()
    assert ShareAccess.objects.filter(share=found, action="refused").count() == 2
    listing = login("principal").get(reverse("archive:shares")).content.decode()
    assert "đã hết hạn" in listing.split(f'id="share-{found.pk}"')[1].split("</tr>")[0]


def test_the_principal_revokes_early_with_a_reason_and_the_history_shows_it(demo, login):
    found, token = share(demo, "year")
    client = login("principal")
    url = reverse("archive:share", args=[found.pk])
    response = client.post(url, {"reason": " "})
    assert response.status_code == 400 and "reason" in response.context["form"].errors
    assert client.post(url, {"reason": "Đoàn kiểm tra đã kết thúc sớm"}).status_code == 302
    found.refresh_from_db()
    assert found.revoked_by == demo.user("principal") and found.revoke_reason == "Đoàn kiểm tra đã kết thúc sớm"
    assert [h.history_change_reason for h in found.history.order_by("history_date")] == [
        "Shared with an inspector", "Đoàn kiểm tra đã kết thúc sớm"]
    closed = Client().get(reverse("inspect:home", args=[token]))
    assert closed.status_code == 410
    with pytest.raises(ValidationError):
        services.share_revoke(actor=demo.user("principal"), share=found, reason="Lần hai")


def test_the_correction_minutes_of_a_period_and_a_years_archive(demo):
    snap = snapshot(demo, "s1")
    year_share, year_token = share(demo, "year")
    from archive.inspection import selectors

    assert list(selectors.documents(year_share)) == [snap]
    minutes_share, _token = share(demo, "corrections", period_from=_today() - datetime.timedelta(days=30),
                                  period_until=_today())
    assert list(selectors.documents(minutes_share)) == []  # a snapshot is not a correction's minutes


def test_bad_input_is_refused_at_the_field_and_nothing_is_saved(demo, login):
    client = login("principal")
    base = {"scope": "ledger", "school_class": demo.school_class("6A1").pk, "inspector_name": "Phạm Thu Hà",
            "organisation": "Phòng GD&ĐT", "purpose": "Kiểm tra", "starts_on": _today().isoformat(),
            "ends_on": (_today() + datetime.timedelta(days=6)).isoformat(), "year": demo.year.pk}
    cases = {
        "ends_on": {"ends_on": (_today() - datetime.timedelta(days=1)).isoformat()},
        "starts_on": {"starts_on": "31/02/2026"},
        "school_class": {"school_class": ""},
        "period_from": {"scope": "corrections", "school_class": ""},
        "scope": {"scope": "everything"},
        "email": {"email": "not-an-address"},
        "inspector_name": {"inspector_name": "   "},
    }
    for field, change in cases.items():
        response = client.post(reverse("archive:shares"), base | change)
        assert response.status_code == 400, field
        assert field in response.context["form"].errors, (field, response.context["form"].errors)
    too_long = base | {"ends_on": (_today() + datetime.timedelta(days=120)).isoformat()}
    assert "ends_on" in client.post(reverse("archive:shares"), too_long).context["form"].errors
    assert not InspectionShare.objects.exists()


def test_only_the_principal_shares_and_another_schools_share_is_not_found(demo, login, other_school):
    for username in ("vice", "clerk", "board", "teacher_math"):
        with pytest.raises(PermissionDenied):
            share(demo, actor=demo.user(username))
        assert login(username).get(reverse("archive:shares")).status_code == 403
    from schoolrecords.services import system_user

    foreign = InspectionShare.objects.create(
        school=other_school["school"], year=other_school["year"], scope="year", inspector_name="X", organisation="Y",
        starts_on=_today(), ends_on=_today(), token_hash="f" * 64, purpose="Z", created_by=system_user())
    assert login("principal").get(reverse("archive:share", args=[foreign.pk])).status_code == 404


def test_the_link_is_emailed_to_the_inspector_after_the_commit(demo, smtp_server, django_capture_on_commit_callbacks,
                                                               login):
    client = login("principal")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("archive:shares"), {
            "scope": "year", "inspector_name": "Phạm Thu Hà", "organisation": "Sở GD&ĐT Hà Nội",
            "email": "ha.pt@sogd.test", "purpose": "Thanh tra", "starts_on": _today().isoformat(),
            "ends_on": (_today() + datetime.timedelta(days=6)).isoformat(), "year": demo.year.pk})
    assert response.status_code == 302  # post/redirect/get: the link is not the POST's answer
    shown = client.get(response["Location"])
    link = shown.context["link"]
    assert shown.status_code == 200 and link in shown.content.decode() and "no-store" in shown["Cache-Control"]
    [mail] = smtp_server.messages
    assert mail["to"] == ["ha.pt@sogd.test"]
    body = email.message_from_bytes(mail["data"], policy=email.policy.default).get_body().get_content()
    assert link in body  # the same link the principal was shown, once


@pytest.mark.parametrize("count", [2, 6])
def test_query_counts_of_the_share_list_and_the_inspectors_page(demo, login, django_assert_num_queries, count):
    tokens = [share(demo, "year")[1] for _ in range(count)]
    for number in range(count):
        snapshot(demo, f"s{number}")
    for token in tokens:
        Client().get(reverse("inspect:home", args=[token]))
    client = login("principal")
    client.get(reverse("archive:shares"))  # the session's and the language's first reads
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(reverse("archive:shares")).status_code == 200
    inspector = Client()
    with django_assert_num_queries(PUBLIC_QUERIES):
        assert inspector.get(reverse("inspect:home", args=[tokens[0]])).status_code == 200


# The list: the session, the user and their school and roles, the year, the page's count and rows with their
# uses (one query, annotated), the navigation's reads. The link: the share, the logged view, the count, the page.
LIST_QUERIES = 11
PUBLIC_QUERIES = 4


def test_the_new_link_is_shown_once_after_a_redirect_and_then_dropped(demo, login):
    client = login("principal")
    response = client.post(reverse("archive:shares"), {
        "scope": "year", "inspector_name": "Phạm Thu Hà", "organisation": "Sở GD&ĐT Hà Nội", "purpose": "Thanh tra",
        "starts_on": _today().isoformat(), "ends_on": (_today() + datetime.timedelta(days=6)).isoformat(),
        "year": demo.year.pk})
    found = InspectionShare.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("archive:share", args=[found.pk])
    assert "/inspect/" not in response.content.decode()
    first = client.get(response["Location"])
    link = first.context["link"]
    assert services.token_hash(link.rstrip("/").rsplit("/", 1)[1]) == found.token_hash
    assert link in first.content.decode()
    again = client.get(response["Location"])  # a reload: the link is gone, the share's page is shown
    assert again.status_code == 200 and link not in again.content.decode() and "link" not in again.context


def test_a_link_used_before_its_first_day_is_refused_and_logged(demo):
    found, token = share(demo, "year", starts_on=_today() + datetime.timedelta(days=2), days=3,
                         ends_on=_today() + datetime.timedelta(days=4))
    page = Client().get(reverse("inspect:home", args=[token]), HTTP_USER_AGENT="Sớm quá")
    assert page.status_code == 403
    [refused] = ShareAccess.objects.filter(share=found)
    assert refused.action == "refused" and refused.user_agent == "Sớm quá"


def test_the_link_is_not_in_clear_in_the_broker(demo, monkeypatch, django_capture_on_commit_callbacks):
    from archive.inspection import tasks
    from schoolrecords import sealing

    queued = []
    monkeypatch.setattr(tasks.email_share, "delay", lambda *args: queued.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        found, token = share(demo, "year", email="ha.pt@sogd.test", link_base="https://truong.test/inspect/")
    [(share_id, sealed)] = queued
    assert share_id == found.pk and token not in sealed
    assert sealing.unseal(sealed, **tasks.LINK_KEY) == f"https://truong.test/inspect/{token}/"
