"""A loopback stand-in for the Amazon Connect API calls moto lacks (``StartOutboundVoiceContact``).

The Lambdas' boto3 ``connect`` client is pointed here with ``AWS_ENDPOINT_URL_CONNECT``, so the real
botocore serialisation and error parsing run. Accepted calls are queued; the runtime rings the phone.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lambdas.common.core.phone import E164
from sim.aws import POLL_SECONDS, stop_serving

_MAX_ATTRIBUTES_BYTES = 32 * 1024  # Connect's documented limit on the Attributes map
# Connect's default quotas (Amazon Connect Administrator Guide, "Amazon Connect service quotas"): the
# StartOutboundVoiceContact API at 2 requests/s with a burst of 5 per account and Region, and 10 concurrent
# active calls per instance. Both are adjustable; the runtime takes other values to model a raised quota.


@dataclass(frozen=True)
class ConnectQuotas:
    """The Connect quotas the stand-in enforces (defaults: Connect's own)."""

    calls_per_second: float = 2.0
    call_burst: int = 5
    concurrent_calls: int = 10


@dataclass(frozen=True)
class OutboundCall:
    """One accepted StartOutboundVoiceContact request."""

    contact_id: str
    instance_id: str
    contact_flow_id: str
    destination: str
    source: str
    attributes: dict[str, str]


@dataclass
class ConnectState:
    """What the fake Connect knows: its instance, flows, claimed numbers, and queued calls."""

    instance_id: str
    flow_ids: set[str]
    phone_numbers: set[str]
    pending: deque[OutboundCall] = field(default_factory=deque)
    accepted: list[OutboundCall] = field(default_factory=list)
    faults: deque[str] = field(default_factory=deque)
    tokens: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    now: Callable[[], float] = time.time
    quotas: ConnectQuotas = field(default_factory=ConnectQuotas)
    active: set[str] = field(default_factory=set)
    refused: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    _theoretical_arrival: float = 0.0

    def fail_next(self, error_code: str, times: int = 1) -> None:
        """Make the next ``times`` requests fail with ``error_code`` (e.g. ThrottlingException)."""
        self.faults.extend([error_code] * times)

    def end(self, contact_id: str) -> None:
        """The call ``contact_id`` hung up: it no longer counts against the concurrent-calls quota."""
        with self.lock:
            self.active.discard(contact_id)

    def _admit(self) -> None:
        """Apply the request-rate quota (GCRA: ``calls_per_second``, bursts up to ``call_burst``)."""
        interval = 1.0 / self.quotas.calls_per_second
        now = self.now()
        arrival = max(self._theoretical_arrival, now)
        if arrival - now > interval * (self.quotas.call_burst - 1):
            self.refused["ThrottlingException"] += 1
            raise _Rejected("ThrottlingException", "Rate exceeded", 429)
        self._theoretical_arrival = arrival + interval


class _Rejected(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _start_outbound(state: ConnectState, body: dict[str, Any]) -> dict[str, str]:
    with state.lock:
        state.requests += 1
        if state.faults:
            code = state.faults.popleft()
            status = 429 if code in ("ThrottlingException", "TooManyRequestsException") else 400
            raise _Rejected(code, f"injected fault: {code}", status)
        for name in ("DestinationPhoneNumber", "ContactFlowId", "InstanceId"):
            if not isinstance(body.get(name), str) or not body[name]:
                raise _Rejected("InvalidParameterException", f"{name} is required")
        if body["InstanceId"] != state.instance_id:
            raise _Rejected("ResourceNotFoundException", "instance not found", 404)
        if body["ContactFlowId"] not in state.flow_ids:
            raise _Rejected("ResourceNotFoundException", "contact flow not found", 404)
        if not E164.fullmatch(body["DestinationPhoneNumber"]):
            raise _Rejected("InvalidParameterException", "DestinationPhoneNumber must be E.164")
        source = body.get("SourcePhoneNumber")
        if source not in state.phone_numbers:
            raise _Rejected("InvalidParameterException", "SourcePhoneNumber is not claimed by the instance")
        attributes = body.get("Attributes") or {}
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in attributes.items()):
            raise _Rejected("InvalidParameterException", "Attributes must map strings to strings")
        if len(json.dumps(attributes).encode()) > _MAX_ATTRIBUTES_BYTES:
            raise _Rejected("InvalidParameterException", "Attributes exceed 32 KB")
        token = body.get("ClientToken")
        if token and token in state.tokens:
            return {"ContactId": state.tokens[token]}  # idempotent retry: no second call
        state._admit()
        if len(state.active) >= state.quotas.concurrent_calls:
            state.refused["LimitExceededException"] += 1
            raise _Rejected("LimitExceededException", "concurrent active calls quota reached", 429)
        call = OutboundCall(
            contact_id=str(uuid.uuid4()),
            instance_id=state.instance_id,
            contact_flow_id=body["ContactFlowId"],
            destination=body["DestinationPhoneNumber"],
            source=str(source),
            attributes=dict(attributes),
        )
        if token:
            state.tokens[token] = call.contact_id
        state.pending.append(call)
        state.accepted.append(call)
        state.active.add(call.contact_id)
        return {"ContactId": call.contact_id}


def _handler_for(state: ConnectState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                if self.path.split("?")[0] != "/contact/outbound-voice":
                    raise _Rejected("UnknownOperationException", f"not emulated: PUT {self.path}", 404)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except json.JSONDecodeError:
                    raise _Rejected("InvalidRequestException", "body is not JSON") from None
                self._send(HTTPStatus.OK, _start_outbound(state, body))
            except _Rejected as exc:
                self._send(exc.status, {"Message": exc.message}, error=exc.code)

        def _send(self, status: int, payload: dict[str, str], error: str | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if error:
                self.send_header("x-amzn-ErrorType", error)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet: the runtime prints its own transcript

    return Handler


class ConnectApiServer:
    """Serves the emulated Connect API on 127.0.0.1 until ``stop``."""

    def __init__(self, state: ConnectState) -> None:
        self.state = state
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(state))
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": POLL_SECONDS},
                                        daemon=True)

    @property
    def endpoint(self) -> str:
        """The URL to give boto3."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> ConnectApiServer:
        """Begin serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        stop_serving(self._server)
