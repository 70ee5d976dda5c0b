"""A signing batch crosses to a real Celery worker (the demo's, on the folder broker) and is signed there.

As tests/archive/test_demo_worker.py runs it: processes of their own on a SQLite file in a folder of
the test's; the demo school with its demo PKI (seed_demo), `demo_worker`, then a shell prints two
report cards of 6A1 and starts a batch for its subject teacher with the PIN once; the worker, another
process, opens the encrypted PIN (the same SECRET_KEY) and signs both; the message in the broker's
folder holds no PIN in clear.
"""

import base64
import json
import subprocess
import time
from pathlib import Path

from archive.signing import demo as demo_pki

from .test_demo_worker import MANAGE, ROOT, demo_env  # noqa: F401 (the fixture)

START = f"""
from django.db import transaction
from archive import services
from archive.models import ArchivedDocument, Kind
from archive.signing import jobs
from schoolrecords import models as sm
from django.contrib.auth import get_user_model
school_class = sm.SchoolClass.objects.filter(name="6A1").order_by("-year__start_date").first()
clerk = get_user_model().objects.get(username="clerk")
for enrolment in sm.Enrolment.objects.filter(school_class=school_class, status="studying").order_by("pk")[:2]:
    services.job_run(job_id=services.transfer_print(actor=clerk, enrolment=enrolment, term_number=1).jobs.get().pk)
assignment = sm.TeachingAssignment.objects.filter(school_class=school_class, state="confirmed").order_by("pk").first()
documents = list(ArchivedDocument.objects.filter(school_class=school_class, kind=Kind.REPORT_CARD))
term = documents[0].term
with transaction.atomic():
    batch = jobs.batch_start(actor=assignment.teacher, school_class=school_class, term=term, kind=Kind.REPORT_CARD,
                             role="subject_teachers", documents=documents, pin="{demo_pki.DEMO_PIN}")
print("batch", batch.pk, batch.total)
"""


def _state(env) -> str:
    code = ("from archive.models import SigningBatch as B; b = B.objects.get(); "
            "print(b.finished, b.signed, b.refused, b.total)")
    return subprocess.run([*MANAGE, "shell", "-c", code], env=env, check=True, cwd=ROOT, capture_output=True,
                          text=True).stdout.strip().splitlines()[-1]


def test_a_signing_batch_is_signed_by_the_background_worker_with_the_pin_sent_encrypted(demo_env):  # noqa: F811
    server = subprocess.Popen(["sleep", "600"])  # stands for the development server
    queue = Path(demo_env["VAR_DIR"]) / "celery"
    started = subprocess.run([*MANAGE, "shell", "-c", START], env=demo_env, cwd=ROOT, check=True,
                             capture_output=True, text=True)
    assert "batch" in started.stdout and started.stdout.split()[-1] == "2", started.stderr[-2000:]
    # the task waits in the broker's folder (no worker yet): no PIN in clear there
    messages = [json.loads(path.read_bytes()) for path in (queue / "queue").iterdir() if path.is_file()]
    # (seed_demo queued the delivery of the demo family's notice too)
    bodies = [base64.b64decode(message["body"]) for message in messages
              if message["headers"].get("task", "").endswith("sign_batch")]
    assert len(bodies) == 1  # the task's arguments: the batch id and the encrypted PIN
    assert b'"gAAAA' in bodies[0] and demo_pki.DEMO_PIN.encode() not in bodies[0]  # a Fernet token, no PIN
    log = open(Path(demo_env["VAR_DIR"]) / "worker.log", "w")  # noqa: SIM115
    worker = subprocess.Popen([*MANAGE, "demo_worker", "--while-pid", str(server.pid)], env=demo_env, cwd=ROOT,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        state, deadline = "", time.monotonic() + 180
        while time.monotonic() < deadline:
            state = _state(demo_env)
            if state.startswith("True"):
                break
            time.sleep(3)
        assert state == "True 2 0 2", (Path(demo_env["VAR_DIR"]) / "worker.log").read_text()[-3000:]
    finally:
        for process in (worker, server):
            if process.poll() is None:
                process.kill()
        log.close()
