# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS connection options and their resolution with the environment.

Resolution is a pure function (``resolve_settings``) so it can be tested without botocore. It also checks the
assume-role options the way STS would, so a value STS refuses fails before any request.
"""
from __future__ import annotations

import os
import re
import typing as t
from dataclasses import dataclass, field

from ansible_collections.jobgate.cloud.plugins.module_utils._core.errors import bad_input

# STS's own limits (botocore's STS model: arnType, roleSessionNameType, externalIdType, roleDurationSecondsType),
# with patterns matched whole as STS matches them. The ARN must also be an IAM role's.
ROLE_ARN_RE = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/(?:[\x21-\x7e]*/)?[\w+=,.@-]{1,64}", re.ASCII)
ROLE_ARN_LENGTH = (20, 2048)
SESSION_NAME_RE = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)
EXTERNAL_ID_RE = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)
DURATION_RANGE = (900, 43200)
DEFAULT_SESSION_NAME = "jobgate-cloud"
DEFAULT_DURATION = 3600

AWS_ARG_SPEC: dict = dict(
    access_key=dict(type="str", aliases=["aws_access_key_id", "aws_access_key", "ec2_access_key"], no_log=False),
    secret_key=dict(type="str", aliases=["aws_secret_access_key", "aws_secret_key", "ec2_secret_key"], no_log=True),
    session_token=dict(type="str", aliases=["aws_session_token", "security_token", "aws_security_token", "access_token"], no_log=True),
    profile=dict(type="str", aliases=["aws_profile"]),
    region=dict(type="str", aliases=["aws_region", "ec2_region"]),
    endpoint_url=dict(type="str", aliases=["aws_endpoint_url", "ec2_url", "s3_url"]),
    aws_ca_bundle=dict(type="path"),
    validate_certs=dict(type="bool", default=True),
    aws_config=dict(type="dict"),
    # Assume role (contract "Connection options"); checked in resolve_settings, used in _aws/credentials.py.
    assume_role_arn=dict(type="str"),
    assume_role_session_name=dict(type="str", default=DEFAULT_SESSION_NAME),
    assume_role_external_id=dict(type="str", no_log=True),
    assume_role_duration=dict(type="int", default=DEFAULT_DURATION),
    sts_endpoint_url=dict(type="str"),
)

# Environment fallbacks, first set wins (amazon.aws's names, plus AWS_SECURITY_TOKEN that older AWX injects).
ENV_FALLBACKS: dict = {
    "access_key": ("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "EC2_ACCESS_KEY"),
    "secret_key": ("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY", "EC2_SECRET_KEY"),
    "session_token": ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "EC2_SECURITY_TOKEN"),
    "profile": ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"),
    "region": ("AWS_REGION", "AWS_DEFAULT_REGION", "EC2_REGION"),
    "endpoint_url": ("AWS_URL", "EC2_URL"),
    "aws_ca_bundle": ("AWS_CA_BUNDLE",),
    "sts_endpoint_url": ("AWS_ENDPOINT_URL_STS",),
}


@dataclass(frozen=True)
class AwsSettings:
    """Connection settings after options and environment are resolved; None means botocore's own chain decides."""

    access_key: str | None = None
    secret_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    ca_bundle: str | None = None
    validate_certs: bool = True
    config: dict = field(default_factory=dict)
    assume_role_arn: str | None = None
    assume_role_session_name: str = DEFAULT_SESSION_NAME
    assume_role_external_id: str | None = field(default=None, repr=False)
    assume_role_duration: int = DEFAULT_DURATION
    sts_endpoint_url: str | None = None

    @property
    def verify(self) -> bool | str:
        """What botocore's ``verify`` takes: the CA bundle path, or whether to verify at all."""
        if not self.validate_certs:
            return False
        return self.ca_bundle or True

    def secrets(self) -> tuple:
        """Values that must never appear in a message."""
        return tuple(v for v in (self.secret_key, self.session_token, self.assume_role_external_id) if v)


