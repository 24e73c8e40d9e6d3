"""Queues and agents: set the working queue, check hours, staffing and metrics, transfer to a queue or number.

The contact centre behind them is ``sim.connect.centre.ContactCentre`` (the interpreter's ``centre=``).
https://docs.aws.amazon.com/connect/latest/APIReference/contact-actions.html
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from lambdas.common.core.phone import E164
from sim.connect.centre import Queue
from sim.connect.execution import End, Execution, Failed, Next, Outcome, Result
from sim.connect.flow import Action
from sim.connect.jsonpath import as_text
from sim.connect.transcript import Note

_STAFFING = {"Staffed": "agents_staffed", "Available": "agents_available", "Online": "agents_online"}
_METRICS: Mapping[str, Callable[[Queue], int]] = {
    "NumberOfAgentsStaffed": lambda q: q.agents_staffed,
    "NumberOfAgentsAvailable": lambda q: q.agents_available,
    "NumberOfAgentsOnline": lambda q: q.agents_online,
    "NumberOfContactsInQueue": lambda q: q.contacts_in_queue,
    "OldestContactInQueueAgeSeconds": lambda _q: 0,
}


def _queue_for(ex: Execution, action: Action, parameter: str = "QueueId") -> Queue | Failed:
    """The queue the block names (``parameter``, else the working queue), or the error Connect raises."""
    if parameter in action.parameters:
        reference = as_text(ex.param(action, parameter))
        queue = ex.services.centre.queue(reference)
        if queue is None:
            why = "resolved to nothing" if not reference.strip() else "is not a queue of the instance"
            return ex.fail("NoMatchingError", f"{parameter} {why}")
        return queue
    if ex.queue is None:
        return ex.fail("NoMatchingError", "no working queue is set ($.Queue is empty)")
    return ex.queue


def update_contact_target_queue(ex: Execution, action: Action) -> Outcome:
    """Set the working queue (``QueueId``, or an agent's queue for ``AgentId``)."""
    if "AgentId" in action.parameters and "QueueId" not in action.parameters:
        agent = as_text(ex.param(action, "AgentId")).strip()
        if not agent:
            return ex.fail("NoMatchingError", "AgentId resolved to nothing")
        queue = ex.services.centre.queue(f"agent-{agent.rsplit('/', 1)[-1]}")
    else:
        found = _queue_for(ex, action)
        if isinstance(found, Failed):
            return found
        queue = found
    assert queue is not None
    ex.queue = queue
    ex.record(Note(action.identifier, f"working queue set to {queue.name}"))
    return Next()


def transfer_contact_to_queue(ex: Execution, action: Action) -> Outcome:
    """Put the contact in the working queue: the flow ends there and (if the queue says so) an agent answers."""
    found = _queue_for(ex, action)
    if isinstance(found, Failed):
        return found
    if found.at_capacity:
        return ex.fail("QueueAtCapacity", f"queue {found.name} is at capacity")
    ex.transferred_to = found.name
    answered = "an agent answers" if found.agent_answers else "no agent answers"
    ex.record(Note(action.identifier, f"transferred to queue {found.name}: {answered}"))
    return End(disconnected=False)


def transfer_participant_to_third_party(ex: Execution, action: Action) -> Outcome:
    """Call an external number; the flow ends unless ``ContinueFlowExecution`` is True."""
    number = as_text(ex.param(action, "ThirdPartyPhoneNumber")).strip()
    if not E164.fullmatch(number):
        return ex.fail("NoMatchingError", "ThirdPartyPhoneNumber is not an E.164 number")
    ex.transferred_to = number
    ex.record(Note(action.identifier, f"transferred to {number}"))
    if ex.flag(action, "ContinueFlowExecution", default=False):
        return Next()
    return End(disconnected=False)


def check_hours_of_operation(ex: Execution, action: Action) -> Outcome:
    """"True" when the hours (``HoursOfOperationId``, else the working queue's) are open now."""
    reference = as_text(ex.param(action, "HoursOfOperationId", "")).strip()
    if reference:
        hours = ex.services.centre.hours(reference)
    else:
        found = _queue_for(ex, action, parameter="QueueId") if "QueueId" in action.parameters or ex.queue else None
        if found is None:
            return ex.fail("NoMatchingError", "no HoursOfOperationId and no working queue")
        if isinstance(found, Failed):
            return found
        hours = found.hours
    is_open = ex.services.centre.open(hours)
    ex.record(Note(action.identifier, f"hours {hours.name}: {'open' if is_open else 'closed'}"))
    return Result("True" if is_open else "False")


def check_staffing(ex: Execution, action: Action) -> Outcome:
    """"True" when the queue has agents Staffed / Available / Online (``MetricType``)."""
    metric = as_text(ex.param(action, "MetricType", "Staffed"))
    if metric not in _STAFFING:
        raise ex.definition_error(action, f"MetricType must be one of {', '.join(_STAFFING)}, got {metric!r}")
    found = _queue_for(ex, action)
    if isinstance(found, Failed):
        return found
    return Result("True" if getattr(found, _STAFFING[metric]) > 0 else "False")


def check_metric_data(ex: Execution, action: Action) -> Outcome:
    """The queue's ``MetricType`` value, compared by the block's (numeric) conditions."""
    metric = as_text(ex.param(action, "MetricType"))
    if metric not in _METRICS:
        raise ex.definition_error(action, f"MetricType must be one of {', '.join(_METRICS)}, got {metric!r}")
    found = _queue_for(ex, action)
    if isinstance(found, Failed):
        return found
    return Result(str(_METRICS[metric](found)))


def get_metric_data(ex: Execution, action: Action) -> Outcome:
    """Load the queue's real-time metrics into ``$.Metrics``."""
    found = _queue_for(ex, action)
    if isinstance(found, Failed):
        return found
    ex.metrics = found.metrics()
    ex.record(Note(action.identifier, f"metrics loaded for queue {found.name}"))
    return Next()


HANDLERS: Mapping[str, Callable[[Execution, Action], Outcome]] = {
    "UpdateContactTargetQueue": update_contact_target_queue,
    "TransferContactToQueue": transfer_contact_to_queue,
    "TransferToQueue": transfer_contact_to_queue,
    "TransferParticipantToThirdParty": transfer_participant_to_third_party,
    "CheckHoursOfOperation": check_hours_of_operation,
    "CheckStaffing": check_staffing,
    "CheckMetricData": check_metric_data,
    "GetMetricData": get_metric_data,
}
