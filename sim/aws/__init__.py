"""The embedded AWS: moto on loopback, made atomic where DynamoDB is, plus stand-ins for APIs moto lacks."""

from __future__ import annotations

import contextlib
import socket
import threading
from socketserver import BaseServer
from typing import Any

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
# How often a local server's loop looks for a stop request: at the standard 0.5 s, every runtime's exit waited
# half a second per server.
POLL_SECONDS = 0.02


def stop_serving(server: BaseServer) -> None:
    """Stop a running ``serve_forever`` loop now and release its port.

    The loop looks for a stop request only when its select returns, so a connection wakes it instead of waiting
    out the poll interval (a runtime stops four servers: ~350 such waits were 7 s of the suite). The handler
    thread the connection starts reads end-of-file and ends.
    """
    stopping = threading.Thread(target=server.shutdown, daemon=True)
    stopping.start()
    address: Any = server.server_address  # an AF_INET server's (host, port)
    host, port = address[:2]
    while stopping.is_alive():
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
            pass
        stopping.join(POLL_SECONDS)
    server.server_close()
