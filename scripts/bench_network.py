#!/usr/bin/env python
"""Benchmark of the score grid in a browser on a slow school network: page loads, bytes, keypress to "saved".

    .venv/bin/python scripts/bench_network.py [--repeat 7] [--server gunicorn,runserver] [--write]

The script builds the demo school (``migrate``, ``seed_demo --classes-per-grade 1``: class 6A1 has 40
students) in SQLite in a temporary folder, collects the static files there, and starts the site as
each ``--server`` names:

* ``gunicorn``: production settings as docs/operations.md runs them (gunicorn.conf.py, DEBUG off,
  WhiteNoise serving the collected static files), plain HTTP on loopback (SECURE_SSL_REDIRECT=0);
* ``runserver``: the demo as scripts/demo.sh starts it (Django's development server, DEBUG on).

Debian's chromium (Playwright, the flags of tests/e2e/conftest.py) is throttled through the DevTools
protocol (``Network.emulateNetworkConditions``: ``--latency`` ms added to every request, ``--kbps``
KB/s down and up, as a school's shared line). Measured, each ``--repeat`` times in a new browser
context (an empty cache, as a school computer after the browser was closed), median:

* the login page, first visit (cold cache), throttled;
* after logging in as teacher_math (throttled) and emptying the browser's cache: the grid of
  6A1 Toán, term I, first visit (cold cache), throttled;
* the same grid again in the same context (repeat visit: what the cache kept is used), throttled;
* bytes transferred for each of those, per kind of resource (Resource Timing's transferSize: what
  came over the network, headers included; 0 for a file the cache answered without asking);
* unthrottled: from the Tab that leaves a typed cell to the cell showing "saved" (``s-saved``),
  one cell of another student each time.

A page's time is its navigation's ``loadEventEnd`` (the HTML, its styles and scripts all loaded and
run). The script measures; it asserts nothing about the times. ``--write`` puts the report into
docs/benchmarks.md between its markers.
"""

import argparse
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchkit import DOCS, ROOT, markers, write_section

START, END = markers("bench_network")
PYTHON = str(Path(sys.executable))
CHROMIUM = "/usr/bin/chromium"
# As tests/e2e/conftest.py: without the background-networking flags chromium calls Google's hosts.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PASSWORD = "demo-2026"
SERVERS = {"gunicorn": "gunicorn (production settings, DEBUG off)",
           "runserver": "runserver (the demo, scripts/demo.sh, DEBUG on)"}

# Resource Timing of the page just loaded: the navigation and every file it fetched.
TIMING_JS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const kind = (entry) => {
    const path = new URL(entry.name).pathname;
    if (path.endsWith(".js")) return "script";
    if (path.endsWith(".css")) return "stylesheet";
    if (/\\.(svg|ico|png|jpe?g|gif|webp)$/.test(path)) return "image";
    if (/\\.(woff2?|ttf|otf)$/.test(path)) return "font";
    return entry.initiatorType === "fetch" || entry.initiatorType === "xmlhttprequest" ? "fetch" : "other";
  };
  const files = performance.getEntriesByType("resource").map((entry) => ({
    kind: kind(entry), name: new URL(entry.name).pathname, transfer: entry.transferSize,
    encoded: entry.encodedBodySize, decoded: entry.decodedBodySize}));
  return {load: nav.loadEventEnd - nav.startTime, dcl: nav.domContentLoadedEventEnd - nav.startTime,
          html: {transfer: nav.transferSize, encoded: nav.encodedBodySize, decoded: nav.decodedBodySize},
          files: files};
}"""

# Records (window.__saved) the ms from the Tab leaving the cell to its td first showing "saved".
SAVED_JS = """(input) => {
  const td = input.closest("td");
  let left = null;
  window.__saved = null;
  // On the window, capturing: it hears the key before any handler of the grid's.
  window.addEventListener("keydown", (event) => {
    if (event.key === "Tab" && event.target === input && left === null) left = performance.now();
  }, {capture: true});
  new MutationObserver((records, observer) => {
    if (left !== null && td.classList.contains("s-saved")) {
      observer.disconnect();
      window.__saved = performance.now() - left;
    }
  }).observe(td, {attributes: true, attributeFilter: ["class"]});
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="repetitions of each measurement (default 7)")
    parser.add_argument("--server", default="gunicorn,runserver",
                        help="comma-separated: gunicorn, runserver (default both)")
    parser.add_argument("--latency", type=int, default=400, help="added latency per request, ms (default 400)")
    parser.add_argument("--kbps", type=int, default=50, help="download and upload throughput, KB/s (default 50)")
    parser.add_argument("--label", default="", help="a name for this run in the report (e.g. 'before')")
    parser.add_argument("--write", action="store_true", help=f"write the report into {DOCS.relative_to(ROOT)}")
    args = parser.parse_args()
    servers = [name.strip() for name in args.server.split(",") if name.strip()]
    unknown = [name for name in servers if name not in SERVERS]
    if unknown:
        raise SystemExit(f"unknown --server {', '.join(unknown)}: choose among {', '.join(SERVERS)}")

    with tempfile.TemporaryDirectory(prefix="bench_network-") as folder:
        var = Path(folder) / "var"
        var.mkdir()
        base_env = {**os.environ, "VAR_DIR": str(var), "SECRET_KEY": secrets.token_urlsafe(50),
                    "ALLOWED_HOSTS": "127.0.0.1,localhost", "SECURE_SSL_REDIRECT": "0",
                    "SECURE_HSTS_SECONDS": "0", "LOG_LEVEL": "WARNING"}
        for name in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"):
            base_env.pop(name, None)
        started = time.perf_counter()
        for command in (["migrate", "--no-input", "--verbosity", "0"],
                        ["seed_demo", "--classes-per-grade", "1"],
                        ["collectstatic", "--no-input", "--verbosity", "0"]):
            subprocess.run([PYTHON, "manage.py", *command], cwd=ROOT, env={**base_env, "DEBUG": "0"},
                           check=True, stdout=subprocess.DEVNULL)
        setup_seconds = time.perf_counter() - started
        results = {}
        for name in servers:
            with _server(name, base_env, Path(folder)) as base_url:
                results[name] = _measure(base_url, args)
    report = {"repeat": args.repeat, "latency": args.latency, "kbps": args.kbps, "setup": setup_seconds,
              "results": results, "label": args.label, "load": os.getloadavg()[0]}
    command = (f".venv/bin/python scripts/bench_network.py --repeat {args.repeat} --server {','.join(servers)}"
               + (f" --latency {args.latency}" if args.latency != 400 else "")
               + (f" --kbps {args.kbps}" if args.kbps != 50 else "")
               + (f" --label {args.label}" if args.label else "") + (" --write" if args.write else ""))
    text = _markdown(report, command)
    print(text)
    if args.write:
        write_section("bench_network", text)


