"""Participant actions: MessageParticipant and GetParticipantInput (DTMF, stored, validated, encrypted).

https://docs.aws.amazon.com/connect/latest/APIReference/participant-actions-getparticipantinput.html
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lambdas.common.core.phone import E164
from sim.connect.contact import InputRequest
from sim.connect.errors import FlowRuntimeError
from sim.connect.execution import Execution, Next, Outcome, Result
from sim.connect.flow import Action
from sim.connect.jsonpath import as_text
from sim.connect.transcript import InputStored, ParticipantPressed, ParticipantSaid, ParticipantSilent

DTMF = re.compile(r"[0-9*#]+")
_DEFAULT_TIMEOUT_SECONDS = 5
_MAX_TIMEOUT_SECONDS = 300
_MAX_PHONE_DIGITS = 20
_TIMEOUT_VALUE = "Timeout"  # what Connect stores in $.StoredCustomerInput when the caller enters nothing
_NANP_NATIONAL_DIGITS = 10
# Calling codes for PhoneNumberValidation "Local"; extend when a flow needs another country.
CALLING_CODES: dict[str, str] = {
    "US": "1", "CA": "1", "GB": "44", "IE": "353", "FR": "33", "DE": "49", "ES": "34", "IT": "39",
    "NL": "31", "AU": "61", "NZ": "64", "IN": "91", "JP": "81", "MX": "52", "BR": "55", "ZA": "27",
}  # fmt: skip


def message_participant(ex: Execution, action: Action) -> Outcome:
    """Say the block's Text, SSML, PromptId or Media; an empty message or invalid SSML is an error."""
    played = ex.play_prompt(action)
    if played is None:
        raise ex.definition_error(action, "needs one of Text, SSML, PromptId or Media")
    return Next() if played else ex.prompt_failed()


def get_participant_input(ex: Execution, action: Action) -> Outcome:  # noqa: PLR0911 - one return per error branch
    """Play the prompt, collect DTMF; route on the key pressed, or store (validated, maybe encrypted)."""
    store = ex.flag(action, "StoreInput", default=False)
    validation = _object(ex, action, "InputValidation")
    encryption = _object(ex, action, "InputEncryption")
    custom = _object(ex, action, "CustomValidation", validation)
    phone = _object(ex, action, "PhoneNumberValidation", validation)
    if store != bool(validation) or (custom and phone):
        raise ex.definition_error(
            action,
            "StoreInput True needs InputValidation with exactly one of "
            "CustomValidation or PhoneNumberValidation (and StoreInput False needs none)",
        )
    if encryption and not custom:
        raise ex.definition_error(action, "InputEncryption may only be given with CustomValidation")
    if encryption and ex.services.encryptor is None:
        raise FlowRuntimeError(
            f"block {action.identifier!r} asks for encrypted input but the interpreter has "
            "no encryptor: refusing to store the input in clear"
        )
    timeout = ex.integer(
        action, "InputTimeLimitSeconds", default=_DEFAULT_TIMEOUT_SECONDS, low=1, high=_MAX_TIMEOUT_SECONDS
    )
    if ex.play_prompt(action) is False:
        return ex.prompt_failed()
    max_digits = _maximum_length(ex, action, custom) if custom else (_MAX_PHONE_DIGITS if store else 1)
    request = InputRequest(
        kind="dtmf", max_digits=max_digits, timeout_seconds=float(timeout), encrypted=bool(encryption)
    )
    keys = _collect(ex, action, request)
    if not store:
        if keys is None:
            return ex.fail("InputTimeLimitExceeded", "the caller pressed nothing")
        return Result(keys[0], equals_only=True)
    if keys is None:
        return _store(ex, action, _TIMEOUT_VALUE, encrypted=False)
    digits = _strip_terminator(ex, action, keys)[:max_digits]
    if phone:
        number = _phone_number(ex, action, digits, phone)
        if not number:
            return ex.fail("InvalidPhoneNumber", "the digits are not a valid phone number")
        return _store(ex, action, number, encrypted=False)
    if encryption:
        return _encrypt_and_store(ex, action, digits, encryption)
    return _store(ex, action, digits, encrypted=False)


