"""CDK context → validated, typed configuration (``app.py`` reads the context; this only checks it)."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lambdas.common.core.phone import E164
from lambdas.common.otp.policy import OtpPolicy


class ContextError(ValueError):
    """A context value is missing or invalid; the message names the key and how to set it."""


@dataclass(frozen=True)
class ExistingConnectInstance:
    """An Amazon Connect instance that already exists (outbound calling enabled)."""

    arn: str


@dataclass(frozen=True)
class NewConnectInstance:
    """A Connect instance this stack creates (CONNECT_MANAGED identity, inbound + outbound calls)."""

    alias: str


@dataclass(frozen=True)
class ClaimedPhoneNumber:
    """A number already claimed on the instance, used as caller ID."""

    e164: str


@dataclass(frozen=True)
class NewPhoneNumber:
    """A DID this stack claims on the instance in the given ISO 3166-1 alpha-2 country."""

    country_code: str


ConnectInstanceChoice = ExistingConnectInstance | NewConnectInstance
SourcePhoneNumberChoice = ClaimedPhoneNumber | NewPhoneNumber


@dataclass(frozen=True)
class ContactCentreConfig:
    """The Amazon Connect instance and number every capability shares."""

    connect_instance: ConnectInstanceChoice
    source_phone_number: SourcePhoneNumberChoice


@dataclass(frozen=True)
class VoiceOtpConfig:
    """What the voice-OTP stack needs from the context, beyond the contact centre."""

    otp: OtpPolicy
    passwordless: bool
    waf_rate_limit: int  # requests per source IP per 5 minutes (WAF_RATE_LIMIT_BOUNDS)


# The context keys each configuration reads (app.py passes exactly these).
CONTACT_CENTRE_CONTEXT_KEYS = (
    "connectInstanceArn",
    "createConnectInstance",
    "connectInstanceAlias",
    "connectSourcePhoneNumber",
    "connectPhoneNumberCountry",
)
VOICE_OTP_CONTEXT_KEYS = ("otp", "authPasswordless", "wafRateLimit")
VOICE_LOGIN_CONTEXT_KEYS = ("voiceLoginPageUrl", "voiceLoginGrantTtlSeconds", "smsProvider", "otp")

# Requests per source IP per 5 minutes that the user pool's web ACL lets through before blocking. One
# sign-in is 2-5 Cognito API calls (InitiateAuth, one to three answers, a resend), so 100 leaves room for
# about 20 sign-ins from one address (an office behind NAT) while capping a password-spraying or call-pumping
# client at a few dozen attempts per 5 minutes. WAF accepts 10..2,000,000,000 (botocore's wafv2 model: the
# RateLimit shape's min and max).
WAF_RATE_LIMIT_DEFAULT = 100
WAF_RATE_LIMIT_BOUNDS = (10, 2_000_000_000)

_INSTANCE_ARN = re.compile(
    r"^arn:aws[a-z-]*:connect:[a-z0-9-]+:\d{12}:instance/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$"
)
_INSTANCE_ALIAS = re.compile(r"^(?!d-)[0-9A-Za-z]+(-+[0-9A-Za-z]+)*$")  # CreateInstance's InstanceAlias rule
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no", "")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _flag(context: Mapping[str, Any], key: str) -> bool:
    value = context.get(key)
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise ContextError(f"context key {key!r} must be true or false, got {value!r}")


def _matching(context: Mapping[str, Any], key: str, pattern: re.Pattern[str], what: str) -> str:
    value = context.get(key)
    if not isinstance(value, str) or not pattern.fullmatch(value.strip()):
        raise ContextError(f"context key {key!r} must be {what}, got {value!r}")
    return value.strip()


def _connect_instance(context: Mapping[str, Any]) -> ConnectInstanceChoice:
    create = _flag(context, "createConnectInstance")
    arn_given = not _blank(context.get("connectInstanceArn"))
    if create and arn_given:
        raise ContextError("set either context key 'connectInstanceArn' or 'createConnectInstance', not both")
    if create:
        alias = context.get("connectInstanceAlias")
        if _blank(alias):
            raise ContextError(
                "context key 'connectInstanceAlias' is required when 'createConnectInstance' is true "
                "(-c connectInstanceAlias=my-contact-centre)"
            )
        return NewConnectInstance(
            _matching(
                context,
                "connectInstanceAlias",
                _INSTANCE_ALIAS,
                "a Connect instance alias (letters, digits, inner hyphens)",
            )
        )
    if not arn_given:
        raise ContextError(
            "context key 'connectInstanceArn' is missing: give an existing Connect instance "
            "(-c connectInstanceArn=arn:aws:connect:<region>:<account>:instance/<id>) "
            "or set -c createConnectInstance=true with -c connectInstanceAlias=<alias>"
        )
    return ExistingConnectInstance(
        _matching(
            context,
            "connectInstanceArn",
            _INSTANCE_ARN,
            "a Connect instance ARN (arn:aws:connect:<region>:<account>:instance/<uuid>)",
        )
    )


def _source_phone_number(context: Mapping[str, Any]) -> SourcePhoneNumberChoice:
    number_given = not _blank(context.get("connectSourcePhoneNumber"))
    country_given = not _blank(context.get("connectPhoneNumberCountry"))
    if number_given and country_given:
        raise ContextError("set either context key 'connectSourcePhoneNumber' or 'connectPhoneNumberCountry', not both")
    if number_given:
        return ClaimedPhoneNumber(
            _matching(
                context,
                "connectSourcePhoneNumber",
                E164,
                "an E.164 number claimed on the instance (+15555550100)",
            )
        )
    if country_given:
        return NewPhoneNumber(
            _matching(context, "connectPhoneNumberCountry", _COUNTRY, "an ISO 3166-1 alpha-2 country code (US)")
        )
    raise ContextError(
        "context key 'connectSourcePhoneNumber' is missing: give the caller ID already claimed on "
        "the instance (-c connectSourcePhoneNumber=+15555550100) or a country to claim a new DID "
        "in (-c connectPhoneNumberCountry=US)"
    )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


_OTP_FIELDS = {_camel(field.name): field.name for field in dataclasses.fields(OtpPolicy)}


def _otp_policy(context: Mapping[str, Any], key: str = "otp", policy: type[OtpPolicy] = OtpPolicy) -> OtpPolicy:
    raw = context.get(key)
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else None
        except json.JSONDecodeError:
            raise ContextError(f"context key '{key}' must be a JSON object, got {raw!r}") from None
    if raw is None:
        return policy()
    if not isinstance(raw, Mapping):
        raise ContextError(f"context key '{key}' must be an object, got {raw!r}")
    unknown = sorted(set(raw) - set(_OTP_FIELDS))
    if unknown:
        raise ContextError(
            f"context key '{key}.{unknown[0]}' is not a policy setting; known: {', '.join(sorted(_OTP_FIELDS))}"
        )
    values = {_OTP_FIELDS[name]: value for name, value in raw.items()}
    try:
        return policy(**values)
    except ValueError as error:
        camel = {field: name for name, field in _OTP_FIELDS.items()}
        field = next(name for name in values if f"OtpPolicy.{name} " in str(error))
        raise ContextError(f"context key '{key}.{camel[field]}': {error}") from None


def _waf_rate_limit(context: Mapping[str, Any]) -> int:
    raw = context.get("wafRateLimit")
    if _blank(raw):
        return WAF_RATE_LIMIT_DEFAULT
    low, high = WAF_RATE_LIMIT_BOUNDS
    value = raw.strip() if isinstance(raw, str) else raw
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ContextError(
            f"context key 'wafRateLimit' must be an integer {low}..{high} (requests per source IP per "
            f"5 minutes), got {raw!r}"
        )
    return value


def parse_contact_centre_config(context: Mapping[str, Any]) -> ContactCentreConfig:
    """Validate the raw context values into a :class:`ContactCentreConfig` (ContextError naming the bad key)."""
    return ContactCentreConfig(
        connect_instance=_connect_instance(context),
        source_phone_number=_source_phone_number(context),
    )


def parse_voice_otp_config(context: Mapping[str, Any]) -> VoiceOtpConfig:
    """Validate the raw context values into a :class:`VoiceOtpConfig` (ContextError naming the bad key)."""
    return VoiceOtpConfig(
        otp=_otp_policy(context),
        passwordless=_flag(context, "authPasswordless"),
        waf_rate_limit=_waf_rate_limit(context),
    )


@dataclass(frozen=True)
class OrderingBotConfig:
    """What the ordering-bot stack (C4) needs from the context."""

    otp: OtpPolicy             # defaults to a one-minute code (lambdas.ordering_bot.settings.OrderingOtpPolicy)
    session_ttl_seconds: int   # the bot's idle session time, and how long a proven session lasts
    chat_origin: str | None    # where the chat page is served (https://...), for the page's configuration


ORDERING_BOT_CONTEXT_KEYS = ("orderingOtp", "orderingSessionTtlSeconds", "orderingChatOrigin")
_ORIGIN = re.compile(r"^https://[A-Za-z0-9.-]+(:\d{1,5})?$")


def parse_ordering_bot_config(context: Mapping[str, Any]) -> OrderingBotConfig:
    """Validate the raw context values into an :class:`OrderingBotConfig` (ContextError naming the bad key)."""
    from lambdas.ordering_bot.settings import (
        DEFAULT_SESSION_TTL_SECONDS,
        SESSION_TTL_BOUNDS,
        OrderingOtpPolicy,
    )

    raw = context.get("orderingSessionTtlSeconds")
    ttl = DEFAULT_SESSION_TTL_SECONDS if _blank(raw) else raw
    if isinstance(ttl, str) and ttl.strip().isdigit():
        ttl = int(ttl)
    low, high = SESSION_TTL_BOUNDS
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not low <= ttl <= high:
        raise ContextError(f"context key 'orderingSessionTtlSeconds' must be an integer {low}..{high}, got {raw!r}")
    origin = None if _blank(context.get("orderingChatOrigin")) else _matching(
        context, "orderingChatOrigin", _ORIGIN, "the chat page's https origin (https://chat.example.com)")
    return OrderingBotConfig(otp=_otp_policy(context, "orderingOtp", OrderingOtpPolicy),
                             session_ttl_seconds=ttl, chat_origin=origin)


def otp_policy_environment(policy: OtpPolicy) -> dict[str, str]:
    """The ``OTP_*`` environment variables the functions' settings read (``OTP_LENGTH`` ...)."""
    return {f"OTP_{field.name.upper()}": str(getattr(policy, field.name)) for field in dataclasses.fields(policy)}


