"""``hooking_each_client``: the one way the tests and benches hook the clients the Lambdas make."""

from __future__ import annotations

from typing import Any

from sim.aws.clients import hooking_each_client


class _Client:
    """Stands in for a botocore client: only its identity matters here."""


def test_each_client_is_hooked_once_however_often_it_is_handed_out() -> None:
    cached: dict[str, _Client] = {}
    hooked: list[tuple[str, Any]] = []
    make = hooking_each_client(lambda service: cached.setdefault(service, _Client()),
                               lambda service, client: hooked.append((service, client)))
    kms, again, ddb = make("kms"), make("kms"), make("dynamodb")
    assert again is kms
    assert hooked == [("kms", kms), ("dynamodb", ddb)]


def test_a_later_install_hooks_clients_an_earlier_one_already_hooked() -> None:
    cached: dict[str, _Client] = {}
    first: list[str] = []
    second: list[str] = []
    make = hooking_each_client(lambda service: cached.setdefault(service, _Client()),
                               lambda service, _: first.append(service))
    make("kms")
    make = hooking_each_client(make, lambda service, _: second.append(service))
    make("kms")
    make("kms")
    assert first == ["kms"]
    assert second == ["kms"]
