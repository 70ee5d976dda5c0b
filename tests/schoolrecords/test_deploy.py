"""The production set-up: Django's deployment checks, docker-compose.yml and the README's two commands."""

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_VARIABLES = {
    "DEBUG", "SECRET_KEY", "VAR_DIR", "DATABASE_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER",
    "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "BEHIND_TLS_PROXY", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "MEDIA_ROOT", "ARCHIVE_ROOT", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "TRUSTED_PROXIES", "ADMIN_ALLOWED_NETWORKS", "REQUEST_MAX_MB",
    "MIGRATE_DATABASE_URL", "DATABASE_ROLE", "DATABASE_RUNTIME_ROLE", "STORAGE_URL", "ARCHIVE_RETENTION_YEARS",
    "ARCHIVE_GROUP", "SNAPSHOT_CHECK_SECONDS", "BACKUP_DIR", "BACKUP_HOUR", "BACKUP_KEEP",
}


def clean_env(tmp_path: Path, **env: str) -> dict:
    environment = {name: value for name, value in os.environ.items() if name not in SETTINGS_VARIABLES}
    environment.update({"VAR_DIR": str(tmp_path / "var"), **env})
    return environment


def check_deploy(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=clean_env(tmp_path, **env), capture_output=True, text=True, timeout=120,
    )


def test_check_deploy_passes_with_the_production_environment(tmp_path):
    result = check_deploy(tmp_path, DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50),
                          ALLOWED_HOSTS="diem.thcs-demo.edu.vn")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_on_a_weak_secret_key(tmp_path):
    """The check above is live: a short, guessable key is reported as security.W009."""
    result = check_deploy(tmp_path, DEBUG="0", SECRET_KEY="change-me", ALLOWED_HOSTS="diem.thcs-demo.edu.vn")

    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


# --- docker-compose.yml --------------------------------------------------------------

def compose_command() -> list[str]:
    """`docker compose` (v2) when the plugin answers, else Debian's docker-compose 1.29; neither is a failure."""
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"],
                                                 capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.fail("neither `docker compose` nor `docker-compose` is installed: scripts/test.sh installs docker-compose")


