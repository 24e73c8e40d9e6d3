"""Small typed views over the AWS events our handlers receive, where Powertools' costs more than it gives.

Powertools' ``data_classes`` package imports every event class it has (SES, Firehose, API Gateway ...) and
its ``event_handler`` on first use: tens of milliseconds on each cold start, for the few fields a Cognito
trigger or a Connect flow step reads. These views read exactly those fields, check their types, and fail
with :class:`MalformedEventError` (never a ``KeyError`` quoting the event). No AWS calls, no third-party imports.
"""

from __future__ import annotations

from lambdas.events.base import MalformedEventError
from lambdas.events.cognito import (
    ChallengeResult,
    CreateAuthChallengeEvent,
    DefineAuthChallengeEvent,
    VerifyAuthChallengeEvent,
)
from lambdas.events.connect import ContactFlowEvent

__all__ = [
    "ChallengeResult",
    "ContactFlowEvent",
    "CreateAuthChallengeEvent",
    "DefineAuthChallengeEvent",
    "MalformedEventError",
    "VerifyAuthChallengeEvent",
]
