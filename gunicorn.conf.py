"""gunicorn's settings for the web site; gunicorn reads this file from the directory it starts in.

Two processes of eight threads each: in the deadline rush (docs/benchmarks.md, "Deadline rush")
200 teachers saving at once on 2 cores were answered with a p95 of 267 ms by 2 × 8 gthread
workers, where 3 sync workers queued requests for seconds. A save spends part of its time waiting
for PostgreSQL, which the other threads of the process use. Set WEB_CONCURRENCY (processes, about
one per core) and GUNICORN_THREADS to fit a bigger server; command-line flags override all of it.
"""

import os

wsgi_app = "schoolrecords.wsgi"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
keepalive = 5  # seconds: a teacher's next save usually reuses the connection
timeout = 60
graceful_timeout = 30
# Recycle each process now and then (staggered), so that a slow leak never grows for weeks.
max_requests = 5000
max_requests_jitter = 500
