"""The settings read from the environment: each case imports them in a fresh Python with a controlled environment."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Everything the settings read; a case starts from none of them, whatever the calling shell has set.
SETTINGS_VARIABLES = {
    "DEBUG", "SECRET_KEY", "VAR_DIR", "DATABASE_URL", "DB_CONN_MAX_AGE", "CELERY_BROKER_URL",
    "CELERY_TASK_ALWAYS_EAGER", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "BEHIND_TLS_PROXY", "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS", "MEDIA_ROOT", "ARCHIVE_ROOT", "SESSION_COOKIE_AGE", "AXES_FAILURE_LIMIT",
    "AXES_COOLOFF_MINUTES", "LOG_LEVEL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "TRUSTED_PROXIES", "ADMIN_ALLOWED_NETWORKS", "REQUEST_MAX_MB",
}
PRODUCTION_KEY = secrets.token_urlsafe(50)


def load_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """Import schoolrecords.settings in a subprocess and print its upper-case values as JSON."""
    environment = {name: value for name, value in os.environ.items() if name not in SETTINGS_VARIABLES}
    environment.update({"VAR_DIR": str(tmp_path / "var"), **env})
    script = (
        "import json, schoolrecords.settings as s\n"
        "print(json.dumps({k: getattr(s, k) for k in dir(s) if k.isupper()}, default=str))\n"
    )
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=60)


def settings_for(tmp_path: Path, **env: str) -> dict:
    result = load_settings(tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def production_env() -> dict:
    return {"DEBUG": "0", "SECRET_KEY": PRODUCTION_KEY, "ALLOWED_HOSTS": "diem.thcs-demo.edu.vn"}


def test_database_defaults_to_sqlite_under_var_dir(tmp_path):
    database = settings_for(tmp_path, DEBUG="1")["DATABASES"]["default"]

    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(database["NAME"]) == (tmp_path / "var" / "db.sqlite3").resolve()


def test_database_url_for_postgresql_is_parsed(tmp_path):
    database = settings_for(
        tmp_path, DEBUG="1", DATABASE_URL="postgres://school:s3cret@db.internal:5433/schoolrecords"
    )["DATABASES"]["default"]

    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"]) == ("db.internal", 5433, "schoolrecords")
    assert (database["USER"], database["PASSWORD"]) == ("school", "s3cret")
    assert database["CONN_MAX_AGE"] == 60 and database["CONN_HEALTH_CHECKS"] is True


def test_celery_runs_tasks_in_process_without_a_broker(tmp_path):
    values = settings_for(tmp_path, DEBUG="1")

    assert values["CELERY_BROKER_URL"] == ""
    assert values["CELERY_TASK_ALWAYS_EAGER"] is True
    assert values["CELERY_TASK_EAGER_PROPAGATES"] is True


def test_celery_queues_tasks_when_a_broker_is_configured(tmp_path):
    values = settings_for(tmp_path, DEBUG="1", CELERY_BROKER_URL="redis://redis.internal:6379/0")

    assert values["CELERY_BROKER_URL"] == "redis://redis.internal:6379/0"
    assert values["CELERY_TASK_ALWAYS_EAGER"] is False


def test_secret_key_is_required_when_debug_is_off(tmp_path):
    result = load_settings(tmp_path, DEBUG="0")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY" in result.stderr


def test_debug_off_is_the_default(tmp_path):
    """An unset DEBUG means production: without SECRET_KEY the settings refuse to load."""
    result = load_settings(tmp_path)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_debug_generates_a_secret_key_under_var_dir_and_keeps_it(tmp_path):
    first = settings_for(tmp_path, DEBUG="1")["SECRET_KEY"]
    second = settings_for(tmp_path, DEBUG="1")["SECRET_KEY"]
    key_file = tmp_path / "var" / "secret_key"

    assert key_file.read_text().strip() == first == second
    assert len(first) >= 50
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_secret_key_from_the_environment_wins_and_writes_nothing(tmp_path, production_env):
    values = settings_for(tmp_path, **production_env)

    assert values["SECRET_KEY"] == PRODUCTION_KEY
    assert not (tmp_path / "var" / "secret_key").exists()


def test_vietnamese_language_and_time_zone(tmp_path, production_env):
    values = settings_for(tmp_path, **production_env)

    assert values["LANGUAGE_CODE"] == "vi"
    assert values["TIME_ZONE"] == "Asia/Ho_Chi_Minh"
    assert values["USE_TZ"] is True and values["USE_I18N"] is True


def test_production_has_secure_cookies_https_redirect_and_hsts(tmp_path, production_env):
    values = settings_for(tmp_path, **production_env)

    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 365 * 24 * 60 * 60
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["ALLOWED_HOSTS"] == ["diem.thcs-demo.edu.vn"]
    assert "SECURE_PROXY_SSL_HEADER" not in values


def test_behind_tls_proxy_trusts_the_forwarded_protocol(tmp_path, production_env):
    values = settings_for(tmp_path, BEHIND_TLS_PROXY="1", **production_env)

    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_debug_demo_keeps_plain_http_cookies_and_local_hosts(tmp_path):
    values = settings_for(tmp_path, DEBUG="1")

    assert values.get("SESSION_COOKIE_SECURE", False) is False
    assert values.get("SECURE_HSTS_SECONDS", 0) == 0
    assert values["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1", "[::1]"]


def test_production_allows_no_host_unless_told(tmp_path):
    values = settings_for(tmp_path, DEBUG="0", SECRET_KEY=PRODUCTION_KEY)

    assert values["ALLOWED_HOSTS"] == []


def test_files_live_under_var_dir_unless_told(tmp_path, production_env):
    default = settings_for(tmp_path, **production_env)
    moved = settings_for(tmp_path, MEDIA_ROOT=str(tmp_path / "uploads"), ARCHIVE_ROOT=str(tmp_path / "sealed"),
                         **production_env)
    var = (tmp_path / "var").resolve()

    assert (default["MEDIA_ROOT"], default["ARCHIVE_ROOT"]) == (str(var / "media"), str(var / "archive"))
    assert (moved["MEDIA_ROOT"], moved["ARCHIVE_ROOT"]) == (str(tmp_path / "uploads"), str(tmp_path / "sealed"))


def test_axes_lockout_is_keyed_on_username_and_address_together(tmp_path, production_env):
    values = settings_for(tmp_path, **production_env)

    assert values["AXES_LOCKOUT_PARAMETERS"] == [["username", "ip_address"]]
    assert values["AXES_FAILURE_LIMIT"] == 5


def _login(client, username: str, password: str, address: str):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.django_db
def test_lockout_blocks_one_login_at_one_address_only(client, settings):
    from seed.demo import DEMO_PASSWORD

    school_address, home_address = "203.0.113.10", "198.51.100.7"
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "teacher_math", "wrong-password", school_address)

    locked = _login(client, "teacher_math", DEMO_PASSWORD, school_address)
    colleague = _login(client, "head_math", DEMO_PASSWORD, school_address)
    client.logout()
    elsewhere = _login(client, "teacher_math", DEMO_PASSWORD, home_address)

    assert locked.status_code == 429
    assert colleague.status_code == 302  # the shared school address is not blocked for others
    assert elsewhere.status_code == 302


def test_trusted_proxies_are_addresses_or_networks_and_default_to_loopback(tmp_path, production_env):
    assert settings_for(tmp_path, **production_env)["TRUSTED_PROXIES"] == ["127.0.0.1", "::1"]
    assert settings_for(tmp_path, TRUSTED_PROXIES="10.0.0.5, 172.18.0.0/16", **production_env)[
        "TRUSTED_PROXIES"] == ["10.0.0.5", "172.18.0.0/16"]

    refused = load_settings(tmp_path, TRUSTED_PROXIES="10.0.0.5,proxy.lan", **production_env)

    assert refused.returncode != 0 and "'proxy.lan' is not an address or a network." in refused.stderr
