"""Flow-control and contact actions: attributes, Compare, Loop, logging, recording, voice, transfer, end.

https://docs.aws.amazon.com/connect/latest/APIReference/flow-control-actions.html
https://docs.aws.amazon.com/connect/latest/APIReference/contact-actions.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.connect.execution import End, Execution, Next, Outcome, Result, Transfer
from sim.connect.flow import Action, Flow
from sim.connect.jsonpath import as_text, is_reference
from sim.connect.transcript import (
    AttributeSet,
    Disconnected,
    FlowEnded,
    FlowTransferred,
    LoggingChanged,
    RecordingChanged,
    RecordingState,
    VoiceSet,
)

_MAX_LOOP_COUNT = 100


def update_flow_logging_behavior(ex: Execution, action: Action) -> Outcome:
    """``FlowLoggingBehavior``: Enabled or Disabled (static)."""
    behavior = action.parameters.get("FlowLoggingBehavior")
    if behavior not in {"Enabled", "Disabled"}:
        raise ex.definition_error(
            action, f"FlowLoggingBehavior must be Enabled or Disabled, got {behavior!r}"
        )
    ex.logging_history.append(behavior == "Enabled")
    ex.record(LoggingChanged(action.identifier, enabled=behavior == "Enabled"))
    return Next()


def update_contact_attributes(ex: Execution, action: Action) -> Outcome:
    """Set every attribute of ``Attributes``, or none of them when one cannot be resolved."""
    raw = action.parameters.get("Attributes")
    if not isinstance(raw, Mapping) or not raw:
        raise ex.definition_error(action, "Attributes must be a non-empty object")
    resolved: Mapping[str, Any] = ex.resolve(action, dict(raw))
    missing = [key for key, value in resolved.items() if value is None]
    if missing:
        return ex.fail("NoMatchingError", f"attribute(s) {', '.join(missing)} resolved to nothing")
    for key, value in resolved.items():
        ex.attributes[key] = as_text(value)
        ex.record(AttributeSet(action.identifier, key=key, value=ex.attributes[key]))
    return Next()


def compare(ex: Execution, action: Action) -> Outcome:
    """``ComparisonValue`` (a single JSONPath reference) against the block's Conditions."""
    reference = action.parameters.get("ComparisonValue")
    if not is_reference(reference):
        raise ex.definition_error(
            action, f"ComparisonValue must be a single JSONPath reference, got {reference!r}"
        )
    value = ex.resolve(action, reference)
    return Result(None if value is None else as_text(value))


def loop(ex: Execution, action: Action) -> Outcome:
    """ContinueLooping ``LoopCount`` times for this block, then DoneLooping once, then start over."""
    count = ex.integer(action, "LoopCount", default=0, low=0, high=_MAX_LOOP_COUNT)
    key = (ex.flow.name, action.identifier)
    done = ex.loop_counters.get(key, 0)
    if done < count:
        ex.loop_counters[key] = done + 1
        return Result("ContinueLooping", equals_only=True)
    ex.loop_counters[key] = 0
    return Result("DoneLooping", equals_only=True)


def update_contact_recording_behavior(ex: Execution, action: Action) -> Outcome:
    """``RecordingBehavior`` (RecordedParticipants, IVRRecordingBehavior) and ``AnalyticsBehavior``."""
    current = ex.recording_history[-1]
    recording = action.parameters.get("RecordingBehavior") or {}
    analytics = action.parameters.get("AnalyticsBehavior") or {}
    if not isinstance(recording, Mapping) or not isinstance(analytics, Mapping):
        raise ex.definition_error(action, "RecordingBehavior and AnalyticsBehavior must be objects")
    participants = recording.get("RecordedParticipants", list(current.recorded_participants))
    if not isinstance(participants, list) or not all(isinstance(p, str) for p in participants):
        raise ex.definition_error(action, "RecordedParticipants must be a list of participant names")
    ivr = recording.get("IVRRecordingBehavior", "Enabled" if current.ivr_recording else "Disabled")
    if ivr not in {"Enabled", "Disabled"}:
        raise ex.definition_error(action, f"IVRRecordingBehavior must be Enabled or Disabled, got {ivr!r}")
    both = {"Agent", "Customer"} <= set(participants)
    enabled = analytics.get("Enabled")
    if enabled not in {None, "True", "False"}:
        raise ex.definition_error(
            action, f'AnalyticsBehavior.Enabled must be "True" or "False", got {enabled!r}'
        )
    if enabled == "True" and not both:
        raise ex.definition_error(
            action, "analytics can be enabled only when Agent and Customer are both recorded"
        )
    state = RecordingState(
        recorded_participants=tuple(participants),
        ivr_recording=ivr == "Enabled",
        analytics=enabled == "True" if enabled is not None else current.analytics and both,
    )
    ex.recording_history.append(state)
    ex.record(RecordingChanged(action.identifier, state=state))
    return Next()


def update_contact_text_to_speech_voice(ex: Execution, action: Action) -> Outcome:
    """``TextToSpeechVoice`` and optional ``TextToSpeechEngine`` (static)."""
    voice, engine = action.parameters.get("TextToSpeechVoice"), action.parameters.get("TextToSpeechEngine")
    if not isinstance(voice, str) or not voice or (engine is not None and not isinstance(engine, str)):
        raise ex.definition_error(
            action, "TextToSpeechVoice must be a voice name (and TextToSpeechEngine a string)"
        )
    ex.voice, ex.voice_engine = voice, engine
    ex.record(VoiceSet(action.identifier, voice=voice, engine=engine))
    return Next()


def transfer_to_flow(ex: Execution, action: Action) -> Outcome:
    """Continue at the start of ``ContactFlowId`` (an ARN, id or name in the interpreter's flow library)."""
    reference = as_text(ex.param(action, "ContactFlowId")).strip()
    if not reference:
        return ex.fail("NoMatchingError", "ContactFlowId resolved to nothing")
    target = find_flow(ex.services.flows, reference)
    if target is None:
        return ex.fail("NoMatchingError", f"no flow {reference.rsplit('/', 1)[-1]!r} in the flow library")
    ex.record(FlowTransferred(action.identifier, from_flow=ex.flow.name, to_flow=target.name))
    return Transfer(target)


def find_flow(flows: Mapping[str, Flow], reference: str) -> Flow | None:
    """The flow ``reference`` names: a library key, the id at the end of an ARN, or a flow's name."""
    tail = reference.rsplit("/", 1)[-1]
    for key in (reference, tail):
        if key and key in flows:
            return flows[key]
    return next((flow for flow in flows.values() if flow.name in {reference, tail}), None)


def disconnect_participant(ex: Execution, action: Action) -> Outcome:
    """Hang up on the caller; the flow stops."""
    ex.record(Disconnected(action.identifier))
    return End(disconnected=True)


def end_flow_execution(ex: Execution, action: Action) -> Outcome:
    """Finish the flow without explicitly disconnecting."""
    ex.record(FlowEnded(action.identifier))
    return End(disconnected=False)
