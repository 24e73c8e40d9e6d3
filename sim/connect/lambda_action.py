"""InvokeLambdaFunction: Connect's ContactFlowEvent in, ``$.External`` out, error branch on any failure.

https://docs.aws.amazon.com/connect/latest/APIReference/interactions-invokelambdafunction.html
https://docs.aws.amazon.com/connect/latest/adminguide/connect-lambda-functions.html
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from time import monotonic
from typing import Any

from sim.connect.contact import LambdaHandler
from sim.connect.execution import Execution, Next, Outcome
from sim.connect.flow import Action
from sim.connect.jsonpath import as_text
from sim.connect.transcript import LambdaInvoked
from sim.fakes import FakeLambdaContext

_MAX_TIME_LIMIT_SECONDS = 8
_DEFAULT_TIME_LIMIT_SECONDS = 3
_MAX_RESPONSE_BYTES = 32 * 1024


def contact_flow_event(ex: Execution, parameters: Mapping[str, str]) -> dict[str, Any]:
    """The event Connect sends: ``{"Details": {"ContactData": ..., "Parameters": ...}, "Name": ...}``."""
    data = ex.data()
    contact_data = {
        key: copy.deepcopy(data[key])
        for key in (
            "Attributes", "Channel", "ContactId", "CustomerEndpoint", "InitialContactId", "InitiationMethod",
            "InstanceARN", "LanguageCode", "PreviousContactId", "Queue", "SystemEndpoint",
        )
    }  # fmt: skip
    contact_data["MediaStreams"] = {
        "Customer": {"Audio": {"StartFragmentNumber": None, "StartTimestamp": None, "StreamARN": None}}
    }
    contact_data["Name"] = "ContactFlowEvent"
    return {
        "Details": {"ContactData": contact_data, "Parameters": dict(parameters)},
        "Name": "ContactFlowEvent",
    }


def invoke_lambda_function(ex: Execution, action: Action) -> Outcome:  # noqa: PLR0911 - one return per error branch
    """Invoke the handler; on success its response becomes ``$.External``."""
    if "LambdaFunctionARN" not in action.parameters:
        raise ex.definition_error(action, "LambdaFunctionARN is required")
    arn = as_text(ex.param(action, "LambdaFunctionARN")).strip()
    if not arn:
        return ex.fail("NoMatchingError", "LambdaFunctionARN resolved to nothing")
    limit = ex.integer(
        action,
        "InvocationTimeLimitSeconds",
        default=_DEFAULT_TIME_LIMIT_SECONDS,
        low=1,
        high=_MAX_TIME_LIMIT_SECONDS,
    )
    validation = action.parameters.get("ResponseValidation") or {}
    response_type = validation.get("ResponseType", "STRING_MAP") if isinstance(validation, Mapping) else None
    if response_type not in {"STRING_MAP", "JSON"}:
        raise ex.definition_error(
            action, f"ResponseValidation.ResponseType must be STRING_MAP or JSON, got {response_type!r}"
        )
    invocation_type = action.parameters.get("InvocationType", "SYNCHRONOUS")
    attributes = ex.param(action, "LambdaInvocationAttributes", {})
    if not isinstance(attributes, Mapping):
        raise ex.definition_error(action, "LambdaInvocationAttributes must be an object")
    handler = _handler_for(ex, arn)
    if handler is None:
        return ex.fail("NoMatchingError", f"no local handler is mapped for Lambda {_function_name(arn)!r}")
    event = contact_flow_event(ex, {str(k): as_text(v) for k, v in attributes.items()})
    logging = ex.logging_enabled

    def invoked(outcome: str, keys: tuple[str, ...] = (), error_type: str | None = None) -> None:
        ex.record(
            LambdaInvoked(
                action.identifier,
                function_arn=arn,
                outcome=outcome,
                response_keys=keys,
                logging_enabled=logging,
                error_type=error_type,
            )
        )

    started = monotonic()
    try:
        response = handler(event, FakeLambdaContext(arn, timeout_seconds=limit, memory_mb=128))
    except TimeoutError:
        invoked("timeout", error_type="TimeoutError")
        return ex.fail("NoMatchingError", "the Lambda timed out")
    except Exception as exc:  # the function failed: Connect takes the error branch, never shows the message
        invoked("error", error_type=type(exc).__name__)
        return ex.fail("NoMatchingError", f"the Lambda raised {type(exc).__name__}")
    if monotonic() - started > limit:
        invoked("timeout", error_type="InvocationTimeLimitExceeded")
        return ex.fail("NoMatchingError", f"the Lambda ran longer than {limit} s")
    if invocation_type == "ASYNCHRONOUS":
        invoked("ok")
        return Next()
    external = _validated(response, response_type)
    if external is None:
        invoked("invalid-response", error_type=f"not a valid {response_type} response")
        return ex.fail("NoMatchingError", f"the Lambda's response is not a valid {response_type} response")
    ex.external = external
    invoked("ok", tuple(external))
    return Next()


def _function_name(arn: str) -> str:
    """The function name (with qualifier) in a Lambda ARN, or the reference as given."""
    return arn.rsplit(":function:", maxsplit=1)[-1]


def _handler_for(ex: Execution, arn: str) -> LambdaHandler | None:
    """The local handler for ``arn``: by ARN, by ``name:qualifier`` or by function name (``None``: not mapped)."""
    lambdas = ex.services.lambdas
    if isinstance(lambdas, Mapping):
        function = _function_name(arn)
        for key in (arn, function, function.split(":")[0]):
            if key in lambdas:
                handler: LambdaHandler = lambdas[key]
                return handler
        return None
    try:
        return lambdas(arn)
    except LookupError:
        return None


def _validated(response: Any, response_type: str) -> dict[str, Any] | None:
    """The response as ``$.External``, or ``None`` when Connect would reject it."""
    if not isinstance(response, dict) or not all(isinstance(key, str) for key in response):
        return None
    if response_type == "STRING_MAP":
        flat: dict[str, Any] = {}
        for key, value in response.items():
            if isinstance(value, bool):
                flat[key] = "true" if value else "false"
            elif isinstance(value, str | int | float):
                flat[key] = str(value)
            else:
                return None
        result = flat
    else:
        try:
            result = json.loads(json.dumps(response))
        except (TypeError, ValueError):
            return None
    if len(json.dumps(result).encode("utf-8")) > _MAX_RESPONSE_BYTES:
        return None
    return result
