"""Cognito's InitiateAuth / RespondToAuthChallenge, run locally over moto's user pool and the trigger handlers.

moto's user pool holds the users and the app clients, but lets any client use any auth flow. This driver plays
what moto does not:

- It refuses an ``AuthFlow`` the app client does not allow, as Cognito does (``InvalidParameterException``,
  ``<FLOW> flow not enabled for this client``), reading the client's ``ExplicitAuthFlows`` from moto
  (``DescribeUserPoolClient``) on every call, with Cognito's default when the list is unset. It checks
  ``SECRET_HASH`` for clients with a secret.
- Each session token it returns lasts the client's ``AuthSessionValidity`` (minutes, from the same
  ``DescribeUserPoolClient``), counted from when that token was issued, as Cognito counts it.
- For ``CUSTOM_AUTH`` it runs the custom-auth loop (Define → Create → answer → Verify → Define ...), invoking
  the three trigger handlers with the event shapes Cognito uses (``session`` list with ``challengeResult`` and
  ``challengeMetadata``, ``userNotFound``, private/public challenge parameters, ``clientMetadata``), and turns
  trigger failures into the errors Cognito returns.

Passwords are checked against moto's user store directly (:class:`MotoUserPool`), never through an auth flow
of the client, so the check does not depend on which flows the client allows. One simplification, documented:
the SRP exchange is collapsed into that password check. ``USER_SRP_AUTH`` and ``CUSTOM_AUTH`` take ``PASSWORD``
where a real client sends ``SRP_A`` and then a password proof; ``CUSTOM_AUTH`` records the ``SRP_A`` and
``PASSWORD_VERIFIER`` session entries Cognito would record.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from sim.aws import ACCOUNT_ID, REGION
from sim.fakes import FakeLambdaContext

TRIGGER_TIMEOUT_SECONDS = 5  # Cognito waits 5 s for a trigger
# A test suite running many local runtimes in parallel on a loaded machine may stretch the budget (it is
# checked to the millisecond by unit tests with their own clocks); a person using the runtime never should.
TRIGGER_TIMEOUT_OVERRIDE = "SIM_TRIGGER_TIMEOUT_SECONDS"


def trigger_timeout_seconds() -> float:
    """Cognito's 5 s, unless ``SIM_TRIGGER_TIMEOUT_SECONDS`` stretches it (tests under parallel load only)."""
    raw = os.environ.get(TRIGGER_TIMEOUT_OVERRIDE)
    return max(float(raw), TRIGGER_TIMEOUT_SECONDS) if raw else TRIGGER_TIMEOUT_SECONDS
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
DEFAULT_SESSION_MINUTES = 3  # Cognito's AuthSessionValidity when the client does not set it

# InitiateAuth's AuthFlow → the ExplicitAuthFlows value that enables it.
FLOW_PERMISSIONS = {
    "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
    "USER_SRP_AUTH": "ALLOW_USER_SRP_AUTH",
    "CUSTOM_AUTH": "ALLOW_CUSTOM_AUTH",
    "REFRESH_TOKEN_AUTH": "ALLOW_REFRESH_TOKEN_AUTH",
    "REFRESH_TOKEN": "ALLOW_REFRESH_TOKEN_AUTH",
    "USER_AUTH": "ALLOW_USER_AUTH",
}
# What a client allows when its ExplicitAuthFlows is unset (UserPoolClientType.ExplicitAuthFlows in the API).
DEFAULT_ALLOWED_FLOWS = frozenset({"ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"})


class CognitoError(Exception):
    """What Cognito would return to the client: an error code and its message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def secret_hash(client_secret: str, client_id: str, username: str) -> str:
    """``SECRET_HASH``: Base64(HMAC-SHA-256(client secret, username + client id)), as a Cognito client sends it."""
    digest = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


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
    client_id: str
    username: str
    user_not_found: bool
    attributes: dict[str, str]
    session_seconds: float  # the client's AuthSessionValidity
    issued: float = 0.0  # when the current session token was handed out
    entries: list[dict[str, Any]] = field(default_factory=list)
    private: dict[str, str] = field(default_factory=dict)
    metadata: str | None = None


class MotoUserPool:
    """moto's user store for one pool, reached directly: what its API only offers through an auth flow."""

    def __init__(self, user_pool_id: str) -> None:
        self._id = user_pool_id

    def _pool(self) -> Any:
        from moto.cognitoidp.models import cognitoidp_backends

        return cognitoidp_backends[ACCOUNT_ID][REGION].user_pools[self._id]

    def password_matches(self, username: str, password: str) -> bool:
        """True for an enabled, confirmed user whose password is ``password`` (constant-time compare)."""
        from moto.cognitoidp.models import UserStatus

        user = self._pool()._get_user(username)
        if user is None or not user.enabled or user.status is not UserStatus.CONFIRMED or user.password is None:
            return False
        return hmac.compare_digest(str(user.password).encode(), password.encode())

    def mint_tokens(self, client_id: str, username: str) -> dict[str, Any]:
        """ID, access and refresh tokens for ``username`` on ``client_id``, as Cognito issues them."""
        pool = self._pool()
        refresh, jti = pool.create_refresh_token(client_id, username)
        access, expires = pool.create_access_token(client_id, username, origin_jti=jti)
        id_token, _ = pool.create_id_token(client_id, username, origin_jti=jti)
        return {"IdToken": id_token, "AccessToken": access, "RefreshToken": refresh, "ExpiresIn": expires,
                "TokenType": "Bearer"}


