# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    # AWS connection options (plugins/module_utils/_aws/settings.py AWS_ARG_SPEC); names, aliases and environment
    # variables follow amazon.aws, plus AWS_SECURITY_TOKEN, which older AWX injects.
    DOCUMENTATION = r"""
options:
  access_key:
    description:
      - AWS access key ID.
      - If not set, the environment variables E(AWS_ACCESS_KEY_ID), E(AWS_ACCESS_KEY) and E(EC2_ACCESS_KEY) are
        used, in that order of preference.
      - With no credentials given at all, botocore's own chain applies (shared credentials and config files,
        container and instance roles, web identity).
    type: str
    aliases: [aws_access_key_id, aws_access_key, ec2_access_key]
  secret_key:
    description:
      - AWS secret access key.
      - If not set, the environment variables E(AWS_SECRET_ACCESS_KEY), E(AWS_SECRET_KEY) and E(EC2_SECRET_KEY) are
        used, in that order of preference.
    type: str
    aliases: [aws_secret_access_key, aws_secret_key, ec2_secret_key]
  session_token:
    description:
      - AWS STS session token for temporary credentials.
      - If not set, the environment variables E(AWS_SESSION_TOKEN), E(AWS_SECURITY_TOKEN) (which older AWX
        releases inject) and E(EC2_SECURITY_TOKEN) are used, in that order of preference.
    type: str
    aliases: [aws_session_token, security_token, aws_security_token, access_token]
  profile:
    description:
      - A named profile from the AWS shared configuration and credentials files.
      - If not set, the environment variables E(AWS_PROFILE) and E(AWS_DEFAULT_PROFILE) are used, in that order.
      - When O(profile) is set, credentials in the environment are ignored and the profile is the credential source.
      - A profile taken from the environment still supplies settings such as the region, but access keys in the
        environment take precedence over its credentials, as in botocore.
      - O(profile) cannot be combined with O(access_key), O(secret_key) or O(session_token).
    type: str
    aliases: [aws_profile]
  region:
    description:
      - The AWS region, for example V(us-east-1).
      - If not set, the environment variables E(AWS_REGION), E(AWS_DEFAULT_REGION) and E(EC2_REGION) are used,
        in that order, and then the region of the profile.
    type: str
    aliases: [aws_region, ec2_region]
  endpoint_url:
    description:
      - URL to connect to instead of the default AWS endpoint, for example a VPC endpoint or a local emulator.
      - If not set, the environment variables E(AWS_URL) and E(EC2_URL) are used, in that order.
    type: str
    aliases: [aws_endpoint_url, ec2_url, s3_url]
  aws_ca_bundle:
    description:
      - The path of a CA bundle to verify the endpoint's TLS certificate with.
      - If not set, the environment variable E(AWS_CA_BUNDLE) is used.
    type: path
  validate_certs:
    description:
      - Whether to verify the endpoint's TLS certificate.
      - Setting O(validate_certs=false) is strongly discouraged; set O(aws_ca_bundle) instead.
    type: bool
    default: true
  aws_config:
    description:
      - A dictionary of botocore C(Config) settings, see
        U(https://botocore.amazonaws.com/v1/documentation/api/latest/reference/config.html).
      - The collection does its own retries (throttling including C(ThrottlingException), HTTP 429 and 5xx,
        timeouts and connection errors, with jittered exponential backoff); C(retries.total_max_attempts) or
        C(retries.max_attempts) in this dictionary set how many attempts it makes (default 6 in total). With
        O(wait=true) a read is tried until O(wait_timeout) instead; the attempt count still bounds a start.
      - Connect and read timeouts default to 10 and 60 seconds; C(connect_timeout) and C(read_timeout) change them.
    type: dict
  assume_role_arn:
    description:
      - The ARN of an IAM role to assume, for example V(arn:aws:iam::123456789012:role/fleet-operator) in a member
        account.
      - The base credentials (O(access_key) and O(secret_key), O(profile), the environment or botocore's chain)
        call STS C(AssumeRole) once per task; the requests to the job APIs are signed with the role's temporary
        credentials, which botocore renews before they expire, so a wait longer than O(assume_role_duration)
        keeps working.
      - A denied C(AssumeRole) (the role's trust policy does not allow the base principal, or O(assume_role_external_id)
        is wrong or missing) fails the task at once with C(error.code=AccessDenied) and C(error.retryable=false),
        naming the role ARN.
      - Web identity needs no option. With E(AWS_ROLE_ARN) and E(AWS_WEB_IDENTITY_TOKEN_FILE) set and no keys,
        botocore's chain calls C(AssumeRoleWithWebIdentity) itself (E(AWS_ENDPOINT_URL_STS) for a private STS
        endpoint). O(assume_role_arn) on top of that chains into a further role.
    type: str
  assume_role_session_name:
    description:
      - The role session name, which CloudTrail records and which ends the assumed-role ARN.
      - 2 to 64 letters, digits and C(+=,.@_-), as STS requires.
      - Used only with O(assume_role_arn).
    type: str
    default: jobgate-cloud
  assume_role_external_id:
    description:
      - The external ID the role's trust policy requires, if any.
      - 2 to 1224 letters, digits and C(+=,.@:/_-), as STS requires.
      - Never shown in task output or error messages.
      - Needs O(assume_role_arn).
    type: str
  assume_role_duration:
    description:
      - How long, in seconds, the role's credentials are asked to last; STS accepts 900 to 43200, up to the role's
        maximum session duration (1 hour unless the role sets more; 1 hour at most when the base credentials are a
        role session themselves).
      - Used only with O(assume_role_arn). Waits may be longer; the credentials are renewed.
    type: int
    default: 3600
  sts_endpoint_url:
    description:
      - URL of the STS endpoint for O(assume_role_arn), for private (VPC) endpoints and emulators.
      - If not set, the environment variable E(AWS_ENDPOINT_URL_STS) is used, then the region's STS endpoint
        C(https://sts.REGION.amazonaws.com).
      - O(endpoint_url) does not apply to STS.
    type: str
notes:
  - With O(assume_role_arn) the permissions these notes list are the role's, and the base credentials need
    C(sts:AssumeRole) on the role. Least-privilege IAM policies for every kind are in the collection's
    C(docs/permissions.md).
  - Environment variables and AWS configuration files are read on the host that runs the module (the controller
    for C(localhost) and in AWX, unless delegated elsewhere).
  - botocore releases from 1.43.38 on no longer carry the AWS Panorama service model; the collection carries the
    definition of the Panorama operations it uses and hands it to botocore when botocore lacks it, so any botocore
    works. A botocore that has its own Panorama model uses its own.
requirements:
  - botocore >= 1.31.0
"""
