# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one exception every layer of the collection raises.

Deep code raises ``JobGateError``; only ``_core.module.run_module`` turns it into ``fail_json``, so a failed task
always carries the contract's ``msg`` and ``error`` block and never a bare traceback.
"""
from __future__ import annotations

VALIDATION_ERROR = "ValidationError"
# The one not-found set: what AWS (ResourceNotFoundException, NotFoundException, NotFound, IAM's NoSuchEntity) and
# Resource Manager (ResourceNotFound, NotFound) answer for a job that does not exist. ``_aws/errors.py`` and the event
# source's ``is_not_found`` read it; never worth another try.
NOT_FOUND_CODES = frozenset(("ResourceNotFoundException", "NotFoundException", "NotFound", "NoSuchEntity",
                             "ResourceNotFound"))


class JobGateError(Exception):
    """A failure with the contract's ``error`` block and any extra result keys to return with it."""

    def __init__(self, msg: str, *, code: str, message: str | None = None, http_status: int | None = None,
                 retryable: bool = False, result: dict | None = None, retry_after: float | None = None,
                 attempts: int = 1) -> None:
        super().__init__(msg)
        self.msg = msg
        self.code = code
        # The API's own words where it gave some; our sentence otherwise, so `error.message` is never empty.
        self.message = message if message else msg
        self.http_status = http_status
        self.retryable = bool(retryable)
        self.result = dict(result) if result else {}
        # Seconds the service asked callers to wait (its Retry-After), for a caller that polls on (the event source).
        self.retry_after = retry_after
        # How many requests this failure stands for (retries included); 0 when none was sent.
        self.attempts = attempts

    def with_msg(self, msg: str) -> JobGateError:
        """The same failure (error block, attempts) told in a sentence that knows more, for the raise site that does."""
        return JobGateError(msg, code=self.code, message=self.message, http_status=self.http_status,
                            retryable=self.retryable, result=self.result, retry_after=self.retry_after,
                            attempts=self.attempts)

    def error_block(self) -> dict:
        return {
            "code": self.code,
            "message": self.message,
            "http_status": self.http_status,
            "retryable": self.retryable,
        }

    def __repr__(self) -> str:
        return f"JobGateError({self.msg!r}, code={self.code!r}, http_status={self.http_status!r}, retryable={self.retryable!r})"


def bad_input(msg: str) -> JobGateError:
    """Input rejected before any request was sent: never worth retrying."""
    return JobGateError(msg, code=VALIDATION_ERROR, message=msg, http_status=None, retryable=False)


def is_not_found(err: JobGateError) -> bool:
    """The job (or what it was looked for in) does not exist: a not-found code, or HTTP 404."""
    return err.code in NOT_FOUND_CODES or err.http_status == 404
