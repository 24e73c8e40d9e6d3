"""The embedded AWS: moto's ThreadedMotoServer on a free loopback port, plus the local Connect API."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

from moto.server import ThreadedMotoServer

from sim.aws import REGION


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody is listening on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmbeddedAws:
    """Starts moto on loopback and points this process's AWS SDK at it (restoring the environment on stop)."""

    def __init__(self) -> None:
        self.port = free_port()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._saved: dict[str, str | None] = {}

    @property
    def endpoint(self) -> str:
        """moto's URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> EmbeddedAws:
        """Serve moto and set fake credentials and endpoint variables for this process."""
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request drowns the transcript
        self._server.start()
        self.set_env({
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "sim",
            "AWS_SECRET_ACCESS_KEY": "sim",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_PROFILE": None,
            "AWS_SESSION_TOKEN": None,
        })
        return self

    def set_env(self, values: Mapping[str, str | None]) -> None:
        """Set (or, for None, unset) process environment variables, remembering what to restore."""
        for key, value in values.items():
            self._saved.setdefault(key, os.environ.get(key))
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    def stop(self) -> None:
        """Stop moto and restore the environment."""
        self._server.stop()
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved.clear()
