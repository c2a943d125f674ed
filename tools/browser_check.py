#!/usr/bin/env python
"""Load every page of the built docsite in headless Chromium; fail on a broken internal link or a console error.

Usage: python tools/browser_check.py [--site DIR] [--shots DIR]
The site is served over loopback (http.server, as a reader's browser would fetch it: search and its JavaScript need
http, not file://). Chromium is driven through the Chrome DevTools Protocol over its websocket (`websockets`, already
in the venv for ansible-rulebook), not `--dump-dom`: one browser for every page, and the protocol reports what
`--dump-dom` cannot see, console errors, uncaught exceptions and failed loads (Runtime and Log events), and the
document's links and ids as the browser parsed them. Every page reachable from index.html is loaded; every link to
the site is checked: an .html target must load, any other file must be served, a #fragment must name an id of its
page. Screenshots of the index and one module page are kept in --shots.
"""
from __future__ import annotations

import argparse
import base64
import functools
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import typing as t
import urllib.error
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / ".build" / "docsite" / "site" / "build" / "html"
SHOTS = ROOT / ".build" / "docsite" / "screenshots"
BROWSERS = ("chromium", "chromium-browser")
SCREENSHOTS = {"index.png": "index.html",
               "module.png": "collections/jobgate/cloud/panorama_device_job_info_module.html"}
PAGE_TIMEOUT = 30.0
NEEDS = ("needs Debian's chromium on PATH: `apt-get install -y chromium` (`make browser` installs it when it runs "
         "as root where apt-get is)")


class Failed(Exception):
    """The check cannot go on (no browser, a page that does not load)."""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: t.Any) -> None:  # noqa: A002 - http.server's signature
        pass


def serve(site: Path) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Browser:
    """Headless Chromium and one page target, spoken to over the DevTools Protocol."""

    def __init__(self, executable: str, profile: Path) -> None:
        # --no-sandbox: CI and these machines run as root, where Chromium's sandbox refuses to start.
        self.process = subprocess.Popen(
            [executable, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--remote-debugging-port=0", f"--user-data-dir={profile}",
             "--window-size=1280,900", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.is_file() or len(port_file.read_text().split("\n")) < 2:
            if self.process.poll() is not None or time.monotonic() > deadline:
                ended = self.process.poll() is not None
                err = self.process.stderr.read().decode(errors="replace")[-2000:] if ended else ""
                self.close()
                raise Failed(f"Chromium did not start its DevTools endpoint: {err}")
            time.sleep(0.1)
        port, path = port_file.read_text().split("\n")[:2]
        self.ws = connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=10)
        self.ids = itertools.count(1)
        self.events: list = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=1280, height=900, deviceScaleFactor=1,
                  mobile=False)

    def call(self, method: str, session: bool = False, timeout: float = PAGE_TIMEOUT, **params: t.Any) -> dict:
        message: dict = {"id": next(self.ids), "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        end = time.monotonic() + timeout
        while True:
            answer = json.loads(self.ws.recv(timeout=max(0.1, end - time.monotonic())))
            if answer.get("id") == message["id"]:
                if "error" in answer:
                    raise Failed(f"{method}: {answer['error'].get('message')}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_for(self, method: str, timeout: float = PAGE_TIMEOUT) -> None:
        end = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            self.events.append(json.loads(self.ws.recv(timeout=max(0.1, end - time.monotonic()))))

    def load(self, url: str) -> tuple:
        """(errors the page reported, its links as absolute URLs, its element ids)."""
        self.events = []
        result = self.call("Page.navigate", session=True, url=url)
        if result.get("errorText"):
            return [f"did not load: {result['errorText']}"], [], []
        try:
            self.wait_for("Page.loadEventFired")
        except TimeoutError:
            return [f"no load event within {PAGE_TIMEOUT:g} s"], [], []
        # What scripts do at load (search, theme) reports in the same turn; a short settle catches late errors.
        time.sleep(0.2)
        found = self.call("Runtime.evaluate", session=True, returnByValue=True, expression=(
            "({links: Array.from(document.querySelectorAll('a[href], link[href]'), a => a.href),"
            " ids: Array.from(document.querySelectorAll('[id], a[name]'), e => e.id || e.getAttribute('name')),"
            " status: performance.getEntriesByType('navigation').map(n => n.responseStatus)[0]})"))["result"]["value"]
        errors = [text for text in map(_error_text, self.events) if text]
        if found.get("status") not in (None, 0, 200):
            errors.insert(0, f"HTTP {found['status']}")
        return errors, found["links"], found["ids"]

    def screenshot(self, dest: Path) -> None:
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        dest.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:  # pylint: disable=broad-except  # closing is best effort; the process goes next
            pass
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _error_text(event: dict) -> str | None:
    params = event.get("params", {})
    if event.get("method") == "Runtime.exceptionThrown":
        details = params["exceptionDetails"]
        return "uncaught: " + (details.get("exception", {}).get("description") or details.get("text", ""))
    if event.get("method") == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
        args = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
        return f"console.{params['type']}: {args}"
    if event.get("method") == "Log.entryAdded" and params["entry"]["level"] == "error":
        entry = params["entry"]
        return f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}".strip()
    return None


def _served(url: str) -> bool:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=10) as answer:
            return answer.status == 200
    except urllib.error.URLError:
        return False


