"""What the benchmark and drill scripts share: a scratch PostgreSQL database, Django set up on it
with production-like settings, and their section of docs/benchmarks.md.

    from benchkit import Scratch, write_section

    scratch = Scratch.from_url(args.database_url, "bench_x")   # postgres://user@host:port/
    scratch.recreate()
    scratch.setup_django(VAR_DIR=...)                           # DEBUG off, persistent connections
    try:
        ...
    finally:
        scratch.close(keep=args.keep)                           # drops the database unless kept
    write_section("bench_x", text)                              # between <!-- bench_x:start/end -->
"""

import os
import platform
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import SplitResult, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"
DOCS_HEAD = "# Benchmarks\n\nEvery figure here comes with the command that reproduces it.\n"


@dataclass(frozen=True)
class Scratch:
    """A database of the script's own on a PostgreSQL server, made anew for each run."""

    server: SplitResult
    name: str

    @classmethod
    def from_url(cls, url: str, name: str) -> "Scratch":
        server = urlsplit(url)
        if server.scheme not in {"postgres", "postgresql"}:
            raise SystemExit(f"the URL must be a PostgreSQL server's (postgres://user@host:port/), not {url!r}")
        return cls(server, name)

    @property
    def url(self) -> str:
        return urlunsplit(self.server._replace(path=f"/{self.name}"))

    @property
    def admin_url(self) -> str:
        return urlunsplit(self.server._replace(path="/postgres"))

    @property
    def shown(self) -> str:
        """The server's URL as a reproduce command shows it: no password, no database."""
        host = self.server.netloc.split("@")[-1]
        user = self.server.username or ""
        return urlunsplit(self.server._replace(netloc=f"{user}@{host}" if user else host, path="/"))

    def _execute(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            for statement in statements:
                connection.execute(statement)

    def exists(self) -> bool:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            return connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.name]).fetchone() is not None

    def recreate(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)', f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def setup_django(self, **environ: str) -> None:
        """Point this process's Django at the scratch database, DEBUG off, and set it up."""
        os.environ.update({
            "DATABASE_URL": self.url, "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost", "SECURE_SSL_REDIRECT": "0",
            "DJANGO_SETTINGS_MODULE": "schoolrecords.settings", **environ,
        })
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        import django

        django.setup()

    def close(self, *, keep: bool = False) -> None:
        """Close this process's connections; drop the database unless ``keep``."""
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if not keep:
            self.drop()


def machine() -> str:
    """One line naming the machine and the versions the figures depend on."""
    import django

    return (f"{platform.machine()}, {os.cpu_count()} CPUs, Linux {platform.release()}; "
            f"Python {platform.python_version()}, Django {django.get_version()}")


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def write_section(name: str, text: str) -> None:
    """Put ``text`` (which starts and ends with its markers) into docs/benchmarks.md in place of the
    section between the same markers, or at the end when there is none yet."""
    start, end = markers(name)
    current = DOCS.read_text() if DOCS.exists() else DOCS_HEAD
    if start in current and end in current:
        before, rest = current.split(start, 1)
        updated = before + text + rest.split(end, 1)[1]
    else:
        updated = current.rstrip("\n") + "\n\n" + text + "\n"
    DOCS.write_text(updated)
