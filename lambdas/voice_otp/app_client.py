"""The voice-OTP app client's sign-in rules as data: the one definition CDK, the local runtime and tests use.

Every sign-in must pass the custom challenge (the voice OTP). Cognito checks ``InitiateAuth``'s ``AuthFlow``
against the client's ``ExplicitAuthFlows``:

- ``ALLOW_CUSTOM_AUTH`` covers ``CUSTOM_AUTH``, including ``CUSTOM_WITH_SRP`` (``CUSTOM_AUTH`` started with
  ``SRP_A``), where Define runs the password proof and then the custom challenge.
- ``ALLOW_REFRESH_TOKEN_AUTH`` only renews tokens that a full sign-in already issued.

Anything else would hand out tokens without the OTP: ``ALLOW_USER_PASSWORD_AUTH`` and ``ALLOW_USER_SRP_AUTH``
(tokens after the password alone, the pool's MFA being off), ``ALLOW_ADMIN_USER_PASSWORD_AUTH`` and
``ALLOW_USER_AUTH`` (choice-based sign-in, which covers password and SRP by itself). ``ExplicitAuthFlows`` must
never be left unset either: Cognito then allows ``ALLOW_USER_SRP_AUTH`` too.
"""

from __future__ import annotations

ALLOWED_AUTH_FLOWS: tuple[str, ...] = ("ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")

# Cognito's AuthSessionValidity (minutes a session token from InitiateAuth / RespondToAuthChallenge lasts).
AUTH_SESSION_MINUTES_MIN = 3  # also Cognito's default
AUTH_SESSION_MINUTES_MAX = 15


def auth_session_validity_minutes(otp_ttl_seconds: int) -> int:
    """The app client's AuthSessionValidity for codes that live ``otp_ttl_seconds``: never shorter than the
    code, so a user who answers within the code's lifetime is not refused for an expired session."""
    minutes = max(AUTH_SESSION_MINUTES_MIN, -(-otp_ttl_seconds // 60))
    if minutes > AUTH_SESSION_MINUTES_MAX:
        raise ValueError(
            f"an OTP lifetime of {otp_ttl_seconds} s outlasts Cognito's longest session "
            f"({AUTH_SESSION_MINUTES_MAX} minutes)"
        )
    return minutes