def _pages(site: Path) -> list:
    return sorted(str(f.relative_to(site)) for f in site.rglob("*.html"))


def check(site: Path, shots: Path, executable: str) -> int:
    server = serve(site)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    profile = Path(tempfile.mkdtemp(prefix="jobgate-chromium-"))
    problems: list = []
    loaded: dict = {}          # page URL -> its ids
    links: list = []           # (page it is on, target URL)
    try:
        browser = Browser(executable, profile)
        try:
            # From the index, following links; then any page no link reaches (antsibull-docs writes some).
            queue = [base + "index.html"]
            unlinked: list = []
            while queue or (unlinked := [base + p for p in _pages(site) if base + p not in loaded]):
                if not queue:
                    queue = unlinked
                    print(f"pages no link reaches, loaded all the same: {', '.join(u[len(base):] for u in unlinked)}")
                page = queue.pop(0)
                if page in loaded:
                    continue
                errors, found, ids = browser.load(page)
                loaded[page] = set(ids)
                problems += [f"{page[len(base):]}: {e}" for e in errors]
                for target in found:
                    if not target.startswith(base):
                        continue  # another site: not this check's business (and offline here)
                    links.append((page, target))
                    path = urldefrag(target)[0]
                    if path.endswith("/"):
                        path += "index.html"
                    if path.endswith(".html") and path not in loaded and path not in queue:
                        queue.append(path)
            shots.mkdir(parents=True, exist_ok=True)
            for name, page in SCREENSHOTS.items():
                errors, _links, _ids = browser.load(base + page)
                problems += [f"{page}: {e}" for e in errors]
                browser.screenshot(shots / name)
        finally:
            browser.close()
        files_checked: dict = {}
        for page, target in links:
            path, fragment = urldefrag(target)
            if path.endswith("/"):
                path += "index.html"
            if path.endswith(".html"):
                if path not in loaded:
                    problems.append(f"{page[len(base):]}: link to {target[len(base):]}: page not loaded")
                elif fragment and fragment not in loaded[path]:
                    problems.append(f"{page[len(base):]}: link to {target[len(base):]}: no id {fragment!r} there")
            else:
                if path not in files_checked:
                    files_checked[path] = _served(path)
                if not files_checked[path]:
                    problems.append(f"{page[len(base):]}: link to {target[len(base):]}: not served")
    finally:
        server.shutdown()
        shutil.rmtree(profile, ignore_errors=True)
    print(f"browser check ({executable}): {len(loaded)} pages loaded, {len(links)} internal links checked "
          f"({len({urlsplit(t).path for _p, t in links})} distinct targets), {len(problems)} problems; "
          f"screenshots: {', '.join(str(shots / n) for n in SCREENSHOTS)}")
    for problem in problems:
        print("  " + problem)
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=SITE, help=f"the built HTML site (default: {SITE})")
    parser.add_argument("--shots", type=Path, default=SHOTS, help=f"where the screenshots go (default: {SHOTS})")
    args = parser.parse_args()
    executable = next((path for path in map(shutil.which, BROWSERS) if path), None)
    if executable is None:
        print(f"browser check: no Chromium found ({', '.join(BROWSERS)} on PATH); it {NEEDS}.", file=sys.stderr)
        return 1
    if not (args.site / "index.html").is_file():
        print(f"browser check: no site at {args.site}; run `make docs` first.", file=sys.stderr)
        return 1
    try:
        return check(args.site, args.shots, executable)
    except Failed as err:
        print(f"browser check: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    os.environ.pop("DISPLAY", None)
    sys.exit(main())
