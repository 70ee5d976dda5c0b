"""Sessions in Redis (production's ``CACHE_URL``: cached_db sessions over RedisCache), against a real Redis.

A save reads the session from Redis, not PostgreSQL; logging out removes it from both, and a
deactivated teacher's very next save is refused (the user is read from the database each request).
"""

import datetime
import json
import shutil
import socket
import subprocess
import time

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from schoolrecords import models as sm
from schoolrecords import services

CACHED_DB = "django.contrib.sessions.backends.cached_db"


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    server = shutil.which("redis-server")
    assert server, "redis-server is part of the machine (docker-compose's redis in production)"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(folder)], stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def in_redis(redis_url):
    caches_setting = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                  "LOCATION": redis_url, "KEY_PREFIX": "sr"}}
    with override_settings(CACHES=caches_setting, SESSION_ENGINE=CACHED_DB):
        caches["default"].clear()
        yield caches["default"]
        caches["default"].clear()


def save_url(demo) -> str:
    return reverse("gradebook:grid_save", args=(demo.assignment("6A1", "toan").pk, 1))


def post_one(client, demo, text="7", url=None):
    enrolment = sm.Enrolment.objects.filter(school_class=demo.school_class("6A1"),
                                            status=sm.Enrolment.Status.STUDYING).order_by("pk").first()
    body = {"source": "typed", "cells": [{"enrolment": enrolment.pk, "kind": "tx", "index": 3, "text": text,
                                          "version": None}]}
    return client.post(url or save_url(demo), data=json.dumps(body), content_type="application/json")


def teacher_client(demo) -> Client:
    client = Client()
    client.force_login(demo.user("teacher_math"))
    return client


def test_a_save_reads_its_session_from_redis_not_from_postgresql(demo, in_redis):
    client = teacher_client(demo)
    key = client.cookies["sessionid"].value
    assert in_redis.get(f"django.contrib.sessions.cached_db{key}") is not None
    assert Session.objects.filter(session_key=key).exists()  # written through: a restart of Redis logs nobody out
    with CaptureQueriesContext(connection) as captured:
        assert post_one(client, demo).status_code == 200
    assert not any("django_session" in query["sql"] for query in captured.captured_queries)


def test_logging_out_removes_the_session_from_redis_and_the_database(demo, in_redis):
    client = teacher_client(demo)
    key = client.cookies["sessionid"].value
    stolen = Client()
    stolen.cookies["sessionid"] = key  # the same cookie, kept by someone else
    assert post_one(stolen, demo).status_code == 200
    assert client.post(reverse("logout")).status_code in (200, 302)
    assert in_redis.get(f"django.contrib.sessions.cached_db{key}") is None
    assert not Session.objects.filter(session_key=key).exists()
    assert post_one(stolen, demo, "8").status_code == 401


def test_a_deactivated_teachers_very_next_save_is_refused(demo, in_redis):
    client = teacher_client(demo)
    url = save_url(demo)  # deactivating ends the teacher's assignments too: the save's address is kept here
    assert post_one(client, demo, url=url).status_code == 200
    profile = sm.StaffProfile.objects.get(user=demo.user("teacher_math"))
    services.staff_deactivate(actor=demo.user("board"), profile=profile, left_on=datetime.date.today(),
                              reason="Left the school")
    answer = post_one(client, demo, "8", url=url)
    assert answer.status_code == 401 and "error" in answer.json()
