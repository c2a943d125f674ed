# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the job sources of every AWS kind share: one AwsClient for the kind's service, built from the options."""
from __future__ import annotations

import typing as t

from ansible_collections.jobgate.cloud.plugins.module_utils._aws.client import AwsClient
from ansible_collections.jobgate.cloud.plugins.module_utils._aws.settings import resolve_settings
from ansible_collections.jobgate.cloud.plugins.module_utils._core.source import JobSource


class AwsJobSource(JobSource):
    """A JobSource over one AwsClient. Subclasses set ``service`` (botocore's name for it) and implement
    describe and list_jobs (and fetch_batch where a list API can answer for many ids)."""

    service: str = ""

    def __init__(self, client: AwsClient) -> None:
        self.client = client

    @classmethod
    def factory(cls, params: t.Mapping, **kwargs: t.Any) -> t.Callable[..., AwsJobSource]:
        """How to build the source: the connection options are checked now, the client is made when called, bound
        to the deadline it is given (no request is sent either way)."""
        settings = resolve_settings(params)
        return lambda deadline=None: cls(AwsClient(settings, cls.service, deadline=deadline), **kwargs)

    @classmethod
    def for_module(cls, module: t.Any, **kwargs: t.Any) -> AwsJobSource:
        """The source with a client built from the module's connection options, on the module's deadline (no
        request is sent)."""
        return cls.factory(module.params, **kwargs)(module.deadline)

    def location(self) -> str:
        return self.client.location()

    def location_key(self) -> str:
        return self.client.location_key()
