"""One-time codes: issue, store as a keyed hash, verify once (NIST SP 800-63B rev 4, OWASP ASVS 5 §6.5/6.6).

Storage (one DynamoDB table, shape in ``common.tables.OTP_TABLE``):
- ``CHALLENGE#<id>``: owner, HMAC of the code, expiry, attempts, used flag, KMS-encrypted code copy
  (only while live, for the voice prompt), destination key.
- ``USER#<username>``: consecutive failures (not reset by a resend), lockout, recent send times.
- ``DEST#<hmac(number)>``: recent send times per destination number.

Challenges and DEST# items carry the TTL attribute (clean-up only); USER# items do not, so the
consecutive-failure counter can never silently expire.

The code itself is never stored, logged or put in an exception: only ``HMAC-SHA-256(key, challenge id, code)``
with a key held in Secrets Manager, plus (optionally) a KMS ciphertext bound to the challenge by its
encryption context. Every limit that matters under concurrency is a DynamoDB condition, not a read.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from botocore.exceptions import ClientError

from lambdas.common import aws, clock
from lambdas.common.phone import validate_e164
from lambdas.common.tables import OTP_TABLE


@dataclass(frozen=True)
class OtpPolicy:
    """Every OTP limit, bounded to what NIST/OWASP allow."""

    length: int = 6                      # 6..10
    ttl_seconds: int = 300               # 30..600
    max_attempts: int = 3                # per challenge, 1..10
    lockout_threshold: int = 10          # consecutive failures per user, 1..100
    lockout_seconds: int = 900           # cool-off once locked
    resend_cooldown_seconds: int = 30
    send_limit: int = 5                  # per user AND per destination, per window
    send_window_seconds: int = 3600

    def __post_init__(self) -> None:
        """Refuse any limit outside its bounds (ValueError naming the field)."""
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            low, high = _POLICY_BOUNDS.get(field.name, (1, None))
            if (isinstance(value, bool) or not isinstance(value, int) or value < low
                    or (high is not None and value > high)):
                bounds = f"{low}..{high}" if high is not None else f">= {low}"
                raise ValueError(f"OtpPolicy.{field.name} must be an integer {bounds}, got {value!r}")


_POLICY_BOUNDS: dict[str, tuple[int, int | None]] = {
    "length": (6, 10),
    "ttl_seconds": (30, 600),
    "max_attempts": (1, 10),
    "lockout_threshold": (1, 100),
}


@dataclass(frozen=True)
class IssuedOtp:
    """A new challenge: its id, the code to deliver (never in the repr) and its expiry (epoch seconds)."""

    challenge_id: str
    code: str = dataclasses.field(repr=False)
    expires_at: float


class VerifyOutcome(StrEnum):
    """The result of one verification attempt."""

    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"
    EXHAUSTED = "exhausted"       # attempt limit for this challenge reached
    USED = "used"                 # already consumed (also: lost a concurrent race)
    LOCKED = "locked"             # per-user failure lockout in force
    NOT_FOUND = "not_found"       # unknown challenge or not this user's


class OtpError(Exception):
    """Base for refusals to issue; ``retry_after`` seconds, when known."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LockedOut(OtpError):
    """Too many consecutive failures: no new code until the cool-off ends."""


class ResendTooSoon(OtpError):
    """A code was sent moments ago (or another send is in flight)."""


class SendLimitExceeded(OtpError):
    """Too many codes sent to this user or this number in the sliding window."""


# --- item layout --------------------------------------------------------------------------------------

_PK = OTP_TABLE.partition_key
_TTL = OTP_TABLE.ttl_attribute
_TTL_MARGIN_SECONDS = 3600          # DynamoDB TTL is clean-up only; expiry is checked in code
_CHALLENGE_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_CODE_LENGTHS = range(6, 11)
_KMS_PURPOSE = "voice-otp"

# A challenge can be answered only while unused, under its attempt limit and before its expiry.
_LIVE = "attribute_exists(#pk) AND #used = :false AND #attempts < #max_attempts AND #expiry > :now"
_CONDITION_FAILED = "ConditionalCheckFailedException"
_ALIASES = {"pk": _PK, "ttl": _TTL}  # expression placeholders for the table-shape attribute names


def _n(value: float) -> dict[str, str]:
    return {"N": str(value)}


def _num(item: Mapping[str, Any], name: str, default: float = 0.0) -> float:
    attribute = item.get(name)
    return float(attribute["N"]) if attribute else default


def _times(item: Mapping[str, Any], name: str) -> list[float]:
    return [float(v["N"]) for v in item.get(name, {}).get("L", [])]


def _names(*expressions: str | None) -> dict[str, str]:
    """``ExpressionAttributeNames`` for every ``#name`` used (every attribute goes through a placeholder)."""
    found = set()
    for expression in expressions:
        found.update(re.findall(r"#(\w+)", expression or ""))
    return {f"#{name}": _ALIASES.get(name, name) for name in found}


