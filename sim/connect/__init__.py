"""A local Amazon Connect flow interpreter: runs the flow JSON in ``contact_flows/`` as Connect would.

Generic over the flow language (Version 2019-10-30): blocks, JSONPath references, conditions, error
branches, Lambda invocations with Connect's event shape, Lex V2 conversations, encrypted stored input.
"""

from __future__ import annotations

from sim.connect.contact import CallResult, ContactData, InputRequest, LambdaHandler, LexBridge, Participant
from sim.connect.errors import (
    FlowDefinitionError,
    FlowError,
    FlowRuntimeError,
    PlaceholderError,
    StepLimitExceeded,
    UnsupportedBlock,
)
from sim.connect.flow import Action, Condition, Flow, fn_sub, load_flow, parse_flow
from sim.connect.interpreter import ACTION_HANDLERS, FlowInterpreter
from sim.connect.lambda_action import contact_flow_event
from sim.connect.scripted import ScriptedParticipant
from sim.connect.ssml import InvalidSsml, ssml_to_text
from sim.connect.transcript import (
    AttributeSet,
    Disconnected,
    ErrorBranch,
    Event,
    FlowEnded,
    FlowTransferred,
    InputStored,
    LambdaInvoked,
    LexTurn,
    LoggingChanged,
    ParticipantPressed,
    ParticipantSaid,
    ParticipantSilent,
    RecordingChanged,
    RecordingState,
    SystemSaid,
    Transcript,
    VoiceSet,
)

__all__ = [
    "ACTION_HANDLERS",
    "Action",
    "AttributeSet",
    "CallResult",
    "Condition",
    "ContactData",
    "Disconnected",
    "ErrorBranch",
    "Event",
    "Flow",
    "FlowDefinitionError",
    "FlowEnded",
    "FlowError",
    "FlowInterpreter",
    "FlowRuntimeError",
    "FlowTransferred",
    "InputRequest",
    "InputStored",
    "InvalidSsml",
    "LambdaHandler",
    "LambdaInvoked",
    "LexBridge",
    "LexTurn",
    "LoggingChanged",
    "Participant",
    "ParticipantPressed",
    "ParticipantSaid",
    "ParticipantSilent",
    "PlaceholderError",
    "RecordingChanged",
    "RecordingState",
    "ScriptedParticipant",
    "StepLimitExceeded",
    "SystemSaid",
    "Transcript",
    "UnsupportedBlock",
    "VoiceSet",
    "contact_flow_event",
    "fn_sub",
    "load_flow",
    "parse_flow",
    "ssml_to_text",
]
