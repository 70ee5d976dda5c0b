"""What goes over a school's slow line (issue 13, "Speed"): no htmx where it is not used, pages gzipped,
static files hashed, compressed and kept for ever without DEBUG. The times are in docs/benchmarks.md."""

import gzip
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from schoolrecords.delivery import TextGZipMiddleware

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
HTMX_VERB = re.compile(r"\bhx-(get|post|put|patch|delete|trigger)=")


def _grid_url(demo) -> str:
    return reverse("gradebook:grid", args=(demo.assignment("6A1", "toan").pk, 1))


def test_the_login_page_and_the_grid_do_not_load_htmx(client, demo, login):
    login_page = client.get(reverse("login")).content.decode()
    assert "htmx" not in login_page and 'src="/static/js/site.js"' in login_page
    login("teacher_math")
    grid = client.get(_grid_url(demo)).content.decode()
    assert "htmx" not in grid and "gradebook/grid.js" in grid


def test_every_page_with_hx_attributes_loads_htmx():
    """A template with hx- requests loads htmx itself, or (a partial) is included by one that does."""
    texts = {path.relative_to(TEMPLATES).as_posix(): path.read_text(encoding="utf-8")
             for path in TEMPLATES.rglob("*.html")}
    using = sorted(name for name, text in texts.items() if HTMX_VERB.search(text))
    assert "eledger/create.html" in using and "archive/_progress.html" in using
    for name in using:
        if "{% htmx_script %}" in texts[name]:
            continue
        includers = [other for other, text in texts.items() if f'include "{name}"' in text]
        assert includers and all("{% htmx_script %}" in texts[other] for other in includers), name
    assert "htmx_script" not in texts["base.html"].replace("with the htmx_script tag", "")


def test_pages_are_gzipped_when_the_browser_accepts_it_and_plain_when_not(client, demo, login):
    login("teacher_math")
    url = _grid_url(demo)
    plain = client.get(url)
    assert "Content-Encoding" not in plain and "Accept-Encoding" in plain["Vary"]
    packed = client.get(url, headers={"accept-encoding": "gzip, deflate, br"})
    assert packed.status_code == 200 and packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"] and "no-store" in packed["Cache-Control"]
    html = gzip.decompress(packed.content)
    assert html.count(b'<tr data-e="') == 40 and len(packed.content) < len(html) / 4
    # Against BREACH: the gzip header names a "file" of random length (its FNAME flag is set, Django 4.2+),
    # and the CSRF token is masked afresh in every page.
    assert packed.content[3] & 0x08
    again = client.get(url, headers={"accept-encoding": "gzip"})
    assert gzip.decompress(again.content) != html


def test_files_that_are_compressed_already_keep_their_bytes_and_length():
    request = RequestFactory().get("/", headers={"accept-encoding": "gzip"})
    middleware = TextGZipMiddleware(lambda request: None)
    pdf = HttpResponse(b"%PDF-1.7 " + b"0" * 5000, content_type="application/pdf")
    assert middleware.process_response(request, pdf) is pdf and "Content-Encoding" not in pdf
    answer = HttpResponse(json.dumps({"cells": ["7,5"] * 200}), content_type="application/json")
    assert middleware.process_response(request, answer)["Content-Encoding"] == "gzip"


def test_without_debug_static_files_are_hashed_compressed_and_kept_for_ever(tmp_path):
    """The production settings after collectstatic (the Dockerfile and docs/operations.md run it)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update({"DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), "VAR_DIR": str(tmp_path / "var"),
                "ALLOWED_HOSTS": "testserver", "SECURE_SSL_REDIRECT": "0", "DJANGO_SETTINGS_MODULE":
                "schoolrecords.settings"})
    (tmp_path / "var").mkdir()
    collected = subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
                               cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert collected.returncode == 0, collected.stderr
    script = """
import json, django
django.setup()
from django.templatetags.static import static
from django.test import Client
client = Client()
url = static("gradebook/grid.js")
hashed = client.get(url, headers={"accept-encoding": "gzip"})
plain = client.get("/static/gradebook/grid.js")
page = client.get("/accounts/login/", headers={"accept-encoding": "gzip"})
print(json.dumps({"url": url, "status": hashed.status_code, "cache": hashed["Cache-Control"],
                  "encoding": hashed.get("Content-Encoding"), "plain_cache": plain["Cache-Control"],
                  "page_encoding": page.get("Content-Encoding"), "css": static("css/site.css")}))
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert re.fullmatch(r"/static/gradebook/grid\.[0-9a-f]{12}\.js", answer["url"]), answer
    assert re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", answer["css"]), answer
    assert answer["status"] == 200 and answer["encoding"] == "gzip"
    assert "immutable" in answer["cache"] and "max-age=315360000" in answer["cache"], answer
    assert "immutable" not in answer["plain_cache"]  # an unhashed name may change: a minute only
    assert answer["page_encoding"] == "gzip"
