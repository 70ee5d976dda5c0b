"""A teacher writes subject remarks from the comment bank: chooses a phrase, adapts it, saves, finds it after a reload."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import expect

from gradebook.models import SubjectRemark
from gradebook.remarks import services
from schoolrecords import models as sm

from .test_grid import log_in

pytestmark = pytest.mark.e2e


def remarks_url(base_url: str, period="1") -> str:
    assignment = sm.TeachingAssignment.objects.get(school_class__name="6A1", school_class__year__is_current=True, subject__code="toan",
                                                   end_date__isnull=True)
    return base_url + reverse("gradebook:remarks", args=(assignment.pk, period))


def test_teacher_chooses_a_phrase_adapts_it_saves_and_finds_it_after_a_reload(live_server, demo_school, page,
                                                                               screenshot):
    users = get_user_model().objects
    services.phrase_create(actor=users.get(username="teacher_math"), text="Có tiến bộ trong giải toán")
    services.phrase_create(actor=users.get(username="board"), text="Chăm ngoan, lễ phép", for_school=True)
    log_in(page, live_server.url, "teacher_math")
    page.goto(live_server.url + "/")
    page.locator("a.remarks-link").first.click()  # the teacher's home links to the sheet
    expect(page.locator("#remarks-title")).to_contain_text("6A1")
    boxes = page.locator("textarea.remark")
    expect(boxes).to_have_count(40)

    second = boxes.nth(1)
    second.click()
    page.select_option("#phrase-picker", label="Có tiến bộ trong giải toán")
    expect(second).to_have_value("Có tiến bộ trong giải toán")
    expect(second).to_be_focused()  # ready to adapt where the phrase ends
    page.keyboard.type(", cần trình bày cẩn thận hơn.")
    expect(second).to_have_value("Có tiến bộ trong giải toán, cần trình bày cẩn thận hơn.")

    # Leaving with an unsaved box asks first.
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.locator("#remarks-grid-link").click()
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]
    expect(page.locator("#remarks-title")).to_be_visible()

    page.click("#remarks-save")
    expect(page.locator(".msg.success")).to_be_visible()
    page.reload()
    expect(page.locator("textarea.remark").nth(1)).to_have_value("Có tiến bộ trong giải toán, cần trình bày cẩn thận "
                                                                 "hơn.")
    [remark] = SubjectRemark.objects.all()
    assert remark.updated_by.username == "teacher_math"
    screenshot("remarks-sheet")
