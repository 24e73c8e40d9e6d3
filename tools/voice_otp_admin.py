"""``python -m tools.voice_otp_admin``: read or clear a user's voice-OTP failure state (an audited admin path).

    python -m tools.voice_otp_admin --function <VoiceOtpAdminFunctionName> status alice
    python -m tools.voice_otp_admin --function <...> clear-failures alice --reason "ticket 4711, caller verified"

It invokes the stack's admin function with your own AWS credentials (the function refuses nobody the IAM
policy lets through, so attach the stack's ``VoiceOtpAdministrators`` managed policy only to operators). The
function writes an audit record naming your IAM identity and reason; CloudTrail records the Invoke.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

ACTIONS = ("status", "clear-failures")


def _clients() -> tuple[Any, Any]:
    import boto3

    session = boto3.session.Session()
    return session.client("lambda"), session.client("sts")


def run(argv: Sequence[str] | None = None, *, clients: tuple[Any, Any] | None = None) -> int:
    """Parse ``argv``, invoke the admin function once, print its answer; 0 on success, 1 refused, 2 misuse."""
    parser = argparse.ArgumentParser(prog="python -m tools.voice_otp_admin", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--function", required=True, help="the VoiceOtp stack's admin function name or ARN")
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("username")
    parser.add_argument("--reason", default=None, help="why (required for clear-failures; kept in the audit)")
    args = parser.parse_args(argv)
    if args.action == "clear-failures" and not (args.reason or "").strip():
        print("error: clear-failures needs --reason (it is kept in the audit record)", file=sys.stderr)
        return 2

    from botocore.exceptions import BotoCoreError, ClientError

    lambda_client, sts = clients or _clients()
    try:
        identity = sts.get_caller_identity()["Arn"]
        payload = {"action": args.action, "username": args.username, "requestedBy": identity,
                   **({"reason": args.reason} if args.reason else {})}
        response = lambda_client.invoke(FunctionName=args.function, Payload=json.dumps(payload).encode())
    except (BotoCoreError, ClientError) as error:
        print(f"error: could not invoke {args.function}: {error}", file=sys.stderr)
        return 2
    body = json.loads(response["Payload"].read() or b"null")
    if response.get("FunctionError") or not isinstance(body, dict):
        print(f"error: the admin function failed ({response.get('FunctionError', 'no answer')})", file=sys.stderr)
        return 2
    print(json.dumps(body, indent=2, sort_keys=True))
    return 0 if body.get("ok") else 1


if __name__ == "__main__":
    sys.exit(run())
