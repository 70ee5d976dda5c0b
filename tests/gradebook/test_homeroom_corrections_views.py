"""The pages of homeroom corrections: the approved sheet's links, the request form, the leadership's list and decision."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gradebook.corrections import homeroom as hc
from gradebook.models import ConductResult, HomeroomCorrection, ResultApproval, StudentRemark

from .test_homeroom_corrections import PDF, scan, submit
from .test_results import studying, term
from .test_results_services import approve, complete_term

pytestmark = pytest.mark.django_db
Field = HomeroomCorrection.Field


@pytest.fixture
def approved(demo):
    complete_term(demo, 1)
    approve(demo, 1)
    return demo


def sheet_url(demo, period=1):
    return reverse("gradebook:homeroom", args=[demo.school_class("6A1").pk, period])


def new_url(demo):
    return reverse("gradebook:homeroom_correction_new", args=[demo.school_class("6A1").pk])


def test_the_approved_sheet_is_read_only_says_why_and_links_each_value_to_its_correction(approved, login):
    demo = approved
    enrolment = studying(demo)[0]
    response = login("homeroom_6a1").get(sheet_url(demo))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="frozen-reason"' in body and f'name="conduct-{enrolment.pk}"' not in body and "<textarea" not in body
    link = f"{new_url(demo)}?field=conduct&amp;enrolment={enrolment.pk}&amp;period=1"
    assert link in body


def test_posting_the_approved_sheet_saves_nothing(approved, login):
    demo = approved
    enrolment = studying(demo)[0]
    login("homeroom_6a1").post(sheet_url(demo), {f"conduct-{enrolment.pk}": "kha", f"remark-{enrolment.pk}": "X"})
    assert ConductResult.objects.get(enrolment=enrolment, term=term(demo, 1)).level == "tot"
    assert not StudentRemark.objects.filter(enrolment__school_class__year__is_current=True).exists()


def test_the_request_form_shows_the_value_and_files_the_request(approved, login):
    demo = approved
    enrolment = studying(demo)[0]
    client = login("homeroom_6a1")
    query = {"field": "conduct", "enrolment": enrolment.pk, "period": "1"}
    page = client.get(new_url(demo), query)
    assert page.status_code == 200 and page.context["old"] == "Tốt"
    response = client.post(f"{new_url(demo)}?field=conduct&enrolment={enrolment.pk}&period=1", {
        "shown": json.dumps("tot"), "new": "kha", "reason": "Nhập nhầm mức",
        "evidence": SimpleUploadedFile("bien-ban.pdf", PDF)})
    request = HomeroomCorrection.objects.get()
    assert response.status_code == 302 and response.url == reverse("gradebook:homeroom_correction", args=[request.pk])
    assert (request.field, request.old_value, request.new_value, request.evidence_type) == (
        "conduct", "tot", "kha", "application/pdf")
    assert 'title="Đã có đề nghị sửa' in client.get(sheet_url(demo)).content.decode()


def test_bad_input_on_the_form_is_shown_at_its_field_in_vietnamese_and_saves_nothing(approved, login):
    demo = approved
    enrolment = studying(demo)[0]
    response = login("homeroom_6a1").post(
        f"{new_url(demo)}?field=conduct&enrolment={enrolment.pk}&period=1",
        {"shown": json.dumps("kha"), "new": "tot", "reason": "  ",
         "evidence": SimpleUploadedFile("scan.pdf", b"GIF89a not a pdf")})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) >= {"reason", "evidence", "shown"}
    assert "lý do" in errors["reason"][0].lower()
    assert not HomeroomCorrection.objects.exists()


def test_a_link_to_another_schools_or_unknown_value_is_a_404(approved, login):
    demo = approved
    client = login("homeroom_6a1")
    assert client.get(new_url(demo), {"field": "nothing", "enrolment": 1, "period": 1}).status_code == 404
    assert client.get(new_url(demo), {"field": "conduct", "enrolment": 999999, "period": 1}).status_code == 404
    assert login("teacher_math").get(new_url(demo), {"field": "conduct", "enrolment": studying(demo)[0].pk,
                                                     "period": 1}).status_code == 403


def test_the_principal_approves_on_the_decision_page_and_the_approval_is_withdrawn(approved, login):
    demo = approved
    request = submit(demo, Field.CONDUCT, shown="tot", new="kha")
    url = reverse("gradebook:homeroom_correction", args=[request.pk])
    client = login("principal")
    page = client.get(url)
    assert page.status_code == 200 and page.context["may_decide"]
    response = client.post(url, {"action": "approve", "witness": demo.user("board").pk, "place": "Phòng Hiệu trưởng"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.minutes_place) == ("approved", "Phòng Hiệu trưởng")
    assert ConductResult.objects.get(enrolment=studying(demo)[0], term=term(demo, 1)).level == "kha"
    assert not ResultApproval.objects.filter(school_class__year__is_current=True).exists()
    again = client.post(url, {"action": "approve", "witness": demo.user("board").pk})
    assert again.status_code == 400 or again.status_code == 200
    assert not again.context["may_decide"]


def test_an_approval_without_witness_shows_the_message_and_changes_nothing(approved, login):
    demo = approved
    request = submit(demo, Field.CONDUCT, shown="tot", new="kha")
    response = login("principal").post(reverse("gradebook:homeroom_correction", args=[request.pk]),
                                       {"action": "approve", "witness": ""})
    assert response.status_code == 400 and "witness" in response.context["form"].errors
    request.refresh_from_db()
    assert request.status == "pending"


def test_the_requester_cannot_decide_and_the_teacher_sees_only_their_own(approved, login):
    demo = approved
    request = submit(demo, Field.CONDUCT, shown="tot", new="kha")
    url = reverse("gradebook:homeroom_correction", args=[request.pk])
    client = login("homeroom_6a1")
    assert not client.get(url).context["may_decide"]
    assert client.post(url, {"action": "approve", "witness": demo.user("board").pk}).status_code == 403
    assert login("teacher_math").get(url).status_code == 403
    evidence = login("principal").get(reverse("gradebook:homeroom_correction_evidence", args=[request.pk]))
    assert evidence.status_code == 200 and b"".join(evidence.streaming_content).startswith(b"%PDF")


def _more_requests(demo, count):
    for enrolment in studying(demo)[1:count + 1]:
        hc.homeroom_correction_submit(actor=demo.user("homeroom_6a1"), school_class=demo.school_class("6A1"),
                                      enrolment_id=enrolment.pk, field=Field.REMARK, term=term(demo, 1), shown="",
                                      new="Tiến bộ", reason="Bổ sung nhận xét", evidence=scan())


@pytest.mark.parametrize("username", ["principal", "homeroom_6a1"])
def test_the_list_costs_the_same_queries_for_one_request_or_many(approved, login, django_assert_num_queries,
                                                                  username):
    demo = approved
    submit(demo, Field.CONDUCT, shown="tot", new="kha")
    hc.homeroom_correction_reject(actor=demo.user("principal"), request=HomeroomCorrection.objects.get(),
                                  note="Thiếu minh chứng")
    submit(demo, Field.CONDUCT, shown="tot", new="dat")
    client = login(username)
    url = reverse("gradebook:homeroom_corrections")
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    _more_requests(demo, 5)
    with django_assert_num_queries(len(first)):
        response = client.get(url)
    shown = response.context["waiting"] if username == "principal" else response.context["own"]
    assert len(shown) >= 6


def test_an_approved_years_retest_list_links_each_result_to_its_correction(demo, login):
    from gradebook.results.compute import YEAR
    from gradebook.results.services import RetestEntry, retests_save

    from .test_results import complete_year

    enrolment = studying(demo)[0]
    complete_year(demo, marks={enrolment.pk: {"cn": "3", "tin": "4,5"}})
    retests_save(actor=demo.user("homeroom_6a1"), school_class=demo.school_class("6A1"),
                 entries=[RetestEntry(enrolment.pk, demo.subject(code).pk, "5") for code in ("cn", "tin")])
    approve(demo, YEAR)
    client = login("homeroom_6a1")
    body = client.get(reverse("gradebook:results", args=[demo.school_class("6A1").pk, YEAR])).content.decode()
    link = (f"{new_url(demo)}?field=retest&amp;enrolment={enrolment.pk}&amp;period=year"
            f"&amp;subject={demo.subject('cn').pk}")
    assert link in body
    page = client.get(link.replace("&amp;", "&"))
    assert page.status_code == 200 and page.context["old"] == "5"
