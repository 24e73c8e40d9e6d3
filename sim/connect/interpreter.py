"""The flow interpreter: runs any flow-language flow block by block, as Amazon Connect would."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sim.connect import (
    actions,
    config_actions,
    lambda_action,
    lex_action,
    module_actions,
    participant_actions,
    queue_actions,
)
from sim.connect.centre import ContactCentre
from sim.connect.conditions import first_match
from sim.connect.contact import CallResult, ContactData, LambdaHandler, LexBridge, Participant
from sim.connect.errors import FlowDefinitionError, FlowError, UnsupportedBlock
from sim.connect.execution import (
    Encryptor,
    End,
    Execution,
    Failed,
    Invoke,
    ModuleCall,
    Next,
    Outcome,
    Result,
    Return,
    Services,
    Transfer,
)
from sim.connect.flow import Action, Flow
from sim.connect.transcript import ErrorBranch, ErrorEnded, Transcript

ActionHandler = Callable[[Execution, Action], Outcome]

ACTION_HANDLERS: Mapping[str, ActionHandler] = {
    "MessageParticipant": participant_actions.message_participant,
    "GetParticipantInput": participant_actions.get_participant_input,
    "ConnectParticipantWithLexBot": lex_action.connect_participant_with_lex_bot,
    "InvokeLambdaFunction": lambda_action.invoke_lambda_function,
    "UpdateContactAttributes": actions.update_contact_attributes,
    "Compare": actions.compare,
    "Loop": actions.loop,
    "UpdateFlowLoggingBehavior": actions.update_flow_logging_behavior,
    "UpdateContactRecordingBehavior": actions.update_contact_recording_behavior,
    "UpdateContactTextToSpeechVoice": actions.update_contact_text_to_speech_voice,
    "TransferToFlow": actions.transfer_to_flow,
    "DisconnectParticipant": actions.disconnect_participant,
    "EndFlowExecution": actions.end_flow_execution,
    **queue_actions.HANDLERS,
    **module_actions.HANDLERS,
    **config_actions.HANDLERS,
}


class FlowInterpreter:
    """Runs flows against local Lambda handlers, a Lex bridge and a participant (the caller's phone)."""

    def __init__(
        self,
        *,
        lambdas: Mapping[str, LambdaHandler] | Callable[[str], LambdaHandler],
        flows: Mapping[str, Flow] | None = None,
        lex: LexBridge | None = None,
        encryptor: Callable[[str, str], str] | None = None,
        max_steps: int = 1000,
        centre: ContactCentre | None = None,
    ) -> None:
        encrypt: Encryptor | None = encryptor
        self._services = Services(
            lambdas=lambdas, flows=dict(flows or {}), lex=lex, encryptor=encrypt, max_steps=max_steps,
            centre=centre or ContactCentre(),
        )  # fmt: skip

    def run(
        self, flow: Flow, *, participant: Participant, contact: ContactData, transcript: Transcript | None = None
    ) -> CallResult:
        """Run ``flow`` to its end, recording into ``transcript`` live if given; errors carry ``.partial``."""
        ex = Execution(services=self._services, participant=participant, contact=contact, flow=flow)
        if transcript is not None:
            ex.transcript = transcript
        try:
            disconnected = self._drive(ex)
        except FlowError as exc:
            exc.partial = ex.result(disconnected=False)
            raise
        return ex.result(disconnected=disconnected)

    def _drive(self, ex: Execution) -> bool:
        """Run blocks until one ends the flow; return whether the caller was disconnected."""
        while True:
            action = ex.flow.action(ex.block_id)
            ex.tick(action)
            handler = ACTION_HANDLERS.get(action.type)
            if handler is None:
                raise UnsupportedBlock(
                    action.identifier,
                    action.type,
                    f"the flow interpreter does not support the action Type {action.type!r}",
                )
            outcome = handler(ex, action)
            if isinstance(outcome, End):
                return outcome.disconnected
            if isinstance(outcome, Transfer):
                ex.flow, ex.block_id = outcome.flow, outcome.flow.start_action
                continue
            if isinstance(outcome, Invoke):
                ex.modules.append(ModuleCall(ex.flow, action, ex.flow_attributes, ex.module_input))
                ex.flow, ex.block_id, ex.flow_attributes = outcome.module, outcome.module.start_action, {}
                ex.module_input = dict(outcome.input)
                continue
            if isinstance(outcome, Return):
                ex.module_result, ex.module_result_data = outcome.result, dict(outcome.data)
                if not ex.modules:
                    return False  # a module run on its own: its end is the run's end
                call = ex.modules.pop()
                ex.flow, ex.flow_attributes, action = call.flow, call.flow_attributes, call.action
                ex.module_input = call.module_input
                # a returned branch picks the invoking block's condition of that name; none, its NextAction
                outcome = Result(outcome.result, equals_only=True) if outcome.result is not None else Next()
            target = self._next_block(ex, action, outcome)
            if target is None:
                return True
            ex.block_id = target

    @staticmethod
    def _next_block(ex: Execution, action: Action, outcome: Next | Result | Failed) -> str | None:
        """The block a Next, Result or Failed outcome leads to; ``None`` when an error without a branch ends it."""
        if isinstance(outcome, Result):
            matched = first_match(action, outcome.value, equals_only=outcome.equals_only)
            if matched is not None:
                return matched
            if action.conditions:
                outcome = Failed("NoMatchingCondition")
        if isinstance(outcome, Failed):
            target = action.errors.get(outcome.error_type, action.errors.get("NoMatchingError"))
            if target is None:  # Connect disconnects a contact whose block errs with no branch for it
                ex.record(ErrorEnded(action.identifier, error_type=outcome.error_type, block_type=action.type,
                                     reason=outcome.reason))  # fmt: skip
                return None
            ex.record(ErrorBranch(action.identifier, error_type=outcome.error_type, next_action=target,
                                  reason=outcome.reason))  # fmt: skip
            return target
        if action.next_action is None:
            raise FlowDefinitionError(
                f"flow {ex.flow.name!r}, block {action.identifier!r} ({action.type}) has no NextAction"
            )
        return action.next_action
