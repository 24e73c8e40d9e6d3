"""Lookups over one synthesized CloudFormation template, shared by the stack tests."""

from __future__ import annotations

from typing import Any


class TemplateLookups:
    """``resources``, ``of_type`` and ``only`` over ``self.template`` (a synthesized template dict)."""

    template: dict[str, Any]

    @property
    def resources(self) -> dict[str, Any]:
        return self.template["Resources"]  # type: ignore[no-any-return]

    def of_type(self, cfn_type: str) -> dict[str, Any]:
        return {name: res for name, res in self.resources.items() if res["Type"] == cfn_type}

    def only(self, cfn_type: str) -> tuple[str, dict[str, Any]]:
        found = self.of_type(cfn_type)
        assert len(found) == 1, f"expected one {cfn_type}, got {sorted(found)}"
        return next(iter(found.items()))
