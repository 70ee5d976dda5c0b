"""The order-of-signatures page (issue 15 item 2): the principal sees each kind's plan with its default, changes it
with a reason (kept in the history) and resets it; refusals at the field in Vietnamese with nothing saved; a
kind whose documents are part-way through signing keeps its order; the others only read it."""

import pytest
from django.urls import reverse

from archive.models import Kind, SigningRole, SigningStage
from archive.signing import selectors, services, stages

from .signing_support import print_report_cards

pytestmark = pytest.mark.django_db

URL = "/archive/signing/plan/"
# the session, the user, their profile and roles, the school, the plans, the history (with its users)
PAGE_QUERIES = 9


def post(client, kind, *roles, reason="Quyết định số 12/QĐ-THCS", reset=False):
    if reset:
        return client.post(URL, {"kind": kind, f"{kind}-reset-reason": reason, "reset": "1"})
    data = {"kind": kind, f"{kind}-reason": reason, "save": "1"}
    for place, role in enumerate(roles, start=1):
        data[f"{kind}-stage_{place}"] = role
    return client.post(URL, data)


def section(text, kind):
    start = text.index(f'id="plan-{kind}"')
    return text[start:text.index("</section>", start)]


def test_the_url_and_the_links_to_it(demo, login):
    assert reverse("archive:signing_plan") == URL
    client = login("principal")
    assert URL in client.get(reverse("archive:signing_waiting")).content.decode()
    assert URL in client.get("/").content.decode()


def test_the_principal_sees_every_kind_with_its_default_and_changes_one_with_a_reason(demo, login):
    client = login("principal")
    page = client.get(URL)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Thứ tự ký" in text and text.count('class="card signing-plan"') == len(selectors.SIGNABLE_KINDS)
    assert "Giáo viên bộ môn → Giáo viên chủ nhiệm → Hiệu trưởng → Con dấu của trường" in text
    assert text.count("mặc định</span>") == len(selectors.SIGNABLE_KINDS)

    response = post(client, Kind.LEDGER, SigningRole.PRINCIPAL, SigningRole.SEAL)
    assert response.status_code == 302 and response["Location"] == URL
    assert selectors.plan(demo.school.pk, Kind.LEDGER) == ("principal", "seal")
    added = SigningStage.history.filter(school=demo.school, kind=Kind.LEDGER, history_type="+")
    assert added.count() == 2 and {h.history_change_reason for h in added} == {"Quyết định số 12/QĐ-THCS"}
    assert {h.history_user.username for h in added} == {"principal"}
    text = client.get(URL).content.decode()
    assert "Đã lưu thứ tự ký của “Sổ theo dõi và đánh giá học sinh (theo lớp)”." in text
    ledger = section(text, Kind.LEDGER)
    assert "Hiệu trưởng → Con dấu của trường</p>" in ledger
    assert "do nhà trường đặt" in ledger and "Mặc định:" in ledger and "Đặt lại mặc định" in ledger
    assert "Quyết định số 12/QĐ-THCS" in text  # the history shows the reason

    # saving the same order again changes nothing (no new history)
    assert post(client, Kind.LEDGER, SigningRole.PRINCIPAL, SigningRole.SEAL).status_code == 302
    assert SigningStage.history.filter(school=demo.school, kind=Kind.LEDGER).count() == 2


def test_reset_to_the_default_is_recorded_too(demo, login):
    client = login("principal")
    post(client, Kind.SUMMARY, SigningRole.PRINCIPAL)
    response = post(client, Kind.SUMMARY, reason="Theo hướng dẫn của Sở", reset=True)
    assert response.status_code == 302
    assert selectors.plan(demo.school.pk, Kind.SUMMARY) == stages.DEFAULT_PLANS["summary"]
    assert not SigningStage.objects.filter(school=demo.school, kind=Kind.SUMMARY).exists()
    removed = SigningStage.history.get(school=demo.school, kind=Kind.SUMMARY, history_type="-")
    assert removed.history_change_reason == "Theo hướng dẫn của Sở"


