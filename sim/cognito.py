"""Cognito's custom-auth loop, run locally: Define → Create → (answer) → Verify → Define → ...

moto's user pool holds the users and checks passwords (USER_PASSWORD_AUTH); this driver invokes the three
trigger handlers with the event shapes Cognito uses (``session`` list with ``challengeResult`` and
``challengeMetadata``, ``userNotFound``, private/public challenge parameters, ``clientMetadata``), and turns
trigger failures into the errors Cognito returns. One simplification, documented: the SRP exchange is
collapsed into a password check, recorded as the ``SRP_A`` and ``PASSWORD_VERIFIER`` session entries Cognito
would record.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from sim.embedded import REGION

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
SESSION_SECONDS = 180  # Cognito's default authentication session validity (3 minutes)


class CognitoError(Exception):
    """What Cognito would return to the client: an error code and its message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Triggers:
    """The three custom-auth trigger handlers."""

    define: Handler
    create: Handler
    verify: Handler


@dataclass
class AuthResult:
    """One answer of InitiateAuth / RespondToAuthChallenge."""

    challenge_name: str | None = None
    challenge_parameters: dict[str, str] = field(default_factory=dict)
    session: str | None = None
    tokens: dict[str, Any] | None = None


@dataclass
class _Session:
    username: str
    user_not_found: bool
    attributes: dict[str, str]
    started: float
    entries: list[dict[str, Any]] = field(default_factory=list)
    private: dict[str, str] = field(default_factory=dict)
    metadata: str | None = None
    tokens: dict[str, Any] | None = None


class LambdaContext:
    """The slice of the Lambda context object the handlers use."""

    def __init__(self, name: str) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 256
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:{name}"
        self.aws_request_id = secrets.token_hex(16)

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        """Cognito gives triggers 5 seconds."""
        return 5000


