"""The ordering chat page on the local web server (``sim.web``), with the Lex V2 ``RecognizeText`` and Cognito
guest-identity APIs mounted beside it on one origin (``http://127.0.0.1:<port>``). KMS ``Encrypt`` goes to the
embedded AWS.

The same page that is deployed (``web/ordering_chat``, the files the OrderingBot stack's site ships) runs
unchanged: ``/config.json`` points its SDK clients here, and it gets the deployed security headers with the
embedded AWS added to ``connect-src``. boto3's ``lexv2-runtime`` client (and any SDK) works too:
``endpoint_url=server.origin``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.cognito.identity_api import IdentityApi
from sim.lex import CodeHook, LexRuntime, load_bot
from sim.lex.http_api import recognize_text
from sim.ordering.resources import BOT_ALIAS_ARN, BOT_ALIAS_ID, BOT_FILE, BOT_ID, REPO
from sim.web import LocalWebServer, ServiceEndpoint
from web.shipping import ORDERING_CHAT_SOURCES

if TYPE_CHECKING:
    from sim.local_runtime import LocalRuntime

WEB_DIR = REPO / "web" / "ordering_chat"


class ChatServer:
    """``with ChatServer(runtime) as server:`` serves at ``server.origin`` until the block ends."""

    def __init__(self, runtime: LocalRuntime, *, hook: CodeHook | None = None) -> None:
        from lambdas.ordering_bot.hook import handler

        self.runtime = runtime
        self.lex = LexRuntime(bots={BOT_ALIAS_ARN: load_bot(BOT_FILE)}, code_hooks={BOT_ALIAS_ARN: hook or handler})
        self.identity = IdentityApi({runtime.ordering.identity_pool_id}, now=runtime.clock.now)
        self.web = LocalWebServer(
            static_dir=WEB_DIR, exclude=ORDERING_CHAT_SOURCES, connect_src=[runtime.aws.endpoint],
            apis=[ServiceEndpoint(self.identity.handle),
                  ServiceEndpoint(lambda *request: recognize_text(self.lex, *request), serial=True)])

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return self.web.origin

    @property
    def url(self) -> str:
        """The page's address."""
        return self.web.url

    def config(self) -> dict[str, Any]:
        """The page's ``config.json``: the same keys the stack deploys (its ``ChatPageConfig``), plus endpoints."""
        from sim.aws import REGION

        return {
            "region": REGION, "identityPoolId": self.runtime.ordering.identity_pool_id, "botId": BOT_ID,
            "botAliasId": BOT_ALIAS_ID, "localeId": "en_US", "kmsKeyId": self.runtime.ordering.pin_key_arn,
            "endpoints": {"lex": self.origin, "cognitoIdentity": self.origin, "kms": self.runtime.aws.endpoint},
        }

    def __enter__(self) -> ChatServer:
        self.web.start()
        self.web.config = self.config()
        return self

    def __exit__(self, *exc: object) -> None:
        self.web.stop()
