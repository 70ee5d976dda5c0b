"""The grid page gives its script what keeps typed scores safe, and draws its marks without emoji fonts."""

import json
import re

import pytest
from django.urls import reverse
from django.utils import translation

from gradebook.models import Score
from gradebook.windows import services as locks


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def _page(demo, login, username="teacher_math"):
    math = demo.assignment("6A1", "toan")
    return math, login(username).get(reverse("gradebook:grid", args=(math.pk, 1))).content.decode()


def _config(html):
    match = re.search(r'<script id="grid-config" type="application/json">(.*?)</script>', html, re.S)
    assert match
    return json.loads(match.group(1))


def test_the_config_names_the_user_and_the_grid_so_the_browser_keeps_each_teachers_changes_apart(demo, login):
    math, html = _page(demo, login)
    config = _config(html)
    assert config["userId"] == demo.user("teacher_math").pk
    assert config["gridKey"] == f"{math.pk}-1"
    for name in ("waiting", "sessionWaiting", "serverWaiting", "offer", "pasteRows", "pasteColumns"):
        assert config["messages"][name]
    assert "%(count)s" in config["messages"]["sessionWaiting"]
    assert "Esc" not in config["messages"]["waiting"] + config["messages"]["sessionWaiting"]


def test_the_grid_has_its_per_student_view_its_fold_and_no_inline_script(demo, login):
    _, html = _page(demo, login)
    assert 'id="student-view"' in html and 'id="student-view-button"' in html
    assert re.search(r'<details class="grid-fold" id="grid-fold" open>\s*<summary>Tools and legend</summary>', html)
    assert 'id="grid-offer"' in html and 'id="grid-paste-note"' in html
    scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert all('type="application/json"' in tag for tag in scripts), scripts  # CSP: data only, no code


def test_a_locked_column_is_marked_by_a_drawn_lock_with_a_text_alternative_not_an_emoji(demo, login):
    math = demo.assignment("6A1", "toan")
    locks.column_lock(actor=demo.user("teacher_math"), assignment=math, term=demo.year.terms.get(number=1),
                      kind=Score.Kind.REGULAR, index=1)
    _, html = _page(demo, login)
    assert "🔒" not in html
    header = re.search(r'<th scope="col" class="entry locked[^"]*" data-col="tx1"[^>]*>(.*?)</th>', html, re.S)
    assert header
    assert re.search(r'<span class="lock-mark" role="img" aria-label="locked"><svg class="lock-icon"', header.group(1))
    assert re.search(r'id="grid-locked"><svg class="lock-icon"[^>]*aria-hidden="true"', html)