class CustomAuthDriver:
    """Plays Cognito's side of InitiateAuth / RespondToAuthChallenge against moto and the trigger handlers.

    ``client_id`` / ``client_secret`` are the app's own client: :meth:`initiate_auth` signs in through it as
    the app would (``CUSTOM_AUTH`` with ``SECRET_HASH``). :meth:`initiate` takes any client of the pool.
    """

    def __init__(self, *, idp: Any, users: MotoUserPool, user_pool_id: str, client_id: str, client_secret: str,
                 triggers: Triggers, now: Callable[[], float], passwordless: bool) -> None:
        self._idp = idp
        self._users = users
        self._pool = user_pool_id
        self._client_id = client_id
        self._secret = client_secret
        self._triggers = triggers
        self._now = now
        self._passwordless = passwordless
        self._sessions: dict[str, _Session] = {}

    # -- client-facing API --------------------------------------------------------------------
    def initiate_auth(self, username: str, password: str | None = None,
                      client_metadata: Mapping[str, str] | None = None) -> AuthResult:
        """The app's sign-in: CUSTOM_AUTH on its client, with a password (SRP in a real client) unless the
        pool is passwordless."""
        parameters = {"USERNAME": username, "SECRET_HASH": secret_hash(self._secret, self._client_id, username)}
        if password is not None:
            parameters["PASSWORD"] = password
        return self.initiate("CUSTOM_AUTH", parameters, client_metadata=client_metadata)

    def initiate(self, auth_flow: str, parameters: Mapping[str, str], *, client_id: str | None = None,
                 client_metadata: Mapping[str, str] | None = None) -> AuthResult:
        """InitiateAuth(``auth_flow``) on ``client_id`` (the app's client by default), refused as Cognito refuses
        it when the client's ExplicitAuthFlows does not enable the flow.

        ``USER_PASSWORD_AUTH`` and ``USER_SRP_AUTH`` (collapsed: ``PASSWORD`` in place of ``SRP_A``) issue tokens
        on the password alone, as Cognito does for a pool whose MFA is off; ``REFRESH_TOKEN_AUTH`` renews tokens
        (moto's refresh); ``CUSTOM_AUTH`` runs the custom-auth loop.
        """
        client_id = client_id or self._client_id
        client = self._client(client_id)
        _require_enabled(auth_flow, client)
        if auth_flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
            return self._refresh(client_id, parameters)
        if auth_flow == "USER_AUTH":
            raise NotImplementedError("USER_AUTH (choice-based sign-in) is not emulated")
        username = parameters.get("USERNAME")
        if not username:
            raise CognitoError("InvalidParameterException", "Missing required parameter USERNAME")
        _check_secret_hash(client, username, parameters.get("SECRET_HASH"))
        password = parameters.get("PASSWORD")
        if auth_flow in ("USER_PASSWORD_AUTH", "USER_SRP_AUTH"):
            if password is None or not self._users.password_matches(username, password):
                raise CognitoError("NotAuthorizedException", "Incorrect username or password.")
            return AuthResult(tokens=self._users.mint_tokens(client_id, username))
        minutes = int(client.get("AuthSessionValidity") or DEFAULT_SESSION_MINUTES)
        return self._custom_auth(client_id, username, password, dict(client_metadata or {}), minutes * 60)

    def respond_to_auth_challenge(self, session: str, answer: str,
                                  client_metadata: Mapping[str, str] | None = None) -> AuthResult:
        """RespondToAuthChallenge(CUSTOM_CHALLENGE) with the user's answer."""
        state = self._sessions.pop(session, None)
        if state is None:
            raise CognitoError("NotAuthorizedException", "Invalid session for the user.")
        if self._now() - state.issued > state.session_seconds:
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
    def _client(self, client_id: str) -> dict[str, Any]:
        try:
            client: dict[str, Any] = self._idp.describe_user_pool_client(
                UserPoolId=self._pool, ClientId=client_id)["UserPoolClient"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ResourceNotFoundException":
                raise CognitoError("ResourceNotFoundException", f"User pool client {client_id} does not exist.") \
                    from None
            raise
        return client

    def _refresh(self, client_id: str, parameters: Mapping[str, str]) -> AuthResult:
        try:
            result = self._idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                                             AuthParameters=dict(parameters))
        except ClientError as exc:
            raise CognitoError(exc.response["Error"]["Code"], exc.response["Error"].get("Message", "")) from None
        return AuthResult(tokens=dict(result["AuthenticationResult"]))

    def _custom_auth(self, client_id: str, username: str, password: str | None, metadata: dict[str, str],
                     session_seconds: float) -> AuthResult:
        attributes, not_found = self._lookup(username)
        state = _Session(client_id=client_id, username=username, user_not_found=not_found, attributes=attributes,
                         session_seconds=session_seconds)
        if not self._passwordless:
            if password is None:
                raise CognitoError("InvalidParameterException", "Missing required parameter PASSWORD")
            state.entries.append(_entry("SRP_A", True))
            decision = self._define(state, metadata)
            if decision.get("challengeName") != "PASSWORD_VERIFIER":
                raise CognitoError("NotAuthorizedException", "Incorrect username or password.")
            state.entries.append(_entry("PASSWORD_VERIFIER", self._users.password_matches(username, password)))
        return self._next(state, metadata)

    def _next(self, state: _Session, metadata: dict[str, str]) -> AuthResult:
        decision = self._define(state, metadata)
        if decision.get("issueTokens") is True and not state.user_not_found:
            return AuthResult(tokens=self._users.mint_tokens(state.client_id, state.username))
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
        state.issued = self._now()
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
            return handler(event, FakeLambdaContext(name, timeout_seconds=trigger_timeout_seconds()))
        except Exception as exc:  # what Cognito does with any trigger failure
            detail = str(exc).rstrip(".")  # the message's own full stop is the sentence's: never "later.."
            raise CognitoError("UserLambdaValidationException", f"{name} failed with error {detail}.") from None

    def _event(self, state: _Session, source: str, request: dict[str, Any],
               response: dict[str, Any]) -> dict[str, Any]:
        return {
            "version": "1",
            "region": REGION,
            "userPoolId": self._pool,
            "userName": state.username,
            "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": state.client_id},
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


