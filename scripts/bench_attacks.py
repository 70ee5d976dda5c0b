#!/usr/bin/env python
"""The attacks of issue 20 re-run against the hardened site: a measurement, not a test (it asserts nothing).

    .venv/bin/python scripts/bench_attacks.py [--slow-seconds 60] [--write]

Everything runs on this machine and talks to 127.0.0.1 only; every loop is bounded and the script
stops what it started (by pid) before it ends.

1. Spreadsheets. Two .xlsx files whose sheet XML declares an internal entity of 10 KB and repeats
   it (about 12 KB and 18 KB on disk), and one with 1,000,000 blank rows, each run through the real
   import previews, each in a child process of its own: the class-scores import
   (gradebook.scores.spreadsheet.read_file + plan_import on teacher_math's grid) and the board's
   student import (schoolrecords.importing.read_file + plan_import). The child's peak RSS comes
   from the kernel's rusage for that child (os.wait4, the per-child form of RUSAGE_CHILDREN's
   ru_maxrss), beside a normal 40-student file and a child that only starts Django.
2. Oversized uploads. gunicorn (gunicorn.conf.py, DEBUG=0, SQLite in a temporary VAR_DIR with the
   demo seeded) on a free loopback port: a POST announcing 300 MB by Content-Length, body not
   sent, anonymous and logged in; the time until the refusal, and the bytes that reached the
   server's temporary folder (TMPDIR of gunicorn, watched every 10 ms). Also a 50 MB file really
   sent to the scores import (over its 2 MB field limit, under the 110 MB request limit).
3. Slow clients. nginx (installed from Debian when missing) in the foreground with a copy of
   deploy/nginx.conf set to listen on 127.0.0.1 in plain HTTP, upstream the gunicorn above.
   20 slow clients each send one header line every 3 s (reconnecting when closed) for
   --slow-seconds while a normal client asks for the login page once a second (5 s timeout):
   the normal requests that passed and timed out, (a) straight at gunicorn, (b) through nginx.

``--write`` puts the report into docs/benchmarks.md (section bench_attacks).
"""

import argparse
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import zipfile
from pathlib import Path

from benchkit import machine, markers

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
START, END = markers("bench_attacks")
HOST = "127.0.0.1"
ENTITY = b"A" * 10_000
SHEET = "xl/worksheets/sheet1.xml"


# --- the files ---------------------------------------------------------------------------------


def _rewrite(data: bytes, member: str, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info.filename, change(content) if info.filename == member else content)
    return out.getvalue()


def entity_bomb(data: bytes, refs: int, *, first_row: int) -> bytes:
    """``data`` with a 10 KB internal entity declared in its first sheet and used in ``refs`` new rows."""
    def change(xml: bytes) -> bytes:
        head, rest = (xml.split(b"?>", 1) if xml.startswith(b"<?xml") else (b"", xml))
        declaration = b'<!DOCTYPE worksheet [<!ENTITY big "' + ENTITY + b'">]>'
        xml = (head + b"?>" if head else b"") + declaration + rest
        cell = b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>&big;</t></is></c></row>'
        rows = b"".join(cell % (n, n) for n in range(first_row, first_row + refs))
        return xml.replace(b"</sheetData>", rows + b"</sheetData>", 1)
    return _rewrite(data, SHEET, change)


def bomb_of_size(data: bytes, target: int, *, first_row: int) -> tuple[bytes, int]:
    """The entity bomb built on ``data`` whose size is closest to ``target`` bytes, and its reference count."""
    low, high = 1, 200_000
    while low < high:
        middle = (low + high) // 2
        if len(entity_bomb(data, middle, first_row=first_row)) < target:
            low = middle + 1
        else:
            high = middle
    return entity_bomb(data, low, first_row=first_row), low