class _server:
    """The site on a free loopback port, for as long as the ``with`` lasts."""

    def __init__(self, name: str, base_env: dict, folder: Path):
        self.name, self.base_env, self.folder = name, base_env, folder

    def __enter__(self) -> str:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if self.name == "gunicorn":
            command = [PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"]
            env = {**self.base_env, "DEBUG": "0"}
        else:
            command = [PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
            env = {**self.base_env, "DEBUG": "1"}
        self.log = open(self.folder / f"{self.name}.log", "wb")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/accounts/login/", timeout=5).read()
                return url
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"{self.name} did not start: see {self.folder / (self.name + '.log')}") from None
                time.sleep(0.3)

    def __exit__(self, *exc) -> None:
        if exc[0] is not None:
            self.log.flush()
            print((self.folder / f"{self.name}.log").read_text()[-3000:], file=sys.stderr)
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


def _measure(base_url: str, args) -> dict:
    from playwright.sync_api import sync_playwright

    throttled = {"offline": False, "latency": args.latency, "downloadThroughput": args.kbps * 1024,
                 "uploadThroughput": args.kbps * 1024}
    samples = {"login": [], "first": [], "repeat": []}
    typing: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            grid_url = base_url + _find_grid(browser, base_url)
            for repetition in range(args.repeat + 1):  # the first is a warm-up of the server, not counted
                context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN",
                                              timezone_id="Asia/Ho_Chi_Minh")
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.emulateNetworkConditions", throttled)
                runs = {}
                page.goto(f"{base_url}/accounts/login/", wait_until="load")
                runs["login"] = page.evaluate(TIMING_JS)
                page.fill("#id_username", "teacher_math")
                page.fill("#id_password", PASSWORD)
                with page.expect_navigation(wait_until="load"):
                    page.click("button[type=submit]")
                cdp.send("Network.clearBrowserCache")
                page.goto(grid_url, wait_until="load")
                runs["first"] = page.evaluate(TIMING_JS)
                page.goto(grid_url, wait_until="load")
                runs["repeat"] = page.evaluate(TIMING_JS)
                if repetition:
                    for key, run in runs.items():
                        samples[key].append(run)
                context.close()
            context = _logged_in(browser, base_url)
            page = context.pages[0]
            page.goto(grid_url, wait_until="load")
            for repetition in range(args.repeat + 1):
                elapsed = _keypress_to_saved(page, repetition)
                if repetition:
                    typing.append(elapsed)
            context.close()
        finally:
            browser.close()
    return {"samples": samples, "typing": typing}