def allowed_flows(client: Mapping[str, Any]) -> frozenset[str]:
    """The ``ALLOW_*`` values a client enables (Cognito's default when ``ExplicitAuthFlows`` is unset)."""
    listed = client.get("ExplicitAuthFlows")
    if not listed:
        return DEFAULT_ALLOWED_FLOWS
    legacy = sorted(value for value in listed if not value.startswith("ALLOW_"))
    if legacy:
        raise NotImplementedError(f"legacy ExplicitAuthFlows values are not emulated: {legacy}")
    return frozenset(listed)


def _require_enabled(auth_flow: str, client: Mapping[str, Any]) -> None:
    permission = FLOW_PERMISSIONS.get(auth_flow)
    if permission is None:
        raise CognitoError("InvalidParameterException", f"{auth_flow} is not a valid AuthFlow for InitiateAuth")
    if permission not in allowed_flows(client):
        raise CognitoError("InvalidParameterException", f"{auth_flow} flow not enabled for this client")


def _check_secret_hash(client: Mapping[str, Any], username: str, given: str | None) -> None:
    secret = client.get("ClientSecret")
    if not secret:
        return
    client_id = str(client["ClientId"])
    if not given:
        raise CognitoError("NotAuthorizedException",
                           f"Client {client_id} is configured with secret but SECRET_HASH was not received")
    if not hmac.compare_digest(given, secret_hash(str(secret), client_id, username)):
        raise CognitoError("NotAuthorizedException", f"Unable to verify secret hash for client {client_id}")


def _entry(name: str, result: bool, metadata: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"challengeName": name, "challengeResult": result}
    if name == "CUSTOM_CHALLENGE":
        entry["challengeMetadata"] = metadata
    return entry
