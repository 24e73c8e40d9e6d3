"""The local runtime: embedded AWS + emulators + this project's handlers, all in one process."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.aws.atomic import atomic_dynamodb
from sim.aws.clients import client
from sim.aws.connect_api import ConnectApiServer, ConnectQuotas, ConnectState, OutboundCall
from sim.aws.embedded import EmbeddedAws
from sim.aws.resources import PROMPT_FUNCTION_ARN, DemoUser, Resources, create_resources, seed_user
from sim.aws.secure_input import SecureInputResources, create_secure_input_resources, secure_input_handlers
from sim.aws.sms_outbox import OutboxMessage, SmsOutbox
from sim.aws.voice_login_resources import (
    AGENT_QUEUE_ARN,
    OTHER_CUSTOMER,
    Customer,
    VoiceLoginResources,
    create_voice_login_resources,
    seed_customer,
)
from sim.clock import SimClock
from sim.cognito.driver import CustomAuthDriver, MotoUserPool, Triggers
from sim.connect import CallResult, ContactData, FlowInterpreter, load_flow
from sim.fakes import FakeLambdaContext
from sim.ordering.resources import (
    BOT_ALIAS_ARN,
    DemoCustomer,
    OrderingResources,
    create_ordering_resources,
)
from sim.ordering.resources import seed_customer as seed_ordering_customer
from sim.phone import Call, Phone
from sim.web import PageAndApi, serve_page_and_api
from sim.web.pages import VOICE_LOGIN_API_FUNCTION, VOICE_LOGIN_PAGE, voice_login_routes

REPO = Path(__file__).resolve().parent.parent
OUTBOUND_FLOW = REPO / "contact_flows" / "outbound_voice_otp.json"
VOICE_LOGIN_BOT = REPO / "bots" / "voice_login.json"
VOICE_LOGIN_BOT_REFERENCE = "${VoiceLoginBotAliasArn}"
VOICE_LOGIN_BOT_NAME = "VoiceLoginBot"
Handler = Callable[[dict[str, Any], Any], Any]
ORDERING_BOT_REFERENCES = ("OrderingBot", BOT_ALIAS_ARN, "${OrderingBotAliasArn}")  # the C4 bot's code hook


def reset_lambda_state() -> None:
    """Forget every per-container cache (settings, clients, secrets) so handlers see this runtime."""
    from lambdas.common.core import caches

    caches.reset_all()


def project_handlers() -> dict[str, Handler]:
    """This project's Lambda handlers by local ARN and by flow placeholder (imported, not started)."""
    from lambdas.ordering_bot.hook import handler as ordering_hook
    from lambdas.voice_otp.prompt import handler as prompt

    voice_login = _imported_on_first_call("lambdas.voice_login.fulfillment")
    return {PROMPT_FUNCTION_ARN: prompt, "${VoiceOtpPromptFunctionArn}": prompt, **secure_input_handlers(),
            VOICE_LOGIN_BOT_REFERENCE: voice_login, VOICE_LOGIN_BOT_NAME: voice_login,
            **dict.fromkeys(ORDERING_BOT_REFERENCES, ordering_hook)}


def _imported_on_first_call(module: str) -> Handler:
    """``module.handler``, imported when first invoked: as a Lambda container would, after the runtime's
    environment is set (its logger then reads the runtime's log level, not the default)."""

    def invoke(event: dict[str, Any], context: Any) -> Any:
        return importlib.import_module(module).handler(event, context)

    return invoke


def project_substitutions() -> dict[str, str]:
    """Local values for this project's flow placeholders that name neither a handler nor a bot."""
    return {"AgentQueueArn": AGENT_QUEUE_ARN}


def project_bots() -> dict[str, Path]:
    """This project's bot files by the reference its flows use for them."""
    return {VOICE_LOGIN_BOT_REFERENCE: VOICE_LOGIN_BOT}


@dataclass
class RungCall:
    """An outbound call the runtime delivered: the API request, the phone's view, the flow's result."""

    request: OutboundCall
    call: Call | None
    result: CallResult | None