# -- C3, encrypted caller input ---------------------------------------------------------------------------
SECURE_INPUT_CONTEXT_KEYS = ("secureInputOperatorPrincipal",)
_PRINCIPAL_ARN = re.compile(r"arn:aws[\w-]*:(iam|sts)::\d{12}:(root|(user|role|assumed-role)/[\w+=,.@/-]+)")


@dataclass(frozen=True)
class SecureInputConfig:
    """Who may assume the operator role that decrypts: an IAM principal ARN, or None (the account delegates)."""

    operator_principal: str | None = None


def parse_secure_input_config(context: Mapping[str, Any]) -> SecureInputConfig:
    """Validate the raw context values into a :class:`SecureInputConfig` (ContextError naming the bad key)."""
    raw = context.get("secureInputOperatorPrincipal")
    if _blank(raw):
        return SecureInputConfig()
    return SecureInputConfig(operator_principal=_matching(
        context, "secureInputOperatorPrincipal", _PRINCIPAL_ARN,
        "an IAM principal ARN (arn:aws:iam::123456789012:role/PaymentsSupervisors)"))
@dataclass(frozen=True)
class VoiceLoginConfig:
    """What the voice-login stack needs from the context, beyond the contact centre."""

    grant_ttl_seconds: int   # how long a link works (60..900)
    sms_provider: str        # sns | twilio
    otp: OtpPolicy           # PIN failure lockout and link send limits (the same ``otp`` context as voice OTP)
    page_url: str | None = None  # override: where the SMS link opens (custom domain); else the stack's own site

    @property
    def page_origin(self) -> str | None:
        """The override's origin (scheme://host[:port]), the only one CORS then admits; None without one."""
        return None if self.page_url is None else url_origin(self.page_url)