def _first(params: t.Mapping, environ: t.Mapping, name: str) -> str | None:
    value = params.get(name)
    if value not in (None, ""):
        return value
    for var in ENV_FALLBACKS.get(name, ()):
        if environ.get(var):
            return environ[var]
    return None


def resolve_settings(params: t.Mapping, environ: t.Mapping | None = None) -> AwsSettings:
    """Module options plus environment -> ``AwsSettings``; pure apart from reading ``os.environ`` when not given.

    Precedence: an option beats the environment. An explicit ``profile`` option is the whole credential source
    (credential variables in the environment are then ignored, as botocore does for an explicit profile), and it
    may not be combined with key options. A profile from the environment only supplies what keys do not.
    """
    env = os.environ if environ is None else environ
    key_options = [n for n in ("access_key", "secret_key", "session_token") if params.get(n)]
    if params.get("profile") and key_options:
        raise bad_input(f"The profile option cannot be combined with {', '.join(key_options)}: use one credential source.")
    if params.get("profile"):
        access_key = secret_key = session_token = None
    else:
        access_key = _first(params, env, "access_key")
        secret_key = _first(params, env, "secret_key")
        session_token = _first(params, env, "session_token")
    if bool(access_key) != bool(secret_key):
        missing = "secret_key" if access_key else "access_key"
        raise bad_input(f"An AWS access key and secret key go together, but {missing} (or its environment variable) is not set.")
    config = params.get("aws_config") or {}
    if not isinstance(config, dict):
        raise bad_input("aws_config must be a dictionary of botocore Config settings.")
    role = _assume_role(params)
    return AwsSettings(
        access_key=access_key,
        secret_key=secret_key,
        session_token=session_token,
        profile=_first(params, env, "profile"),
        region=_first(params, env, "region"),
        endpoint_url=_first(params, env, "endpoint_url"),
        ca_bundle=_first(params, env, "aws_ca_bundle"),
        validate_certs=params.get("validate_certs", True) is not False,
        config=dict(config),
        sts_endpoint_url=_first(params, env, "sts_endpoint_url"),
        **role,
    )


def _assume_role(params: t.Mapping) -> dict:
    """The assume-role options, checked as STS checks them (the external id is never echoed)."""
    arn = params.get("assume_role_arn") or None
    external_id = params.get("assume_role_external_id") or None
    if arn is None:
        if external_id is not None:
            raise bad_input("assume_role_external_id needs assume_role_arn: the external id is sent with AssumeRole.")
        return {}
    session_name = params.get("assume_role_session_name") or DEFAULT_SESSION_NAME
    duration = params.get("assume_role_duration")
    duration = DEFAULT_DURATION if duration is None else duration
    if not ROLE_ARN_LENGTH[0] <= len(arn) <= ROLE_ARN_LENGTH[1] or not ROLE_ARN_RE.fullmatch(arn):
        raise bad_input(f"assume_role_arn {arn!r} is not an IAM role ARN such as "
                        "arn:aws:iam::123456789012:role/NAME.")
    if not SESSION_NAME_RE.fullmatch(session_name):
        raise bad_input(f"assume_role_session_name {session_name!r} must be 2 to 64 letters, digits or +=,.@_- "
                        "characters, as STS requires.")
    if external_id is not None and not EXTERNAL_ID_RE.fullmatch(external_id):
        raise bad_input("assume_role_external_id must be 2 to 1224 letters, digits or +=,.@:/_- characters, as STS "
                        "requires (its value is not shown).")
    if isinstance(duration, bool) or not isinstance(duration, int) or not DURATION_RANGE[0] <= duration <= DURATION_RANGE[1]:
        raise bad_input(f"assume_role_duration must be {DURATION_RANGE[0]} to {DURATION_RANGE[1]} seconds, as STS "
                        f"requires; got {duration!r}.")
    return {"assume_role_arn": arn, "assume_role_session_name": session_name, "assume_role_external_id": external_id,
            "assume_role_duration": duration}
