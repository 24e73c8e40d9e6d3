"""Our own overhead per warm turn: each handler's p50 and p99 against moto, as a ratio to the same turn with
its AWS calls answered by a stub.

How it is measured, in one process:

1. **Against moto.** Every handler module's ``handler`` is wrapped by a recorder *before* the local runtime or
   any driver imports it, so every way a handler is reached (Cognito triggers, the flow interpreter, the Lex
   emulator, the link API, direct calls) goes through the wrapper. Each capability is then driven end to end
   on the local runtime, with fresh identities each round (the drivers the security suite uses), until every
   handler has ``--turns`` warm turns after ``--warmup`` discarded ones. A turn is timed around the handler
   alone (``perf_counter_ns``), and every AWS call it makes is recorded with the response moto gave.
2. **With a stub.** Every recorded warm turn is played again: the same event, the simulated clock at the
   turn's instant, and each AWS call answered at botocore's ``before-call`` event with the response moto gave
   (botocore still validates and serialises the request; nothing is sent). The STS request the decrypt
   handler forwards with urllib3 is answered the same way. A replay must make the same calls in the same
   order and reach the same outcome as the recorded turn, or the benchmark fails: a stubbed turn that took
   another path would not be the same turn.

The stubbed time is our own code (parsing, validation, hashing, signing checks, logging, botocore's request
building); the ratio says what share of a turn against moto that is. Logging stays on (to /dev/null), as in
Lambda.

    python -m bench.turns [--turns 1000] [--warmup 20]
"""

from __future__ import annotations

import argparse
import copy
import importlib
import json
import os
import random
import statistics
import sys
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

# The handler of every function the stacks deploy that runs per contact or per request, by name.
HANDLERS: dict[str, str] = {
    "voice_otp.define": "lambdas.voice_otp.define",
    "voice_otp.create": "lambdas.voice_otp.create",
    "voice_otp.prompt": "lambdas.voice_otp.prompt",
    "voice_otp.verify": "lambdas.voice_otp.verify",
    "voice_login.fulfillment": "lambdas.voice_login.fulfillment",
    "voice_login.api": "lambdas.voice_login.api",
    "secure_input.capture": "lambdas.secure_input.capture",
    "secure_input.decrypt": "lambdas.secure_input.decrypt",
    "ordering_bot.hook": "lambdas.ordering_bot.hook",
}
# AWS requests a handler sends without boto3: (module, function, what to call it).
FORWARDED: tuple[tuple[str, str, str], ...] = (
    ("lambdas.secure_input.identity", "_send", "sts:GetCallerIdentity (forwarded)"),
)
LINK_BODY = {"fullName": "Jamie Example", "relationship": "spouse", "dateOfBirth": "1990-04-01"}


class Diverged(AssertionError):
    """A stubbed replay took another path than the turn it replays."""


@dataclass
class Call:
    """One AWS call a turn made and what it got back."""

    operation: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    answer: Any = None  # botocore's parsed response, or a forwarded request's return value


@dataclass
class Turn:
    """One handler invocation: its event, the simulated instant, the calls it made, where it ended, its time."""

    handler: str
    event: Any
    now: float
    calls: list[Call]
    outcome: str
    nanos: int


def outcome(result: Any, error: BaseException | None) -> str:
    """Where a turn ended, in the terms that decide its path (never a value the turn generated at random)."""
    if error is not None:
        return f"raised {type(error).__name__}"
    if not isinstance(result, dict):
        return type(result).__name__
    parts: dict[str, Any] = {}
    if "statusCode" in result:
        parts["status"] = result["statusCode"]
    state = result.get("sessionState")
    if isinstance(state, dict):
        parts["dialog"] = (state.get("dialogAction") or {}).get("type")
        parts["intent"] = (state.get("intent") or {}).get("state")
    response = result.get("response")
    if isinstance(response, dict):
        parts.update({k: v for k, v in response.items() if isinstance(v, bool)})
        parts["challenge"] = response.get("challengeName")
    if "ok" in result:
        parts["ok"] = result["ok"]
    if not parts:
        parts["keys"] = sorted(result)
    return json.dumps(parts, sort_keys=True, default=str)


