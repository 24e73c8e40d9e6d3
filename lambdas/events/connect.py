"""The event an Amazon Connect flow's Invoke AWS Lambda function block sends: the fields our steps use.

Shape: https://docs.aws.amazon.com/connect/latest/adminguide/connect-lambda-functions.html
"""

from __future__ import annotations

from typing import Any

from lambdas.events.base import mapping, optional_string, root, string_map


class ContactFlowEvent:
    """``Details.ContactData`` and ``Details.Parameters`` of a Connect flow invocation."""

    def __init__(self, event: object) -> None:
        self.raw_event = root(event, "Connect contact flow")
        self._details = mapping(self.raw_event, "Details", "event")
        self._contact = mapping(self._details, "ContactData", "Details")

    @property
    def contact_data(self) -> dict[str, Any]:
        """The raw ``ContactData`` object (open AWS strings: read what you need, compare to what you accept)."""
        return dict(self._contact)

    @property
    def contact_id(self) -> str | None:
        return optional_string(self._contact, "ContactId", "ContactData")

    @property
    def initiation_method(self) -> str | None:
        """``INBOUND``, ``OUTBOUND``, ``API``, ... (an open set: never an enum here)."""
        return optional_string(self._contact, "InitiationMethod", "ContactData")

    @property
    def attributes(self) -> dict[str, str]:
        """The contact attributes (user-defined, strings)."""
        return string_map(self._contact, "Attributes", "ContactData")

    @property
    def parameters(self) -> dict[str, str]:
        """The block's ``Parameters`` (strings)."""
        return string_map(self._details, "Parameters", "Details")
