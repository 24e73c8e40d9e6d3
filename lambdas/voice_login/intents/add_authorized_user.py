"""AddAuthorizedUser: for a signed-in caller only (checked every turn), text the scoped, single-use link."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lambdas.lexv2 import LexEvent, close, delegate, ssml
from lambdas.voice_login.intents.attributes import LINK_OUTCOME, MARKER
from lambdas.voice_login.login import LinkDelivery, LinkSent, VoiceLogin

SPOKEN: Mapping[LinkSent, str] = {
    LinkSent.NOT_SIGNED_IN: "You'll need to sign in before I can do that.",
    LinkSent.TOO_SOON: "I've just sent you a link. Please check your messages.",
    LinkSent.LIMITED: "We've sent as many links as we can for now. Please try again later.",
    LinkSent.UNAVAILABLE: "Sorry, I couldn't send the text right now.",
}


def handle(event: LexEvent, login: VoiceLogin) -> dict[str, Any]:
    """Dialog turns: refuse unless signed in, else let Lex confirm; fulfilment: send the link."""
    attributes = event.session_attributes
    marker = attributes.get(MARKER)
    if not event.is_fulfillment:
        if login.signed_in(marker, lex_session_id=event.session_id) is None:
            return _closed(event, attributes, LinkDelivery(LinkSent.NOT_SIGNED_IN))
        return delegate(event.intent, session_attributes={**attributes, LINK_OUTCOME: "pending"})
    return _closed(event, attributes, login.send_link(marker, lex_session_id=event.session_id))


def unavailable(event: LexEvent) -> dict[str, Any]:
    """The answer when sending failed with an error."""
    return _closed(event, event.session_attributes, LinkDelivery(LinkSent.UNAVAILABLE))


def _closed(event: LexEvent, attributes: dict[str, str], delivery: LinkDelivery) -> dict[str, Any]:
    attributes = {**attributes, LINK_OUTCOME: delivery.outcome.value}
    if delivery.outcome is LinkSent.SENT:
        digits = delivery.number_hint.lstrip("*")
        spoken = ssml("I've texted a secure link to the mobile number on your account, ending in "
                      f'<say-as interpret-as="digits">{digits}</say-as>. It works once, for a few minutes.')
        return close(event.intent, "Fulfilled", spoken, session_attributes=attributes)
    return close(event.intent, "Failed", SPOKEN[delivery.outcome], session_attributes=attributes)
