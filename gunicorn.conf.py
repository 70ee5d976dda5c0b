"""gunicorn's settings for the web site; gunicorn reads this file from the directory it starts in.

Two processes of eight threads each. In the deadline rush (docs/benchmarks.md, "Deadline rush")
they answered 200 teachers saving at once on 2 cores with a p95 of about 0.2 s. Three sync workers
did as well there, but a sync worker is held for the whole of one request, however slow: an
upload or a PDF download over a school's slow line, a login's password hash. Three such requests
stall the site, while a threaded process goes on serving with its other threads (and uses them
while a save waits for PostgreSQL). Set WEB_CONCURRENCY (processes, about one per core) and
GUNICORN_THREADS to fit a bigger server; command-line flags override all of it.

gunicorn never faces the network (docs/operations.md, "The proxy"): a thread is held while a
request's headers and body arrive, so a few dozen clients that send them slowly hold all 16 and
stop the site. It listens on loopback (a plain server) or on its address on docker-compose's
internal network `edge` (GUNICORN_BIND), and nginx in front reads every request whole first.
"""

import os

wsgi_app = "schoolrecords.wsgi"
# Never 0.0.0.0 on a machine with a public address: only the proxy may reach it.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
keepalive = 5  # seconds: a teacher's next save usually reuses the connection
timeout = 60  # a request that the proxy has handed over whole; nginx waits 75 s (deploy/nginx.conf)
graceful_timeout = 30
# Recycle each process now and then (staggered), so that a slow leak never grows for weeks.
max_requests = 5000
max_requests_jitter = 500
