"""The homeroom sheet in the browser: a labelled box per cell, and leaving with unsaved entries asks first."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from gradebook.models import ConductResult
from schoolrecords import models as sm

from .test_grid import log_in

pytestmark = pytest.mark.e2e


def test_the_sheet_warns_before_unsaved_entries_are_lost_and_saves_from_the_top(live_server, demo_school, page):
    school_class = sm.SchoolClass.objects.get(name="6A1", year__is_current=True)
    log_in(page, live_server.url, "homeroom_6a1")
    page.goto(live_server.url + reverse("gradebook:homeroom", args=(school_class.pk, 1)))
    first = page.locator("#homeroom-sheet tbody select").first
    label = first.get_attribute("aria-label")
    assert label.startswith("Rèn luyện của ")  # named for its student
    expect(page.get_by_label(label)).to_have_count(1)

    first.select_option(index=1)
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.locator("a", has_text="Kết quả của lớp").first.click()
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]
    expect(page.locator("#homeroom-sheet")).to_be_visible()  # still here, the choice kept

    page.locator(".sheet-save-top button").click()  # saving is no warning
    expect(page.locator(".msg.success")).to_be_visible()
    assert ConductResult.objects.filter(enrolment__school_class=school_class).count() == 1
    page.locator("a", has_text="Kết quả của lớp").first.click()
    expect(page.locator("#homeroom-sheet")).to_have_count(0)
