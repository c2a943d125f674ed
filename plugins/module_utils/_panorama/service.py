# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What both Panorama kinds share: the carried service model (registered with the AWS loader) and id rules.

Ids are checked against the carried model's patterns and lengths before any request, so bad input never costs a
call (and never reaches a URL path: ``..``, ``/``, ``?`` and ``#``, written out or percent-encoded, are refused
outright by ``_core/ids.py``).
"""
from __future__ import annotations

import re
import typing as t

from ansible_collections.jobgate.cloud.plugins.module_utils._aws.models import register_carried_model
from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import bad_input
from ansible_collections.jobgate.cloud.plugins.module_utils._core.ids import refuse_path_breakers
from ansible_collections.jobgate.cloud.plugins.module_utils._panorama.model import API_VERSION, ENDPOINT_RULESET, SERVICE_MODEL

# _aws/models.py writes it out for botocore when botocore lacks Panorama; only modules that import this file ship it.
register_carried_model("panorama", API_VERSION, SERVICE_MODEL, ENDPOINT_RULESET)


class IdRule:
    """A string shape from a service model: pattern plus min/max length (characters, as the model counts)."""

    def __init__(self, label: str, shape: dict) -> None:
        self.label = label
        pattern = shape.get("pattern")
        self.regex = re.compile(pattern) if pattern else None
        self.min = int(shape.get("min", 1))
        self.max = int(shape["max"]) if "max" in shape else None

    def check(self, option: str, value: t.Any) -> str:
        shown = repr(value)[:80]
        if not isinstance(value, str) or not value:
            raise bad_input(f"Option {option} must be a non-empty {self.label}, got {shown}.")
        refuse_path_breakers(option, value, self.label)
        if len(value) < self.min or (self.max is not None and len(value) > self.max):
            raise bad_input(f"Option {option}: a {self.label} is {self.min} to {self.max} characters long, got {len(value)}.")
        # The model's patterns are anchored (^...$); search() honours the anchors, and a trailing newline is refused
        # separately because `$` would let it through.
        if self.regex is not None and (not self.regex.search(value) or "\n" in value):
            raise bad_input(f"Option {option}: {shown} is not a valid {self.label} (pattern {self.regex.pattern}).")
        return value


SHAPES = SERVICE_MODEL["shapes"]
JOB_ID = IdRule("Panorama job id", SHAPES["JobId"])
DEVICE_ID = IdRule("Panorama device id", SHAPES["DeviceId"])


def strip_metadata(out: dict) -> dict:
    return {k: v for k, v in out.items() if k != "ResponseMetadata"}
