"""Every page a role may use is reachable from its home page by following links (issue 13, item 1).

For each demo role, a crawler starts at the home page and follows every link of the site's pages
(the top bar included) that the role can open. Every URL name the access matrix lets the role GET
(status 200 on their own object) must be among the pages reached, or be listed below as a part
of a page (a fragment, a download, a form's target) rather than a page of its own.
"""

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.urls import Resolver404, resolve

from tests.security.test_access_matrix import MATRIX, ROLES, World

MAX_PAGES = 600  # per role: the demo has 8 classes × 13 subjects; the crawl keeps one page per URL name and family

# Not pages of their own: reached from a page by a button, a form or a script, or a file to download.
NOT_PAGES = {
    "gradebook:grid_save", "gradebook:grid_cell", "archive:batch_progress", "archive:download",
    "archive:zip_class", "archive:zip_year", "archive:correction_minutes", "archive:correction_log",
    "archive:department_correction_log", "archive:registration_book", "setup:import_template",
    "setup:student_photo", "eledger:download", "logout", "set_language", "password_change_done",
    # a check the upload form's script asks, a download, a cell's history (a dialog), evidence files
    "eledger:lesson_name", "gradebook:grid_export", "gradebook:grid_history", "gradebook:correction_evidence",
    "gradebook:homeroom_correction_evidence", "gradebook:rollcall_save", "archive:progress_record",
    # the sector database's downloads, linked from its exchange page
    "setup:sector_students", "gradebook:sector_results",
    # what the QR code printed on an archived page opens (the verification page itself is linked from every page)
    "verify:code",
    # the primary grid's save (its script's) and a cell's history (a dialog)
    "gradebook:primary_grid_save", "gradebook:primary_grid_history",
    # a signing batch's progress, polled by the signing board it was started from
    "archive:signing_batch_progress",
    # the signing board's "Sign with my USB token" (a POST), and the signing agent's JSON endpoint
    "archive:signing_agent_prepare", "archive:signing_agent_api",
    # the signing agent's download, linked from the page "Sign with my USB token" shows (after a POST)
    "archive:signing_agent_download",
    # the signing board's form sent to remote signing (a POST)
    "archive:signing_remote_sign",
}


# Two names of one page: a teacher's own folder is reached by the name without the id.
SAME_PAGE = {"eledger:folder": "eledger:my_folder"}


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    root = tmp_path_factory.mktemp("navigation")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=root / "media", ARCHIVE_ROOT=root / "archive"):
        with transaction.atomic():
            yield World()
            transaction.set_rollback(True)


def _name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def _crawl(client) -> set[str]:
    seen_paths: set[str] = set()
    per_name: dict[str, int] = {}
    reached: set[str] = set()
    queue = deque(["/"])
    while queue and len(seen_paths) < MAX_PAGES:
        path = queue.popleft()
        if path in seen_paths:
            continue
        seen_paths.add(path)
        response = client.get(path)
        if response.status_code == 302 and not urlsplit(response["Location"]).netloc:  # a link that leads on
            queue.append(urljoin(path, response["Location"]))
            continue
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        name = _name(urlsplit(path).path)
        if name:
            reached.add(name)
        parser = Links()
        parser.feed(response.content.decode())
        for href in parser.hrefs:
            target = urlsplit(urljoin(path, href))
            if target.scheme not in ("", "http") or (target.netloc and target.netloc != "testserver"):
                continue
            if target.path.startswith(("/admin/", settings.STATIC_URL, "/i18n/", "/accounts/logout")):
                continue
            target_name = _name(target.path)
            if target_name is None:
                continue
            full = target.path + (f"?{target.query}" if target.query else "")
            # a few of each page are enough: the 6A1 grid and the 8A3 grid have the same links
            if per_name.get(target_name, 0) >= 6 or full in seen_paths:
                reached.add(target_name) if target_name in NOT_PAGES else None
                continue
            per_name[target_name] = per_name.get(target_name, 0) + 1
            queue.append(full)
    return reached


def _may_open(role: str) -> set[str]:
    index = ROLES.index(role)
    names = set()
    for name, row in MATRIX.items():
        if name.startswith("admin:") or name in NOT_PAGES:
            continue
        if row.get.split()[index][0] == "o":
            names.add(name)
    return names


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("anonymous", "other_teacher")])
def test_every_page_of_a_role_is_reachable_from_its_home_page(world, role):
    reached = _crawl(world.client(role))
    reached |= {name for name, alias in SAME_PAGE.items() if alias in reached}
    unreachable = sorted(_may_open(role) - reached)
    assert not unreachable, f"{role} can open these pages only by typing their address: {unreachable}"


# --- the primary school's logins (TT27): the demo's matrix roles are all lower-secondary ---------------------

PRIMARY_PAGES = {
    # what each primary login must reach by links: the grids it enters or reads
    "th_teacher": {"home", "class_detail", "gradebook:primary_grid"},
    "th_principal": {"home", "class_detail", "gradebook:primary_grid"},
}


@pytest.fixture(scope="module")
def primary_world(django_db_setup, django_db_blocker):
    import datetime

    from seed import primary

    with django_db_blocker.unblock(), transaction.atomic():
        yield primary.build_primary_school(primary.PrimarySize(classes_per_grade=1, students_per_class=3),
                                           today=datetime.date(2026, 12, 3))
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(PRIMARY_PAGES))
def test_the_primary_logins_reach_their_grids_from_the_home_page(primary_world, client, role):
    client.force_login(primary_world["users"][role])
    unreachable = sorted(PRIMARY_PAGES[role] - _crawl(client))
    assert not unreachable, f"{role} can open these pages only by typing their address: {unreachable}"
