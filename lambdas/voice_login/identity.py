"""The phone-banking user pool: a customer id and PIN checked with Cognito ``InitiateAuth`` USER_PASSWORD_AUTH.

The pool is separate from every other pool; its app client has a secret, allows only USER_PASSWORD_AUTH and
is called only by this function, so ``SECRET_HASH`` (Base64 HMAC-SHA-256 of username + client id, keyed with
the client secret from Secrets Manager) is computed here. The tokens Cognito returns are dropped at once:
nothing but the outcome leaves this module. Every Cognito error maps to one of three outcomes, and an unknown
customer is indistinguishable from a wrong PIN (PreventUserExistenceErrors is on; ``UserNotFoundException``
is mapped the same way in case it is not).
https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html#cognito-user-pools-computing-secret-hash
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from lambdas.common.core import aws
from lambdas.common.core.errors import InternalError
from lambdas.common.core.logging import get_logger

logger = get_logger("voice_login")


class PinCheck(StrEnum):
    """What Cognito said about a customer id and PIN."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"        # wrong PIN, unknown customer, disabled, not confirmed, reset required
    UNAVAILABLE = "unavailable"  # throttled, Cognito error, misconfiguration: nothing was decided


# Cognito errors that mean "these credentials do not sign in" (all spoken the same way).
REJECTING_ERRORS = frozenset({
    "NotAuthorizedException", "UserNotFoundException", "UserNotConfirmedException",
    "PasswordResetRequiredException", "InvalidPasswordException",
})
ERROR_MEANINGS: Mapping[str, str] = {
    "TooManyRequestsException": "Cognito throttled InitiateAuth",
    "LimitExceededException": "a Cognito limit was reached",
    "InternalErrorException": "Cognito had an internal error",
    "ResourceNotFoundException": "the app client does not exist (PHONE_BANKING_CLIENT_ID)",
    "InvalidParameterException": "USER_PASSWORD_AUTH is not enabled on the app client, or SECRET_HASH is wrong",
    "InvalidUserPoolConfigurationException": "the user pool is misconfigured",
}


def secret_hash(username: str, client_id: str, client_secret: str) -> str:
    """Cognito's SECRET_HASH: Base64(HMAC-SHA-256(client secret, username + client id))."""
    digest = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class PhoneBankingDirectory:
    """Checks a PIN against the phone-banking pool."""

    def __init__(self, *, client_id: str, client_secret: Callable[[], Any]) -> None:
        """``client_secret`` returns the secret's JSON (``{"clientSecret": ...}``), cached per container."""
        self._client_id = client_id
        self._client_secret = client_secret

    def _secret(self) -> str:
        value = self._client_secret()
        secret = value.get("clientSecret") if isinstance(value, Mapping) else None
        if not isinstance(secret, str) or not secret:
            raise InternalError("the phone-banking client secret must be JSON with a non-empty clientSecret")
        return secret

    def check(self, customer_id: str, pin: str) -> PinCheck:
        """One InitiateAuth; the tokens it returns are discarded here."""
        try:
            response = aws.client("cognito-idp").initiate_auth(
                ClientId=self._client_id, AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": customer_id, "PASSWORD": pin,
                                "SECRET_HASH": secret_hash(customer_id, self._client_id, self._secret())},
            )
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", "Unknown"))
            if code in REJECTING_ERRORS:
                return PinCheck.REJECTED
            logger.error("phone-banking sign-in unavailable",
                         extra={"error_code": code, "meaning": ERROR_MEANINGS.get(code, "Cognito refused the call")})
            return PinCheck.UNAVAILABLE
        except BotoCoreError as error:
            logger.error("phone-banking sign-in unavailable", extra={"error_code": type(error).__name__})
            return PinCheck.UNAVAILABLE
        # Tokens mean the PIN is right; a challenge (e.g. NEW_PASSWORD_REQUIRED) means the account needs an
        # administrator first, which the caller hears as a failed sign-in.
        return PinCheck.ACCEPTED if "AuthenticationResult" in response else PinCheck.REJECTED