def _logged_in(browser, base_url: str):
    """A new browser context (unthrottled) where teacher_math has logged in; its page is on the home page."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN",
                                  timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", "teacher_math")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    return context


def _find_grid(browser, base_url: str) -> str:
    """The path of 6A1 Toán's grid (term I), from the link on teacher_math's home page."""
    context = _logged_in(browser, base_url)
    href = context.pages[0].locator("#todo-teaching tbody tr", has_text="6A1").first.locator(
        "a.grid-link").first.get_attribute("href")
    context.close()
    if not href:
        raise SystemExit("no link to 6A1's grid on teacher_math's home page")
    return href


def _keypress_to_saved(page, repetition: int) -> float:
    """Type a score into the grid's first empty cell, press Tab, and wait for "saved".

    Always an empty cell: a score saved in an earlier login is recorded, and changing it is a correction."""
    cells = page.locator("#score-grid tbody tr:not(.readonly) input.cell:not([readonly]):not([disabled])")
    position = cells.evaluate_all("(inputs) => inputs.findIndex((input) => input.value === '')")
    if position < 0:
        raise SystemExit("no empty cell left in the grid to type into")
    cell = cells.nth(position)
    value = "7"
    cell.evaluate(SAVED_JS)
    cell.click()
    cell.select_text()
    page.keyboard.type(value)  # then Tab at once: well within the grid's pause (PAUSE_MS) that saves by itself
    page.keyboard.press("Tab")
    try:
        page.wait_for_function("() => window.__saved !== null", timeout=15_000)
    except Exception:
        state = cell.evaluate("(input) => [input.value, input.closest('td').className]")
        raise SystemExit(f"the typed cell (repetition {repetition}) was not saved within 15 s: {state}") from None
    return page.evaluate("window.__saved")


# --- the report ------------------------------------------------------------------------------------


def _median(values) -> float:
    return statistics.median(values) if values else 0.0


def _bytes(runs: list[dict], kind: str) -> tuple[float, float]:
    """Median bytes over the network and median number of files fetched (not from the cache) of one kind."""
    if kind == "document":
        return _median([run["html"]["transfer"] for run in runs]), 1.0
    transfers = [sum(f["transfer"] for f in run["files"] if f["kind"] == kind) for run in runs]
    fetched = [sum(1 for f in run["files"] if f["kind"] == kind and f["transfer"] > 0) for run in runs]
    return _median(transfers), _median(fetched)


KINDS = ("document", "stylesheet", "script", "image", "font", "fetch", "other")
VISITS = (("login", "login page, first visit"), ("first", "grid, first visit (cold cache)"),
          ("repeat", "grid, repeat visit"))


def _kb(value: float) -> str:
    return f"{value / 1024:.1f}"


def _markdown(report: dict, command: str) -> str:
    import django

    lines = [START, "## The grid on a slow network (browser)", "",
             (f"Chromium (Playwright, headless) throttled through the DevTools protocol to {report['latency']} ms "
              f"latency per request and {report['kbps']} KB/s each way; the demo school (SQLite), class 6A1 "
              "(40 students), Toán, term I, as teacher_math. A page's time is its navigation's `loadEventEnd`; "
              "bytes are Resource Timing's `transferSize` (over the network, headers included; a file the "
              f"cache answered without asking counts 0). Medians of {report['repeat']} new browser contexts "
              "after a warm-up; the grid's first visit is after logging in and emptying the cache."), ""]
    for server, result in report["results"].items():
        samples = result["samples"]
        lines += [f"### {SERVERS[server]}" + (f" — {report['label']}" if report["label"] else ""), "",
                  "| visit | load s | DOMContentLoaded s | KB transferred | HTML KB (on the wire / decoded) |"
                  " files fetched |",
                  "|---|---:|---:|---:|---:|---:|"]
        for key, label in VISITS:
            runs = samples[key]
            total = _median([run["html"]["transfer"] + sum(f["transfer"] for f in run["files"]) for run in runs])
            fetched = _median([sum(1 for f in run["files"] if f["transfer"] > 0) for run in runs])
            html_wire = _median([run["html"]["encoded"] for run in runs])
            html_decoded = _median([run["html"]["decoded"] for run in runs])
            lines.append(f"| {label} | {_median([r['load'] for r in runs]) / 1000:.2f} | "
                         f"{_median([r['dcl'] for r in runs]) / 1000:.2f} | {_kb(total)} | "
                         f"{_kb(html_wire)} / {_kb(html_decoded)} | {fetched:.0f} |")
        lines += ["", "KB transferred per kind of resource (files fetched over the network):", "",
                  "| visit | " + " | ".join(KINDS) + " |", "|---|" + "---:|" * len(KINDS)]
        for key, label in VISITS:
            cells = []
            for kind in KINDS:
                transferred, fetched = _bytes(samples[key], kind)
                cells.append(f"{_kb(transferred)} ({fetched:.0f})" if transferred or kind == "document" else "–")
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        typing = sorted(result["typing"])
        lines += ["", (f"Keypress to \"saved\", unthrottled (Tab leaving a typed cell → the cell marked saved): "
                       f"median **{_median(typing):.0f} ms** (min {typing[0]:.0f}, max {typing[-1]:.0f}; "
                       f"{len(typing)} cells)." if typing else "Keypress to \"saved\": not measured."), ""]
    lines += [(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Linux {platform.release()}; Python "
               f"{platform.python_version()}, Django {django.get_version()}; server and browser on the same "
               f"machine; load average {report['load']:.1f} at the end (the machine is shared: times are "
               f"indicative). Setting up the demo took {report['setup']:.0f} s."), "",
              "Reproduce (a temporary folder, removed afterwards; needs Debian's chromium):", "", "```", command,
              "```", END]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