def url_origin(url: str) -> str:
    """``scheme://host[:port]`` of an absolute URL."""
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}"


_PAGE_URL = re.compile(r"^https://[A-Za-z0-9.-]+(:\d{1,5})?(/[A-Za-z0-9._~/-]*)?$")


def parse_voice_login_config(context: Mapping[str, Any]) -> VoiceLoginConfig:
    """The voice-login configuration; ``voiceLoginPageUrl`` is optional (default: the stack's CloudFront URL)."""
    page_url = None if _blank(context.get("voiceLoginPageUrl")) else _matching(
        context, "voiceLoginPageUrl", _PAGE_URL, "the https URL of the voice-login page, with no query or fragment")
    raw_ttl = context.get("voiceLoginGrantTtlSeconds")
    ttl = 600 if _blank(raw_ttl) else raw_ttl
    if isinstance(ttl, str) and ttl.strip().isdigit():
        ttl = int(ttl)
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not 60 <= ttl <= 900:
        raise ContextError(f"context key 'voiceLoginGrantTtlSeconds' must be an integer 60..900, got {raw_ttl!r}")
    provider = context.get("smsProvider") or "sns"
    if provider not in ("sns", "twilio"):
        raise ContextError(f"context key 'smsProvider' must be sns or twilio, got {provider!r}")
    return VoiceLoginConfig(page_url=page_url, grant_ttl_seconds=ttl, sms_provider=provider,
                            otp=_otp_policy(context))
