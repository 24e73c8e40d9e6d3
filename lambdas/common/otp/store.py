"""One-time codes: issue, store as a keyed hash, verify once (NIST SP 800-63B rev 4, OWASP ASVS 5 §6.5/6.6).

Storage (one DynamoDB table, shape in ``common.otp.table.OTP_TABLE``):
- ``CHALLENGE#<id>``: owner, HMAC of the code, expiry, attempts, used flag, destination key.
- ``USER#<username>``: consecutive failures (counted across lockouts; reset only by a success or an
  administrator), time lockout, recent send times, the live challenge (reused inside the resend cooldown).
- ``DEST#<hmac(number)>``: recent send times per destination number.
- ``BUDGET#sends``: the deployment-wide send budget, a token bucket kept as a theoretical arrival time (GCRA).
- ``CONTACT#<contact id>``: the KMS-encrypted code copy for the one outbound call that delivers it, with a
  reveal counter; only the voice prompt reads it, only for that contact.

Challenges, DEST#, CONTACT# items and unknown users' USER# items carry the TTL attribute (clean-up only:
every expiry is checked in code). A known user's USER# item never expires, so their failure count cannot
silently vanish.

The code itself is never stored, logged or put in an exception: only ``HMAC-SHA-256(key, challenge id, code)``
with a key held in Secrets Manager, plus a KMS ciphertext bound to its challenge and contact by its encryption
context. Every limit that must hold under concurrency is a DynamoDB write condition, not a read.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from lambdas.common.core import aws, clock
from lambdas.common.core.phone import validate_e164
from lambdas.common.otp.codes import CodeHasher, new_code, well_formed
from lambdas.common.otp.errors import LockedOut, OtpError, ResendTooSoon, SendBudgetExhausted, SendLimitExceeded
from lambdas.common.otp.model import IssuedOtp, LiveChallenge, SendReceipt, UserStatus, VerifyOutcome
from lambdas.common.otp.policy import DAY_SECONDS, OtpPolicy
from lambdas.common.otp.table import (
    BUDGET_PREFIX,
    CHALLENGE_PREFIX,
    CONTACT_PREFIX,
    DEST_PREFIX,
    OTP_TABLE,
    USER_PREFIX,
)

UNKNOWN_USER_RETENTION_SECONDS = 90 * DAY_SECONDS
MAX_REVEALS_PER_CONTACT = 2         # one prompt invocation per call, plus one retry by Connect

# --- item layout --------------------------------------------------------------------------------------

_PK = OTP_TABLE.partition_key
_TTL = OTP_TABLE.ttl_attribute
_TTL_MARGIN_SECONDS = 3600          # DynamoDB TTL is clean-up only; expiry is checked in code
_CHALLENGE_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_CONTACT_ID = re.compile(r"[A-Za-z0-9-]{1,256}")
_KMS_PURPOSE = "voice-otp"
_BUDGET_PK = f"{BUDGET_PREFIX}sends"
_WRITE_ROUNDS = 3                   # optimistic-concurrency retries before giving up (fail closed)

# A challenge can be answered only while unused, under its attempt limit and before its expiry.
_LIVE = "attribute_exists(#pk) AND #used = :false AND #attempts < #max_attempts AND #expiry > :now"
_NOT_TIME_LOCKED = "(attribute_not_exists(#locked_until) OR #locked_until <= :now)"
_CONDITION_FAILED = "ConditionalCheckFailedException"
_CANCELLED = "TransactionCanceledException"
_OUR_CANCELLATIONS = frozenset({"None", "ConditionalCheckFailed", "TransactionConflict"})
_ALIASES = {"pk": _PK, "ttl": _TTL}  # expression placeholders for the table-shape attribute names


def _n(value: float) -> dict[str, str]:
    return {"N": str(value)}


def _num(item: Mapping[str, Any] | None, name: str, default: float = 0.0) -> float:
    attribute = (item or {}).get(name)
    return float(attribute["N"]) if attribute else default


def _times(item: Mapping[str, Any] | None, name: str) -> list[float]:
    return [float(v["N"]) for v in (item or {}).get(name, {}).get("L", [])]


def _names(*expressions: str | None) -> dict[str, str]:
    """``ExpressionAttributeNames`` for every ``#name`` used (every attribute goes through a placeholder)."""
    found = set()
    for expression in expressions:
        found.update(re.findall(r"#(\w+)", expression or ""))
    return {f"#{name}": _ALIASES.get(name, name) for name in found}