def _user_pk(user: str) -> str:
    if not isinstance(user, str) or not user:
        raise ValueError("user must be a non-empty string")
    return f"USER#{user}"


def _new_code(length: int) -> str:
    """Uniform over all ``length``-digit strings, leading zeros included."""
    return f"{secrets.randbelow(10**length):0{length}d}"


def _well_formed(code: object) -> bool:
    return isinstance(code, str) and len(code) in _CODE_LENGTHS and code.isascii() and code.isdigit()


def _window(times: list[float], now: float, window: int) -> list[float]:
    return [t for t in times if t > now - window]


class OtpStore:
    """Issues and verifies one-time codes against the OTP table."""

    def __init__(
        self,
        table_name: str,
        hmac_key: Callable[[], bytes],
        policy: OtpPolicy = OtpPolicy(),
        *,
        code_key_id: str | None = None,
    ) -> None:
        """``hmac_key`` returns the keyed-hash key (cached Secrets Manager value); ``code_key_id`` is the
        KMS key for the encrypted code copy (voice prompt), or None to keep no copy."""
        self._table = table_name
        self._hmac_key = hmac_key
        self.policy = policy
        self._code_key_id = code_key_id

    # --- policy ---------------------------------------------------------------------------------------

    def issue(self, *, user: str, destination: str) -> IssuedOtp:
        """New challenge for ``user`` to be delivered to ``destination`` (E.164).

        AWS calls: 1 DynamoDB read, 1 DynamoDB write (transaction), 1 KMS Encrypt if code_key_id.
        Raises LockedOut, ResendTooSoon, SendLimitExceeded.
        """
        validate_e164(destination)
        user_pk, dest_pk = _user_pk(user), f"DEST#{self._mac('otp-destination', destination)}"
        now = clock.now()
        user_state, dest_state = self._get(user_pk, dest_pk)
        user_sends, dest_sends = self._check_send_allowed(user_state or {}, dest_state or {}, now)

        challenge_id = secrets.token_urlsafe(16)
        code = _new_code(self.policy.length)
        expiry = now + self.policy.ttl_seconds
        challenge = {
            _PK: {"S": f"CHALLENGE#{challenge_id}"},
            "user": {"S": user},
            "code_hash": {"S": self._code_hash(challenge_id, code)},
            "dest": {"S": dest_pk.removeprefix("DEST#")},
            "expiry": _n(expiry),
            "attempts": _n(0),
            "max_attempts": _n(self.policy.max_attempts),
            "used": {"BOOL": False},
            _TTL: _n(int(expiry) + _TTL_MARGIN_SECONDS),
        }
        if self._code_key_id is not None:
            challenge["code_ct"] = {"B": self._encrypt(challenge_id, code)}
        not_locked = "(attribute_not_exists(#locked_until) OR #locked_until <= :now)"
        try:
            aws.client("dynamodb").transact_write_items(TransactItems=[
                {"Put": {"TableName": self._table, "Item": challenge,
                         "ConditionExpression": "attribute_not_exists(#pk)",
                         "ExpressionAttributeNames": _names("#pk")}},
                self._record_send(user_pk, user_state, user_sends, now, extra_condition=not_locked),
                self._record_send(dest_pk, dest_state, dest_sends, now,
                                  ttl=int(now) + self.policy.send_window_seconds + _TTL_MARGIN_SECONDS),
            ])
        except ClientError as error:
            if error.response["Error"]["Code"] == "TransactionCanceledException":
                raise ResendTooSoon("a code was just sent; wait before asking for another",
                                    retry_after=self.policy.resend_cooldown_seconds) from None
            raise
        return IssuedOtp(challenge_id=challenge_id, code=code, expires_at=expiry)

    def verify(self, *, challenge_id: str, user: str, code: str) -> VerifyOutcome:
        """Check ``code`` once; constant-time; single use under concurrency."""
        user_pk = _user_pk(user)
        challenge_pk = self._challenge_pk(challenge_id)
        now = clock.now()
        challenge, user_state = self._get(challenge_pk, user_pk)
        if self._lock_remaining(user_state, now) is not None:
            return VerifyOutcome.LOCKED
        if challenge_pk is None or challenge is None or challenge["user"]["S"] != user:
            self._record_failure(user_pk)
            return VerifyOutcome.NOT_FOUND
        refusal = _refusal(challenge, now)
        if refusal is not None:
            return refusal
        if _well_formed(code) and hmac.compare_digest(challenge["code_hash"]["S"],
                                                      self._code_hash(challenge_id, code)):
            outcome = self._consume(challenge_pk, now)
            if outcome is VerifyOutcome.OK:
                self._update(user_pk, "SET #failures = :zero", {":zero": _n(0)})
            return outcome
        outcome = self._spend_attempt(challenge_pk, now)
        if outcome is VerifyOutcome.WRONG:
            self._record_failure(user_pk)
        return outcome

    def reveal_code(self, *, challenge_id: str, destination: str | None = None) -> str | None:
        """The live code for the voice prompt (KMS Decrypt), or None if not live / not that destination."""
        challenge_pk = self._challenge_pk(challenge_id)
        if self._code_key_id is None or challenge_pk is None:
            return None
        (challenge,) = self._get(challenge_pk)
        if challenge is None or "code_ct" not in challenge or _refusal(challenge, clock.now()) is not None:
            return None
        if destination is not None and not (
            isinstance(destination, str)
            and hmac.compare_digest(challenge["dest"]["S"], self._mac("otp-destination", destination))
        ):
            return None
        plaintext: bytes = aws.client("kms").decrypt(
            CiphertextBlob=challenge["code_ct"]["B"],
            KeyId=self._code_key_id,
            EncryptionContext=_encryption_context(challenge_id),
        )["Plaintext"]
        return plaintext.decode("ascii")

    def is_locked(self, user: str) -> float | None:
        """Seconds until ``user``'s lockout ends, or None when not locked."""
        (state,) = self._get(_user_pk(user))
        return self._lock_remaining(state, clock.now())

    def _check_send_allowed(
        self, user_state: Mapping[str, Any], dest_state: Mapping[str, Any], now: float
    ) -> tuple[list[float], list[float]]:
        """Raise the first refusal that applies; else the in-window send times of user and destination."""
        locked = self._lock_remaining(user_state, now)
        if locked is not None:
            raise LockedOut("too many failed attempts; try again later", retry_after=locked)
        wait = _num(user_state, "last_send", -float("inf")) + self.policy.resend_cooldown_seconds - now
        if wait > 0:
            raise ResendTooSoon("a code was just sent; wait before asking for another", retry_after=wait)
        window = self.policy.send_window_seconds
        user_sends = _window(_times(user_state, "sends"), now, window)
        dest_sends = _window(_times(dest_state, "sends"), now, window)
        full = [sends for sends in (user_sends, dest_sends) if len(sends) >= self.policy.send_limit]
        if full:
            retry_after = max(min(sends) + window - now for sends in full)
            raise SendLimitExceeded("too many codes requested; try again later", retry_after=retry_after)
        return user_sends, dest_sends

    def _lock_remaining(self, user_state: Mapping[str, Any] | None, now: float) -> float | None:
        remaining = _num(user_state or {}, "locked_until") - now
        return remaining if remaining > 0 else None

    def _consume(self, challenge_pk: str, now: float) -> VerifyOutcome:
        """Mark used and drop the code copy, in one conditional write: exactly one caller wins."""
        result = self._conditional(challenge_pk, "SET #used = :true, #used_at = :now REMOVE #code_ct", now,
                                   {":true": {"BOOL": True}})
        return result if isinstance(result, VerifyOutcome) else VerifyOutcome.OK

    def _spend_attempt(self, challenge_pk: str, now: float) -> VerifyOutcome:
        """Count a wrong answer with a conditional increment, so parallel guesses can't pass the limit."""
        result = self._conditional(challenge_pk, "SET #attempts = #attempts + :one", now, {":one": _n(1)})
        if isinstance(result, VerifyOutcome):
            return result
        if "code_ct" in result and _refusal(result, now) is VerifyOutcome.EXHAUSTED:
            self._update(challenge_pk, "REMOVE #code_ct", {}, condition="attribute_exists(#pk)")
        return VerifyOutcome.WRONG

    def _conditional(self, challenge_pk: str, expression: str, now: float,
                     values: dict[str, Any]) -> VerifyOutcome | dict[str, Any]:
        """Apply ``expression`` only while the challenge is live: the new item, or why it is not live."""
        try:
            return self._update(challenge_pk, expression,
                                {**values, ":false": {"BOOL": False}, ":now": _n(now)},
                                condition=_LIVE, ReturnValues="ALL_NEW",
                                ReturnValuesOnConditionCheckFailure="ALL_OLD")
        except ClientError as error:
            if error.response["Error"]["Code"] != _CONDITION_FAILED:
                raise
            old = error.response.get("Item")
            return VerifyOutcome.NOT_FOUND if old is None else (_refusal(old, now) or VerifyOutcome.USED)

    def _record_failure(self, user_pk: str) -> None:
        """One more consecutive failure; the call that reaches the threshold locks the user."""
        threshold = self.policy.lockout_threshold
        new = self._update(user_pk, "SET #failures = if_not_exists(#failures, :zero) + :one",
                           {":zero": _n(0), ":one": _n(1)}, ReturnValues="UPDATED_NEW")
        if _num(new, "failures") < threshold:
            return
        until = clock.now() + self.policy.lockout_seconds
        try:
            self._update(user_pk, "SET #failures = :zero, #locked_until = :until",
                         {":zero": _n(0), ":until": _n(until), ":threshold": _n(threshold)},
                         condition="#failures >= :threshold")
        except ClientError as error:
            if error.response["Error"]["Code"] != _CONDITION_FAILED:  # a parallel failure already locked
                raise

    def _record_send(self, pk: str, state: Mapping[str, Any] | None, sends: list[float], now: float,
                     *, extra_condition: str | None = None, ttl: int | None = None) -> dict[str, Any]:
        """Transaction item appending a send, conditional on nobody else having sent since our read."""
        seq = int(_num(state or {}, "send_seq"))
        condition = "#send_seq = :seq" if state and "send_seq" in state else "attribute_not_exists(#send_seq)"
        if extra_condition:
            condition = f"{condition} AND {extra_condition}"
        expression = "SET #sends = :sends, #last_send = :now, #send_seq = :next"
        values = {":sends": {"L": [_n(t) for t in [*sends, now]]}, ":now": _n(now), ":next": _n(seq + 1)}
        if "#send_seq = :seq" in condition:
            values[":seq"] = _n(seq)
        if ttl is not None:
            expression += ", #ttl = :ttl"
            values[":ttl"] = _n(ttl)
        return {"Update": {
            "TableName": self._table, "Key": {_PK: {"S": pk}}, "UpdateExpression": expression,
            "ConditionExpression": condition, "ExpressionAttributeNames": _names(expression, condition),
            "ExpressionAttributeValues": values,
        }}

    # --- crypto ---------------------------------------------------------------------------------------

    def _mac(self, label: str, *parts: str) -> str:
        """HMAC-SHA-256 under the external key, domain-separated by ``label``."""
        return hmac.new(self._hmac_key(), "\x00".join((label, *parts)).encode(), hashlib.sha256).hexdigest()

    def _code_hash(self, challenge_id: str, code: str) -> str:
        """Bound to the challenge id, so a stored hash is worthless for any other challenge."""
        return self._mac("otp-code", challenge_id, code)

    def _encrypt(self, challenge_id: str, code: str) -> bytes:
        ciphertext: bytes = aws.client("kms").encrypt(
            KeyId=self._code_key_id, Plaintext=code.encode("ascii"),
            EncryptionContext=_encryption_context(challenge_id),
        )["CiphertextBlob"]
        return ciphertext

    # --- data access ----------------------------------------------------------------------------------

    def _challenge_pk(self, challenge_id: object) -> str | None:
        if isinstance(challenge_id, str) and _CHALLENGE_ID.fullmatch(challenge_id):
            return f"CHALLENGE#{challenge_id}"
        return None

    def _get(self, *pks: str | None) -> list[dict[str, Any] | None]:
        """One consistent read (TransactGetItems) of the given items; None for absent items or keys."""
        wanted = [pk for pk in pks if pk is not None]
        responses = aws.client("dynamodb").transact_get_items(TransactItems=[
            {"Get": {"TableName": self._table, "Key": {_PK: {"S": pk}}}} for pk in wanted
        ])["Responses"]
        found = {pk: response.get("Item") for pk, response in zip(wanted, responses, strict=True)}
        return [found.get(pk) if pk is not None else None for pk in pks]

    def _update(self, pk: str, expression: str, values: dict[str, Any], *, condition: str | None = None,
                **options: Any) -> dict[str, Any]:
        """UpdateItem on ``pk``; returns the requested attributes (empty unless ``ReturnValues`` asks)."""
        if condition is not None:
            options["ConditionExpression"] = condition
        if values:
            options["ExpressionAttributeValues"] = values
        response = aws.client("dynamodb").update_item(
            TableName=self._table, Key={_PK: {"S": pk}}, UpdateExpression=expression,
            ExpressionAttributeNames=_names(expression, condition), **options,
        )
        attributes: dict[str, Any] = response.get("Attributes", {})
        return attributes


def _refusal(challenge: Mapping[str, Any], now: float) -> VerifyOutcome | None:
    """Why ``challenge`` can no longer be answered, or None while it is live (mirrors ``_LIVE``)."""
    if challenge.get("used", {}).get("BOOL"):
        return VerifyOutcome.USED
    if _num(challenge, "expiry") <= now:
        return VerifyOutcome.EXPIRED
    if _num(challenge, "attempts") >= _num(challenge, "max_attempts"):
        return VerifyOutcome.EXHAUSTED
    return None


def _encryption_context(challenge_id: str) -> dict[str, str]:
    return {"purpose": _KMS_PURPOSE, "challenge_id": challenge_id}
