"""Emulator core: HTTP(S) listeners, provider registry, admin API, request log, faults, job timelines.

Providers (emulator/aws.py, emulator/azure.py, ...) plug in through `Provider` subclasses listed in a module-level
`PROVIDERS` list; the core imports every module named in PROVIDER_MODULES that exists. See emulator/README.md.
"""
from __future__ import annotations

import importlib
import itertools
import json
import secrets
import socket
import ssl
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit

PROVIDER_MODULES = ("emulator.aws", "emulator.sts", "emulator.azure", "emulator.identity")
ADMIN_PREFIX = "/_emulator"
# Query parameters whose values are credentials: never written to the request log.
REDACTED_QUERY_KEYS = {"x-amz-signature", "x-amz-security-token", "x-amz-credential", "client_secret", "code",
                       "access_token", "refresh_token", "sig", "client_assertion", "webidentitytoken", "externalid",
                       "tokencode"}
# Request-log fields a provider may add (never secrets): STS names the role and who called; Resource Manager
# calls say where their token came from.
LOG_EXTRAS = ("fault", "error", "token_source", "role_arn", "principal")
FAULT_KINDS = ("throttle", "error", "delay", "drop", "malformed", "html", "echo", "trickle", "page_loop")


class AdminError(Exception):
    """Bad admin request: answered with 400 and the message."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


# --------------------------------------------------------------------------- requests and responses

@dataclass
class Request:
    method: str
    raw_path: str          # path as sent, still percent-encoded, without the query
    query: str             # raw query string
    headers: Any           # http.client.HTTPMessage (case-insensitive .get)
    body: bytes
    listener: str          # "http" | "https"
    host: str
    # Filled by the provider that handles the request; copied into the request log.
    log: dict = field(default_factory=dict)
    trickle: float = 0.0   # fault kind "trickle": seconds between the answer's body bytes (headers go at once)
    page_loop: Any = None  # fault kind "page_loop": the Fault whose first page token every later page repeats

    @property
    def path(self) -> str:
        return self.raw_path

    def query_pairs(self) -> list[tuple[str, str]]:
        return parse_qsl(self.query, keep_blank_values=True)

    def query_dict(self) -> dict[str, str]:
        return dict(self.query_pairs())

    def json(self) -> Any:
        if not self.body:
            return None
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    drop: bool = False     # close the connection without answering (fault kind "drop")

    @classmethod
    def json(cls, status: int, obj: Any, headers: dict | None = None,
             content_type: str = "application/json") -> "Response":
        hdrs = {"Content-Type": content_type}
        hdrs.update(headers or {})
        return cls(status, json.dumps(obj).encode("utf-8"), hdrs)

    @classmethod
    def text(cls, status: int, text: str, content_type: str = "text/plain", headers: dict | None = None) -> "Response":
        hdrs = {"Content-Type": content_type}
        hdrs.update(headers or {})
        return cls(status, text.encode("utf-8"), hdrs)


# --------------------------------------------------------------------------- jobs and timelines

def parse_timeline(raw: Any) -> list[tuple[str, float, str | None]]:
    """[[status, seconds], [status, seconds, message], {"status":..,"at":..,"message":..}] -> sorted tuples."""
    if not isinstance(raw, list) or not raw:
        raise AdminError("a timeline is a non-empty list of [status, seconds_after_creation(, message)]")
    out = []
    for item in raw:
        if isinstance(item, dict):
            item = [item.get("status"), item.get("at", item.get("seconds", 0)), item.get("message")]
        if not isinstance(item, (list, tuple)) or len(item) not in (2, 3) or not isinstance(item[0], str):
            raise AdminError(f"bad timeline entry {item!r}: want [status, seconds(, message)]")
        try:
            secs = float(item[1])
        except (TypeError, ValueError):
            raise AdminError(f"bad timeline seconds in {item!r}") from None
        out.append((item[0], secs, item[2] if len(item) == 3 else None))
    out.sort(key=lambda e: e[1])
    return out


@dataclass
class Job:
    """A job of some kind; the provider owns `fields` (its own data) and `attrs` (what timeline overrides match)."""
    kind: str
    id: str
    timeline: list
    created_mono: float
    created_wall: float
    fields: dict = field(default_factory=dict)
    attrs: dict = field(default_factory=dict)
    seq: int = 0
    fired: int = -1        # index of the last timeline entry whose transition hook has run

    def index_at(self, now_mono: float | None = None) -> int:
        elapsed = (time.monotonic() if now_mono is None else now_mono) - self.created_mono
        idx = 0
        for i, entry in enumerate(self.timeline):
            if entry[1] <= elapsed:
                idx = i
        return idx

    def current(self, now_mono: float | None = None) -> tuple[str, str | None, float]:
        """(status, message, wall time the status was entered)."""
        status, secs, message = self.timeline[self.index_at(now_mono)]
        return status, message, self.created_wall + max(secs, 0.0)

    @property
    def status(self) -> str:
        return self.current()[0]

    @property
    def message(self) -> str | None:
        return self.current()[1]


# --------------------------------------------------------------------------- faults and throttling

@dataclass
class Fault:
    kind: str
    service: str | None = None
    operation: str | None = None
    status: int | None = None
    count: int = 1              # how many matching requests it hits; -1 = until cleared
    seconds: float = 0.0        # delay for kind "delay"
    retry_after: int | None = None
    code: str | None = None     # error code override for kind "error"
    message: str | None = None
    id: int = 0
    hits: int = 0
    token: Any = None           # kind "page_loop": the first next-page token (NextToken or nextLink) it let through

    def matches(self, service: str | None, operation: str | None) -> bool:
        if self.service and self.service != service:
            return False
        return not (self.operation and self.operation != operation)

    def public(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "token"}


def echo_request(req: Request) -> str:
    """The request as an echoing gateway repeats it: method, path, every header, and a form body."""
    headers = "; ".join(f"{name}: {value}" for name, value in req.headers.items())
    text = f"Request rejected by the gateway: {req.method} {req.raw_path}; {headers}"
    content_type = str(req.headers.get("Content-Type") or "")
    if req.body and "x-www-form-urlencoded" in content_type:
        text += "; body: " + req.body[:4096].decode("utf-8", "replace")
    return text


class TokenBucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = burst, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


# --------------------------------------------------------------------------- providers

AdminHandler = Callable[[Any, Request], Any]   # (payload, request) -> JSON-able result (or raise AdminError)


class Provider:
    """Base class of a cloud side. Subclass it and list the class in your module's PROVIDERS."""
    name = "provider"
    kinds: tuple = ()          # job kinds this provider owns (timelines, POST /jobs)
    priority = 100             # lower claims first

    def __init__(self, emu: "Emulator") -> None:
        self.emu = emu

    # -- routing
    def claims(self, req: Request) -> bool:
        """True when this provider answers the request."""
        return False

    def handle(self, req: Request) -> Response:
        raise NotImplementedError

    # -- admin and state
    def admin_routes(self) -> dict[tuple[str, str], AdminHandler]:
        """Extra admin routes {(METHOD, "/path-under-_emulator"): handler}."""
        return {}

    def reset(self) -> None:
        """Forget provider state (POST /reset). Jobs, faults and the log are cleared by the core."""

    def default_timeline(self, kind: str, attrs: dict) -> list:
        """Built-in timeline for a new job of `kind` (used when no admin timeline applies)."""
        raise AdminError(f"no default timeline for kind {kind}")

    def seed_job(self, kind: str, spec: dict) -> Job:
        """POST /jobs: create a job of `kind` directly from the admin spec; return it (already added)."""
        raise AdminError(f"kind {kind} cannot be seeded")

    def on_transition(self, job: Job, status: str, message: str | None, wall: float) -> None:
        """Called once per timeline entry a job reaches (in order), before any request is answered."""

    def render_fault(self, fault: Fault, req: Request, service: str | None, operation: str | None) -> Response:
        """Answer a throttle/error fault in this cloud's error format."""
        return Response.json(fault.status or 500, {"message": fault.message or "injected fault"})

    # -- helpers for subclasses
    def apply_faults(self, req: Request, service: str | None, operation: str | None) -> Response | None:
        """Queued faults and the throttle_rate bucket; call after authentication. None = go on."""
        return self.emu.apply_faults(self, req, service, operation)