def _user_pk(user: str) -> str:
    if not isinstance(user, str) or not user:
        raise ValueError("user must be a non-empty string")
    return f"{USER_PREFIX}{user}"


def _window(times: list[float], now: float, window: int) -> list[float]:
    return [t for t in times if t > now - window]


def _cancellation_codes(error: ClientError) -> list[str]:
    """Why each element of a cancelled transaction failed; re-raises when it is not about our conditions.

    Conditions failing ("ConditionalCheckFailed") and concurrent transactions ("TransactionConflict") are
    ours to handle; throttling, validation or a cancellation without reasons is an outage the caller must
    see as one (fail closed, "temporarily unavailable"), not a refusal that would mislead the operator.
    """
    codes = [str(reason.get("Code", "None")) for reason in error.response.get("CancellationReasons", [])]
    if not codes or any(code not in _OUR_CANCELLATIONS for code in codes):
        raise error
    return codes


def _update(table: str, pk: str, expression: str, values: dict[str, Any], condition: str | None = None,
            **options: Any) -> dict[str, Any]:
    """The arguments of one UpdateItem (or of a transaction's ``Update`` element)."""
    request: dict[str, Any] = {"TableName": table, "Key": {_PK: {"S": pk}}, "UpdateExpression": expression,
                               "ExpressionAttributeNames": _names(expression, condition), **options}
    if condition is not None:
        request["ConditionExpression"] = condition
    if values:
        request["ExpressionAttributeValues"] = values
    return request


