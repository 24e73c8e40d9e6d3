"""Cached Secrets Manager reads (Powertools parameters) for keys kept outside the data they protect."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lambdas.common.core import aws
from lambdas.common.core.errors import InternalError

# The CDK-generated HMAC key is 64 random alphanumerics; anything much shorter is a misconfiguration.
MIN_HMAC_KEY_BYTES = 32
DEFAULT_MAX_AGE_SECONDS = 300

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider


def _provider(client: Any) -> SecretsProvider:
    """A Powertools secrets provider over ``client``; imported on first fetch, not on every cold start
    (``parameters`` also loads its AppConfig, SSM and DynamoDB providers)."""
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    return SecretsProvider(boto3_client=client)


def hmac_key_loader(secret_arn: str, *, max_age: int = DEFAULT_MAX_AGE_SECONDS) -> Callable[[], bytes]:
    """A callable returning the SecretString as bytes, fetched lazily and cached for ``max_age`` s."""
    provider: SecretsProvider | None = None

    def load() -> bytes:
        nonlocal provider
        secretsmanager = aws.client("secretsmanager")
        if provider is None or provider.client is not secretsmanager:  # clients were reset: new endpoint
            provider = _provider(secretsmanager)
        value = provider.get(secret_arn, max_age=max_age)
        key = value.encode() if isinstance(value, str) else value
        if not isinstance(key, bytes) or len(key) < MIN_HMAC_KEY_BYTES:
            raise InternalError(f"HMAC key secret must hold at least {MIN_HMAC_KEY_BYTES} bytes")
        return key

    return load


def json_secret_loader(secret_arn: str, *, max_age: int = DEFAULT_MAX_AGE_SECONDS) -> Callable[[], Any]:
    """A callable returning the SecretString parsed as JSON, fetched lazily and cached for ``max_age`` s."""
    provider: SecretsProvider | None = None

    def load() -> Any:
        nonlocal provider
        secretsmanager = aws.client("secretsmanager")
        if provider is None or provider.client is not secretsmanager:
            provider = _provider(secretsmanager)
        try:
            return provider.get(secret_arn, max_age=max_age, transform="json")
        except Exception as exc:  # the provider's errors may quote the secret; keep only their type
            raise InternalError(f"secret {secret_arn} could not be read as JSON: {type(exc).__name__}") from None

    return load
