"""restJson1 from a botocore service model: routing, input parsing and validation, output serialization."""
from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import unquote


class ApiError(Exception):
    """An AWS error answer: code, message, HTTP status (None = from the model), extra body fields, headers."""

    def __init__(self, code: str, message: str, status: int | None = None, fields: dict | None = None,
                 headers: dict | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status
        self.fields = fields or {}
        self.headers = headers or {}


@dataclass
class InputProblem:
    name: str       # member path, e.g. DeviceJobConfig.OTAJobConfig.ImageVersion
    message: str
    missing: bool = False


@dataclass
class Route:
    operation: str
    method: str
    regex: re.Pattern
    labels: list[str]
    response_code: int
    static_query: dict = field(default_factory=dict)


class ServiceModel:
    def __init__(self, model: dict) -> None:
        self.model = model
        self.metadata = model["metadata"]
        self.operations = model["operations"]
        self.shapes = model["shapes"]
        self.signing_name = self.metadata.get("signingName") or self.metadata["endpointPrefix"]
        self.routes: list[Route] = []
        for name, op in self.operations.items():
            uri, _unused, static = op["http"]["requestUri"].partition("?")
            labels = re.findall(r"\{([^}]+)\}", uri)
            pattern = re.escape(uri)
            for lab in labels:
                greedy = lab.endswith("+")
                pattern = pattern.replace(re.escape("{" + lab + "}"), "(.+)" if greedy else "([^/]+)")
            static_q = dict(p.partition("=")[::2] for p in static.split("&") if p)
            self.routes.append(Route(name, op["http"]["method"], re.compile(f"^{pattern}/?$"),
                                     [lab.rstrip("+") for lab in labels], op["http"].get("responseCode", 200),
                                     static_q))
        # Literal paths before labelled ones, so /jobs beats /{x}.
        self.routes.sort(key=lambda r: (len(r.labels), -len(r.regex.pattern)))

    def match(self, method: str, raw_path: str, query: dict) -> tuple[Route, dict] | None:
        for route in self.routes:
            if route.method != method:
                continue
            m = route.regex.match(raw_path)
            if m and all(query.get(k) == (v or query.get(k)) for k, v in route.static_query.items()):
                return route, {lab: unquote(val) for lab, val in zip(route.labels, m.groups())}
        return None

    def path_known(self, raw_path: str) -> bool:
        return any(r.regex.match(raw_path) for r in self.routes)

    # -- input
    def parse_input(self, operation: str, labels: dict, query_pairs: list, headers, body: bytes) -> dict:
        """Request -> params dict keyed by member names; raises ApiError("SerializationException") on bad JSON."""
        op = self.operations[operation]
        if "input" not in op:
            return {}
        shape = self.shapes[op["input"]["shape"]]
        params: dict = {}
        payload: dict = {}
        if body:
            try:
                payload = json.loads(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                raise ApiError("SerializationException", "Could not parse the request body as JSON.", 400) from None
            if not isinstance(payload, dict):
                raise ApiError("SerializationException", "Request body must be a JSON object.", 400)
        for name, ref in shape["members"].items():
            loc, wire = ref.get("location"), ref.get("locationName", name)
            target = self.shapes[ref["shape"]]
            if loc == "uri":
                if wire in labels:
                    params[name] = labels[wire]
            elif loc == "querystring":
                if target["type"] == "map":
                    params[name] = dict(query_pairs)
                    continue
                values = [v for k, v in query_pairs if k == wire]
                if values:
                    params[name] = values if target["type"] == "list" else self._scalar(values[0], target, name)
            elif loc == "header":
                val = headers.get(wire)
                if val is not None:
                    params[name] = self._scalar(val, target, name)
            elif loc is None and name in payload:
                params[name] = payload[name]
        return params

    def _scalar(self, raw: str, shape: dict, name: str):
        kind = shape["type"]
        try:
            if kind in ("integer", "long"):
                return int(raw)
            if kind in ("float", "double"):
                return float(raw)
            if kind == "boolean":
                if raw not in ("true", "false"):
                    raise ValueError(raw)
                return raw == "true"
            if kind == "timestamp":
                return parse_timestamp(raw)
        except (ValueError, OverflowError):
            return _Bad(raw)
        return raw

    def validate(self, operation: str, params: dict) -> list[InputProblem]:
        op = self.operations[operation]
        if "input" not in op:
            return []
        problems: list[InputProblem] = []
        self._check(op["input"]["shape"], params, "", problems)
        return problems

    def _check(self, shape_name: str, value, path: str, out: list) -> None:
        shape = self.shapes[shape_name]
        kind = shape["type"]
        label = path or shape_name
        if isinstance(value, _Bad):
            out.append(InputProblem(label, f"Invalid value '{value.raw}' for {label}: expected {kind}."))
            return
        if kind == "structure":
            if not isinstance(value, dict):
                out.append(InputProblem(label, f"{label} must be an object."))
                return
            for req in shape.get("required", []):
                if value.get(req) is None:
                    name = f"{path}.{req}" if path else req
                    out.append(InputProblem(name, f"{name} is required but was not provided.", missing=True))
            for key, val in value.items():
                if key not in shape["members"]:
                    continue  # AWS ignores unknown JSON members
                if val is not None:
                    self._check(shape["members"][key]["shape"], val, f"{path}.{key}" if path else key, out)
        elif kind == "list":
            if not isinstance(value, list):
                out.append(InputProblem(label, f"{label} must be a list."))
                return
            self._length(shape, len(value), label, out, "items")
            for i, item in enumerate(value):
                self._check(shape["member"]["shape"], item, f"{label}[{i}]", out)
        elif kind == "map":
            if not isinstance(value, dict):
                out.append(InputProblem(label, f"{label} must be a map."))
                return
            self._length(shape, len(value), label, out, "entries")
            for k, v in value.items():
                self._check(shape["key"]["shape"], k, f"{label} key", out)
                self._check(shape["value"]["shape"], v, f"{label}.{k}", out)
        elif kind == "string":
            if not isinstance(value, str):
                out.append(InputProblem(label, f"{label} must be a string."))
                return
            if "enum" in shape and value not in shape["enum"]:
                out.append(InputProblem(label, f"Value '{value}' at '{label}' failed to satisfy constraint: Member "
                                               f"must satisfy enum value set: [{', '.join(shape['enum'])}]"))
            self._length(shape, len(value), label, out, "characters")
            if "pattern" in shape and not re.search(shape["pattern"], value):
                out.append(InputProblem(label, f"Value '{value}' at '{label}' failed to satisfy constraint: Member "
                                               f"must satisfy regular expression pattern: {shape['pattern']}"))
        elif kind in ("integer", "long"):
            if isinstance(value, bool) or not isinstance(value, int):
                out.append(InputProblem(label, f"{label} must be an integer."))
                return
            if "min" in shape and value < shape["min"]:
                out.append(InputProblem(label, f"Value '{value}' at '{label}' failed to satisfy constraint: Member "
                                               f"must have value greater than or equal to {shape['min']}"))
            if "max" in shape and value > shape["max"]:
                out.append(InputProblem(label, f"Value '{value}' at '{label}' failed to satisfy constraint: Member "
                                               f"must have value less than or equal to {shape['max']}"))
        elif kind == "boolean":
            if not isinstance(value, bool):
                out.append(InputProblem(label, f"{label} must be a boolean."))
        elif kind == "timestamp":
            if not isinstance(value, (int, float, datetime)) or isinstance(value, bool):
                if not (isinstance(value, str) and _try_ts(value)):
                    out.append(InputProblem(label, f"{label} must be a timestamp."))

    @staticmethod
    def _length(shape: dict, n: int, label: str, out: list, unit: str) -> None:
        if "min" in shape and n < shape["min"]:
            out.append(InputProblem(label, f"Value at '{label}' failed to satisfy constraint: Member must have "
                                           f"length greater than or equal to {shape['min']}"))
        if "max" in shape and n > shape["max"]:
            out.append(InputProblem(label, f"Value at '{label}' failed to satisfy constraint: Member must have "
                                           f"length less than or equal to {shape['max']}"))

    # -- output
    def serialize(self, shape_name: str, value):
        """Python value -> JSON-able value of the shape (timestamps as epoch seconds); None members dropped.
        An unknown member raises KeyError: that is an emulator bug, not something to send."""
        shape = self.shapes[shape_name]
        kind = shape["type"]
        if kind == "structure":
            out = {}
            for key, val in value.items():
                if val is None:
                    continue
                ref = shape["members"][key]
                if ref.get("location"):
                    continue  # headers/status code go elsewhere
                out[ref.get("jsonName", key)] = self.serialize(ref["shape"], val)
            return out
        if kind == "list":
            return [self.serialize(shape["member"]["shape"], v) for v in value]
        if kind == "map":
            return {k: self.serialize(shape["value"]["shape"], v) for k, v in value.items()}
        if kind == "timestamp":
            fmt = shape.get("timestampFormat", "unixTimestamp")
            epoch = value.timestamp() if isinstance(value, datetime) else float(value)
            if fmt == "iso8601":
                return datetime.fromtimestamp(epoch, timezone.utc).isoformat().replace("+00:00", "Z")
            return round(epoch, 3)
        return value

    def error_shape(self, code: str) -> dict | None:
        shape = self.shapes.get(code)
        return shape if shape and shape.get("exception") else None

    def error_status(self, code: str) -> int | None:
        shape = self.error_shape(code)
        if shape is None:
            return None
        status = shape.get("error", {}).get("httpStatusCode")
        if status:
            return status
        return 500 if shape.get("fault") else 400


class _Bad:
    """A query/header value that did not convert to its shape's type."""

    def __init__(self, raw: str) -> None:
        self.raw = raw


def _try_ts(value: str) -> bool:
    try:
        parse_timestamp(value)
        return True
    except ValueError:
        return False


def parse_timestamp(raw: str) -> float:
    """Epoch seconds or ISO 8601 (what botocore sends in query strings) -> epoch seconds."""
    try:
        return float(raw)
    except ValueError:
        pass
    text = raw.strip().replace("Z", "+00:00")
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def encode_token(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_token(token: str) -> dict | None:
    try:
        pad = "=" * (-len(token) % 4)
        obj = json.loads(base64.urlsafe_b64decode(token + pad))
        return obj if isinstance(obj, dict) else None
    except (ValueError, TypeError):
        return None
