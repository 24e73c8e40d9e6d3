"""Cached Secrets Manager reads (Powertools parameters) for keys kept outside the data they protect."""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools.utilities.parameters import SecretsProvider

from lambdas.common.core import aws
from lambdas.common.core.errors import InternalError

# The CDK-generated HMAC key is 64 random alphanumerics; anything much shorter is a misconfiguration.
MIN_HMAC_KEY_BYTES = 32
DEFAULT_MAX_AGE_SECONDS = 300


def hmac_key_loader(secret_arn: str, *, max_age: int = DEFAULT_MAX_AGE_SECONDS) -> Callable[[], bytes]:
    """A callable returning the SecretString as bytes, fetched lazily and cached for ``max_age`` s."""
    provider: SecretsProvider | None = None

    def load() -> bytes:
        nonlocal provider
        secretsmanager = aws.client("secretsmanager")
        if provider is None or provider.client is not secretsmanager:  # clients were reset: new endpoint
            provider = SecretsProvider(boto3_client=secretsmanager)
        value = provider.get(secret_arn, max_age=max_age)
        key = value.encode() if isinstance(value, str) else value
        if not isinstance(key, bytes) or len(key) < MIN_HMAC_KEY_BYTES:
            raise InternalError(f"HMAC key secret must hold at least {MIN_HMAC_KEY_BYTES} bytes")
        return key

    return load