def _object(
    ex: Execution, action: Action, name: str, parent: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """An object-valued parameter (``{}`` when absent)."""
    value = (action.parameters if parent is None else parent).get(name) or {}
    if not isinstance(value, Mapping):
        raise ex.definition_error(action, f"{name} must be an object")
    return dict(value)


def _maximum_length(ex: Execution, action: Action, custom: Mapping[str, Any]) -> int:
    """``CustomValidation.MaximumLength`` (static)."""
    try:
        length = int(str(custom.get("MaximumLength")))
    except ValueError:
        raise ex.definition_error(action, "CustomValidation.MaximumLength must be an integer") from None
    if length < 1:
        raise ex.definition_error(action, "CustomValidation.MaximumLength must be at least 1")
    return length


def _collect(ex: Execution, action: Action, request: InputRequest) -> str | None:
    """Ask the caller; record what they did (masked when encrypted). Speech on a DTMF block is no input."""
    reply = ex.participant.respond(request)
    keys = (reply or "").strip()
    if not keys:
        ex.record(ParticipantSilent(action.identifier))
        return None
    if not DTMF.fullmatch(keys):
        ex.record(ParticipantSaid(action.identifier, text="(speech)" if request.encrypted else keys))
        ex.record(ParticipantSilent(action.identifier))
        return None
    shown = "*" * len(keys) if request.encrypted else keys
    ex.record(ParticipantPressed(action.identifier, digits=shown, masked=request.encrypted))
    return keys


def _strip_terminator(ex: Execution, action: Action, keys: str) -> str:
    """Drop the DTMF termination sequence (``#`` unless DTMFConfiguration says otherwise)."""
    configuration = _object(ex, action, "DTMFConfiguration")
    terminator = as_text(configuration.get("InputTerminationSequence") or "#")
    return keys[: -len(terminator)] if keys.endswith(terminator) else keys


def _phone_number(ex: Execution, action: Action, digits: str, rules: Mapping[str, Any]) -> str | None:
    """The E.164 number the digits make under PhoneNumberValidation, or ``None`` when invalid."""
    number_format = rules.get("NumberFormat")
    if number_format == "E164":
        number = "+" + digits
    elif number_format == "Local":
        country = rules.get("CountryCode")
        code = CALLING_CODES.get(str(country))
        if code is None:
            raise ex.definition_error(action, f"no calling code known for CountryCode {country!r}")
        if code == "1" and len(digits) != _NANP_NATIONAL_DIGITS:
            return None
        number = "+" + code + digits.lstrip("0")
    else:
        raise ex.definition_error(action, f"NumberFormat must be Local or E164, got {number_format!r}")
    return number if E164.fullmatch(number) else None


def _encrypt_and_store(ex: Execution, action: Action, digits: str, encryption: Mapping[str, Any]) -> Outcome:
    """Encrypt with the injected encryptor under ``EncryptionKeyId``; store only the ciphertext."""
    key_id, key = (
        ex.resolve(action, encryption.get("EncryptionKeyId")),
        ex.resolve(action, encryption.get("Key")),
    )
    if not key_id or not key:
        raise ex.definition_error(action, "InputEncryption needs EncryptionKeyId and Key")
    encryptor = ex.services.encryptor
    assert encryptor is not None  # checked before the caller was asked
    try:
        ciphertext = encryptor(digits, as_text(key_id))
    except Exception as exc:
        return ex.fail("NoMatchingError", f"the encryptor failed ({type(exc).__name__})")
    if not ciphertext or ciphertext == digits:
        raise FlowRuntimeError(f"block {action.identifier!r}: the encryptor returned the input in clear")
    return _store(ex, action, ciphertext, encrypted=True)


def _store(ex: Execution, action: Action, value: str, *, encrypted: bool) -> Outcome:
    """Set ``$.StoredCustomerInput``."""
    ex.stored_input = value
    ex.record(InputStored(action.identifier, value=value, encrypted=encrypted))
    return Next()
