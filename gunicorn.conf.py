"""gunicorn's settings for the web site; gunicorn reads this file from the directory it starts in.

Two processes of eight threads each. In the deadline rush (docs/benchmarks.md, "Deadline rush")
they answered 200 teachers saving at once on 2 cores with a p95 of about 0.2 s. Three sync workers
did as well there, but a sync worker is held for the whole of one request, however slow: an
upload or a PDF download over a school's slow line, a login's password hash. Three such requests
stall the site, while a threaded process goes on serving with its other threads (and uses them
while a save waits for PostgreSQL). Set WEB_CONCURRENCY (processes, about one per core) and
GUNICORN_THREADS to fit a bigger server; command-line flags override all of it.
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