class Recorder:
    """Times and records every handler turn; answers AWS calls from a recording when replaying."""

    def __init__(self, warmup: int, handlers: dict[str, str] = HANDLERS) -> None:
        self.handlers = handlers  # name -> module whose ``handler`` is timed
        self.turns: dict[str, list[Turn]] = defaultdict(list)
        self._calls: list[Call] | None = None       # the turn being recorded
        self._replay: deque[Call] | None = None     # the answers of the turn being replayed
        self.diverged: str | None = None
        self.stubbed: dict[str, list[int]] = defaultdict(list)  # ns per stubbed replay of a warm turn
        self.failures: list[str] = []
        self.warmup = warmup  # turns per handler before any is replayed or counted
        self._order = random.Random(20261204)  # which side of a real turn its stubbed twin runs on

    # -- wiring --------------------------------------------------------------------------------------
    def install(self) -> None:
        """Wrap every handler, the forwarded requests, and every client ``aws.client`` hands out."""
        from lambdas.common.core import aws

        for name, module_name in self.handlers.items():
            module = importlib.import_module(module_name)
            module.handler = self._timed(name, module.handler)  # type: ignore[attr-defined]
        for module_name, function, operation in FORWARDED:
            module = importlib.import_module(module_name)
            setattr(module, function, self._forwarded(operation, getattr(module, function)))
        from sim.aws.clients import hooking_each_client

        def record(service: str, client: Any) -> None:
            client.meta.events.register("before-call.*.*", self._before_call(service))
            client.meta.events.register("after-call.*.*", self._after_call(service))

        aws.client = hooking_each_client(aws.client, record)  # type: ignore[assignment]

    def _timed(self, name: str, handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        from lambdas.common.core import clock

        def turn(event: Any, context: Any) -> Any:
            recorded = self.turns[name]
            # The previous turn, stubbed, in the same place in the workload: before or after this turn at random
            # (seeded), so neither side always finds the caches warmed by the other. Not by parity: a workload
            # that calls a handler an even number of times per round would pair each kind of turn with one side.
            previous = recorded[-1] if len(recorded) > self.warmup else None
            stub_first = self._order.random() < 0.5
            if previous is not None and stub_first:
                self.replay(previous)
            copied = copy.deepcopy(event)
            calls: list[Call] = []
            self._calls, now = calls, clock.now()
            result, error, elapsed = _run(handler, event, context)
            self._calls = None
            recorded.append(Turn(name, copied, now, calls, outcome(result, error), elapsed))
            if previous is not None and not stub_first:
                self.replay(previous)
            if error is not None:
                raise error
            return result

        turn.original = handler  # type: ignore[attr-defined]
        return turn

    def _forwarded(self, operation: str, send: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if self._replay is not None:
                return copy.deepcopy(self._next(operation).answer)
            answer = send(*args, **kwargs)
            if self._calls is not None:
                self._calls.append(Call(operation, answer=copy.deepcopy(answer)))
            return answer

        return call

    def _before_call(self, service: str) -> Callable[..., Any]:
        from botocore.awsrequest import AWSResponse

        def answer(model: Any, **_: Any) -> Any:
            if self._replay is None:
                return None
            call = self._next(f"{service}:{model.name}")
            return AWSResponse("https://stub.invalid/", call.status, call.headers, None), call.answer

        return answer

    def _after_call(self, service: str) -> Callable[..., Any]:
        def record(model: Any, http_response: Any, parsed: Any, **_: Any) -> None:
            if self._calls is not None and self._replay is None:
                self._calls.append(Call(f"{service}:{model.name}", http_response.status_code,
                                        dict(http_response.headers), copy.deepcopy(parsed)))

        return record

    def _next(self, operation: str) -> Call:
        assert self._replay is not None
        if not self._replay:
            self.diverged = self.diverged or f"asked for {operation} after the recorded calls ran out"
            raise Diverged(self.diverged)
        call = self._replay.popleft()
        if call.operation != operation:
            self.diverged = self.diverged or f"asked for {operation} where the turn asked for {call.operation}"
            raise Diverged(self.diverged)
        return call

    # -- replay --------------------------------------------------------------------------------------
    def replay(self, turn: Turn) -> None:
        """Play ``turn`` again with its AWS calls answered from the recording; keep the handler's time.

        A replay that takes another path is kept in ``failures`` (never raised: the replay may run inside a
        Cognito or Connect stand-in that would turn any exception into its own error).
        """
        from lambdas.common.core import clock
        from sim.fakes import FakeLambdaContext

        handler = importlib.import_module(self.handlers[turn.handler]).handler.original
        event = copy.deepcopy(turn.event)
        answers = deque(copy.deepcopy(turn.calls))  # copies made before the clock starts
        context = FakeLambdaContext(turn.handler, timeout_seconds=8)
        source, sleep = clock._source, clock._sleep
        clock.set_source(lambda: turn.now, sleep=sleep)  # the turn's instant; a backoff sleeps as it did
        self._replay, self.diverged = answers, None
        result, error, elapsed = _run(handler, event, context)
        self._replay = None
        clock.set_source(source, sleep=sleep)
        ended = outcome(result, error)
        if self.diverged or answers or ended != turn.outcome:
            why = self.diverged or (f"{len(answers)} recorded call(s) never asked for" if answers
                                    else f"ended {ended}, recorded {turn.outcome}")
            self.failures.append(f"{turn.handler}: the stubbed replay took another path: {why}")
        self.stubbed[turn.handler].append(elapsed)


def _run(handler: Callable[[Any, Any], Any], event: Any, context: Any) -> tuple[Any, BaseException | None, int]:
    """``handler(event, context)``: its result or what it raised, and the nanoseconds it took."""
    result: Any = None
    error: BaseException | None = None
    start = time.perf_counter_ns()
    try:
        result = handler(event, context)
    except BaseException as exc:
        error = exc
    return result, error, time.perf_counter_ns() - start


# -- workloads: one round of each capability, fresh identities each time ---------------------------------
def _sign_in(world: Any) -> None:
    from sim.scenarios import signin

    world.fresh_minute()
    user = world.voice_otp_user()
    done = signin(world.rt, username=user.username, password=user.password, say=lambda _: None)
    if not done.ok:
        raise RuntimeError(f"a benchmark sign-in failed: {done.error}")


def _link_and_redeem(world: Any) -> None:
    world.fresh_minute()
    grant = world.texted_grant(world.banking_customer())
    for method, body in (("GET", None), ("POST", LINK_BODY)):
        status, answer = world.api(method, "/v1/link" if method == "GET" else "/v1/authorized-users", grant, body)
        if status >= 300:
            raise RuntimeError(f"a benchmark link request failed: {status} {answer}")


def _capture_and_decrypt(world: Any) -> None:
    contact = f"bench-contact-{next(_contacts)}"
    sealed = world.capture_card(contact)
    if sealed.get("captureStatus") != "captured":
        raise RuntimeError(f"a benchmark capture failed: {sealed.get('captureStatus')}")
    for field_name, key in (("card", "cardCiphertext"), ("zip", "zipCiphertext")):
        if not world.operator_decrypt(contact, field_name, sealed[key]).get("ok"):
            raise RuntimeError(f"a benchmark decrypt of the {field_name} failed")


def _order(world: Any) -> None:
    world.fresh_minute()
    customer = world.ordering_customer()
    chat = world.ordering_chat(customer)
    asked = chat.say("I want pizza", email=customer.email)
    world.rt.deliver_sms()
    if not world.rt.phone(customer.phone_number).sms:
        raise RuntimeError(f"a benchmark order got no code: {asked!r}")
    said = chat.say(chat.code())
    if "on its way" not in said:
        raise RuntimeError(f"a benchmark order failed: {said!r}")


_contacts = iter(range(1, 10**9))
WORKLOADS: tuple[tuple[Callable[[Any], None], tuple[str, ...]], ...] = (
    (_sign_in, ("voice_otp.define", "voice_otp.create", "voice_otp.prompt", "voice_otp.verify")),
    (_link_and_redeem, ("voice_login.fulfillment", "voice_login.api")),
    (_capture_and_decrypt, ("secure_input.capture", "secure_input.decrypt")),
    (_order, ("ordering_bot.hook",)),
)


@contextmanager
def _quiet() -> Iterator[None]:
    """The handlers' log lines go to /dev/null (still formatted and written, as in Lambda)."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(devnull)
        os.close(saved)


def _percentiles(nanos: list[int]) -> dict[str, float]:
    cuts = statistics.quantiles(nanos, n=100, method="inclusive")
    return {"p50_ms": round(statistics.median(nanos) / 1e6, 4), "p99_ms": round(cuts[98] / 1e6, 4)}


def measure(turns: int, warmup: int) -> dict[str, Any]:
    """Run the workloads until every handler has ``warmup + turns`` turns; each warm one also runs stubbed."""
    recorder = Recorder(warmup)
    recorder.install()  # before anything below imports a handler by name

    from sim.local_runtime import LocalRuntime
    from tests.security.targets import World

    results: dict[str, Any] = {}
    with _quiet(), LocalRuntime() as runtime:
        world = World(runtime)
        for workload, handlers in WORKLOADS:
            rounds = 0
            while min(len(recorder.turns[name]) for name in handlers) < warmup + turns:
                workload(world)
                rounds += 1
            for name in handlers:
                results[name] = {"rounds": rounds}
                recorder.replay(recorder.turns[name][-1])  # the last turn has no next one to replay it
    if recorder.failures:
        raise Diverged(f"{len(recorder.failures)} stubbed replay(s) took another path; first: {recorder.failures[0]}")
    for name in HANDLERS:
        warm = recorder.turns[name][warmup:]
        against_moto, with_stub = _percentiles([turn.nanos for turn in warm]), _percentiles(recorder.stubbed[name])
        results[name].update({
            "turns": len(warm),
            "aws_calls_per_turn": round(sum(len(turn.calls) for turn in warm) / len(warm), 2),
            "moto": against_moto, "stub": with_stub,
            "moto_over_stub_p50": round(against_moto["p50_ms"] / with_stub["p50_ms"], 2),
            "moto_over_stub_p99": round(against_moto["p99_ms"] / with_stub["p99_ms"], 2),
            "outcomes": dict(sorted(Counter(turn.outcome for turn in warm).items())),
        })
    return {"handlers": results, "turns": turns, "warmup": warmup}


def main(argv: list[str] | None = None) -> None:
    """Measure and write the ``warm_turns`` section of bench/results.json."""
    parser = argparse.ArgumentParser(prog="python -m bench.turns", description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=1000, help="warm turns per handler (default 1000)")
    parser.add_argument("--warmup", type=int, default=20, help="turns per handler discarded first (default 20)")
    parser.add_argument("--no-write", action="store_true", help="print the figures only")
    args = parser.parse_args(argv)
    if args.turns < 2 or args.warmup < 1:
        parser.error("--turns must be at least 2 and --warmup at least 1")
    result = measure(args.turns, args.warmup)
    if not args.no_write:
        from bench.results import update_section

        update_section("warm_turns", result)
    for name, figures in result["handlers"].items():
        print(f"{name}: {figures['turns']} turns, {figures['aws_calls_per_turn']} AWS calls/turn; "
              f"stub p50 {figures['stub']['p50_ms']} ms p99 {figures['stub']['p99_ms']} ms; "
              f"moto/stub p50 {figures['moto_over_stub_p50']}x p99 {figures['moto_over_stub_p99']}x")


if __name__ == "__main__":
    main()
