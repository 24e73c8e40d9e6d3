"""Benchmarks share the tests' fixtures (fake AWS environment, moto)."""

from __future__ import annotations

from tests.conftest import _aws_env, lambda_context, moto_aws  # noqa: F401 - re-exported fixtures
