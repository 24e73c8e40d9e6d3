"""The embedded AWS: this process's clients reach moto without a socket, everything else still over HTTP; the
port is kept for the next runtime when it is free; the tables a runtime made go when it stops."""

from __future__ import annotations

import json
import socket
import urllib.request
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.httpsession import URLLib3Session

from sim.aws.embedded import EmbeddedAws, send_in_process


def _table(client: Any, name: str) -> None:
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])


def test_this_processs_clients_never_open_a_socket_to_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*_: Any, **__: Any) -> Any:
        raise AssertionError("a request went over HTTP")

    aws = EmbeddedAws().start()
    try:
        monkeypatch.setattr(URLLib3Session, "send", no_network)
        client = boto3.session.Session().client("dynamodb")
        _table(client, "in-process")
        client.put_item(TableName="in-process", Item={"pk": {"S": "a"}, "n": {"N": "1"}})
        with pytest.raises(client.exceptions.ConditionalCheckFailedException):  # moto's errors come through
            client.put_item(TableName="in-process", Item={"pk": {"S": "a"}},
                            ConditionExpression="attribute_not_exists(pk)")
        assert client.get_item(TableName="in-process", Key={"pk": {"S": "a"}})["Item"]["n"] == {"N": "1"}
    finally:
        aws.stop()


def test_the_same_moto_still_answers_over_http_for_the_browser() -> None:
    aws = EmbeddedAws().start()
    try:
        client = boto3.session.Session().client("dynamodb")
        _table(client, "seen-over-http")
        request = urllib.request.Request(f"{aws.endpoint}/", method="POST", data=b"{}", headers={
            "X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0",
            "Authorization": "AWS4-HMAC-SHA256 Credential=sim/20260101/us-east-1/dynamodb/aws4_request, "
                             "SignedHeaders=host, Signature=0"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert "seen-over-http" in json.loads(answer.read())["TableNames"]
    finally:
        aws.stop()


def test_a_request_for_any_other_endpoint_is_left_to_botocore() -> None:
    aws = EmbeddedAws().start()
    try:
        other = SimpleNamespace(url="http://127.0.0.1:9/", method="POST", headers={}, body=b"")
        assert send_in_process(other) is None
        ours = SimpleNamespace(url=f"{aws.endpoint}/moto-api/data.json", method="GET", headers={}, body=b"")
        assert send_in_process(ours).status_code == 200
    finally:
        aws.stop()
    assert send_in_process(ours) is None  # stopped: nothing is served in-process any more


def test_the_next_runtime_keeps_the_port_while_it_is_free() -> None:
    first = EmbeddedAws().start()
    first.stop()
    second = EmbeddedAws().start()
    second.stop()
    assert second.port == first.port
    with socket.socket() as squatter:  # someone else takes it meanwhile
        squatter.bind(("127.0.0.1", second.port))
        squatter.listen()
        third = EmbeddedAws().start()
        third.stop()
    assert third.port != second.port


def test_the_tables_made_while_it_ran_go_when_it_stops_and_no_others() -> None:
    from moto import mock_aws

    with mock_aws():
        _table(boto3.client("dynamodb"), "made-before")
        aws = EmbeddedAws().start()
        try:
            client = boto3.session.Session().client("dynamodb")
            _table(client, "made-while-running")
            assert {"made-before", "made-while-running"} <= set(client.list_tables()["TableNames"])
        finally:
            aws.stop()
        assert boto3.client("dynamodb").list_tables()["TableNames"] == ["made-before"]


def test_stop_serving_wakes_a_loop_that_would_never_look_by_itself() -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from sim.aws import stop_serving

    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    loop = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": None}, daemon=True)
    loop.start()
    stopper = threading.Thread(target=stop_serving, args=(server,), daemon=True)
    stopper.start()
    stopper.join(timeout=30)  # a guard against hanging the suite, not a speed check
    assert not stopper.is_alive()
    assert not loop.is_alive()
    with socket.socket() as again:  # the port is released
        again.bind(("127.0.0.1", port))


def test_an_in_process_answer_carries_motos_headers_as_http_would() -> None:
    from sim.aws import embedded

    aws = EmbeddedAws().start()
    try:
        in_process = boto3.session.Session().client("dynamodb").list_tables()["ResponseMetadata"]
        embedded._IN_PROCESS.discard(aws.endpoint)  # this client goes over the socket
        try:
            over_http = boto3.session.Session().client("dynamodb").list_tables()["ResponseMetadata"]
        finally:
            embedded._IN_PROCESS.add(aws.endpoint)
    finally:
        aws.stop()
    added_by_the_http_server = {"server", "date", "connection"}
    assert in_process["RequestId"]  # botocore read it from x-amzn-requestid
    assert "x-amz-crc32" in in_process["HTTPHeaders"]  # so botocore checks the body's checksum here too
    assert set(in_process["HTTPHeaders"]) - added_by_the_http_server == \
        set(over_http["HTTPHeaders"]) - added_by_the_http_server
