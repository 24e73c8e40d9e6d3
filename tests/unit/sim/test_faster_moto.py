"""What ``faster_moto`` shares across a process changes nothing a test can see (tests/conftest.py applies it)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from sim.aws.embedded import faster_moto


@pytest.fixture(autouse=True)
def _moto() -> Iterator[None]:
    faster_moto()  # idempotent: already applied by tests/conftest.py
    with mock_aws():
        yield


def test_symmetric_keys_still_seal_only_for_themselves() -> None:
    kms = boto3.client("kms", region_name="us-east-1")
    first, second = (kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(2))
    sealed = kms.encrypt(KeyId=first, Plaintext=b"4111111111111111")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=sealed, KeyId=first)["Plaintext"] == b"4111111111111111"
    with pytest.raises(ClientError):
        kms.decrypt(CiphertextBlob=sealed, KeyId=second)


def test_every_signing_key_still_has_its_own_key_pair() -> None:
    kms = boto3.client("kms", region_name="us-east-1")
    keys = [kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec=spec)["KeyMetadata"]["KeyId"]
            for spec in ("ECC_NIST_P256", "ECC_NIST_P256", "RSA_2048", "RSA_2048")]
    public = [kms.get_public_key(KeyId=key)["PublicKey"] for key in keys]
    assert len(set(public)) == len(keys)


def test_clients_and_user_pools_behave_as_before_after_sharing() -> None:
    idp = boto3.session.Session().client("cognito-idp", region_name="us-east-1")
    pools = [idp.create_user_pool(PoolName=f"p{i}")["UserPool"]["Id"] for i in range(2)]
    assert pools[0] != pools[1]
    other = boto3.session.Session().client("cognito-idp", region_name="us-east-1")
    assert {p["Id"] for p in other.list_user_pools(MaxResults=10)["UserPools"]} == set(pools)
    hooked: list[str] = []
    other.meta.events.register("before-call.cognito-identity-provider.ListUserPools",
                               lambda **_: hooked.append("called"))
    other.list_user_pools(MaxResults=10)
    idp.list_user_pools(MaxResults=10)
    assert hooked == ["called"]  # a handler registered on one client stays on that client
