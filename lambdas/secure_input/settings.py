"""Settings of the secure-input functions, validated from the environment at first use."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lambdas.common.core.config import cached, load, setting

_DEPLOYMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")


@dataclass(frozen=True, kw_only=True)
class SealSettings:
    """What binds a ciphertext: the KMS key that wraps each contact's key, and the deployment it belongs to."""

    key_id: str = setting("SECURE_INPUT_KEY_ID")
    deployment: str = setting("SECURE_INPUT_DEPLOYMENT")  # the stack name: a ciphertext opens only where made

    def __post_init__(self) -> None:
        if not _DEPLOYMENT.fullmatch(self.deployment):
            raise ValueError("SealSettings.deployment must be 1-128 of letters, digits and ._:/-")


@dataclass(frozen=True, kw_only=True)
class DecryptSettings(SealSettings):
    """The decrypt function also writes the audit trail and checks who is asking."""

    region: str = setting("AWS_REGION")  # Lambda sets it; the STS endpoint is regional
    audit_table: str = setting("SECURE_INPUT_AUDIT_TABLE")
    operator_role_arn: str = setting("SECURE_INPUT_OPERATOR_ROLE_ARN")
    # Where the caller's signed GetCallerIdentity request may be sent: the regional STS endpoint unless set
    # (the local runtime points it at its embedded AWS). Never taken from the request itself.
    sts_endpoint: str | None = setting("SECURE_INPUT_STS_ENDPOINT", default=None)


seal_settings = cached(lambda: load(SealSettings))
decrypt_settings = cached(lambda: load(DecryptSettings))
