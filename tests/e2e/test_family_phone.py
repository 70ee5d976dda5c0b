"""A parent on a phone (issue 18): logs in with the phone number, sees the published term I of their 6A1
child and the school's notice, and cannot open another student's page."""

import pytest
from playwright.sync_api import expect

from gradebook.scores.services import CellInput, scores_save
from schoolrecords import models as sm
from seed.demo import DEMO_PASSWORD
from seed.families import NOTICE_TITLE, PARENT_PHONE, build_demo_family

pytestmark = pytest.mark.e2e


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def test_a_parent_reads_the_published_term_on_a_phone(phone, live_server, demo_school):
    parent = build_demo_family(demo_school, DEMO_PASSWORD)
    child = parent.links.get().student
    year = demo_school["year"]
    enrolment = sm.Enrolment.objects.get(student=child, school_class__year=year)
    assignment = sm.TeachingAssignment.objects.get(school_class=enrolment.school_class, subject__code="toan",
                                                   end_date__isnull=True)
    assert scores_save(session="browser", actor=assignment.teacher, assignment=assignment,
                       term=year.terms.get(number=1), cells=[CellInput(enrolment.pk, "tx", 1, "9")]).ok
    other = sm.Enrolment.objects.filter(school_class__name="8A1", school_class__year=year).first().student

    phone.goto(f"{live_server.url}/accounts/login/")
    phone.fill("#id_username", f"{PARENT_PHONE[:4]} {PARENT_PHONE[4:7]} {PARENT_PHONE[7:]}")  # as people write it
    phone.fill("#id_password", DEMO_PASSWORD)
    phone.click("button[type=submit]")
    expect(phone.locator(".child-card h2")).to_have_text(child.full_name)
    phone.click(".child-card h2 a")
    term = phone.locator("#term-1")
    expect(term).to_be_visible()
    expect(term.locator("table.slip")).to_contain_text("Toán")
    expect(term.locator("table.slip")).to_contain_text("9")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # no page-wide sideways scroll
    phone.goto(f"{live_server.url}/family/notices/")  # the demo's notice from the principal
    phone.get_by_text(NOTICE_TITLE).click()
    expect(phone.locator("main")).to_contain_text("7 giờ 30")
    assert phone.goto(f"{live_server.url}/family/child/{other.pk}/").status == 404
    assert phone.goto(f"{live_server.url}/scores/corrections/").status == 404