# --------------------------------------------------------------------------- the emulator

def _utc_iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Emulator:
    def __init__(self, config: dict) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.jobs: dict[tuple[str, str], Job] = {}
        self.job_seq = itertools.count(1)
        self.log: list[dict] = []
        self.log_seq = itertools.count(1)
        self.faults: list[Fault] = []
        self.fault_seq = itertools.count(1)
        self.timelines: dict[str, list] = {}
        self.timeline_overrides: list[dict] = []
        self.throttle_rate: float | None = None
        self.throttle_burst: float | None = None
        self.buckets: dict[str, TokenBucket] = {}
        self.issued_secrets: list[str] = []   # bearer tokens etc. a provider handed out (for secret scans)
        self.aws_temporary: dict[str, dict] = {}   # access key -> issued temporary credentials (emulator/sts.py)
        self.providers: list[Provider] = []
        self.started = time.time()
        self._seeding = threading.local()   # set while POST /jobs seeds: 20,000 jobs need not advance 20,000 times
        for modname in config.get("provider_modules", PROVIDER_MODULES):
            try:
                mod = importlib.import_module(modname)
            except ModuleNotFoundError as exc:
                if exc.name == modname:
                    continue
                raise
            for cls in getattr(mod, "PROVIDERS", []):
                self.providers.append(cls(self))
        self.providers.sort(key=lambda p: p.priority)
        self.kind_owner = {k: p for p in self.providers for k in p.kinds}
        self.admin = {
            ("GET", "/health"): self._admin_health,
            ("GET", "/requests"): lambda payload, req: self.requests_log(),
            ("POST", "/requests/clear"): self._admin_clear_log,
            ("POST", "/reset"): self._admin_reset,
            ("GET", "/timelines"): lambda payload, req: {"defaults": self.timelines,
                                                         "overrides": self.timeline_overrides},
            ("POST", "/timelines"): self._admin_timelines,
            ("GET", "/jobs"): self._admin_list_jobs,
            ("POST", "/jobs"): self._admin_seed_jobs,
            ("POST", "/jobs/continue"): self._admin_continue_job,
            ("GET", "/faults"): lambda payload, req: {"faults": [f.public() for f in self.faults]},
            ("POST", "/faults"): self._admin_faults,
            ("POST", "/faults/clear"): self._admin_clear_faults,
            ("GET", "/settings"): lambda payload, req: self._settings(),
            ("POST", "/settings"): self._admin_settings,
            ("GET", "/secrets"): lambda payload, req: {"values": self.secret_values()},
        }
        for p in self.providers:
            self.admin.update(p.admin_routes())

    def provider(self, name: str) -> Provider | None:
        """The provider called `name`, for providers that build on another (emulator.identity on emulator.azure)."""
        return next((p for p in self.providers if p.name == name), None)

    # -- credentials
    def secret_values(self) -> list[str]:
        aws, az = self.config.get("aws", {}), self.config.get("azure", {})
        vals = [aws.get("secret_key"), aws.get("session_token"), aws.get("access_key"), az.get("secret")]
        with self.lock:
            vals += list(self.issued_secrets)
        return [v for v in vals if v]

    def remember_secret(self, value: str) -> None:
        """Providers call this for every token they issue, so tests can scan output for it."""
        with self.lock:
            self.issued_secrets.append(value)

    def aws_credentials(self, access_key: str) -> dict | None:
        """SigV4 credentials for an access key: the base ones, or temporary ones STS issued (with `expiration`)."""
        base = self.config.get("aws", {})
        if access_key == base.get("access_key"):
            return base
        with self.lock:
            return self.aws_temporary.get(access_key)

    def add_aws_credentials(self, creds: dict) -> None:
        """Accept temporary credentials {access_key, secret_key, session_token, region, expiration, principal}."""
        with self.lock:
            self.aws_temporary[creds["access_key"]] = creds
        for key in ("access_key", "secret_key", "session_token"):
            self.remember_secret(creds[key])

    # -- jobs
    def new_job(self, kind: str, job_id: str, attrs: dict, fields: dict, timeline: Any = None,
                created_ago: float = 0.0) -> Job:
        """Create and store a job; the timeline comes from the caller, an admin override, or the provider."""
        owner = self.kind_owner.get(kind)
        tl = parse_timeline(timeline) if timeline is not None else self.timeline_for(kind, attrs, owner)
        now_m, now_w = time.monotonic(), time.time()
        job = Job(kind=kind, id=job_id, timeline=tl, created_mono=now_m - created_ago,
                  created_wall=now_w - created_ago, fields=fields, attrs=attrs)
        with self.lock:
            job.seq = next(self.job_seq)
            self.jobs[(kind, job_id)] = job
        if not getattr(self._seeding, "active", False):   # POST /jobs advances once, after its last job
            self.advance()
        return job

    def timeline_for(self, kind: str, attrs: dict, owner: Provider | None) -> list:
        with self.lock:
            for ov in reversed(self.timeline_overrides):
                if ov["kind"] == kind and all(str(attrs.get(k)) == str(v) for k, v in ov["match"].items()):
                    return ov["timeline"]
            variant = attrs.get("variant")
            if variant and f"{kind}:{variant}" in self.timelines:
                return self.timelines[f"{kind}:{variant}"]
            if kind in self.timelines:
                return self.timelines[kind]
        if owner is None:
            raise AdminError(f"unknown job kind {kind}")
        return parse_timeline(owner.default_timeline(kind, attrs))

    def get_job(self, kind: str, job_id: str) -> Job | None:
        with self.lock:
            return self.jobs.get((kind, job_id))

    def continue_job(self, job: Job, later: list) -> list:
        """Replace what is left of ``job``'s timeline with ``later``, whose seconds count from now: tests move a job
        on once its watcher is known to be polling, whatever a loaded machine made its start-up take."""
        with self.lock:
            elapsed = time.monotonic() - job.created_mono
            done = job.timeline[: job.index_at() + 1]
            job.timeline = done + [(status, elapsed + secs, msg) for status, secs, msg in later]
            job.fired = min(job.fired, len(done) - 1)
        self.advance()
        return job.timeline

    def list_jobs(self, kind: str) -> list[Job]:
        with self.lock:
            return sorted((j for (k, _unused), j in self.jobs.items() if k == kind), key=lambda j: j.seq)

    def advance(self) -> None:
        """Run transition hooks for every timeline entry jobs have reached since the last call."""
        now = time.monotonic()
        with self.lock:
            for job in sorted(self.jobs.values(), key=lambda j: j.seq):
                idx = job.index_at(now)
                while job.fired < idx:
                    job.fired += 1
                    status, secs, message = job.timeline[job.fired]
                    owner = self.kind_owner.get(job.kind)
                    if owner is not None:
                        owner.on_transition(job, status, message, job.created_wall + max(secs, 0.0))

    # -- faults and throttling
    def apply_faults(self, provider: Provider, req: Request, service: str | None,
                     operation: str | None) -> Response | None:
        with self.lock:
            fault = None
            for f in self.faults:
                if f.count != 0 and f.matches(service, operation):
                    fault = f
                    break
            if fault is not None:
                fault.hits += 1
                if fault.count > 0:
                    fault.count -= 1
                self.faults = [f for f in self.faults if f.count != 0]
            throttled = False
            if fault is None and self.throttle_rate and service:
                bucket = self.buckets.get(service)
                if bucket is None:
                    burst = self.throttle_burst or max(1.0, self.throttle_rate)
                    bucket = self.buckets[service] = TokenBucket(self.throttle_rate, burst)
                throttled = not bucket.take()
        if throttled:
            req.log["fault"] = "throttle_rate"
            return provider.render_fault(Fault(kind="throttle", status=None), req, service, operation)
        if fault is None:
            return None
        req.log["fault"] = fault.kind
        if fault.kind == "delay":
            time.sleep(fault.seconds)
            return None
        if fault.kind == "page_loop":
            req.page_loop = fault
            return None
        if fault.kind == "trickle":   # the real answer, its body a byte every `seconds` (default 0.25)
            req.trickle = fault.seconds or 0.25
            return None
        if fault.kind == "drop":
            return Response(drop=True)
        if fault.kind == "malformed":
            body = b'{"malformed": [tru' if fault.message is None else fault.message.encode("utf-8")  # "": empty
            return Response(fault.status or 200, body, {"Content-Type": "application/json"})
        if fault.kind == "echo":
            # A gateway or WAF that refuses the request and repeats it in its error body, credentials and all: the
            # cloud's own error format (status 400 unless given), its message the request's headers and form body.
            fault = replace(fault, status=fault.status or 400, message=echo_request(req))
            return provider.render_fault(fault, req, service, operation)
        if fault.kind == "html":
            status = fault.status or 502
            page = (f"<html><head><title>{status} Bad Gateway</title></head><body><center><h1>{status} Bad Gateway"
                    "</h1></center><hr><center>awselb/2.0</center></body></html>")
            return Response.text(status, page, "text/html")
        return provider.render_fault(fault, req, service, operation)

    # -- request log
    def record(self, req: Request, status: int, started: float) -> None:
        query = [(k, "REDACTED" if k.lower() in REDACTED_QUERY_KEYS else v) for k, v in req.query_pairs()]
        entry = {
            "seq": None, "time": _utc_iso(started), "listener": req.listener,
            "service": req.log.get("service"), "operation": req.log.get("operation"),
            "method": req.method, "path": req.raw_path, "query": dict(query), "status": status,
            "signed": bool(req.log.get("signed", False)), "auth_ok": bool(req.log.get("auth_ok", False)),
            "bearer": bool(req.log.get("bearer", False)), "host": req.host,
            "duration_ms": round((time.time() - started) * 1000, 1),
        }
        for extra in LOG_EXTRAS:
            if extra in req.log:
                entry[extra] = req.log[extra]
        with self.lock:
            entry["seq"] = next(self.log_seq)
            self.log.append(entry)

    def requests_log(self) -> list[dict]:
        with self.lock:
            return [dict(e) for e in self.log]

    # -- dispatch
    def dispatch(self, req: Request) -> tuple[Response, bool]:
        """Answer one request; returns (response, logged?)."""
        if req.raw_path == ADMIN_PREFIX or req.raw_path.startswith(ADMIN_PREFIX + "/"):
            return self._dispatch_admin(req), False
        try:
            self.advance()
            for p in self.providers:
                if p.claims(req):
                    resp = p.handle(req)
                    return (self._repeat_page_token(req.page_loop, resp) if req.page_loop else resp), True
            return Response.json(404, {"message": f"No emulated API at {req.method} {req.raw_path}"}), True
        except Exception as exc:  # an emulator bug must still answer, and say so
            import traceback
            traceback.print_exc()
            return Response.json(500, {"message": f"emulator error: {type(exc).__name__}: {exc}"},
                                 {"x-amzn-ErrorType": "InternalFailure"}), True

    def _repeat_page_token(self, fault: Fault, resp: Response) -> Response:
        """A list page whose next-page token is the first one this fault saw: page 1 gives T1, and every page after
        gives T1 again, as a service that loops would (fault kind "page_loop")."""
        try:
            body = json.loads(resp.body) if resp.status == 200 else None
        except ValueError:
            return resp
        key = next((k for k in ("NextToken", "nextLink") if isinstance(body, dict) and body.get(k)), None)
        if key is None:
            return resp
        with self.lock:
            if fault.token is None:
                fault.token = body[key]
            body[key] = fault.token
        resp.body = json.dumps(body).encode("utf-8")
        return resp

    def _dispatch_admin(self, req: Request) -> Response:
        sub = req.raw_path[len(ADMIN_PREFIX):] or "/"
        handler = self.admin.get((req.method, sub.rstrip("/") or "/"))
        if handler is None:
            return Response.json(404, {"error": f"no admin route {req.method} {sub}"})
        try:
            payload = req.json() if req.body else None
            result = handler(payload, req)
        except AdminError as exc:
            return Response.json(exc.status, {"error": str(exc)})
        except (ValueError, KeyError, TypeError) as exc:
            return Response.json(400, {"error": f"{type(exc).__name__}: {exc}"})
        return Response.json(200, result if result is not None else {"ok": True})

    # -- admin handlers
    def _admin_health(self, payload, req) -> dict:
        return {"status": "ok", "pid": self.config.get("pid"), "providers": [p.name for p in self.providers],
                "kinds": sorted(self.kind_owner), "uptime": round(time.time() - self.started, 3)}

    def _admin_clear_log(self, payload, req) -> dict:
        with self.lock:
            n = len(self.log)
            self.log.clear()
        return {"cleared": n}

    def _admin_reset(self, payload, req) -> dict:
        with self.lock:
            self.jobs.clear()
            self.log.clear()
            self.faults.clear()
            self.timelines.clear()
            self.timeline_overrides.clear()
            self.throttle_rate = self.throttle_burst = None
            self.buckets.clear()
            self.aws_temporary.clear()
            for p in self.providers:
                p.reset()
        return {"ok": True}

    def _admin_timelines(self, payload, req) -> dict:
        if not isinstance(payload, dict):
            raise AdminError("POST /timelines wants {kind: timeline, ..., 'overrides': [...]}")
        with self.lock:
            for key, raw in payload.items():
                if key == "overrides":
                    for ov in raw:
                        kind = ov.get("kind")
                        if kind not in self.kind_owner:
                            raise AdminError(f"unknown job kind {kind!r}")
                        if not isinstance(ov.get("match"), dict) or not ov["match"]:
                            raise AdminError("an override needs a non-empty 'match' dict of job attributes")
                        self.timeline_overrides.append({"kind": kind, "match": dict(ov["match"]),
                                                        "timeline": parse_timeline(ov.get("timeline"))})
                    continue
                if key.split(":", 1)[0] not in self.kind_owner:
                    raise AdminError(f"unknown job kind {key!r}; known: {sorted(self.kind_owner)}")
                if raw is None:
                    self.timelines.pop(key, None)
                else:
                    self.timelines[key] = parse_timeline(raw)
        return {"defaults": self.timelines, "overrides": self.timeline_overrides}

    def _admin_list_jobs(self, payload, req) -> dict:
        kind = req.query_dict().get("kind")
        with self.lock:
            jobs = [j for j in sorted(self.jobs.values(), key=lambda j: j.seq) if not kind or j.kind == kind]
            return {"jobs": [{"kind": j.kind, "id": j.id, "status": j.status, "message": j.message,
                              "attrs": j.attrs, "timeline": j.timeline} for j in jobs]}

    def _admin_continue_job(self, payload, req) -> dict:
        if not isinstance(payload, dict) or not payload.get("kind") or not payload.get("job_id"):
            raise AdminError("POST /jobs/continue wants {kind, job_id, timeline}")
        job = self.get_job(payload["kind"], payload["job_id"])
        if job is None:
            raise AdminError(f"no {payload['kind']} job {payload['job_id']!r}", status=404)
        return {"timeline": self.continue_job(job, parse_timeline(payload.get("timeline")))}

    def _admin_seed_jobs(self, payload, req) -> dict:
        specs = payload.get("jobs") if isinstance(payload, dict) and "jobs" in payload else [payload]
        ids = []
        self._seeding.active = True
        try:
            for spec in specs:
                if not isinstance(spec, dict) or spec.get("kind") not in self.kind_owner:
                    raise AdminError(f"each job needs a known 'kind' ({sorted(self.kind_owner)})")
                for _unused in range(int(spec.get("count", 1))):
                    job = self.kind_owner[spec["kind"]].seed_job(spec["kind"], spec)
                    ids.append(job.id)
        finally:
            self._seeding.active = False
        self.advance()
        return {"job_ids": ids}

    def _admin_faults(self, payload, req) -> dict:
        specs = payload.get("faults") if isinstance(payload, dict) and "faults" in payload else [payload]
        created = []
        for spec in specs:
            if not isinstance(spec, dict) or spec.get("kind") not in FAULT_KINDS:
                raise AdminError(f"a fault needs kind in {FAULT_KINDS}")
            match = spec.get("match") or {}
            fault = Fault(kind=spec["kind"], service=match.get("service"), operation=match.get("operation"),
                          status=spec.get("status"), count=int(spec.get("count", 1)),
                          seconds=float(spec.get("seconds", 0)), retry_after=spec.get("retry_after"),
                          code=spec.get("code"), message=spec.get("message"))
            with self.lock:
                fault.id = next(self.fault_seq)
                self.faults.append(fault)
            created.append(fault.public())
        return {"faults": created}

    def _admin_clear_faults(self, payload, req) -> dict:
        with self.lock:
            self.faults.clear()
        return {"ok": True}

    def _settings(self) -> dict:
        return {"throttle_rate": self.throttle_rate, "throttle_burst": self.throttle_burst}

    def _admin_settings(self, payload, req) -> dict:
        with self.lock:
            if "throttle_rate" in (payload or {}):
                rate = payload["throttle_rate"]
                self.throttle_rate = float(rate) if rate else None
                self.buckets.clear()
            if "throttle_burst" in (payload or {}):
                burst = payload["throttle_burst"]
                self.throttle_burst = float(burst) if burst else None
                self.buckets.clear()
        return self._settings()

    # -- scenarios
    def run_admin(self, method: str, path: str, payload: Any = None) -> Any:
        handler = self.admin.get((method.upper(), path))
        if handler is None:
            raise AdminError(f"no admin route {method} {path}")
        fake = Request(method.upper(), ADMIN_PREFIX + path, "", {}, b"", "internal", "internal")
        return handler(payload, fake)

    def apply_scenario(self, scenario: dict) -> None:
        """Run a scenario's admin calls: {"calls": [[METHOD, path, payload], ...]} (see load_scenario)."""
        for method, path, payload in scenario.get("calls", []):
            self.run_admin(method, path, payload)


SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"


def scenario_names() -> list[str]:
    """The built-in scenarios: one per file in emulator/scenarios/, named after it."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.json"))


def load_scenario(name_or_path: str) -> dict:
    """A built-in name (emulator/scenarios/NAME.json) or the path of a JSON file of the same form."""
    path = Path(name_or_path)
    if path.suffix != ".json" and not path.exists():
        path = SCENARIO_DIR / f"{name_or_path}.json"
        if not path.exists():
            raise AdminError(f"unknown scenario {name_or_path!r}; built-in: {', '.join(scenario_names())} "
                             "(or give the path of a JSON file)")
    scenario = json.loads(path.read_text())
    if not isinstance(scenario, dict) or not isinstance(scenario.get("calls", []), list):
        raise AdminError(f"{path}: a scenario is a JSON object {{\"calls\": [[METHOD, path, payload], ...]}}")
    return scenario


# --------------------------------------------------------------------------- HTTP plumbing

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "jobgate-emulator/1"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet; the admin log has it all
        return

    def setup(self) -> None:
        super().setup()
        try:  # headers and body go out in separate writes: without this, delayed ACKs add ~40 ms a request
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def _serve(self) -> None:
        started = time.time()
        emu: Emulator = self.server.emulator  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        req = Request(self.command, parts.path or "/", parts.query, self.headers, body,
                      self.server.listener_name, self.headers.get("Host", ""))  # type: ignore[attr-defined]
        resp, logged = emu.dispatch(req)
        if resp.drop:
            if logged:
                emu.record(req, 0, started)
            self.close_connection = True
            try:  # RST instead of FIN, like a load balancer dropping the connection
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
            return
        if logged:  # before answering: a client that reads the log right after its answer must find the request
            emu.record(req, resp.status, started)
        self.send_response(resp.status)
        headers = {"Content-Length": str(len(resp.body))}
        headers.update(resp.headers)
        headers["Content-Length"] = str(len(resp.body))
        for k, v in headers.items():
            self.send_header(k, str(v))
        self.end_headers()
        if self.command != "HEAD" and req.trickle:
            self.wfile.flush()
            try:
                for index in range(len(resp.body)):
                    time.sleep(req.trickle)
                    self.wfile.write(resp.body[index:index + 1])
                    self.wfile.flush()
            except OSError:   # the client gave up (or cut the connection at its deadline)
                self.close_connection = True
        elif self.command != "HEAD":
            self.wfile.write(resp.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, emulator: Emulator, listener_name: str, tls: ssl.SSLContext | None = None) -> None:
        self.emulator = emulator
        self.listener_name = listener_name
        self.tls = tls
        super().__init__(addr, _Handler)

    def finish_request(self, request, client_address) -> None:
        # TLS handshake in the per-connection thread, so one slow client cannot stall accept().
        if self.tls is not None:
            request.settimeout(30)
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        super().finish_request(request, client_address)


@dataclass
class Listeners:
    http: _Server
    https: _Server
    threads: list

    def shutdown(self) -> None:
        for srv in (self.http, self.https):
            srv.shutdown()
            srv.server_close()


def start_listeners(emu: Emulator, host: str, http_port: int, https_port: int, tls: ssl.SSLContext) -> Listeners:
    http = _Server((host, http_port), emu, "http")
    https = _Server((host, https_port), emu, "https", tls)
    threads = []
    for srv in (http, https):
        t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        t.start()
        threads.append(t)
    return Listeners(http, https, threads)


def random_aws_credentials() -> dict:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    return {"access_key": "AKIA" + "".join(secrets.choice(alphabet) for _unused in range(16)),
            "secret_key": secrets.token_urlsafe(30)[:40]}


def random_azure_credentials() -> dict:
    return {"tenant": str(uuid.uuid4()), "client_id": str(uuid.uuid4()),
            "secret": secrets.token_urlsafe(30), "subscription_id": str(uuid.uuid4())}