@pytest.mark.parametrize(("roles", "field", "message"), [
    ((), "stage_1", "Thứ tự ký phải có ít nhất một bước"),
    ((SigningRole.HOMEROOM, SigningRole.HOMEROOM), "stage_2", "Người ký này đã là bước 1"),
    ((SigningRole.SEAL, SigningRole.PRINCIPAL), "stage_1", "Đóng dấu của trường là bước cuối cùng"),
])
def test_a_bad_plan_is_refused_at_the_field_and_nothing_is_saved(demo, login, roles, field, message):
    client = login("principal")
    response = post(client, Kind.REPORT_CARD, *roles)
    assert response.status_code == 400
    form = response.context["cards"][0]["form"]
    assert response.context["cards"][0]["entry"].kind == Kind.REPORT_CARD
    assert any(message in error for error in form.errors[field]), form.errors
    assert message in response.content.decode()
    assert not SigningStage.objects.exists() and not SigningStage.history.exists()


def test_a_change_without_a_reason_is_refused_at_the_reason(demo, login):
    response = post(login("principal"), Kind.LEDGER, SigningRole.PRINCIPAL, reason="")
    assert response.status_code == 400 and "Nhập lý do thay đổi" in response.content.decode()
    assert not SigningStage.objects.exists()


def test_a_kind_part_way_through_signing_keeps_its_order_until_its_documents_are_signed(pki_ready, small, login):
    documents = print_report_cards(small)
    services.documents_sign(actor=small.demo.user("teacher_math"), documents=[documents[0]],
                            role=SigningRole.SUBJECT_TEACHERS, pin="123456")
    client = login("principal")
    response = post(client, Kind.REPORT_CARD, SigningRole.HOMEROOM, SigningRole.PRINCIPAL, SigningRole.SEAL)
    assert response.status_code == 400
    assert "Có văn bản loại này đang ký dở (lớp 6A1)" in response.content.decode()
    assert selectors.plan(small.demo.school.pk, Kind.REPORT_CARD) == stages.DEFAULT_PLANS["report_card"]
    # another kind, with nothing signed, changes
    assert post(client, Kind.LEDGER, SigningRole.PRINCIPAL, SigningRole.SEAL).status_code == 302


def test_the_others_read_the_plan_and_may_not_change_it(demo, login):
    client = login("teacher_math")
    page = client.get(URL)
    assert page.status_code == 200 and "Lưu thứ tự ký" not in page.content.decode()
    assert post(client, Kind.LEDGER, SigningRole.PRINCIPAL).status_code == 403
    assert post(login("clerk"), Kind.LEDGER, SigningRole.PRINCIPAL).status_code == 403
    assert not SigningStage.objects.exists()


def test_the_page_runs_the_same_queries_whatever_the_school_changed(demo, login, django_assert_num_queries):
    client = login("principal")
    client.get(URL)
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(URL).status_code == 200
    for kind in (Kind.LEDGER, Kind.SUMMARY, Kind.PRIMARY_SUMMARY):
        post(client, kind, SigningRole.PRINCIPAL, SigningRole.SEAL)
    with django_assert_num_queries(PAGE_QUERIES):
        text = client.get(URL).content.decode()
    assert text.count("do nhà trường đặt") == 3 and text.count("Quyết định số 12/QĐ-THCS") == 6



def test_a_past_years_document_left_part_way_does_not_block_a_change(pki_ready, small, login):
    import datetime

    from schoolrecords import services as sm_services

    documents = print_report_cards(small)
    services.documents_sign(actor=small.demo.user("teacher_math"), documents=[documents[0]],
                            role=SigningRole.SUBJECT_TEACHERS, pin="123456")
    old = small.school_class.year
    start = old.end_date + datetime.timedelta(days=1)
    end = start + datetime.timedelta(days=364)
    middle = start + datetime.timedelta(days=150)
    sm_services.school_year_create(actor=sm_services.system_user(), school=old.school,
                                   name=f"{start.year}-{start.year + 1}", start_date=start, end_date=end,
                                   term_dates=((start, middle), (middle + datetime.timedelta(days=1), end)),
                                   make_current=True)
    response = post(login("principal"), Kind.REPORT_CARD, SigningRole.HOMEROOM, SigningRole.PRINCIPAL,
                    SigningRole.SEAL)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert selectors.plan(small.demo.school.pk, Kind.REPORT_CARD) == (SigningRole.HOMEROOM, SigningRole.PRINCIPAL,
                                                                      SigningRole.SEAL)
