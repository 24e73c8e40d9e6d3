"""Cognito user pool custom-auth trigger events (Define, Create, Verify): the fields our triggers use.

Shapes: https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-challenge.html
Each view wraps the raw event and writes its answer into the event's ``response``, which the handler returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lambdas.events.base import MalformedEventError, flag, mapping, optional_string, root, string, string_map


@dataclass(frozen=True)
class ChallengeResult:
    """One round of the session: which challenge, whether it was answered correctly, our metadata."""

    challenge_name: str
    challenge_result: bool
    challenge_metadata: str | None = None


class _Trigger:
    """The parts every custom-auth trigger event shares."""

    kind = "Cognito trigger"

    def __init__(self, event: object) -> None:
        self.raw_event = root(event, self.kind)
        self.request = mapping(self.raw_event, "request", "event")
        response = self.raw_event.get("response")
        if response is None:
            response = self.raw_event["response"] = {}
        if not isinstance(response, dict):
            raise MalformedEventError("event.response must be an object")
        self.response: dict[str, Any] = response

    @property
    def user_name(self) -> str:
        return string(self.raw_event, "userName", "event")

    @property
    def user_not_found(self) -> bool:
        """Cognito invokes the trigger for unknown users too when ``PreventUserExistenceErrors`` is on."""
        return flag(self.request, "userNotFound", "request")

    @property
    def client_metadata(self) -> dict[str, str]:
        return string_map(self.request, "clientMetadata", "request")


class _WithSession(_Trigger):
    @property
    def session(self) -> list[ChallengeResult]:
        """The rounds so far, oldest first."""
        rounds = self.request.get("session")
        if rounds is None:
            return []
        if not isinstance(rounds, list):
            raise MalformedEventError("request.session must be a list")
        return [_challenge_result(entry, index) for index, entry in enumerate(rounds)]


def _challenge_result(entry: object, index: int) -> ChallengeResult:
    where = f"request.session[{index}]"
    if not isinstance(entry, Mapping):
        raise MalformedEventError(f"{where} must be an object")
    result = entry.get("challengeResult")
    if not isinstance(result, bool):
        raise MalformedEventError(f"{where}.challengeResult must be a boolean")
    return ChallengeResult(string(entry, "challengeName", where), result,
                           optional_string(entry, "challengeMetadata", where))


class DefineAuthChallengeEvent(_WithSession):
    """Define Auth Challenge: answer with the next challenge, tokens, or failure."""

    kind = "Define Auth Challenge"

    def answer(self, *, issue_tokens: bool, fail_authentication: bool, challenge_name: str | None) -> None:
        """Write the decision into the response."""
        self.response["issueTokens"] = issue_tokens
        self.response["failAuthentication"] = fail_authentication
        if challenge_name:
            self.response["challengeName"] = challenge_name


class CreateAuthChallengeEvent(_WithSession):
    """Create Auth Challenge: answer with the public and private challenge parameters."""

    kind = "Create Auth Challenge"

    @property
    def challenge_name(self) -> str:
        return string(self.request, "challengeName", "request")

    @property
    def user_attributes(self) -> dict[str, str]:
        return string_map(self.request, "userAttributes", "request")

    def answer(self, *, public: Mapping[str, str], private: Mapping[str, str], metadata: str) -> None:
        """Write the challenge into the response."""
        self.response["publicChallengeParameters"] = dict(public)
        self.response["privateChallengeParameters"] = dict(private)
        self.response["challengeMetadata"] = metadata


class VerifyAuthChallengeEvent(_Trigger):
    """Verify Auth Challenge Response: answer whether the user's answer is correct."""

    kind = "Verify Auth Challenge Response"

    @property
    def private_challenge_parameters(self) -> dict[str, str]:
        return string_map(self.request, "privateChallengeParameters", "request")

    @property
    def challenge_answer(self) -> object:
        """The user's answer as sent (checked by the OTP store, never echoed); None when absent."""
        return self.request.get("challengeAnswer")

    def answer(self, *, correct: bool) -> None:
        """Write the verdict into the response."""
        self.response["answerCorrect"] = correct
