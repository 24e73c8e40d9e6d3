"""The app client's sign-in settings shared by the stack, the local runtime and the tests."""

from __future__ import annotations

import pytest

from lambdas.voice_otp.app_client import auth_session_validity_minutes


@pytest.mark.parametrize(("ttl_seconds", "minutes"), [
    (30, 3), (180, 3), (181, 4), (300, 5), (301, 6), (600, 10), (900, 15),
])
def test_the_session_lasts_at_least_as_long_as_the_code(ttl_seconds: int, minutes: int) -> None:
    assert auth_session_validity_minutes(ttl_seconds) == minutes
    assert minutes * 60 >= ttl_seconds


def test_a_code_outliving_cognitos_longest_session_is_refused() -> None:
    with pytest.raises(ValueError, match="15 minutes"):
        auth_session_validity_minutes(901)