class DynamoOtpStore:
    """Issues and verifies one-time codes against the OTP table (implements ``otp.protocol.OtpStore``)."""

    def __init__(
        self,
        table_name: str,
        hmac_key: Callable[[], bytes],
        policy: OtpPolicy | None = None,
        *,
        code_key_id: str | None = None,
    ) -> None:
        """``hmac_key`` returns the keyed-hash key (cached Secrets Manager value); ``code_key_id`` is the
        KMS key for the encrypted code copy a voice call reads out, or None to keep no copy."""
        self._table = table_name
        self._hasher = CodeHasher(hmac_key)
        self.policy = policy or OtpPolicy()
        self._code_key_id = code_key_id

    # --- issuing --------------------------------------------------------------------------------------

    def issue(self, *, user: str, destination: str, known_user: bool = True) -> IssuedOtp:
        """New challenge for ``user`` to be delivered to ``destination`` (E.164).

        AWS calls: 1 DynamoDB read and 1 DynamoDB transaction (a retry of both only when another sign-in
        took the deployment budget's slot at the same moment). Raises LockedOut, ResendTooSoon (with the live
        challenge to reuse), SendLimitExceeded, SendBudgetExhausted.
        """
        validate_e164(destination)
        user_pk, dest_pk = _user_pk(user), f"{DEST_PREFIX}{self._hasher.destination(destination)}"
        for _ in range(_WRITE_ROUNDS):
            now = clock.now()
            user_state, dest_state, budget = self._get(user_pk, dest_pk, _BUDGET_PK)
            user_sends, dest_sends = self._check_send_allowed(user_state, dest_state, now)
            budget_write = self._spend_budget(budget, now)

            challenge_id = secrets.token_urlsafe(16)
            code = new_code(self.policy.length)
            expiry = now + self.policy.ttl_seconds
            challenge = {
                _PK: {"S": f"{CHALLENGE_PREFIX}{challenge_id}"},
                "user": {"S": user},
                "code_hash": {"S": self._hasher.code(challenge_id, code)},
                "dest": {"S": dest_pk.removeprefix(DEST_PREFIX)},
                "expiry": _n(expiry),
                "attempts": _n(0),
                "max_attempts": _n(self.policy.max_attempts),
                "used": {"BOOL": False},
                _TTL: _n(int(expiry) + _TTL_MARGIN_SECONDS),
            }
            user_write, user_seq = self._record_send(
                user_pk, user_state, user_sends, now,
                current=(challenge_id, expiry),
                extra_condition=f"{_NOT_TIME_LOCKED} AND {self._below_ceiling()}",
                extra_values={":ceiling": _n(self.policy.failure_ceiling)},
                ttl=None if known_user else int(now) + UNKNOWN_USER_RETENTION_SECONDS)
            dest_write, dest_seq = self._record_send(dest_pk, dest_state, dest_sends, now,
                                                     ttl=int(now) + DAY_SECONDS + _TTL_MARGIN_SECONDS)
            try:
                aws.client("dynamodb").transact_write_items(TransactItems=[
                    {"Put": {"TableName": self._table, "Item": challenge,
                             "ConditionExpression": "attribute_not_exists(#pk)",
                             "ExpressionAttributeNames": _names("#pk")}},
                    {"Update": user_write}, {"Update": dest_write}, {"Update": budget_write},
                ])
            except ClientError as error:
                if error.response["Error"]["Code"] != _CANCELLED:
                    raise
                reasons = _cancellation_codes(error)
                if any(code != "None" for code in reasons[:3]):  # this user or number sent meanwhile
                    raise ResendTooSoon("a code was just sent; wait before asking for another",
                                        retry_after=self.policy.resend_cooldown_seconds) from None
                continue  # only the shared budget moved: read it again
            receipt = SendReceipt(user_pk=user_pk, user_seq=user_seq, user_before=dict(user_state or {}),
                                   dest_pk=dest_pk, dest_seq=dest_seq, dest_before=dict(dest_state or {}),
                                   known_user=known_user)
            return IssuedOtp(challenge_id=challenge_id, code=code, expires_at=expiry, receipt=receipt)
        raise SendBudgetExhausted("the send budget is contended; try again later")

    def refund(self, issued: IssuedOtp) -> bool:
        """Undo a send that never reached the user (the call failed): counters, cooldown and budget.

        One DynamoDB transaction; skipped (False) if this user or number has sent again since.
        """
        receipt = issued.receipt
        if receipt is None:
            return False
        restore = [
            self._restore_sends(receipt.user_pk, receipt.user_before, receipt.user_seq, user=True),
            self._restore_sends(receipt.dest_pk, receipt.dest_before, receipt.dest_seq, user=False),
            _update(self._table, _BUDGET_PK, "SET #tat = #tat - :interval", {":interval": _n(self._interval)},
                    "attribute_exists(#tat)"),
            _update(self._table, f"{CHALLENGE_PREFIX}{issued.challenge_id}", "SET #used = :true",
                    {":true": {"BOOL": True}}, "attribute_exists(#pk)"),
        ]
        try:
            aws.client("dynamodb").transact_write_items(TransactItems=[{"Update": u} for u in restore])
        except ClientError as error:
            if error.response["Error"]["Code"] != _CANCELLED:
                raise
            return False
        return True

    def _check_send_allowed(self, user_state: Mapping[str, Any] | None, dest_state: Mapping[str, Any] | None,
                            now: float) -> tuple[list[float], list[float]]:
        """Raise the first refusal that applies; else the in-window send times of user and destination."""
        locked = self._lock_remaining(user_state, now)
        if locked is not None:
            raise LockedOut("too many failed attempts; try again later",
                            retry_after=None if locked == float("inf") else locked)
        wait = _num(user_state, "last_send", -float("inf")) + self.policy.resend_cooldown_seconds - now
        if wait > 0:
            live = None
            current_id = (user_state or {}).get("current_id", {}).get("S")
            if current_id and _num(user_state, "current_expiry") > now:
                live = LiveChallenge(challenge_id=current_id, expires_at=_num(user_state, "current_expiry"))
            raise ResendTooSoon("a code was just sent; wait before asking for another", retry_after=wait, live=live)
        user_sends = _window(_times(user_state, "sends"), now, DAY_SECONDS)
        dest_sends = _window(_times(dest_state, "sends"), now, DAY_SECONDS)
        retry_after = 0.0
        for sends in (user_sends, dest_sends):
            for limit, window in ((self.policy.send_limit, self.policy.send_window_seconds),
                                  (self.policy.daily_send_limit, DAY_SECONDS)):
                recent = _window(sends, now, window)
                if len(recent) >= limit:
                    retry_after = max(retry_after, sorted(recent)[-limit] + window - now)
        if retry_after > 0:
            raise SendLimitExceeded("too many codes requested; try again later", retry_after=retry_after)
        return user_sends, dest_sends

    @property
    def _interval(self) -> float:
        """Seconds one send adds to the budget's theoretical arrival time."""
        return 60.0 / self.policy.global_sends_per_minute

    def _spend_budget(self, budget: Mapping[str, Any] | None, now: float) -> dict[str, Any]:
        """The budget's write for one send (GCRA): conditional, so parallel sends cannot overdraw it."""
        interval = self._interval
        tat = _num(budget, "tat", 0.0)
        if tat <= now:  # the bucket is full
            return _update(self._table, _BUDGET_PK, "SET #tat = :next",
                           {":next": _n(now + interval), ":now": _n(now)},
                           "attribute_not_exists(#tat) OR #tat <= :now")
        cap = now + (self.policy.global_send_burst - 1) * interval
        if tat > cap:
            raise SendBudgetExhausted("the deployment's send budget is spent", retry_after=tat - cap)
        return _update(self._table, _BUDGET_PK, "SET #tat = #tat + :interval",
                       {":interval": _n(interval), ":now": _n(now), ":cap": _n(cap)},
                       "#tat > :now AND #tat <= :cap")

    def _record_send(self, pk: str, state: Mapping[str, Any] | None, sends: list[float], now: float, *,
                     current: tuple[str, float] | None = None, extra_condition: str | None = None,
                     extra_values: dict[str, Any] | None = None, ttl: int | None = None) -> tuple[dict[str, Any], int]:
        """An ``Update`` appending a send, conditional on nobody else having sent since our read."""
        seq = int(_num(state, "send_seq"))
        condition = "#send_seq = :seq" if state and "send_seq" in state else "attribute_not_exists(#send_seq)"
        if extra_condition:
            condition = f"{condition} AND {extra_condition}"
        expression = "SET #sends = :sends, #last_send = :now, #send_seq = :next"
        values = {":sends": {"L": [_n(t) for t in [*sends, now]]}, ":now": _n(now), ":next": _n(seq + 1),
                  **(extra_values or {})}
        if "#send_seq = :seq" in condition:
            values[":seq"] = _n(seq)
        if current is not None:
            expression += ", #current_id = :current_id, #current_expiry = :current_expiry"
            values[":current_id"] = {"S": current[0]}
            values[":current_expiry"] = _n(current[1])
        if ttl is not None:
            expression += ", #ttl = :ttl"
            values[":ttl"] = _n(ttl)
        return _update(self._table, pk, expression, values, condition), seq + 1

    def _restore_sends(self, pk: str, before: Mapping[str, Any], seq: int, *, user: bool) -> dict[str, Any]:
        """Put back the send list and last-send time ``before`` our send, if nothing else sent since."""
        values: dict[str, Any] = {":sends": before.get("sends", {"L": []}), ":seq": _n(seq), ":next": _n(seq + 1)}
        sets = ["#sends = :sends", "#send_seq = :next"]
        removes = []
        if "last_send" in before:
            sets.append("#last_send = :last_send")
            values[":last_send"] = before["last_send"]
        else:
            removes.append("#last_send")
        if user:
            removes += ["#current_id", "#current_expiry"]
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        return _update(self._table, pk, expression, values, "#send_seq = :seq")

    # --- verifying ------------------------------------------------------------------------------------

    def verify(self, *, challenge_id: str, user: str, code: object, known_user: bool = True) -> VerifyOutcome:
        """Check ``code`` once; constant-time; single use and the failure limits hold under any concurrency.

        AWS calls: 1 DynamoDB read, then 1 conditional write (a transaction over the challenge and the
        user's failure count, conditioned on the count read and on no lockout): an answer is checked only
        when that write succeeds, so parallel guesses cannot pass a lockout threshold.
        """
        user_pk = _user_pk(user)
        challenge_pk = self._challenge_pk(challenge_id)
        for _ in range(_WRITE_ROUNDS):
            now = clock.now()
            challenge, user_state = self._get(challenge_pk, user_pk)
            if self._lock_remaining(user_state, now) is not None:
                return VerifyOutcome.LOCKED
            if challenge_pk is None or challenge is None or challenge["user"]["S"] != user:
                if self._write_failure_count(user_pk, user_state, now, known_user):
                    return VerifyOutcome.NOT_FOUND
                continue
            refusal = _refusal(challenge, now)
            if refusal is not None:
                return refusal
            correct = well_formed(code) and hmac.compare_digest(
                challenge["code_hash"]["S"], self._hasher.code(challenge_id, str(code)))
            outcome = self._settle(challenge_pk, challenge, user_pk, user_state, now, correct=correct,
                                   known_user=known_user)
            if outcome is not None:
                return outcome
        return VerifyOutcome.CONTENDED

    def _settle(self, challenge_pk: str, challenge: Mapping[str, Any], user_pk: str,
                user_state: Mapping[str, Any] | None, now: float, *, correct: bool,
                known_user: bool) -> VerifyOutcome | None:
        """Write the outcome of one checked answer; None when the user's count moved (read again)."""
        live_values = {":false": {"BOOL": False}, ":now": _n(now)}
        if correct:
            challenge_write = _update(self._table, challenge_pk, "SET #used = :true, #used_at = :now",
                                      {**live_values, ":true": {"BOOL": True}}, _LIVE,
                                      ReturnValuesOnConditionCheckFailure="ALL_OLD")
        else:
            challenge_write = _update(self._table, challenge_pk, "SET #attempts = #attempts + :one",
                                      {**live_values, ":one": _n(1)}, _LIVE,
                                      ReturnValuesOnConditionCheckFailure="ALL_OLD")
        exhausts = not correct and _num(challenge, "attempts") + 1 >= _num(challenge, "max_attempts")
        retire = correct or exhausts
        user_write = self._user_outcome_write(user_pk, user_state, now, correct=correct, known_user=known_user,
                                              retire=(challenge_pk.removeprefix(CHALLENGE_PREFIX) if retire else None))
        try:
            aws.client("dynamodb").transact_write_items(TransactItems=[{"Update": challenge_write}, user_write])
        except ClientError as error:
            if error.response["Error"]["Code"] != _CANCELLED:
                raise
            codes = _cancellation_codes(error)
            if codes[0] == "ConditionalCheckFailed":
                old = error.response["CancellationReasons"][0].get("Item")
                return VerifyOutcome.NOT_FOUND if old is None else (_refusal(old, now) or VerifyOutcome.USED)
            return None
        return VerifyOutcome.OK if correct else VerifyOutcome.WRONG

    def _user_outcome_write(self, user_pk: str, state: Mapping[str, Any] | None, now: float, *, correct: bool,
                            known_user: bool, retire: str | None) -> dict[str, Any]:
        """The transaction element for the user: reset on success, one more failure otherwise.

        Conditioned on the failure count read and on no time lockout, so exactly one writer moves the count
        from each value, and the writer that reaches a lockout step sets the lockout in the same write.
        """
        failures = int(_num(state, "failures"))
        condition, values = self._count_condition(failures, now)
        sets: list[str] = []
        removes: list[str] = []
        if not correct:
            sets, removes = self._failure_expression(failures + 1, now, values)
        elif failures:  # a success resets the count; nothing to write when it is already 0
            sets.append("#failures = :zero")
            values[":zero"] = _n(0)
        if correct and "locked_until" in (state or {}):
            removes.append("#locked_until")  # an expired lockout's leftover
        if retire is not None and _is_current(state, retire):
            removes += ["#current_id", "#current_expiry"]
        if sets and not known_user:
            sets.append("#ttl = :ttl")
            values[":ttl"] = _n(int(now) + UNKNOWN_USER_RETENTION_SECONDS)
        if not sets and not removes:  # a write that changes nothing: only check the count and the lockout
            return {"ConditionCheck": {"TableName": self._table, "Key": {_PK: {"S": user_pk}},
                                       "ConditionExpression": condition, "ExpressionAttributeNames": _names(condition),
                                       "ExpressionAttributeValues": values}}
        expression = " ".join(filter(None, ["SET " + ", ".join(sets) if sets else "",
                                            "REMOVE " + ", ".join(removes) if removes else ""]))
        return {"Update": _update(self._table, user_pk, expression, values, condition)}

    def _failure_expression(self, new_failures: int, now: float, values: dict[str, Any]) -> tuple[list[str], list[str]]:
        values[":failures"] = _n(new_failures)
        sets = ["#failures = :failures"]
        lockout = self.policy.lockout_for(new_failures)
        if lockout is not None and lockout != float("inf"):
            sets.append("#locked_until = :until")
            values[":until"] = _n(now + lockout)
        return sets, []

    def _count_condition(self, failures: int, now: float) -> tuple[str, dict[str, Any]]:
        pinned = "(attribute_not_exists(#failures) OR #failures = :seen)" if failures == 0 else "#failures = :seen"
        return f"{pinned} AND {_NOT_TIME_LOCKED}", {":seen": _n(failures), ":now": _n(now)}

    def _write_failure_count(self, user_pk: str, state: Mapping[str, Any] | None, now: float,
                             known_user: bool) -> bool:
        """Count a failure that involved no live challenge (unknown or foreign challenge id)."""
        element = self._user_outcome_write(user_pk, state, now, correct=False, known_user=known_user, retire=None)
        try:
            aws.client("dynamodb").update_item(**element["Update"])
        except ClientError as error:
            if error.response["Error"]["Code"] != _CONDITION_FAILED:
                raise
            return False
        return True

    def _below_ceiling(self) -> str:
        return "(attribute_not_exists(#failures) OR #failures < :ceiling)"

    def _lock_remaining(self, user_state: Mapping[str, Any] | None, now: float) -> float | None:
        """Seconds of lockout left (inf at the failure ceiling), or None when not locked."""
        if _num(user_state, "failures") >= self.policy.failure_ceiling:
            return float("inf")
        remaining = _num(user_state, "locked_until") - now
        return remaining if remaining > 0 else None

    # --- attempts at a secret checked elsewhere (a PIN checked by Cognito) --------------------------------

    def count_attempt(self, user: str, *, known_user: bool = False) -> None:
        """Count one attempt as a failure *before* the secret is checked; raise LockedOut while locked.

        Counting first makes the limit a write condition: parallel attempts each need their own conditional
        write on the user's count, so no more than ``lockout_threshold`` of them are ever checked before the
        lockout (set by the write that reaches it). A correct secret then calls :meth:`reset_failures`.
        AWS calls: 1 DynamoDB read, 1 conditional UpdateItem (repeated only if another attempt moved the count).
        """
        user_pk = _user_pk(user)
        for _ in range(_WRITE_ROUNDS):
            now = clock.now()
            (state,) = self._get(user_pk)
            locked = self._lock_remaining(state, now)
            if locked is not None:
                raise LockedOut("too many failed attempts; try again later",
                                retry_after=None if locked == float("inf") else locked)
            if self._write_failure_count(user_pk, state, now, known_user):
                return
        raise OtpError("concurrent attempts kept moving the failure count; try again", retry_after=1.0)

    def reset_failures(self, user: str) -> None:
        """A checked success: failures to zero, lockout lifted, and the user is known (the item keeps no TTL).

        Never lifts the failure ceiling, which only an administrator clears. AWS calls: 1 conditional UpdateItem.
        """
        try:
            aws.client("dynamodb").update_item(**_update(
                self._table, _user_pk(user), "SET #failures = :zero REMOVE #locked_until, #ttl",
                {":zero": _n(0), ":ceiling": _n(self.policy.failure_ceiling)}, self._below_ceiling()))
        except ClientError as error:
            if error.response["Error"]["Code"] != _CONDITION_FAILED:
                raise

    # --- the voice prompt's copy of the code ----------------------------------------------------------

    def seal_for_contact(self, issued: IssuedOtp, contact_id: str) -> None:
        """Keep a KMS-encrypted copy of the code that only ``contact_id`` (the call delivering it) can reveal.

        AWS calls: 1 KMS Encrypt (context: purpose, challenge id, contact id), 1 DynamoDB PutItem.
        """
        if self._code_key_id is None:
            raise RuntimeError("this store keeps no code copies (no code key configured)")
        if not _CONTACT_ID.fullmatch(contact_id):
            raise ValueError("contact id is not a Connect contact id")
        ciphertext: bytes = aws.client("kms").encrypt(
            KeyId=self._code_key_id, Plaintext=issued.code.encode("ascii"),
            EncryptionContext=_encryption_context(issued.challenge_id, contact_id),
        )["CiphertextBlob"]
        aws.client("dynamodb").put_item(
            TableName=self._table,
            Item={_PK: {"S": f"{CONTACT_PREFIX}{contact_id}"}, "challenge": {"S": issued.challenge_id},
                  "code_ct": {"B": ciphertext}, "expiry": _n(issued.expires_at), "reveals": _n(0),
                  _TTL: _n(int(issued.expires_at) + _TTL_MARGIN_SECONDS)},
            ConditionExpression="attribute_not_exists(#pk)",
            ExpressionAttributeNames=_names("#pk"),
        )

    def reveal_for_contact(self, contact_id: object) -> str | None:
        """The code for the call ``contact_id``, at most ``MAX_REVEALS_PER_CONTACT`` times while it is live.

        AWS calls: 1 conditional DynamoDB UpdateItem (counts the reveal, returns the copy), 1 KMS Decrypt.
        """
        if self._code_key_id is None or not isinstance(contact_id, str) or not _CONTACT_ID.fullmatch(contact_id):
            return None
        try:
            item = aws.client("dynamodb").update_item(**_update(
                self._table, f"{CONTACT_PREFIX}{contact_id}", "SET #reveals = #reveals + :one",
                {":one": _n(1), ":max": _n(MAX_REVEALS_PER_CONTACT), ":now": _n(clock.now())},
                "attribute_exists(#pk) AND #reveals < :max AND #expiry > :now", ReturnValues="ALL_NEW",
            ))["Attributes"]
        except ClientError as error:
            if error.response["Error"]["Code"] != _CONDITION_FAILED:
                raise
            return None
        plaintext: bytes = aws.client("kms").decrypt(
            CiphertextBlob=item["code_ct"]["B"], KeyId=self._code_key_id,
            EncryptionContext=_encryption_context(item["challenge"]["S"], contact_id),
        )["Plaintext"]
        return plaintext.decode("ascii")

    # --- administration -------------------------------------------------------------------------------

    def status(self, user: str) -> UserStatus:
        """``user``'s failure count and lockout (1 DynamoDB read)."""
        (state,) = self._get(_user_pk(user))
        return self._status(state, clock.now())

    def clear_failures(self, user: str) -> UserStatus:
        """An administrator's reset of ``user``'s failures and lockout; returns the state it replaced."""
        response = aws.client("dynamodb").update_item(**_update(
            self._table, _user_pk(user), "SET #failures = :zero REMOVE #locked_until", {":zero": _n(0)},
            "attribute_exists(#pk)", ReturnValues="ALL_OLD"))
        return self._status(response.get("Attributes"), clock.now())

    def is_locked(self, user: str) -> float | None:
        """Seconds until ``user``'s lockout ends (inf: an administrator must clear it), or None."""
        (state,) = self._get(_user_pk(user))
        return self._lock_remaining(state, clock.now())

    def _status(self, state: Mapping[str, Any] | None, now: float) -> UserStatus:
        until = _num(state, "locked_until")
        failures = int(_num(state, "failures"))
        return UserStatus(failures=failures, locked_until=until if until > now else None,
                          needs_administrator=failures >= self.policy.failure_ceiling)

    # --- data access ----------------------------------------------------------------------------------

    def _challenge_pk(self, challenge_id: object) -> str | None:
        if isinstance(challenge_id, str) and _CHALLENGE_ID.fullmatch(challenge_id):
            return f"{CHALLENGE_PREFIX}{challenge_id}"
        return None

    def _get(self, *pks: str | None) -> Sequence[dict[str, Any] | None]:
        """One consistent read (TransactGetItems) of the given items; None for absent items or keys."""
        wanted = [pk for pk in pks if pk is not None]
        responses = aws.client("dynamodb").transact_get_items(TransactItems=[
            {"Get": {"TableName": self._table, "Key": {_PK: {"S": pk}}}} for pk in wanted
        ])["Responses"]
        found = {pk: response.get("Item") for pk, response in zip(wanted, responses, strict=True)}
        return [found.get(pk) if pk is not None else None for pk in pks]


def _is_current(state: Mapping[str, Any] | None, challenge_id: str) -> bool:
    return bool((state or {}).get("current_id", {}).get("S") == challenge_id)


def _refusal(challenge: Mapping[str, Any], now: float) -> VerifyOutcome | None:
    """Why ``challenge`` can no longer be answered, or None while it is live (mirrors ``_LIVE``)."""
    if challenge.get("used", {}).get("BOOL"):
        return VerifyOutcome.USED
    if _num(challenge, "expiry") <= now:
        return VerifyOutcome.EXPIRED
    if _num(challenge, "attempts") >= _num(challenge, "max_attempts"):
        return VerifyOutcome.EXHAUSTED
    return None


def _encryption_context(challenge_id: str, contact_id: str) -> dict[str, str]:
    return {"purpose": _KMS_PURPOSE, "challenge_id": challenge_id, "contact_id": contact_id}
