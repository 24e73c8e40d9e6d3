"""AWS calls per flow, per service and operation, counted on the local runtime, beside the source posts' designs.

Each flow runs the shipped handlers, bot files and flows end to end (scripts in ``tests/e2e`` and
``sim/demos``) with every client ``lambdas.common.core.aws.client`` hands out counted before each call, so
what is counted is exactly what the Lambdas ask of AWS. Cold = the first run in a fresh runtime (secrets and
public keys fetched); warm = the same flow again in the same runtime, when the flow allows it.

The source columns are counted from each post's described architecture (one call per AWS API call its
Lambdas make for the same work), not measured: those designs are not in this repository.

    python -m bench.flows
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

# What each source post's design calls for the same work, and how that was counted.
SOURCE_DESIGNS: dict[str, dict[str, Any]] = {
    "voice_otp_sign_in": {
        "post": "Add Voice Call OTP to Cognito Using Amazon Connect",
        "calls": {"connect:StartOutboundVoiceContact": 1},
        "how": "Create generates the code and passes it to StartOutboundVoiceContact as a contact attribute; "
               "Verify compares the answer with privateChallengeParameters: no store, no key, no limit.",
    },
    "voice_login_link_redeem": {
        "post": "Securing voice-based transactions using OAuth2.0 and multimodality",
        "calls": {"cognito-idp:InitiateAuth": 1, "dynamodb:PutItem": 1},
        "how": "InitiateAuth for the PIN; the IdToken goes in the SMS link (Twilio, not AWS) and the page's API "
               "writes the authorised user; the token is checked by an authorizer, not by a call.",
    },
    "card_zip_capture": {
        "post": "How to encrypt sensitive caller voice input in Amazon Lex (amazon-connect-encryption)",
        "calls": {"kms:GenerateDataKey": 2},
        "how": "One Encryption SDK encrypt per field with a KMS master key provider and no cache: one "
               "GenerateDataKey per field.",
    },
    "order_with_otp": {
        "post": "Amazon Lex chatbots para autenticar usuarios",
        "calls": {"dynamodb:GetItem": 2, "dynamodb:PutItem": 1, "sns:Publish": 1},
        "how": "Look up the phone by e-mail, store the OTP under a uuid, publish the SMS, read the OTP back to "
               "compare (plus one kms:Decrypt when the PIN arrives encrypted).",
    },
}


@contextmanager
def counted_calls() -> Iterator[Counter[str]]:
    """Count every call of every client ``lambdas.common.core.aws.client`` returns while inside."""
    from lambdas.common.core import aws
    from sim.aws.clients import counting_into, hooking_each_client

    calls: Counter[str] = Counter()
    original = aws.client

    from sim.local_runtime import LocalRuntime

    enter = LocalRuntime.__enter__

    def entered(runtime: LocalRuntime) -> LocalRuntime:
        started = enter(runtime)
        calls.clear()  # creating the runtime's tables, keys and users is set-up, not the flow
        return started

    aws.client = hooking_each_client(original, counting_into(calls))  # type: ignore[assignment]
    LocalRuntime.__enter__ = entered  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        aws.client = original  # type: ignore[assignment]
        LocalRuntime.__enter__ = enter  # type: ignore[method-assign]


def _script(path: Path) -> Callable[[], None]:
    def run() -> None:
        from sim.scripts import load_script, run_script

        run_script(load_script(path))

    return run


def _voice_otp_sign_ins(rounds: int = 2) -> list[Counter[str]]:
    from sim.local_runtime import LocalRuntime
    from sim.scenarios import signin

    counts = []
    with LocalRuntime() as runtime, counted_calls() as calls:
        for _ in range(rounds):
            user = runtime.demo_user
            outcome = signin(runtime, username=user.username, password=user.password, say=lambda _: None)
            if not outcome.ok:
                raise RuntimeError(f"the benchmark sign-in failed: {outcome.error}")
            counts.append(Counter(calls))
            calls.clear()
            runtime.clock.advance(31)
    return counts


def measure() -> dict[str, Any]:
    """Counts per flow: ours (cold, and warm where it applies) beside the source design's."""
    cold, warm = _voice_otp_sign_ins()
    flows: dict[str, dict[str, Any]] = {"voice_otp_sign_in": {"cold": dict(cold), "warm": dict(warm)}}
    scripted = {
        "voice_login_link_redeem": REPO / "sim" / "demos" / "voice_login.yaml",
        "card_zip_capture": REPO / "tests" / "e2e" / "secure_card_capture_speech.yaml",
        "order_with_otp": REPO / "tests" / "e2e" / "ordering_bot_menu_then_order.yaml",
    }
    for name, path in scripted.items():
        with counted_calls() as calls:
            _script(path)()
        flows[name] = {"cold": dict(calls), "script": str(path.relative_to(REPO))}
    for name, flow in flows.items():
        source = SOURCE_DESIGNS[name]
        flow["source"] = {"post": source["post"], "calls": source["calls"], "how": source["how"]}
        for which in ("cold", "warm", "source"):
            counts = flow[which]["calls"] if which == "source" else flow.get(which)
            if counts is not None:
                flow[f"{which}_total"] = sum(counts.values())
    capture = flows["card_zip_capture"]["cold"]
    return {"flows": flows, "kms_calls_per_card_zip_contact": sum(v for k, v in capture.items()
                                                                 if k.startswith("kms:"))}


def main() -> None:
    """Measure and write the ``aws_calls`` section of bench/results.json."""
    import logging

    from bench.results import update_section

    logging.disable(logging.CRITICAL)  # the handlers' logs are not the figures
    result = measure()
    update_section("aws_calls", result)
    for name, flow in result["flows"].items():
        print(f"{name}: ours {flow.get('cold_total')} cold / {flow.get('warm_total', '-')} warm; "
              f"source design {flow['source_total']}")


if __name__ == "__main__":
    main()
