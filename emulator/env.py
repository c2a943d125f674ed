"""The environment a playbook needs to talk to a running emulator, in the variable names AWX injects.

`python -m emulator env --state-file F` prints `awx_environment` as shell commands for `eval "$(...)"`;
playbooks/run_demo.py gives its playbook `awx_credentials` only (the demo sets region and endpoint itself).
"""
from __future__ import annotations

import shlex

# Variables that would override or confuse the ones below if the shell already had them: unset.
_SHADOWING = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
              "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID", "AZURE_AUTHORITY_HOST", "AZURE_AD_USER", "AZURE_PASSWORD",
              "AZURE_PROFILE")


def awx_credentials(state: dict) -> dict[str, str]:
    """What AWX's "Amazon Web Services" and "Microsoft Azure Resource Manager" credential types inject for the
    emulator's credentials, plus the CA that signed its HTTPS certificate (for requests and azure-identity)."""
    aws, azure = state["aws"], state["azure"]
    env = {
        "AWS_ACCESS_KEY_ID": aws["access_key"], "AWS_SECRET_ACCESS_KEY": aws["secret_key"],
        "AZURE_SUBSCRIPTION_ID": azure["subscription_id"], "AZURE_CLIENT_ID": azure["client_id"],
        "AZURE_SECRET": azure["secret"], "AZURE_TENANT": azure["tenant"],
        # a Resource Manager URL as the cloud makes the module read the authority and token audience from the
        # emulator's metadata endpoint (Azure Stack style)
        "AZURE_CLOUD_ENVIRONMENT": state["https_endpoint"],
        "REQUESTS_CA_BUNDLE": state["ca_file"],
    }
    if aws.get("session_token"):
        env["AWS_SECURITY_TOKEN"] = aws["session_token"]  # the name older AWX injects
    return env


def awx_environment(state: dict) -> dict[str, str | None]:
    """The credentials plus region, endpoints and CA bundle a job would otherwise set itself; None means unset."""
    aws = state["aws"]
    env: dict[str, str | None] = dict.fromkeys(_SHADOWING)
    env.update(awx_credentials(state))
    env.update({
        "AWS_DEFAULT_REGION": aws["region"], "AWS_REGION": aws["region"],
        # AWS_URL is amazon.aws's name (the modules read it); AWS_ENDPOINT_URL is botocore's own (aws CLI, boto3);
        # the same endpoint answers STS, for assume_role_arn
        "AWS_URL": state["aws_endpoint"], "AWS_ENDPOINT_URL": state["aws_endpoint"],
        "AWS_ENDPOINT_URL_STS": state["aws_endpoint"],
        "AWS_CA_BUNDLE": state["ca_file"],
    })
    if aws.get("session_token"):
        env["AWS_SESSION_TOKEN"] = aws["session_token"]
    return env


def shell_exports(env: dict[str, str | None]) -> str:
    """POSIX shell lines (`unset X` / `export X='...'`), every value quoted, for `eval "$(...)"`."""
    unset = sorted(name for name, value in env.items() if value is None)
    lines = [f"unset {' '.join(unset)}"] if unset else []
    lines += [f"export {name}={shlex.quote(value)}" for name, value in env.items() if value is not None]
    return "\n".join(lines) + "\n"