class LocalRuntime:
    """Start with ``with LocalRuntime() as rt:``; everything stops and the environment is restored on exit."""

    def __init__(self, *, passwordless: bool = False, otp: dict[str, int] | None = None,
                 demo_user: DemoUser | None = None, clock: SimClock | None = None,
                 connect_quotas: ConnectQuotas | None = None) -> None:
        self.clock = clock or SimClock()
        self.aws = EmbeddedAws()
        self.demo_user = demo_user or DemoUser()
        self._passwordless = passwordless
        self._otp = otp
        self._connect_quotas = connect_quotas  # Connect's default quotas unless raised
        self.phones: dict[str, Phone] = {}
        self.rung: list[RungCall] = []
        self.resources: Resources
        self.secure_input: SecureInputResources
        self.voice_login: VoiceLoginResources
        self.voice_login_site: PageAndApi  # the page the texted link opens, and its API (the real handler)
        self.outbox = SmsOutbox()
        self.ordering: OrderingResources
        self.customer = DemoCustomer()
        self.connect: ConnectState
        self._connect_api: ConnectApiServer

    def __enter__(self) -> LocalRuntime:
        self._exit = ExitStack()
        self._exit.enter_context(atomic_dynamodb())
        self.aws.start()
        try:
            self.resources = create_resources(passwordless=self._passwordless, otp=self._otp)
            self.connect = ConnectState(
                instance_id=self.resources.instance_id,
                flow_ids={self.resources.contact_flow_id},
                phone_numbers={self.resources.source_number},
                now=self.clock.now,
                quotas=self._connect_quotas or ConnectQuotas(),
            )
            self._connect_api = ConnectApiServer(self.connect).start()
            self.secure_input = create_secure_input_resources(sts_endpoint=self.aws.endpoint)
            self.voice_login_site = self._exit.enter_context(serve_page_and_api(
                VOICE_LOGIN_PAGE, voice_login_routes(_imported_on_first_call("lambdas.voice_login.api")),
                clock=self.clock.now, function_name=VOICE_LOGIN_API_FUNCTION, gateway_cors=False))
            self.voice_login = create_voice_login_resources(
                otp=self._otp, otp_table=self.resources.table_name, hmac_secret_arn=self.resources.secret_arn,
                page_url=self.voice_login_site.page.url)
            self.ordering = create_ordering_resources()
            self.aws.set_env({**self.resources.function_env, **self.secure_input.function_env,
                              **self.voice_login.function_env, **self.ordering.function_env,
                              "AWS_ENDPOINT_URL_CONNECT": self._connect_api.endpoint})
            seed_user(self.resources, self.demo_user)
            for customer in (Customer(), OTHER_CUSTOMER):
                seed_customer(self.voice_login, customer)
            seed_ordering_customer(self.ordering, self.customer)
            self.outbox.take_new()  # moto's SNS backend is process-wide: earlier runtimes' SMS are not ours
            self.phone(self.demo_user.phone_number)
            self.clock.install()
            reset_lambda_state()
        except BaseException:
            self.aws.stop()
            self._exit.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._connect_api.stop()
        self.clock.uninstall()
        self.aws.stop()
        self._exit.close()
        reset_lambda_state()

    # -- parts -------------------------------------------------------------------------------------
    def phone(self, number: str) -> Phone:
        """The phone with ``number`` (created on first use)."""
        return self.phones.setdefault(number, Phone(number))

    @functools.cached_property
    def handlers(self) -> dict[str, Handler]:
        """Local Lambda 'ARNs' (and placeholder names) → this project's handlers."""
        return project_handlers()

    @functools.cached_property
    def _cognito(self) -> CustomAuthDriver:
        """The one Cognito (sessions live in it) over this runtime's user pool and trigger handlers."""
        from lambdas.voice_otp.create import handler as create
        from lambdas.voice_otp.define import handler as define
        from lambdas.voice_otp.verify import handler as verify

        return CustomAuthDriver(
            idp=client("cognito-idp"),
            users=MotoUserPool(self.resources.user_pool_id),
            user_pool_id=self.resources.user_pool_id,
            client_id=self.resources.client_id,
            client_secret=self.resources.client_secret,
            triggers=Triggers(define=define, create=create, verify=verify),
            now=self.clock.now,
            passwordless=self._passwordless,
        )

    def cognito(self) -> CustomAuthDriver:
        """This runtime's Cognito custom-auth driver."""
        return self._cognito

    def interpreter(self) -> FlowInterpreter:
        """A flow interpreter wired to this runtime's Lambdas."""
        return FlowInterpreter(lambdas=self._lambda)

    def outbound_flow(self) -> Any:
        """The outbound OTP flow, with placeholders resolved as CDK's Fn::Sub would."""
        return load_flow(OUTBOUND_FLOW, {"VoiceOtpPromptFunctionArn": PROMPT_FUNCTION_ARN})

    # -- what happens between API calls ------------------------------------------------------
    def ring_pending_calls(self) -> list[RungCall]:
        """Deliver every call Connect accepted: the destination phone answers and the flow runs."""
        delivered: list[RungCall] = []
        while self.connect.pending:
            request = self.connect.pending.popleft()
            phone = self.phones.get(request.destination)
            if phone is None:  # nobody has this number: it rings out
                self.connect.end(request.contact_id)
                delivered.append(RungCall(request=request, call=None, result=None))
                continue
            if not phone.voicemail:
                phone.will_press_first("1")  # the person who asked for the code presses 1 to hear it
            call = phone.answer(request.source, request.contact_id, self.clock.now())
            contact = ContactData(
                contact_id=request.contact_id,
                channel="VOICE",
                initiation_method="API",
                customer_address=request.destination,
                system_address=request.source,
                instance_arn=self.resources.instance_arn,
                attributes=dict(request.attributes),
            )
            try:
                result = self.interpreter().run(self.outbound_flow(), participant=phone, contact=contact)
            finally:
                phone.hang_up()
                self.connect.end(request.contact_id)
            delivered.append(RungCall(request=request, call=call, result=result))
        self.rung.extend(delivered)
        return delivered

    def deliver_sms(self) -> list[OutboxMessage]:
        """Hand every SMS SNS accepted since the last call to the phone with its number."""
        return self.outbox.deliver(self.phones, at=self.clock.now())

    def _lambda(self, reference: str) -> Handler:
        handler = self.handlers.get(reference)
        if handler is None:
            raise KeyError(f"no local Lambda for {reference!r}; known: {sorted(self.handlers)}")

        def invoke(event: dict[str, Any], context: Any) -> Any:
            return handler(event, context or FakeLambdaContext(reference, timeout_seconds=8))

        return invoke
