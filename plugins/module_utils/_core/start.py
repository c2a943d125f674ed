# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of the start flow that are not about results."""
from __future__ import annotations

import hashlib
import json
import typing as t


def token_digest(payload: t.Any, *, prefix: str = "jobgate-", max_len: int = 64) -> str:
    """A stable idempotency token for a request: prefix + sha256 of its canonical JSON, cut to max_len.

    Only letters, digits, ``-`` and ``_`` appear, so it fits the AWS ClientToken pattern ``^[a-zA-Z0-9\\-\\_]+$``.
    """
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return (prefix + digest)[:max_len]
