"""``python -m tools.decrypt``: an operator opens one encrypted caller value (card number or ZIP), audited.

    python -m tools.decrypt --function <SecureInputDecryptFunctionName> --contact-id <id> --field card \\
        --ciphertext 'SI1....' --reason "chargeback 4711"
    python -m tools.decrypt --function <...> --contact-id <id> --field zip --instance-id <connect instance id> \\
        --role-arn <SecureInputOperatorRoleArn> --reason "..."

The second form reads the ciphertext from the contact's attributes (``connect:GetContactAttributes``) and
first assumes the operator role (the only principal the function accepts). Your own credentials sign a
``GetCallerIdentity`` request bound to this contact and field (never sent: only its signature is), which the
function checks with STS before it writes the audit record naming you, then decrypts. The value is printed
once, on standard output, and nowhere else; nothing is cached.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from lambdas.secure_input.fields import BY_NAME
from lambdas.secure_input.identity import BINDING_HEADER, BODY, CONTENT_TYPE, binding

Invoke = Callable[[str, dict[str, Any]], dict[str, Any]]


def identity_proof(session: Any, contact_id: str, field: str) -> dict[str, Any]:
    """SigV4-signed headers of an STS ``GetCallerIdentity`` bound to ``contact_id``/``field`` (not sent here)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    sts = session.client("sts")
    request = AWSRequest(method="POST", url=sts.meta.endpoint_url.rstrip("/") + "/", data=BODY,
                         headers={"Content-Type": CONTENT_TYPE, BINDING_HEADER: binding(contact_id, field)})
    credentials = session.get_credentials()
    if credentials is None:
        raise SystemExit("error: no AWS credentials: sign in as an operator first")
    SigV4Auth(credentials.get_frozen_credentials(), "sts", sts.meta.region_name).add_auth(request)
    return {"headers": {str(k): str(v) for k, v in request.headers.items()}, "body": BODY}


def operator_session(session: Any, role_arn: str, session_name: str) -> Any:
    """A session as the operator role (the session name, your user name by default, is what the audit shows)."""
    import boto3

    credentials = session.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=session_name)["Credentials"]
    return boto3.session.Session(aws_access_key_id=credentials["AccessKeyId"],
                                 aws_secret_access_key=credentials["SecretAccessKey"],
                                 aws_session_token=credentials["SessionToken"], region_name=session.region_name)


def _lambda_invoke(session: Any) -> Invoke:
    def invoke(function: str, payload: dict[str, Any]) -> dict[str, Any]:
        response = session.client("lambda").invoke(FunctionName=function, Payload=json.dumps(payload).encode())
        body = json.loads(response["Payload"].read() or b"null")
        if response.get("FunctionError") or not isinstance(body, dict):
            return {"ok": False, "error": f"the decrypt function failed ({response.get('FunctionError', 'no answer')})"}
        return body

    return invoke


def _ciphertext(session: Any, args: argparse.Namespace) -> str:
    if args.ciphertext:
        return str(args.ciphertext)
    attributes = session.client("connect").get_contact_attributes(
        InstanceId=args.instance_id, InitialContactId=args.contact_id)["Attributes"]
    name = BY_NAME[args.field].ciphertext_attribute
    if name not in attributes:
        raise SystemExit(f"error: contact {args.contact_id} has no {name} attribute")
    return str(attributes[name])


def run(argv: Sequence[str] | None = None, *, session: Any = None, invoke: Invoke | None = None) -> int:
    """Decrypt one field; 0 and the value on stdout, 1 refused, 2 misuse or AWS errors."""
    parser = argparse.ArgumentParser(prog="python -m tools.decrypt", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--function", required=True, help="the SecureInput stack's decrypt function name or ARN")
    parser.add_argument("--contact-id", required=True)
    parser.add_argument("--field", required=True, choices=sorted(BY_NAME))
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--ciphertext", help="the sealed value (SI1....) from the contact attribute")
    source.add_argument("--instance-id", help="read it from the contact's attributes on this Connect instance")
    parser.add_argument("--reason", required=True, help="why you need the value (kept in the audit record)")
    parser.add_argument("--role-arn", help="assume this operator role first (SecureInputOperatorRoleArn)")
    parser.add_argument("--session-name", default=None, help="role session name (default: your user name)")
    args = parser.parse_args(argv)

    from botocore.exceptions import BotoCoreError, ClientError

    try:
        if session is None:
            import boto3

            session = boto3.session.Session()
        if args.role_arn:
            session = operator_session(session, args.role_arn, args.session_name or getpass.getuser())
        payload = {"contactId": args.contact_id, "field": args.field, "ciphertext": _ciphertext(session, args),
                   "reason": args.reason, "identityProof": identity_proof(session, args.contact_id, args.field)}
        body = (invoke or _lambda_invoke(session))(args.function, payload)
    except (BotoCoreError, ClientError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not body.get("ok"):
        print(f"refused: {body.get('error', 'no reason given')}", file=sys.stderr)
        return 1
    print(body["value"])
    return 0


if __name__ == "__main__":
    sys.exit(run())
