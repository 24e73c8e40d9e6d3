"""Flow modules and flow attributes: InvokeFlowModule, EndFlowModuleExecution, UpdateFlowAttributes.

A module runs with the contact's attributes, its own ``$.FlowAttributes`` and the invoking block's ``Input``
as ``$.Modules.Input``. ``EndFlowModuleExecution`` returns ``ResultData`` (the caller's ``$.Modules.ResultData``)
and optionally a custom branch ``Result`` (the caller's ``$.Modules.Result``), which picks the invoking block's
condition of that name; without one, its NextAction follows. A module run on its own ends the run there.
https://docs.aws.amazon.com/connect/latest/APIReference/flow-language-actions-invoke-flow-module.html
https://docs.aws.amazon.com/connect/latest/adminguide/connect-attrib-list.html (flow module attributes)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sim.connect.actions import find_flow
from sim.connect.execution import Execution, Invoke, Next, Outcome, Return
from sim.connect.flow import Action
from sim.connect.jsonpath import as_text
from sim.connect.transcript import AttributeSet, Note

_MAX_MODULE_DEPTH = 10


def invoke_flow_module(ex: Execution, action: Action) -> Outcome:
    """Run the module ``FlowModuleId`` names (in the interpreter's flow library), then go on."""
    reference = as_text(ex.param(action, "FlowModuleId")).strip()
    if not reference:
        return ex.fail("NoMatchingError", "FlowModuleId resolved to nothing")
    module = find_flow(ex.services.flows, reference)
    if module is None:
        return ex.fail("NoMatchingError", f"no flow module {reference.rsplit('/', 1)[-1]!r} in the flow library")
    if len(ex.modules) >= _MAX_MODULE_DEPTH:
        return ex.fail("NoMatchingError", f"modules nested more than {_MAX_MODULE_DEPTH} deep")
    inputs = _object_parameter(ex, action, "Input")
    names = f" with input {', '.join(sorted(inputs))}" if inputs else ""
    ex.record(Note(action.identifier, f"invoking flow module {module.name!r}{names}"))
    return Invoke(module, inputs)


def end_flow_module_execution(ex: Execution, action: Action) -> Outcome:
    """Return from the module to the block that invoked it, with its ``Result`` branch and ``ResultData``."""
    data = _object_parameter(ex, action, "ResultData")
    result = None
    if "Result" in action.parameters:
        result = as_text(ex.param(action, "Result")).strip()
        if not result:
            raise ex.definition_error(action, "Result must name one of the module's branches")
    ended = f"flow module {ex.flow.name!r} ended" + (f" on branch {result!r}" if result else "")
    ex.record(Note(action.identifier, ended + (f", output {', '.join(sorted(data))}" if data else "")))
    return Return(result, data)


def _object_parameter(ex: Execution, action: Action, name: str) -> dict[str, Any]:
    """An optional object parameter (module input or output), its JSONPath values resolved (names only recorded)."""
    raw = action.parameters.get(name)
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ex.definition_error(action, f"{name} must be an object of named values")
    resolved = ex.resolve(action, dict(raw))
    return {str(key): value for key, value in resolved.items()}


def update_flow_attributes(ex: Execution, action: Action) -> Outcome:
    """Set ``$.FlowAttributes`` (``{"Name": {"Value": ...}}``); none is set when one cannot be resolved."""
    raw = action.parameters.get("FlowAttributes")
    if not isinstance(raw, Mapping) or not raw:
        raise ex.definition_error(action, "FlowAttributes must be a non-empty object")
    values: dict[str, Any] = {}
    for name, spec in raw.items():
        if not isinstance(spec, Mapping) or "Value" not in spec:
            raise ex.definition_error(action, f"FlowAttributes.{name} must be an object with a Value")
        values[str(name)] = ex.resolve(action, spec["Value"])
    missing = [name for name, value in values.items() if value is None]
    if missing:
        return ex.fail("NoMatchingError", f"FlowAttributes {', '.join(missing)} resolved to nothing")
    for name, value in values.items():
        ex.flow_attributes[name] = as_text(value)
        ex.record(AttributeSet(action.identifier, key=f"FlowAttributes.{name}", value=ex.flow_attributes[name]))
    return Next()


HANDLERS: Mapping[str, Callable[[Execution, Action], Outcome]] = {
    "InvokeFlowModule": invoke_flow_module,
    "EndFlowModuleExecution": end_flow_module_execution,
    "UpdateFlowAttributes": update_flow_attributes,
}
