# The school records system for docker-compose.yml: gunicorn (web) and the Celery worker
# share this image. Secrets come from the environment at run time, never from the image.
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/app/var

# WeasyPrint: pango with its FreeType backend, harfbuzz's subsetter (fast font embedding),
# DejaVu fonts (every Vietnamese glyph); gettext compiles the catalogue below;
# postgresql-client (15 on bookworm, as the db service) for `manage.py backup` and `restore`.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core gettext postgresql-client softhsm2 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /home/app --uid 10001 app

WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt

# The project's own files only: no .venv, no var/ (the demo database and key), no .git.
COPY manage.py gunicorn.conf.py ./
COPY schoolrecords ./schoolrecords
COPY gradebook ./gradebook
COPY eledger ./eledger
COPY archive ./archive
COPY portal ./portal
COPY seed ./seed
COPY templates ./templates
COPY static ./static
COPY locale ./locale
# The signing agent the board offers for download (it runs on a teacher's computer, not here).
COPY scripts/signing_agent.py ./scripts/signing_agent.py

# The settings need a SECRET_KEY to load; this throw-away one exists only during the build.
RUN export DEBUG=0 SECRET_KEY=build-time-only-not-used-at-run-time \
    && python manage.py compilemessages --verbosity 0 \
    && python manage.py collectstatic --no-input --verbosity 0 \
    && mkdir -p "$VAR_DIR/media" "$VAR_DIR/archive" \
    && chown -R app:app "$VAR_DIR"

USER app
EXPOSE 8000
# Processes and threads: gunicorn.conf.py (WEB_CONCURRENCY, GUNICORN_THREADS).
CMD ["gunicorn", "schoolrecords.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
