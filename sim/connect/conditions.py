"""Condition operators of the flow language, applied to a block's result.

https://docs.aws.amazon.com/connect/latest/APIReference/flow-language-actions.html#flow-language-actions-operators
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from sim.connect.errors import FlowDefinitionError
from sim.connect.flow import Action, Condition


def _number(text: str) -> Decimal | None:
    """``text`` as a number, or ``None`` when it is not numeric."""
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def _numeric(compare: Callable[[Decimal, Decimal], bool]) -> Callable[[str, str], bool]:
    """A numeric operator: false when either side is not a number."""

    def apply(result: str, operand: str) -> bool:
        left, right = _number(result), _number(operand)
        return left is not None and right is not None and compare(left, right)

    return apply


OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "Equals": operator.eq,
    "TextStartsWith": str.startswith,
    "TextEndsWith": str.endswith,
    "TextContains": operator.contains,
    "NumberEquals": _numeric(operator.eq),
    "NumberGreaterThan": _numeric(operator.gt),
    "NumberGreaterOrEqualTo": _numeric(operator.ge),
    "NumberLessThan": _numeric(operator.lt),
    "NumberLessOrEqualTo": _numeric(operator.le),
}


def holds(condition: Condition, result: str | None, *, action: Action) -> bool:
    """Whether ``condition`` is true for ``result`` (an unset result matches nothing)."""
    compare = OPERATORS.get(condition.operator)
    if compare is None:
        raise FlowDefinitionError(
            f"block {action.identifier!r} ({action.type}): unknown condition Operator {condition.operator!r}"
        )
    if len(condition.operands) != 1:
        raise FlowDefinitionError(
            f"block {action.identifier!r} ({action.type}): {condition.operator} takes exactly one operand"
        )
    return result is not None and compare(result, condition.operands[0])


def first_match(action: Action, result: str | None, *, equals_only: bool = False) -> str | None:
    """The NextAction of the first condition that holds, or ``None``."""
    for condition in action.conditions:
        if equals_only and condition.operator != "Equals":
            raise FlowDefinitionError(
                f"block {action.identifier!r} ({action.type}) supports only the Equals operator, "
                f"not {condition.operator!r}"
            )
        if holds(condition, result, action=action):
            return condition.next_action
    return None
