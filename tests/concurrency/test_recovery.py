"""The app survives PostgreSQL dropping its connections (a restart, a failover, an idle timeout) by itself.

The settings keep a connection for CONN_MAX_AGE seconds and check it at the start of each
request (CONN_HEALTH_CHECKS): a connection the server has closed is replaced before the request
uses it, so the teacher's next save simply works. The requests here go through Django's WSGI
handler as gunicorn calls it, because the test client skips the connection checks that happen
between requests. scripts/drill_faults.py restarts PostgreSQL under load for the full picture.
"""

import json
from http.cookies import SimpleCookie
from wsgiref.util import setup_testing_defaults

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client
from django.urls import reverse

from gradebook.models import Score
from schoolrecords import models as sm

# Committed transactions: the racing threads (or the worker) must see each other's rows.
pytestmark = pytest.mark.django_db(transaction=True)

class Browser:
    """A logged-in browser talking to the WSGI application the way a server (gunicorn) does."""

    def __init__(self, username: str):
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        self.cookies = {"sessionid": client.cookies[settings.SESSION_COOKIE_NAME].value,
                        settings.LANGUAGE_COOKIE_NAME: "en"}
        self.handler = WSGIHandler()

    def request(self, method: str, path: str, body: bytes = b"", **headers) -> tuple[int, bytes]:
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "CONTENT_LENGTH": str(len(body)),
                   "HTTP_COOKIE": "; ".join(f"{name}={value}" for name, value in self.cookies.items()), **headers}
        setup_testing_defaults(environ)
        environ["wsgi.input"].write(body)
        environ["wsgi.input"].seek(0)
        status = []
        response = self.handler(environ, lambda line, headers, exc_info=None: status.append((line, headers)))
        try:
            content = b"".join(response)
        finally:
            response.close()  # ends the request: request_finished, as the server does
        line, response_headers = status[0]
        for name, value in response_headers:
            if name.lower() == "set-cookie":
                cookie = SimpleCookie(value)
                self.cookies.update({key: morsel.value for key, morsel in cookie.items()})
        return int(line.split()[0]), content


def backend_pid() -> int:
    return connection.connection.info.backend_pid


def terminate(pid: int) -> None:
    """What a PostgreSQL restart does to every open connection: the server ends the backend."""
    params = connection.settings_dict
    with psycopg.connect(dbname=params["NAME"], user=params["USER"], password=params["PASSWORD"] or None,
                         host=params["HOST"] or None, port=params["PORT"] or None, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]


def test_a_save_right_after_the_database_dropped_the_apps_connection_succeeds(pg_demo):
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] and settings.DATABASES["default"]["CONN_MAX_AGE"] > 0
    demo = pg_demo
    math = demo.assignment("6A1", "toan")
    student = sm.Enrolment.objects.filter(school_class=demo.school_class("6A1")).order_by("pk").first()
    browser = Browser("teacher_math")
    status, _page = browser.request("GET", reverse("gradebook:grid", args=(math.pk, 1)))
    assert status == 200
    kept = backend_pid()  # the request's connection is kept for the next one (CONN_MAX_AGE)

    terminate(kept)
    body = json.dumps({"source": "typed", "cells": [
        {"enrolment": student.pk, "kind": "tx", "index": 1, "text": "7,5", "version": None}]}).encode()
    status, content = browser.request(
        "POST", reverse("gradebook:grid_save", args=(math.pk, 1)), body, CONTENT_TYPE="application/json",
        HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"], HTTP_ACCEPT="application/json")

    assert status == 200, content[:500]
    assert json.loads(content)["cells"][0]["outcome"] == "saved"
    assert backend_pid() != kept  # the dead connection was replaced before the request used it
    score = Score.objects.get(enrolment=student, subject=math.subject, kind="tx", index=1, term__number=1)
    assert str(score.value) == "7.5" and score.history.count() == 1