def bomb_under(data: bytes, cap: int, *, first_row: int) -> tuple[bytes, int]:
    """The largest entity bomb built on ``data`` whose members unpack to less than ``cap`` bytes."""
    one, two = (unpacked(entity_bomb(data, refs, first_row=first_row)) for refs in (1000, 2000))
    refs = 1000 + (cap - 4096 - one) * 1000 // (two - one)
    while unpacked(bomb := entity_bomb(data, refs, first_row=first_row)) >= cap:
        refs -= 500
    return bomb, refs


def blank_rows(data: bytes, last: int) -> bytes:
    """``data`` with one more row, number ``last``: read-only openpyxl streams every blank row before it."""
    def change(xml: bytes) -> bytes:
        xml = re.sub(rb'<dimension ref="A1:([A-Z]+)\d+"', rb'<dimension ref="A1:\g<1>%d"' % last, xml, count=1)
        return xml.replace(b"</sheetData>", b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>'
                           b"</sheetData>" % (last, last), 1)
    return _rewrite(data, SHEET, change)


def unpacked(data: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(info.file_size for info in archive.infolist())


# --- the child: one preview --------------------------------------------------------------------


def child(kind: str, path: str) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "schoolrecords.settings")
    django.setup()
    from django.utils import translation

    translation.activate("vi")
    data = Path(path).read_bytes() if path != "-" else b""
    started = time.perf_counter()
    if kind == "django":
        message = "Django started, nothing read"
    elif kind == "grid":
        message = _grid_preview(data)
    elif kind == "board":
        from schoolrecords import importing
        from schoolrecords import models as sm

        year = sm.SchoolYear.objects.filter(is_current=True).first() or sm.SchoolYear.objects.order_by("-start_date").first()
        try:
            parsed = importing.read_file(data)
            plan = importing.plan_import(year, parsed.rows)
            counts = plan.counts
            message = (f"preview of {len(parsed.rows)} rows: {counts['new']} new students, {counts['update']} updated, "
                       f"{counts['unchanged']} unchanged, {counts['error']} with errors, "
                       f"{counts['new_classes']} new class(es)")
        except importing.ImportFileError as refused:
            message = str(refused)
    else:
        raise SystemExit(f"unknown child {kind}")
    seconds = time.perf_counter() - started
    status = Path("/proc/self/status").read_text()
    high_water = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
    print(json.dumps({"seconds": seconds, "message": message, "vmhwm_mb": high_water / 1024}, ensure_ascii=False))


def _teacher_assignment():
    from schoolrecords import models as sm

    return (sm.TeachingAssignment.objects.filter(teacher__username="teacher_math", end_date__isnull=True)
            .select_related("year").order_by("pk").first())


def _grid_preview(data: bytes) -> str:
    from django.contrib.auth import get_user_model

    from gradebook.lookups import term_for
    from gradebook.scores import spreadsheet
    from gradebook.scores.selectors import grid

    assignment = _teacher_assignment()
    teacher = get_user_model().objects.get(username="teacher_math")
    try:
        sheet = spreadsheet.read_file(data)
    except spreadsheet.SpreadsheetError as refused:
        return str(refused)
    plan = spreadsheet.plan_import(grid(actor=teacher, assignment=assignment, term=term_for(assignment.pk, 1)), sheet)
    return f"preview of {len(sheet.rows)} rows: {len(plan.changes)} changes, {len(plan.problems)} problems"


def export_files(env: dict, folder: Path) -> tuple[bytes, bytes]:
    """teacher_math's exported grid (term 1) and a board import file of 40 new students (.xlsx)."""
    code = (
        "import os, sys, django\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'schoolrecords.settings'); django.setup()\n"
        "sys.path.insert(0, 'scripts'); import bench_attacks as b\n"
        "from django.contrib.auth import get_user_model\n"
        "from gradebook.lookups import term_for\n"
        "from gradebook.scores import spreadsheet\n"
        "from gradebook.scores.selectors import grid\n"
        "a = b._teacher_assignment(); t = get_user_model().objects.get(username='teacher_math')\n"
        "from pathlib import Path\n"
        "g = grid(actor=t, assignment=a, term=term_for(a.pk, 1))\n"
        "data = spreadsheet.export_grid(g, school_name='demo', teacher_name=t.get_full_name())\n"
        f"Path({str(folder / 'grid.xlsx')!r}).write_bytes(data)\n"
        f"Path({str(folder / 'board.xlsx')!r}).write_bytes(b.board_file(40))\n"
    )
    subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=env, check=True)
    return (folder / "grid.xlsx").read_bytes(), (folder / "board.xlsx").read_bytes()