def compose_config(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    # An empty env file, so that a developer's .env beside docker-compose.yml does not leak in.
    env_file = tmp_path / "empty.env"
    env_file.write_text("")
    environment = {name: value for name, value in os.environ.items()
                   if name not in {"SECRET_KEY", "POSTGRES_PASSWORD", "DB_OWNER_PASSWORD", "DB_RUNTIME_PASSWORD",
                                    "ALLOWED_HOSTS", "COMPOSE_FILE"}}
    environment.update(env)
    return subprocess.run(
        [*compose_command(), "--project-directory", str(ROOT), "--file", str(ROOT / "docker-compose.yml"),
         "--env-file", str(env_file), "config", *args],
        cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120,
    )


COMPOSE_SECRETS = {"SECRET_KEY": "k" * 60, "POSTGRES_PASSWORD": "pw4compose", "DB_OWNER_PASSWORD": "owner4compose",
                   "DB_RUNTIME_PASSWORD": "runtime4compose", "ALLOWED_HOSTS": "diem.example.vn"}


def test_compose_file_is_valid_with_web_worker_db_and_redis(tmp_path):
    result = compose_config(tmp_path, "--services", **COMPOSE_SECRETS)

    assert result.returncode == 0, result.stderr
    assert {"web", "worker", "db", "redis"} <= set(result.stdout.split())


def test_compose_runs_gunicorn_and_a_celery_worker_on_postgresql_and_redis(tmp_path):
    result = compose_config(tmp_path, **COMPOSE_SECRETS)
    config = result.stdout

    assert result.returncode == 0, result.stderr
    assert "schoolrecords.wsgi" in config and "gunicorn" in config
    assert re.search(r"celery\s+- -A\s+- schoolrecords\s+- worker", config)
    assert "image: postgres:15" in config and "image: redis:7" in config
    assert "DATABASE_URL: postgres://schoolrecords_app:runtime4compose@db:5432/schoolrecords" in config
    assert "CELERY_BROKER_URL: redis://redis:6379/0" in config
    assert f"SECRET_KEY: {'k' * 60}" in config
    assert "/app/var/media" in config and "/app/var/archive" in config


@pytest.mark.parametrize("missing", ["SECRET_KEY", "POSTGRES_PASSWORD", "DB_OWNER_PASSWORD", "DB_RUNTIME_PASSWORD"])
def test_compose_refuses_to_start_without_a_secret_from_the_environment(tmp_path, missing):
    env = {name: value for name, value in COMPOSE_SECRETS.items() if name != missing}
    result = compose_config(tmp_path, **env)

    assert result.returncode != 0
    assert missing in result.stdout + result.stderr


def test_image_has_the_libraries_weasyprint_needs():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert re.search(r"^FROM python:3\.1[2-9]-slim-bookworm$", dockerfile, re.MULTILINE)
    for package in ("libharfbuzz-subset0", "libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core"):
        assert package in dockerfile


# --- gunicorn ------------------------------------------------------------------------------


def gunicorn_config(tmp_path: Path, **env: str) -> dict[str, str]:
    """The settings gunicorn resolves when started, as the Dockerfile and the README start it, from the project."""
    environment = clean_env(tmp_path, **env)
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_BIND", "GUNICORN_CMD_ARGS"):
        environment.pop(name, None)
    environment.update(DEBUG="1", **env)  # --print-config loads the app too: the demo's settings will do
    result = subprocess.run([str(Path(sys.executable).with_name("gunicorn")), "--print-config"], cwd=ROOT,
                            env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    pairs = (line.split(" = ", 1) for line in result.stdout.splitlines() if " = " in line)
    return {name.strip(): value.strip() for name, value in pairs}


def test_gunicorn_runs_two_processes_of_eight_threads_unless_told_otherwise(tmp_path):
    config = gunicorn_config(tmp_path)
    assert (config["worker_class"], config["workers"], config["threads"]) == ("gthread", "2", "8")
    assert config["wsgi_app"] == "schoolrecords.wsgi" and config["max_requests"] == "5000"

    bigger = gunicorn_config(tmp_path, WEB_CONCURRENCY="4", GUNICORN_THREADS="6")
    assert (bigger["workers"], bigger["threads"]) == ("4", "6")


def test_the_image_and_compose_start_gunicorn_with_its_config_file():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^COPY .*\bgunicorn\.conf\.py\b", dockerfile, re.MULTILINE)
    assert "--workers" not in dockerfile and "--workers" not in (ROOT / "docker-compose.yml").read_text()


# --- the README's commands ----------------------------------------------------------------

SCRIPTS = ["scripts/bootstrap.sh", "scripts/demo.sh", "scripts/test.sh", ".ci/run"]


def test_readme_gives_exactly_the_demo_and_test_commands():
    readme = (ROOT / "README.md").read_text()
    setup = readme[readme.index("## Set-up"):]
    setup = setup[:setup.index("\n## ", 1)]
    commands = re.findall(r"^(\S+\.sh)\b", "\n".join(re.findall(r"```sh\n(.*?)```", setup, re.DOTALL)), re.MULTILINE)

    assert commands == ["scripts/demo.sh", "scripts/test.sh"]


@pytest.mark.parametrize("script", SCRIPTS)
def test_setup_scripts_are_executable_bash_without_syntax_errors(script):
    path = ROOT / script

    assert os.access(path, os.X_OK)
    assert path.read_text().startswith("#!/usr/bin/env bash\n")
    result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def fake_python(path: Path, version: tuple[int, int] | None) -> Path:
    """A stand-in interpreter: reports `version`, or fails like an unselected pyenv shim when None."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if version is None:
        path.write_text("#!/bin/sh\necho 'pyenv: command not found' >&2\nexit 127\n")
    else:
        path.write_text(
            "#!/bin/sh\n"
            f'case "$2" in *version_info*) exit {0 if version >= (3, 12) else 1};; esac\n'
            f"echo {path}\n"
        )
    path.chmod(0o755)
    return path


def print_python(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    # Only the tools the discovery uses, so that the machine's own pythons stay out of sight.
    tools = tmp_path / "tools"
    tools.mkdir(exist_ok=True)
    for tool in ("dirname", "sort", "cat"):
        target = tools / tool
        if not target.exists():
            target.symlink_to(shutil.which(tool))
    environment = {"PATH": f"{tmp_path / 'bin'}:{tools}", "HOME": str(tmp_path / "home"), **env}
    return subprocess.run([shutil.which("bash"), str(ROOT / "scripts/bootstrap.sh"), "--print-python"],
                          env=environment, capture_output=True, text=True, timeout=60)


def test_bootstrap_skips_a_failing_shim_and_an_old_python_then_takes_pyenvs_newest(tmp_path):
    fake_python(tmp_path / "bin" / "python3.13", None)
    fake_python(tmp_path / "bin" / "python3.12", (3, 11))
    fake_python(tmp_path / "pyenv" / "versions" / "3.11.9" / "bin" / "python3", (3, 11))
    fake_python(tmp_path / "pyenv" / "versions" / "3.12.7" / "bin" / "python3", (3, 12))
    newest = fake_python(tmp_path / "pyenv" / "versions" / "3.13.1" / "bin" / "python3", (3, 13))
    result = print_python(tmp_path, PYENV_ROOT=str(tmp_path / "pyenv"))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(newest)


def test_bootstrap_prefers_python_312_on_path_to_pyenv(tmp_path):
    fake_python(tmp_path / "bin" / "python3.13", None)
    on_path = fake_python(tmp_path / "bin" / "python3.12", (3, 12))
    fake_python(tmp_path / "pyenv" / "versions" / "3.13.1" / "bin" / "python3", (3, 13))
    result = print_python(tmp_path, PYENV_ROOT=str(tmp_path / "pyenv"))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(on_path)
