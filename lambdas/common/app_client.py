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
