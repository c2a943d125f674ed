"""Raw AWS answers as botocore receives them, checked against the service models' output and error shapes."""
from __future__ import annotations

import json

from shapes import check_shape

from emulator.aws import load_backup_model, load_panorama_model

MODELS = {"panorama": load_panorama_model(), "backup": load_backup_model()}


class Recorder:
    """Keeps every raw response botocore receives, with the operation it answered."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, int, dict, bytes]] = []

    def attach(self, client) -> None:
        client.meta.events.register("before-parse", self._hook)

    def _hook(self, operation_model, response_dict, **_) -> None:
        self.seen.append((operation_model.service_model.endpoint_prefix, operation_model.name,
                          response_dict["status_code"], dict(response_dict["headers"]), response_dict["body"]))


def check_response(service: str, op: str, status: int, headers: dict, body: bytes) -> None:
    model = MODELS[service]
    assert headers.get("x-amzn-RequestId") or headers.get("x-amzn-requestid")
    data = json.loads(body)
    if status < 300:
        assert status == model["operations"][op]["http"].get("responseCode", 200)
        problems = check_shape(model["shapes"], model["operations"][op]["output"]["shape"], data)
    else:
        code = headers.get("x-amzn-ErrorType") or headers.get("x-amzn-errortype")
        assert code, "error without x-amzn-ErrorType"
        shape = model["shapes"].get(code)
        if shape is None:  # unmodeled (auth, throttling): AWS's generic body
            problems = [] if set(data) == {"message"} else [f"unmodeled error body {data}"]
        else:
            problems = check_shape(model["shapes"], code, data)
            declared = shape.get("error", {}).get("httpStatusCode") or (500 if shape.get("fault") else 400)
            assert status == declared, (code, status)
    assert not problems, f"{service}.{op}: {problems}"
