"""The one fake Lambda context: what an AWS service hands a handler it invokes, for in-process invocations.

https://docs.aws.amazon.com/lambda/latest/dg/python-context.html
"""

from __future__ import annotations

import uuid

from lambdas.common.core import clock
from sim.aws import ACCOUNT_ID, REGION


class FakeLambdaContext:
    """``function_name``, ARN, request id, log names, memory, and the time left before ``timeout_seconds``.

    Each caller passes the budget its service gives: Cognito triggers 5 s, a Connect flow's
    ``InvocationTimeLimitSeconds`` (at most 8 s), Lex code hooks 30 s. Time is the Lambdas' clock, so a backoff
    that sleeps in simulated time spends the budget as a real one would.
    """

    def __init__(self, function: str, *, timeout_seconds: float, memory_mb: int = 256) -> None:
        """``function`` is a function name or a Lambda ARN (qualified or not)."""
        name = function.rsplit(":function:", maxsplit=1)[-1].split(":", maxsplit=1)[0]
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = (function if function.startswith("arn:")
                                     else f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}")
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "local"
        self._deadline = clock.now() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the invoking service gives up."""
        return max(0, int((self._deadline - clock.now()) * 1000))
