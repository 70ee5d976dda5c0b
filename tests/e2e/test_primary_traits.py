"""The homeroom teacher of a primary class enters qualities and competencies by keyboard and paste, saved at once."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from gradebook.models import PrimaryTraitAssessment
from tests.gradebook.test_primary_year import PASSWORD, Primary

pytestmark = pytest.mark.e2e

SAVED, REFUSED = re.compile(r"\bsaved\b"), re.compile(r"\binvalid\b")


@pytest.fixture
def primary_school(transactional_db):
    primary = Primary()
    school_class = primary.school_class("3A1", 3)
    return primary, school_class


def test_homeroom_teacher_types_and_pastes_levels_and_a_wrong_letter_is_refused_at_its_cell(
        live_server, primary_school, page, screenshot):
    primary, school_class = primary_school
    first, second, _third = primary.enrolments(school_class)
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "th_homeroom")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(live_server.url + reverse("gradebook:primary_traits", args=[school_class.pk, "gk1"]))
    expect(page.locator("#traits-title")).to_contain_text("3A1")

    def cell(enrolment, trait):
        return page.locator(f'td[data-key="t-{enrolment.pk}-{trait}"]')

    cell(first, "yeu_nuoc").locator("input").focus()
    page.keyboard.press("t")  # saved, and the cursor moves on to Nhân ái
    expect(cell(first, "yeu_nuoc")).to_have_class(SAVED)
    page.keyboard.press("d")  # typed d: Đ
    expect(cell(first, "nhan_ai")).to_have_class(SAVED)
    expect(cell(first, "nhan_ai").locator("input")).to_have_value("Đ")
    page.keyboard.press("x")  # Chăm chỉ: not a level, refused at its cell with the reason
    expect(cell(first, "cham_chi")).to_have_class(REFUSED)
    expect(cell(first, "cham_chi").locator(".why")).not_to_be_empty()
    expect(cell(first, "cham_chi").locator("input")).to_have_value("")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("c")  # the second student's Chăm chỉ
    expect(cell(second, "cham_chi")).to_have_class(SAVED)

    # A block copied from a spreadsheet, pasted from the second student's Yêu nước.
    cell(second, "yeu_nuoc").locator("input").focus()
    page.evaluate("""() => {
        const data = new DataTransfer();
        data.setData("text/plain", "T\\tđ\\r\\nC\\tT\\r\\n");
        document.activeElement.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true,
                                                                          cancelable: true}));
    }""")
    expect(cell(second, "nhan_ai")).to_have_class(SAVED)
    expect(cell(_third, "nhan_ai")).to_have_class(SAVED)
    screenshot("primary-traits-typed")

    page.reload()
    expect(cell(first, "nhan_ai").locator("input")).to_have_value("Đ")
    expect(cell(second, "nhan_ai").locator("input")).to_have_value("Đ")
    expect(cell(_third, "yeu_nuoc").locator("input")).to_have_value("C")
    stored = {(row.enrolment_id, row.trait): row.level for row in PrimaryTraitAssessment.objects.filter(point="gk1")}
    assert stored == {(first.pk, "yeu_nuoc"): "T", (first.pk, "nhan_ai"): "D", (second.pk, "cham_chi"): "C",
                      (second.pk, "yeu_nuoc"): "T", (second.pk, "nhan_ai"): "D", (_third.pk, "yeu_nuoc"): "C",
                      (_third.pk, "nhan_ai"): "T"}

    # The class results name what is still missing before the principal can approve term I.
    page.click("#traits-results")
    expect(page.locator("#gaps-1")).to_contain_text(first.student.full_name)
    expect(page.locator("#primary-results")).to_contain_text(second.student.full_name)
    screenshot("primary-results")