class CustomAuthDriver:
    """Plays Cognito's side of CUSTOM_AUTH against moto and the trigger handlers."""

    def __init__(self, *, idp: Any, user_pool_id: str, client_id: str, client_secret: str, triggers: Triggers,
                 now: Callable[[], float], passwordless: bool, mint_tokens: Callable[[str], dict[str, Any]]) -> None:
        self._idp = idp
        self._pool = user_pool_id
        self._client_id = client_id
        self._secret = client_secret
        self._triggers = triggers
        self._now = now
        self._passwordless = passwordless
        self._mint = mint_tokens
        self._sessions: dict[str, _Session] = {}

    # -- client-facing API --------------------------------------------------------------------
    def initiate_auth(self, username: str, password: str | None = None,
                      client_metadata: Mapping[str, str] | None = None) -> AuthResult:
        """InitiateAuth(CUSTOM_AUTH); with a password (SRP in a real client) unless the pool is passwordless."""
        attributes, not_found = self._lookup(username)
        state = _Session(username=username, user_not_found=not_found, attributes=attributes, started=self._now())
        metadata = dict(client_metadata or {})
        if not self._passwordless:
            if password is None:
                raise CognitoError("InvalidParameterException", "Missing required parameter PASSWORD")
            state.entries.append(_entry("SRP_A", True))
            decision = self._define(state, metadata)
            if decision.get("challengeName") != "PASSWORD_VERIFIER":
                raise CognitoError("NotAuthorizedException", "Incorrect username or password.")
            state.tokens = self._check_password(username, password)
            state.entries.append(_entry("PASSWORD_VERIFIER", state.tokens is not None))
        return self._next(state, metadata)

    def respond_to_auth_challenge(self, session: str, answer: str,
                                  client_metadata: Mapping[str, str] | None = None) -> AuthResult:
        """RespondToAuthChallenge(CUSTOM_CHALLENGE) with the user's answer."""
        state = self._sessions.pop(session, None)
        if state is None:
            raise CognitoError("NotAuthorizedException", "Invalid session for the user.")
        if self._now() - state.started > SESSION_SECONDS:
            raise CognitoError("NotAuthorizedException", "Invalid session for the user, session is expired.")
        metadata = dict(client_metadata or {})
        event = self._event(state, "VerifyAuthChallengeResponse_Authentication", {
            "userAttributes": state.attributes,
            "privateChallengeParameters": state.private,
            "challengeAnswer": answer,
            "clientMetadata": metadata,
            "userNotFound": state.user_not_found,
        }, {"answerCorrect": None})
        result = self._invoke("VerifyAuthChallengeResponse", self._triggers.verify, event)
        correct = result["response"].get("answerCorrect") is True
        state.entries.append(_entry("CUSTOM_CHALLENGE", correct, state.metadata))
        return self._next(state, metadata)

    # -- Cognito's side -------------------------------------------------------------------------
    def _next(self, state: _Session, metadata: dict[str, str]) -> AuthResult:
        decision = self._define(state, metadata)
        if decision.get("issueTokens") is True and not state.user_not_found:
            return AuthResult(tokens=state.tokens or self._mint(state.username))
        if decision.get("failAuthentication") is True or decision.get("issueTokens") is True:
            raise CognitoError("NotAuthorizedException", "Incorrect username or password.")
        if decision.get("challengeName") != "CUSTOM_CHALLENGE":
            raise CognitoError("InvalidLambdaResponseException", "Invalid challenge name from DefineAuthChallenge")
        event = self._event(state, "CreateAuthChallenge_Authentication", {
            "userAttributes": state.attributes,
            "challengeName": "CUSTOM_CHALLENGE",
            "session": state.entries,
            "clientMetadata": metadata,
            "userNotFound": state.user_not_found,
        }, {"publicChallengeParameters": None, "privateChallengeParameters": None, "challengeMetadata": None})
        response = self._invoke("CreateAuthChallenge", self._triggers.create, event)["response"]
        state.private = dict(response.get("privateChallengeParameters") or {})
        state.metadata = response.get("challengeMetadata")
        token = secrets.token_urlsafe(32)
        self._sessions[token] = state
        public = dict(response.get("publicChallengeParameters") or {})
        return AuthResult(challenge_name="CUSTOM_CHALLENGE", challenge_parameters=public, session=token)

    def _define(self, state: _Session, metadata: dict[str, str]) -> dict[str, Any]:
        event = self._event(state, "DefineAuthChallenge_Authentication", {
            "userAttributes": state.attributes,
            "session": state.entries,
            "clientMetadata": metadata,
            "userNotFound": state.user_not_found,
        }, {"challengeName": None, "issueTokens": None, "failAuthentication": None})
        return dict(self._invoke("DefineAuthChallenge", self._triggers.define, event)["response"])

    def _invoke(self, name: str, handler: Handler, event: dict[str, Any]) -> dict[str, Any]:
        try:
            return handler(event, LambdaContext(name))
        except Exception as exc:  # what Cognito does with any trigger failure
            raise CognitoError("UserLambdaValidationException", f"{name} failed with error {exc}.") from None

    def _event(self, state: _Session, source: str, request: dict[str, Any],
               response: dict[str, Any]) -> dict[str, Any]:
        return {
            "version": "1",
            "region": REGION,
            "userPoolId": self._pool,
            "userName": state.username,
            "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": self._client_id},
            "triggerSource": source,
            "request": request,
            "response": response,
        }

    def _lookup(self, username: str) -> tuple[dict[str, str], bool]:
        try:
            user = self._idp.admin_get_user(UserPoolId=self._pool, Username=username)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "UserNotFoundException":
                return {}, True
            raise
        attributes = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
        attributes["cognito:user_status"] = user.get("UserStatus", "CONFIRMED")
        return attributes, False

    def _check_password(self, username: str, password: str) -> dict[str, Any] | None:
        digest = hmac.new(self._secret.encode(), (username + self._client_id).encode(), hashlib.sha256).digest()
        try:
            result = self._idp.initiate_auth(
                ClientId=self._client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password,
                                "SECRET_HASH": base64.b64encode(digest).decode()},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("NotAuthorizedException", "UserNotFoundException"):
                return None
            raise
        tokens = result.get("AuthenticationResult")
        return dict(tokens) if tokens else None


def _entry(name: str, result: bool, metadata: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"challengeName": name, "challengeResult": result}
    if name == "CUSTOM_CHALLENGE":
        entry["challengeMetadata"] = metadata
    return entry
