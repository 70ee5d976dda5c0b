"""The indexes that keep the busiest reads as fast in a district as in one school (PostgreSQL plans).

Each test captures the real statement a page runs and asks PostgreSQL for its plan with
sequential scans (and, for ordered lists, sorts) priced out: the index is then the only good
plan there is, so the test holds on a tiny test database as it does on the district one
(scripts/bench_scale.py, docs/benchmarks.md). Were the index dropped or the statement changed so
that it can no longer use it, the plan would fall back to the priced-out scan and the test fails.
"""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from eledger import services
from eledger.models import DocumentKind
from schoolrecords.services import system_user
from tests.eledger.conftest import pdf_upload

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's (CI runs it)"),
]


def statement(client, url: str, *fragments: str) -> str:
    """The one SELECT of the page's request that contains every fragment."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    found = [query["sql"] for query in captured.captured_queries
             if query["sql"].startswith("SELECT") and all(fragment in query["sql"] for fragment in fragments)]
    assert len(found) == 1, found
    return found[0]


def plan(sql: str, *, without_sorts: bool = False) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        if without_sorts:
            cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_grid_reads_its_scores_through_the_slot_index(demo, login):
    client = login("teacher_math")
    url = reverse("gradebook:grid", args=(demo.assignment("6A1", "toan").pk, 1))

    shown = plan(statement(client, url, 'FROM "gradebook_score"'))

    # On a test database the planner may take the slot index or the enrolment's: either is an index
    # walk of the class's rows; what must never happen is a scan of every school's scores.
    assert "Seq Scan on gradebook_score" not in shown
    assert "on gradebook_score" in shown


def test_the_school_document_list_is_read_in_the_order_of_its_index(demo, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    services.document_kinds_seed(actor=system_user(), school=demo.school)
    services.document_create(actor=demo.user("board"), kind=DocumentKind.objects.get(school=demo.school,
                                                                                     code="content_library"),
                             content=pdf_upload("Quy che.pdf"), filename="Quy che.pdf", title="Quy chế")
    client = login("principal")

    shown = plan(statement(client, reverse("eledger:list"), 'FROM "eledger_document"', "LIMIT"), without_sorts=True)

    assert "eledger_doc_school_list on eledger_document" in shown
    assert "Seq Scan on eledger_document" not in shown