def board_file(rows: int) -> bytes:
    from openpyxl import Workbook

    from schoolrecords.importing import COLUMNS

    workbook = Workbook()
    sheet = workbook.active
    sheet.append([column.header for column in COLUMNS])
    for number in range(rows):
        values = {
            "stt": number + 1, "class": "6B9", "grade": 6, "code": f"HSB{number:05d}",
            "registration_number": f"{number:04d}/2025", "full_name": f"Nguyễn Thị Hồng Nhung {number}",
            "date_of_birth": f"{1 + number % 28:02d}/03/2014", "gender": "Nữ" if number % 2 else "Nam",
            "ethnicity": "Kinh", "place_of_birth": "Quảng Ninh", "address": f"Hạ Long {number}",
            "father_name": "Nguyễn Văn Bình", "father_phone": "0912345678", "mother_name": "Trần Thị Hoa",
            "mother_phone": "0987654321", "guardian_name": "", "guardian_phone": "",
        }
        sheet.append([values[column.key] for column in COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run_child(kind: str, data: bytes | None, env: dict, folder: Path) -> dict:
    path = "-"
    if data is not None:
        path = str(folder / f"{kind}-{len(data)}.xlsx")
        Path(path).write_bytes(data)
    started = time.perf_counter()
    # Linux keeps a process's peak RSS across exec, so a child forked from this (by now large) process
    # would report at least this one's size: a small launcher starts the child and reads its
    # RUSAGE_CHILDREN, which then holds the child's own peak.
    done = subprocess.run([PYTHON, "-c", LAUNCHER, PYTHON, str(Path(__file__).resolve()), "--child", kind, path],
                          cwd=ROOT, env=env, capture_output=True)
    wall = time.perf_counter() - started
    lines = done.stdout.decode().strip().splitlines()
    launcher = json.loads(lines[-1])
    report = {"rss_mb": launcher["children_maxrss_kb"] / 1024, "wall": wall, "exit": launcher["exit"]}
    try:
        report |= json.loads(lines[-2])
    except (ValueError, IndexError):
        report |= {"seconds": None, "message": "child failed: " + done.stderr.decode()[-300:].replace("\n", " ")}
    return report


LAUNCHER = """
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True)
sys.stderr.buffer.write(done.stderr)
sys.stdout.buffer.write(done.stdout)
print(json.dumps({"children_maxrss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "exit": done.returncode}))
"""


# --- servers -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_listening(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing listens on {HOST}:{port}")


def stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def nginx_config(port: int, upstream: int, folder: Path) -> Path:
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    text = re.sub(r"^user .*;\n", "", text, flags=re.M)
    text = text.replace("pid /var/run/nginx.pid;", f"pid {folder}/nginx.pid;")
    text = text.replace("error_log /var/log/nginx/error.log", f"error_log {folder}/error.log")
    text = text.replace("access_log /var/log/nginx/access.log;", f"access_log {folder}/access.log;\n"
                        f"    client_body_temp_path {folder}/body;\n    proxy_temp_path {folder}/proxy;\n"
                        f"    fastcgi_temp_path {folder}/fastcgi;\n    uwsgi_temp_path {folder}/uwsgi;\n"
                        f"    scgi_temp_path {folder}/scgi;")
    text = re.sub(r"server 172\.30\.57\.20:8000;", f"server {HOST}:{upstream};", text)
    # One plain-HTTP server on loopback with the TLS server's location, in place of the two servers.
    location = re.search(r"(        location / \{\n            proxy_pass.*?\n        \})", text, flags=re.S).group(1)
    head = text[:text.index("    # Plain HTTP")]
    text = head + (f"    server {{\n        listen {HOST}:{port} default_server;\n        server_name _;\n\n"
                   f"{location}\n    }}\n}}\n")
    path = folder / "nginx.conf"
    path.write_text(text)
    return path


# --- HTTP by hand ------------------------------------------------------------------------------


def request(port: int, raw: bytes, timeout: float = 10) -> tuple[bytes, float]:
    """Send ``raw`` and read the answer to its end; (answer, seconds until its first byte)."""
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        started = time.perf_counter()
        sock.sendall(raw)
        first = None
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if first is None:
                first = time.perf_counter() - started
            if not chunk:
                break
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks) and _complete(b"".join(chunks)):
                break
        return b"".join(chunks), first if first is not None else float("nan")


def _complete(answer: bytes) -> bool:
    head, _, body = answer.partition(b"\r\n\r\n")
    length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    return length is not None and len(body) >= int(length.group(1))


def cookies(answer: bytes) -> dict:
    return dict(re.findall(rb"(?im)^set-cookie:\s*([^=;\s]+)=([^;\r\n]*)", answer))


def login(port: int, username: str, password: str) -> dict:
    answer, _ = request(port, b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    jar = cookies(answer)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', answer).group(1)
    body = b"csrfmiddlewaretoken=%s&username=%s&password=%s" % (token, username.encode(), password.encode())
    answer, _ = request(port, b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n"
                        b"Cookie: csrftoken=%s\r\n\r\n%s" % (len(body), jar[b"csrftoken"], body))
    jar |= cookies(answer)
    if b"sessionid" not in jar:
        raise SystemExit("the log-in failed: " + answer[:200].decode(errors="replace"))
    return jar


def cookie_header(jar: dict) -> bytes:
    return b"; ".join(key + b"=" + value for key, value in jar.items())


class FolderWatch:
    """The largest total size the files under ``folder`` had, looked at every 10 ms."""

    def __init__(self, folder: Path):
        self.folder, self.peak, self._stop = folder, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        time.sleep(0.3)
        self._stop.set()
        self._thread.join()

    def _run(self):
        while not self._stop.is_set():
            total = 0
            for path in self.folder.rglob("*"):
                try:
                    total += path.stat().st_size if path.is_file() else 0
                except OSError:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(0.01)


def announce(port: int, path: bytes, size: int, jar: dict | None, tmp: Path) -> dict:
    headers = [b"POST %s HTTP/1.1" % path, b"Host: 127.0.0.1", b"Connection: close",
               b"Content-Type: multipart/form-data; boundary=----bench", b"Content-Length: %d" % size]
    if jar:
        headers += [b"Cookie: " + cookie_header(jar), b"X-CSRFToken: " + jar[b"csrftoken"],
                    b"Referer: http://127.0.0.1/"]
    with FolderWatch(tmp) as watch:
        answer, first = request(port, b"\r\n".join(headers) + b"\r\n\r\n")
    return {"status": _status(answer), "seconds": first, "tmp_bytes": watch.peak}


def send_file(port: int, path: bytes, size: int, jar: dict, tmp: Path) -> dict:
    """A multipart POST with one file field ``file`` of ``size`` bytes, really sent."""
    boundary = b"----bench"
    head = (b"--%s\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\n%s\r\n"
            b"--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.xlsx\"\r\n"
            b"Content-Type: application/octet-stream\r\n\r\n" % (boundary, jar[b"csrftoken"], boundary))
    tail = b"\r\n--%s--\r\n" % boundary
    length = len(head) + size + len(tail)
    headers = (b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
               b"Content-Type: multipart/form-data; boundary=%s\r\nContent-Length: %d\r\nCookie: %s\r\n"
               b"X-CSRFToken: %s\r\nReferer: http://127.0.0.1/\r\n\r\n"
               % (path, boundary, length, cookie_header(jar), jar[b"csrftoken"]))
    block = b"PK\x03\x04" + b"\0" * (1024 * 1024 - 4)
    with FolderWatch(tmp) as watch, socket.create_connection((HOST, port), timeout=60) as sock:
        started = time.perf_counter()
        sock.sendall(headers + head)
        sent = 0
        while sent < size:
            piece = block[:min(len(block), size - sent)]
            try:
                sock.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
        else:
            sock.sendall(tail)
        answer = b""
        while (chunk := _recv(sock)):
            answer += chunk
        seconds = time.perf_counter() - started
    error = re.search(rb'class="errorlist[^"]*"[^>]*>\s*<li>(.*?)</li>', answer, flags=re.S)
    return {"status": _status(answer), "seconds": seconds, "tmp_bytes": watch.peak, "sent": sent,
            "message": error.group(1).decode(errors="replace").strip() if error else ""}


def _recv(sock) -> bytes:
    try:
        return sock.recv(65536)
    except (ConnectionResetError, TimeoutError):
        return b""


def _status(answer: bytes) -> str:
    line = answer.split(b"\r\n", 1)[0].decode(errors="replace")
    return line.split(" ", 1)[1] if " " in line else (line or "no answer")


# --- slow clients ------------------------------------------------------------------------------


def slow_attack(port: int, *, clients: int, seconds: float) -> dict:
    stop_at = time.monotonic() + seconds
    opened = [0]
    lock = threading.Lock()

    def slow():
        while time.monotonic() < stop_at:
            try:
                sock = socket.create_connection((HOST, port), timeout=5)
            except OSError:
                time.sleep(1)
                continue
            with lock:
                opened[0] += 1
            try:
                sock.sendall(b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                line = 0
                while time.monotonic() < stop_at:
                    time.sleep(3)
                    line += 1
                    sock.sendall(b"X-Slow-%d: %d\r\n" % (line, line))
            except OSError:
                pass  # closed by the server: connect again
            finally:
                sock.close()

    threads = [threading.Thread(target=slow, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(1)  # the slow connections open first
    passed = timed_out = failed = 0
    latencies = []
    while time.monotonic() < stop_at:
        began = time.monotonic()
        try:
            answer, _ = request(port, b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                                timeout=5)
            if answer.startswith(b"HTTP/1.1 200") or answer.startswith(b"HTTP/1.0 200"):
                passed += 1
                latencies.append(time.monotonic() - began)
            elif not answer:
                timed_out += 1
            else:
                failed += 1
        except TimeoutError:
            timed_out += 1
        except OSError:
            failed += 1
        time.sleep(max(0.0, 1 - (time.monotonic() - began)))
    for thread in threads:
        thread.join(timeout=10)
    latencies.sort()
    return {"passed": passed, "timed_out": timed_out, "failed": failed, "connections": opened[0],
            "median": latencies[len(latencies) // 2] if latencies else None,
            "worst": latencies[-1] if latencies else None}


# --- the run -----------------------------------------------------------------------------------


def ensure_nginx() -> str | None:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found:
        return found
    for package in ("nginx-light", "nginx"):
        if subprocess.run(["apt-get", "install", "-y", package], env=os.environ | {"DEBIAN_FRONTEND": "noninteractive"},
                          capture_output=True).returncode == 0:
            break
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found:  # the package starts its own daemon: stop it, by its pid file
        pid_file = Path("/run/nginx.pid")
        if pid_file.exists():
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGQUIT)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slow-seconds", type=float, default=60)
    parser.add_argument("--slow-clients", type=int, default=20)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        return child(*options.child)

    folder = Path(tempfile.mkdtemp(prefix="bench_attacks_"))
    var, tmp, logs = folder / "var", folder / "tmp", folder / "nginx"
    for path in (var, tmp, logs):
        path.mkdir()
    logs.chmod(0o777)
    env = os.environ | {"DEBUG": "0", "SECRET_KEY": "bench-" + os.urandom(16).hex(), "VAR_DIR": str(var),
                        "ALLOWED_HOSTS": HOST, "DJANGO_SETTINGS_MODULE": "schoolrecords.settings", "PYTHONPATH": str(ROOT),
                        # plain HTTP on loopback: no redirect to HTTPS (the cookies stay Secure; this client ignores it)
                        "SECURE_SSL_REDIRECT": "0"}
    for name in ("DATABASE_URL", "MIGRATE_DATABASE_URL", "DATABASE_ROLE", "CELERY_BROKER_URL", "STORAGE_URL"):
        env.pop(name, None)
    processes: list[subprocess.Popen] = []
    report: dict = {"started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "load": os.getloadavg()[0]}
    try:
        for step in (["migrate", "--verbosity", "0"], ["seed_demo"]):
            subprocess.run([PYTHON, "manage.py", *step], cwd=ROOT, env=env, check=True, capture_output=True)
        print("seeded", flush=True)

        # 1. spreadsheets
        grid_file, board = export_files(env, folder)
        cases = []
        files = {"grid": grid_file, "board": board}
        for kind, base in files.items():
            first_row = 200 if kind == "grid" else 100
            small, small_refs = bomb_of_size(base, 12 * 1024, first_row=first_row)
            large, large_refs = bomb_of_size(base, 18 * 1024, first_row=first_row)
            cap = 4 * 1024 * 1024 if kind == "grid" else 20 * 1024 * 1024  # the reader's unpacked limit
            most, most_refs = bomb_under(base, cap, first_row=first_row)
            cases += [
                (kind, "normal file (40 students)" if kind == "board" else "normal file (the class's export)", base),
                (kind, f"entity bomb, {small_refs} uses of a 10 KB entity", small),
                (kind, f"entity bomb, {large_refs} uses of a 10 KB entity", large),
                (kind, f"entity bomb, {most_refs} uses of a 10 KB entity (just under the unpacked limit)", most),
                (kind, "1,000,000 blank rows", blank_rows(base, 1_000_000)),
            ]
        spreadsheets = [{"import": "—", "file": "Django started, no file", "size": 0, "unpacked": 0}
                        | run_child("django", None, env, folder)]
        for kind, label, data in cases:
            row = {"import": kind, "file": label, "size": len(data), "unpacked": unpacked(data)}
            row |= run_child(kind, data, env, folder)
            spreadsheets.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
        report["spreadsheets"] = spreadsheets

        # 2. oversized uploads, straight at gunicorn
        port = free_port()
        gunicorn = subprocess.Popen([PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"{HOST}:{port}"],
                                    cwd=ROOT, env=env | {"TMPDIR": str(tmp)},
                                    stdout=open(folder / "gunicorn.log", "wb"), stderr=subprocess.STDOUT)
        processes.append(gunicorn)
        wait_listening(port)
        from_demo = subprocess.run([PYTHON, "-c", "import django; django.setup(); from seed.demo import DEMO_PASSWORD; print(DEMO_PASSWORD)"],
                                   cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.strip()
        jar = login(port, "teacher_math", from_demo)
        assignment = subprocess.run(
            [PYTHON, "-c", "import os, sys, django; django.setup(); sys.path.insert(0, 'scripts'); "
             "import bench_attacks as b; print(b._teacher_assignment().pk)"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.strip()
        grid_import = b"/scores/%s/term/1/import/" % assignment.encode()
        grid_import = _url(port, jar, grid_import)
        uploads = [
            {"who": "anonymous", "what": "POST /accounts/login/ announcing 300 MB, body not sent"}
            | announce(port, b"/accounts/login/", 300 * 1024 * 1024, None, tmp),
            {"who": "teacher_math", "what": "POST the scores import announcing 300 MB, body not sent"}
            | announce(port, grid_import, 300 * 1024 * 1024, jar, tmp),
            {"who": "teacher_math", "what": "POST the scores import with a 50 MB file, sent whole"}
            | send_file(port, grid_import, 50 * 1024 * 1024, jar, tmp),
        ]
        for row in uploads:
            print(json.dumps(row), flush=True)

        # 3. slow clients: straight at gunicorn, then through nginx
        slow = {"gunicorn": slow_attack(port, clients=options.slow_clients, seconds=options.slow_seconds)}
        print(json.dumps(slow), flush=True)
        time.sleep(5)
        nginx = ensure_nginx()
        if nginx is None:
            slow["nginx"] = None
        else:
            edge = free_port()
            config = nginx_config(edge, port, logs)
            for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
                (logs / name).mkdir(exist_ok=True)
                (logs / name).chmod(0o777)
            proxy = subprocess.Popen([nginx, "-g", "daemon off;", "-c", str(config), "-p", str(logs)], cwd=logs,
                                     stdout=open(logs / "stdout.log", "wb"), stderr=subprocess.STDOUT)
            processes.append(proxy)
            wait_listening(edge)
            uploads.append({"who": "anonymous", "what": "the same 300 MB announcement through nginx"}
                           | announce(edge, b"/accounts/login/", 300 * 1024 * 1024, None, tmp))
            slow["nginx"] = slow_attack(edge, clients=options.slow_clients, seconds=options.slow_seconds)
            report["nginx"] = subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr.strip()
            print(json.dumps(slow["nginx"]), flush=True)
        report["uploads"], report["slow"] = uploads, slow
    finally:
        for process in reversed(processes):
            stop(process, signal.SIGQUIT if process.args[0].endswith("nginx") else signal.SIGTERM)
        report["folder"] = str(folder)
    report |= {"machine": machine(), "slow_seconds": options.slow_seconds, "slow_clients": options.slow_clients}
    (folder / "report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    text = markdown(report)
    print(text)
    if options.write:
        from benchkit import write_section
        write_section("bench_attacks", text)
    shutil.rmtree(folder, ignore_errors=True)


def _url(port: int, jar: dict, path: bytes) -> bytes:
    answer, _ = request(port, b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: %s\r\n\r\n"
                        % (path, cookie_header(jar)))
    if not answer.startswith(b"HTTP/1.1 200"):
        raise SystemExit(f"the scores import page answered {_status(answer)}")
    return path


def _kb(size: int) -> str:
    return f"{size / 1024:,.1f} KB" if size else "—"


def _mb(size: float) -> str:
    return f"{size:,.0f}".replace(",", " ") + " MB"


def markdown(report: dict) -> str:
    def number(value: float | None, digits: int = 2) -> str:
        return "—" if value is None else f"{value:.{digits}f}"

    lines = [START, "## Attacks re-run after the hardening (issue 20)", "",
             "The attacks of issue 20's red-team run, repeated against the fixes: the spreadsheet reader "
             "(schoolrecords/xlsx.py: defusedxml, any `<!DOCTYPE` refused before parsing, every row counted, a time "
             "limit), the size guards (schoolrecords/middleware.py refuses a declared Content-Length before reading, "
             "schoolrecords/uploads.py stops a file past its field's limit) and nginx in front of gunicorn "
             "(deploy/nginx.conf, 10 s header and body timeouts).", "",
             "### Spreadsheets: one preview each, in a child process", "",
             "Peak RSS is the child's own: ru_maxrss of RUSAGE_CHILDREN, read by a small launcher that started it "
             "(Python, Django and the preview); VmHWM is the child's own high-water mark from /proc/self/status at "
             "its end. The first row is a child that only starts Django. *Before the fixes* (issue 20): a 12 KB bomb grew a worker from "
             "117 MB to 1,008 MB, an 18 KB one to 2.7 GB, and 1,000,000 blank rows took 10 s.", "",
             "| import | file | size | unpacked | peak RSS | VmHWM | preview | message shown |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    names = {"grid": "class scores", "board": "board's students", "—": "—"}
    for row in report["spreadsheets"]:
        lines.append(f"| {names[row['import']]} | {row['file']} | {_kb(row['size'])} | {_kb(row['unpacked'])} | {_mb(row['rss_mb'])} | "
                     f"{_mb(row['vmhwm_mb']) if row.get('vmhwm_mb') else '—'} | {number(row['seconds'])} s | "
                     f"{row['message']} |")
    lines += ["", "The largest bombs are the worst files the limits let through (under the upload size too): "
              "before the fixes such a file would have asked for ~9–10 GB.", "", "Every bomb is refused before openpyxl parses a byte of its sheet (the `<!DOCTYPE` scan), and the "
              "blank rows at the reader's line limit (1000 lines for a class's scores, 3200 for the board's import): "
              "no preview grows the process by more than a few MB over Django's own footprint.",
              "", "### Oversized uploads, gunicorn", "",
              "Time until the answer's first byte (for the 50 MB file: from its first byte sent to the end of the answer); *temporary folder* is the most the files in gunicorn's TMPDIR "
              "held at any moment (looked at every 10 ms). *Before the fixes*: 315 MB landed in the temporary folder "
              "before the CSRF refusal, anonymously.", "",
              "| who | request | answer | time | temporary folder |", "|---|---|---|---:|---:|"]
    for row in report["uploads"]:
        shown = row["status"] + (f": {row['message']}" if row.get("message") else "")
        lines.append(f"| {row['who']} | {row['what']} | {shown} | {number(row['seconds'] * 1000, 1)} ms | "
                     f"{row['tmp_bytes']:,} bytes |")
    lines += ["", "The 300 MB announcements are answered 413 from the Content-Length alone (RequestSizeMiddleware: 64 KB "
              "for anonymous requests, 110 MB logged in; nginx's client_max_body_size 110m). The 50 MB file, under the "
              "request limit but over the scores import's 2 MB field limit, is refused at its field; the upload "
              "handler writes at most that 2 MB before it drops the rest (the 10 ms look can miss so short a moment)."]
    slow = report["slow"]
    lines += ["", "### Slow clients", "",
              f"{report['slow_clients']} slow clients, each sending one header line every 3 s (connecting again when "
              f"closed), for {report['slow_seconds']:.0f} s, while a normal client asks for the login page once a "
              "second with a 5 s timeout. gunicorn as gunicorn.conf.py: 2 processes × 8 threads. *Before the fixes*: "
              "17–20 such connections made every other request time out. A request that times out holds the normal client "
              "for its 5 s, so fewer are tried straight at gunicorn.", "",
              "| target | normal requests passed | timed out | other errors | median answer | slowest | slow connections opened |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    for name, label in (("gunicorn", "straight at gunicorn"), ("nginx", "through nginx (deploy/nginx.conf)")):
        row = slow.get(name)
        if row is None:
            lines.append(f"| {label} | not measured: nginx could not be installed | | | | | |")
            continue
        lines.append(f"| {label} | {row['passed']} | {row['timed_out']} | {row['failed']} | {number(row['median'], 3)} s"
                     f" | {number(row['worst'], 3)} s | {row['connections']} |")
    lines += ["", "How it ran (the script does all of it, in a temporary folder, and stops what it started by pid): "
              "`manage.py migrate` and `manage.py seed_demo` with DEBUG=0, a SECRET_KEY, VAR_DIR in the folder "
              "(SQLite), ALLOWED_HOSTS=127.0.0.1 and SECURE_SSL_REDIRECT=0; "
              "`python -m gunicorn -c gunicorn.conf.py --bind 127.0.0.1:<free port>` with TMPDIR in the folder; "
              "`nginx -g 'daemon off;' -c <folder>/nginx.conf -p <folder>`, a copy of deploy/nginx.conf with one "
              "plain-HTTP server on 127.0.0.1:<free port>, upstream 127.0.0.1:<gunicorn's port>, and the pid, log "
              "and temporary paths in the folder; each spreadsheet preview in "
              "`python scripts/bench_attacks.py --child grid|board <file>`.",
              "", f"Machine: {report['machine']}" + (f"; {report['nginx']}" if report.get("nginx") else "")
              + f". Run at {report['started']} (load average {report['load']:.2f} at the start); SQLite, DEBUG=0, SECURE_SSL_REDIRECT=0 (plain HTTP on loopback).", "",
              "Reproduce (nginx from Debian's nginx-light when missing; the script installs it):", "", "```",
              ".venv/bin/python scripts/bench_attacks.py --write", "```", END]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
