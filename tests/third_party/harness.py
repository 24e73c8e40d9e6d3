"""Load every third-party bot and run every third-party flow through the local runtime's public entry points.

No pytest here: ``python -m tests.third_party`` and ``test_conformance.py`` both use it.

Bots (``bots/*.json``, a CloudFormation ``BotLocales`` list each) are loaded as written with
``sim.lex.load_bot``; when the loader refuses the bare list at its root, the list is wrapped as
``{"BotLocales": [...]}`` (what the loader documents) and given to ``sim.lex.parse_bot``. Outcome: LOADED,
REJECTED (a clean ``LexEmulatorError``: its class, field path and message) or CRASHED (any other exception).

Flows (``flows/*.json``, contact flows and flow modules alike) are loaded with ``sim.connect.load_flow`` and
run with ``sim.connect.FlowInterpreter`` against:

* ``${Name}`` placeholders: a plausible local value each (:func:`plausible_value`); a whole-value Lambda
  ARN placeholder becomes a local Lambda ARN; one inside a Lex ``AliasArn`` becomes part of the key the
  flow's bot is registered under when :data:`FLOW_BOTS` names a bot for the flow, else stays unresolved
  (``${Name}`` as written, so the runtime reports the bot as unknown).
* Lambdas: every ARN, however written (``{{...}}``, ``%%...%%``, ``$.Attributes.X``...), runs one local stub
  that returns ``{}``; a ``$.Attributes.X`` reference is given a local ARN as the contact attribute ``X``.
* Lex: a ``sim.lex.LexRuntime`` holding the flow's bot from this set (if any, under every alias reference
  the flow uses), with a pass-through code hook (``Delegate``; ``Close``/``Fulfilled`` at fulfilment).
* The caller (:class:`DefaultCaller`): presses ``1`` at every DTMF prompt; to Lex it says a sample
  utterance of the bot's first intent, a sample value when a slot is elicited, ``yes`` otherwise; after
  :data:`MAX_TURNS` answers it stays silent. The interpreter stops loops after :data:`MAX_STEPS` blocks.

Outcome: ENDED (the run returned: a disconnect or an end block), STOPPED (a clean ``FlowError`` at load or
run: the block type and message) or CRASHED (any other exception: the last traceback frames).
"""

from __future__ import annotations

import json
import re
import traceback
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "third_party"
BASELINE = Path(__file__).with_name("baseline.json")

LOADED, REJECTED, ENDED, STOPPED, CRASHED = "LOADED", "REJECTED", "ENDED", "STOPPED", "CRASHED"
MAX_TURNS = 10  # caller answers before it goes silent
MAX_STEPS = 250  # blocks (and Lex turns) before the interpreter calls it a loop

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
INSTANCE_ARN = f"arn:aws:connect:{REGION}:{ACCOUNT_ID}:instance/00000000-0000-4000-8000-000000000000"
CUSTOMER_NUMBER = "+15550100100"
SYSTEM_NUMBER = "+15550100199"
LOCAL_ALIAS_ARN = f"arn:aws:lex:{REGION}:{ACCOUNT_ID}:bot-alias/THIRDPARTY/TSTALIASID"

# Which bot of this set a flow talks to: same source repository, and the flow names that bot (the
# resource its alias placeholder refers to, the alias ARN the repository deployed, or the contact attribute
# its app fills with that bot's alias ARN). Flows whose bots are not in the set are absent: their Lex
# blocks meet an unknown bot, as they would in a runtime that was not told about it.
FLOW_BOTS: Mapping[str, str] = {
    # contactflowsample/samplecontactflow.json + template.yaml (AmazonLexBot), one repository
    "flows/connect-lex-genai-sample.json": "bots/connect-lex-genai.json",
    # template.yaml: ConnectFlow's ${BotAlias.Arn} is the alias of the LexBot resource
    "flows/docwho2-chatgpt-flow.json": "bots/docwho2-chatgpt-bilingual.json",
    # contact-surveys-amazon-connect.yaml: ${GenericLexBotAlias.Arn} is the alias of GenericLexBot
    "flows/surveys-module.json": "bots/contact-surveys-generic.json",
    # phase3 stacks: ${LexBotId}/${LexBotAliasId} are the QiCLexBotOrchestration bot's
    "flows/starter-kit-japan-selfservice-agent.json": "bots/starter-kit-japan-qic-orchestration.json",
    # GetCustomerNameModule reads $.Attributes.LEX_CUSTOMER_NAME_BOT_ARN, which MainLambdaConstruct.ts sets
    # to the alias of LexStack.ts's GetCustomerName CfnBot
    "flows/outbound-get-customer-name-module.json": "bots/outbound-call-get-customer-name.json",
}

# Connect flow action types that end the flow (or hand the contact on): reaching one is the flow's end.
TERMINAL_BLOCKS = frozenset(
    {
        "DisconnectParticipant", "EndFlowExecution", "EndFlowModuleExecution", "TransferContactToQueue",
        "TransferToFlow", "TransferParticipantToThirdParty", "TransferContactToAgent", "TransferToQueue",
    }
)  # fmt: skip

_PLACEHOLDER = re.compile(r"\$\{(!?)([^}]*)\}")
_ATTRIBUTE_REF = re.compile(r"\$\.Attributes(?:\.([A-Za-z0-9_-]+)|\[\s*['\"]([^'\"]+)['\"]\s*\])")
_SLOT_REF = re.compile(r"\{([^{}]*)\}")
_INTRINSICS = frozenset({"Ref", "Fn::Sub", "Fn::GetAtt", "Fn::Join", "Fn::If", "Fn::ImportValue", "Fn::Select"})
_LIST_AT_ROOT = "expected an object, got array"

# What the default caller says when Lex elicits a slot of a built-in type.
BUILTIN_SAMPLES: Mapping[str, str] = {
    "AMAZON.Number": "5", "AMAZON.AlphaNumeric": "1234", "AMAZON.Confirmation": "yes",
    "AMAZON.FreeFormInput": "I would like some help", "AMAZON.PhoneNumber": "5550100100",
    "AMAZON.Date": "tomorrow", "AMAZON.Time": "ten am", "AMAZON.FirstName": "Jane", "AMAZON.LastName": "Doe",
    "AMAZON.EmailAddress": "jane@example.com", "AMAZON.City": "Seattle", "AMAZON.State": "Washington",
    "AMAZON.Country": "Canada", "AMAZON.PostalCode": "98101", "AMAZON.Duration": "two hours",
}  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    """What the runtime did with one artefact."""

    artefact: str  # relative to FIXTURES: "bots/x.json", "flows/y.json"
    kind: str  # "bot", "flow" or "module"
    status: str  # bots: LOADED | REJECTED | CRASHED; flows: ENDED | STOPPED | CRASHED
    reason: str  # one line: the runtime's own message (paths relative), or how the run ended
    cause: str = ""  # the root cause, worded so that artefacts blocked by the same thing share it
    error: str | None = None  # exception class name
    stage: str | None = None  # flows: "load" or "run"
    field: str | None = None  # bots: the field path the loader named
    block_id: str | None = None  # flows: the block the run stopped or ended at
    block_type: str | None = None
    frames: tuple[str, ...] = ()  # CRASHED: the last traceback frames, innermost last
    unsupported: tuple[str, ...] = ()  # flows: action types in the file the interpreter has no handler for
    notes: tuple[str, ...] = ()  # how the artefact was wired for the run

    @property
    def ok(self) -> bool:
        """LOADED or ENDED."""
        return self.status in (LOADED, ENDED)

    def summary(self) -> dict[str, Any]:
        """The baseline entry: outcome and short reason (empty fields left out)."""
        return {key: value for key, value in asdict(self).items() if value not in (None, "", ()) and key != "artefact"}


@dataclass
class Report:
    """Every artefact's outcome, bots first."""

    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def bots(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.kind == "bot"]

    @property
    def flows(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.kind != "bot"]

    def totals(self) -> dict[str, int]:
        """The counts the conformance test keeps as floors (and the crash count as a ceiling)."""
        return {
            "bots": len(self.bots),
            "bots_loaded": sum(o.status == LOADED for o in self.bots),
            "flows": len(self.flows),
            "flows_ended": sum(o.status == ENDED for o in self.flows),
            "crashes": sum(o.status == CRASHED for o in self.outcomes),
        }

    def crash_types(self) -> list[str]:
        """The exception classes that escaped the runtime, sorted."""
        return sorted({o.error for o in self.outcomes if o.status == CRASHED and o.error})

    def causes(self) -> list[tuple[str, list[Outcome]]]:
        """Root causes of every artefact not LOADED/ENDED, the cause blocking most artefacts first."""
        groups: dict[str, list[Outcome]] = {}
        for outcome in self.outcomes:
            if not outcome.ok:
                groups.setdefault(outcome.cause, []).append(outcome)
        return sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))

    def baseline(self) -> dict[str, Any]:
        """What ``baseline.json`` holds."""
        return {
            "about": "Outcomes of the local runtime on tests/fixtures/third_party; regenerate with "
            "`.venv/bin/python -m tests.third_party report`. test_conformance.py keeps these as floors.",
            "totals": self.totals(),
            "known_crash_types": self.crash_types(),
            "artefacts": {o.artefact: o.summary() for o in self.outcomes},
        }


# -- artefacts --------------------------------------------------------------------------------------------------
def bot_files(root: Path = FIXTURES) -> list[Path]:
    """Every bot of the set."""
    return sorted((root / "bots").glob("*.json"))


def flow_files(root: Path = FIXTURES) -> list[Path]:
    """Every flow and flow module of the set."""
    return sorted((root / "flows").glob("*.json"))


def relative(path: Path | str, root: Path = FIXTURES) -> str:
    """``path`` relative to the set (else to the repository) for messages that do not depend on the checkout."""
    text = str(path)
    for base in (root, ROOT):
        prefix = str(base) + "/"
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text


def _clean(message: str, root: Path = FIXTURES) -> str:
    """A runtime message on one line, with checkout paths made relative."""
    for base in (root, ROOT):
        message = message.replace(str(base) + "/", "")
    return " ".join(message.split())


def run_all(root: Path = FIXTURES, flow_bots: Mapping[str, str] = FLOW_BOTS) -> Report:
    """Every bot, then every flow."""
    report = Report()
    report.outcomes += [check_bot(path, root) for path in bot_files(root)]
    report.outcomes += [run_flow(path, root, flow_bots).outcome for path in flow_files(root)]
    return report


# -- bots -------------------------------------------------------------------------------------------------------
def load_bot_as_written(path: Path) -> tuple[Any, bool]:
    """(BotDefinition, whether the BotLocales list had to be wrapped); raises what the runtime raises."""
    from sim.lex import BotDefinitionError, load_bot, parse_bot

    try:
        return load_bot(path), False
    except BotDefinitionError as exc:
        if exc.path or _LIST_AT_ROOT not in exc.problem:
            raise
    data = json.loads(path.read_text(encoding="utf-8"))
    return parse_bot({"BotLocales": data}, source=str(path), default_name=path.stem), True


def check_bot(path: Path, root: Path = FIXTURES) -> Outcome:
    """Load one bot as written."""
    from sim.lex import BotDefinitionError, LexEmulatorError

    name = relative(path, root)
    try:
        wrapped = isinstance(json.loads(path.read_text(encoding="utf-8")), list)
    except ValueError:
        wrapped = False
    notes = ('BotLocales list wrapped as {"BotLocales": [...]}',) if wrapped else ()
    try:
        bot, _ = load_bot_as_written(path)
    except LexEmulatorError as exc:
        field_path = exc.path if isinstance(exc, BotDefinitionError) else None
        return Outcome(
            name, "bot", REJECTED, _clean(str(exc), root), cause=bot_cause(path, exc), error=type(exc).__name__,
            field=field_path, notes=notes,
        )  # fmt: skip
    except Exception as exc:
        return _crashed(name, "bot", exc, root, notes=notes)
    ignored = len(getattr(bot, "ignored_fields", ()))
    reason = f"loaded: {len(bot.locales)} locale(s), {ignored} field(s) accepted but not emulated"
    return Outcome(name, "bot", LOADED, reason, notes=notes)


def bot_cause(path: Path, exc: Exception) -> str:
    """The root cause of a rejected bot, in words shared by every bot blocked by the same thing."""
    return document_cause(wrapped_document(path), exc)


def document_cause(document: Any, exc: Exception) -> str:
    """``bot_cause`` for a bot document already read (wrapped as the loader sees it)."""
    field_path, problem = getattr(exc, "path", None), getattr(exc, "problem", None)
    if not isinstance(field_path, str) or not isinstance(problem, str):
        return f"{type(exc).__name__}: {_clean(str(exc))}"
    generic = re.sub(r"\[\d+\]", "[]", field_path) or "(root)"
    value = lookup(document, field_path)
    wanted = re.fullmatch(r"expected (a number|an integer|a boolean), got string", problem)
    if wanted and isinstance(value, str):
        return f"string scalar where CloudFormation takes {wanted[1]}: {generic}"
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _INTRINSICS:
        return f"CloudFormation intrinsic {next(iter(value))} as the value of {generic}"
    for pattern, words in (
        (r"unsupported built-in slot type '([^']+)'", "unsupported built-in slot type {}"),
        (r"unsupported built-in intent '([^']+)'", "unsupported built-in intent {}"),
        (r"unsupported parent slot type '([^']+)'", "unsupported ParentSlotTypeSignature {}"),
        (r"unsupported strategy '([^']+)'", "unsupported ResolutionStrategy {}"),
    ):
        match = re.match(pattern, problem)
        if match:
            return words.format(match[1])
    if problem == "unknown field":
        return f"field the loader does not know: {generic}"
    return f"{generic}: {re.sub(r' [(][^()]*[)]$', '', problem)}"


def wrapped_document(path: Path) -> Any:
    """The bot file as the loader sees it after wrapping."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {"BotLocales": data} if isinstance(data, list) else data


def lookup(data: Any, field_path: str) -> Any:
    """The value at a loader field path like ``BotLocales[0].Intents[2].Name`` (``None`` if absent)."""
    current = data
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", field_path):
        if name:
            current = current.get(name) if isinstance(current, dict) else None
        else:
            current = current[int(index)] if isinstance(current, list) and int(index) < len(current) else None
    return current


# -- flows: wiring ----------------------------------------------------------------------------------------------
@dataclass
class Wiring:
    """How a flow is connected for a run: placeholder values, contact attributes, bot, locale."""

    substitutions: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)
    bot: Any = None  # the BotDefinition, when FLOW_BOTS names one and it loads
    bot_document: Any = None  # its BotLocales list as written (for the caller's answers)
    bot_keys: set[str] = field(default_factory=set)
    language: str = "en-US"
    notes: list[str] = field(default_factory=list)


def plausible_value(name: str) -> str:
    """A local value for a ``${Name}`` placeholder that is not a Lambda or a Lex reference."""
    pseudo = {
        "AWS::Region": REGION, "AWS::AccountId": ACCOUNT_ID, "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "third-party", "AWS::StackId": "third-party",
    }  # fmt: skip
    if name in pseudo:
        return pseudo[name]
    token = re.sub(r"[^A-Za-z0-9-]+", "-", name).strip("-") or "value"
    lowered = name.lower()
    if lowered.endswith("region"):
        return REGION
    if lowered.endswith(("accountid", "account")):
        return ACCOUNT_ID
    if lowered.endswith("arn"):
        return f"arn:aws:local:{REGION}:{ACCOUNT_ID}:{token}"
    return f"local-{token}"


def lambda_arn(name: str) -> str:
    """The local ARN a Lambda reference is given."""
    token = re.sub(r"[^A-Za-z0-9-_]+", "-", name).strip("-") or "function"
    return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{token}"


def _strings(value: Any, where: str = "") -> Iterable[tuple[str, str]]:
    """(parameter path, text) of every string in a parameter value."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{where}[{index}]")


def _actions(document: Any) -> list[dict[str, Any]]:
    """The flow document's actions that are objects (whatever else the file holds)."""
    actions = document.get("Actions") if isinstance(document, dict) else None
    return [a for a in actions if isinstance(a, dict)] if isinstance(actions, list) else []


def flow_kind(document: Any) -> str:
    """``module`` for a flow module (``Settings``, or an ``EndFlowModuleExecution`` block), else ``flow``."""
    if isinstance(document, dict) and "Settings" in document:
        return "module"
    return "module" if any(a.get("Type") == "EndFlowModuleExecution" for a in _actions(document)) else "flow"


def wire_flow(path: Path, root: Path = FIXTURES, flow_bots: Mapping[str, str] = FLOW_BOTS) -> Wiring:
    """Decide every placeholder value, contact attribute and bot for a run of the flow at ``path``."""
    wiring = Wiring()
    text = path.read_text(encoding="utf-8")
    try:
        document: Any = json.loads(text)
    except ValueError:
        document = None
    bot_file = flow_bots.get(relative(path, root))
    if bot_file is not None:
        _attach_bot(wiring, root / bot_file, root)
    lex_names: set[str] = set()
    lambda_names: set[str] = set()
    for action in _actions(document):
        parameters = action.get("Parameters")
        for where, value in _strings(parameters if isinstance(parameters, dict) else {}):
            names = {m[2] for m in _PLACEHOLDER.finditer(value) if not m[1]}
            if action.get("Type") == "ConnectParticipantWithLexBot" and where == "LexV2Bot.AliasArn":
                lex_names |= names
            elif action.get("Type") == "InvokeLambdaFunction" and where == "LambdaFunctionARN":
                whole = _PLACEHOLDER.fullmatch(value.strip())
                lambda_names |= {whole[2]} if whole else set()
    for match in _PLACEHOLDER.finditer(text):
        literal, name = match[1], match[2]
        if literal or name in wiring.substitutions:
            continue
        if name in lex_names and wiring.bot is None:
            wiring.substitutions[name] = "${" + name + "}"  # left unresolved: no bot of the set for it
        elif name in lambda_names:
            wiring.substitutions[name] = lambda_arn(name)
        else:
            wiring.substitutions[name] = plausible_value(name)
    if wiring.substitutions:
        unresolved = sorted(n for n, v in wiring.substitutions.items() if v == "${" + n + "}")
        wiring.notes.append(f"{len(wiring.substitutions)} placeholder(s) given local values")
        if unresolved:
            wiring.notes.append("Lex placeholder(s) left unresolved: " + ", ".join(unresolved))
    return wiring


def _attach_bot(wiring: Wiring, path: Path, root: Path) -> None:
    """Load the flow's bot as written; a bot that does not load leaves the flow's Lex blocks unresolved."""
    from sim.lex import LexEmulatorError

    name = relative(path, root)
    try:
        wiring.bot, _ = load_bot_as_written(path)
    except LexEmulatorError as exc:
        wiring.notes.append(f"its bot {name} does not load ({bot_cause(path, exc)}): Lex left unresolved")
        return
    except Exception as exc:  # counted against the bot itself; here it only means "no bot"
        wiring.notes.append(f"its bot {name} crashes the loader ({type(exc).__name__}): Lex left unresolved")
        return
    wiring.bot_document = wrapped_document(path)
    locales = [loc.get("LocaleId") for loc in wiring.bot_document.get("BotLocales") or [] if isinstance(loc, dict)]
    locale = next((loc for loc in locales if isinstance(loc, str) and loc in wiring.bot.locales), None)
    if locale is not None:
        wiring.language = locale.replace("_", "-")
    wiring.notes.append(f"Lex bot {name} (locale {wiring.language})")


def _register_references(wiring: Wiring, flow: Any) -> None:
    """After loading: the bot under every alias reference of the flow; ARNs for ``$.Attributes`` references."""
    for action in flow.actions.values():
        if action.type == "InvokeLambdaFunction":
            reference = action.parameters.get("LambdaFunctionARN")
            attribute = _attribute_name(reference)
            if attribute is not None:
                wiring.attributes.setdefault(attribute, lambda_arn(attribute))
        elif action.type == "ConnectParticipantWithLexBot":
            bot = action.parameters.get("LexV2Bot")
            reference = bot.get("AliasArn") if isinstance(bot, Mapping) else None
            attribute = _attribute_name(reference)
            if attribute is not None:  # an alias ARN, known to the Lex runtime only if the flow's bot loaded
                wiring.attributes.setdefault(attribute, LOCAL_ALIAS_ARN)
                reference = LOCAL_ALIAS_ARN
            if wiring.bot is not None and isinstance(reference, str) and reference and "$." not in reference:
                wiring.bot_keys.add(reference)
    if wiring.attributes:
        wiring.notes.append("contact attribute(s) set to local ARNs: " + ", ".join(sorted(wiring.attributes)))


def _attribute_name(reference: Any) -> str | None:
    """``X`` for a whole-value ``$.Attributes.X`` reference."""
    match = _ATTRIBUTE_REF.fullmatch(reference.strip()) if isinstance(reference, str) else None
    return (match[1] or match[2]) if match else None


# -- flows: the other side of the call --------------------------------------------------------------------------
def stub_lambda(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The one local Lambda every flow Lambda reference runs: it answers ``{}``."""
    return {}


def delegate_hook(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A pass-through Lex code hook: Delegate while in dialog, Close as Fulfilled at fulfilment."""
    state = event.get("sessionState") or {}
    intent = dict(state.get("intent") or {})
    attributes = dict(state.get("sessionAttributes") or {})
    if event.get("invocationSource") == "FulfillmentCodeHook":
        intent["state"] = "Fulfilled"
        action = {"type": "Close"}
    else:
        action = {"type": "Delegate"}
    return {"sessionState": {"dialogAction": action, "intent": intent, "sessionAttributes": attributes}}


class LexSide:
    """The LexBridge the interpreter talks to: the Lex emulator, remembering its last answer for the caller."""

    def __init__(self, lex: Any) -> None:
        self.lex = lex
        self.last: dict[str, Any] | None = None

    def recognize_text(self, **request: Any) -> dict[str, Any]:
        self.last = None
        response: dict[str, Any] = self.lex.recognize_text(**request)
        self.last = response
        return response

    def caller_view(self, *, session_id: str) -> str | None:
        view: str | None = self.lex.caller_view(session_id=session_id)
        return view


class DefaultCaller:
    """The scripted default caller (a ``sim.connect.Participant``): ``1`` to keys, words to Lex, then silence."""

    def __init__(self, lex_side: LexSide | None = None, bot_document: Any = None, max_turns: int = MAX_TURNS) -> None:
        self.lex_side = lex_side
        self.bot_document = bot_document
        self.max_turns = max_turns
        self.turns = 0
        self.heard: list[str] = []
        self.said: list[str] = []

    def hear(self, text: str, *, ssml: bool) -> None:
        self.heard.append(text)

    def respond(self, request: Any) -> str | None:
        self.turns += 1
        if self.turns > self.max_turns:
            return None
        answer = self._lex_answer() if getattr(request, "kind", "dtmf") == "lex" else "1"
        self.said.append(answer)
        return answer

    def _lex_answer(self) -> str:
        """A sample utterance to open a conversation, a sample value for an elicited slot, else yes."""
        last = self.lex_side.last if self.lex_side is not None else None
        try:
            return _lex_reply(self.bot_document, last)
        except (AttributeError, IndexError, KeyError, TypeError, ValueError):  # odd bot JSON: keep talking
            return "yes"


def _lex_reply(document: Any, last: Mapping[str, Any] | None) -> str:
    """What the default caller says to Lex next."""
    if not isinstance(document, dict):
        return "yes"
    state = (last or {}).get("sessionState") or {}
    action = state.get("dialogAction") or {}
    intent = state.get("intent") or {}
    kind = action.get("type")
    if last is None or kind in ("Close", "ElicitIntent") or intent.get("state") in ("Fulfilled", "Failed"):
        return _opening(document)
    if kind == "ElicitSlot" and action.get("slotToElicit"):
        return _slot_sample(document, intent.get("name"), action["slotToElicit"])
    return "yes"


def _intents(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The intents of the bot's first locale."""
    locales = [loc for loc in document.get("BotLocales") or [] if isinstance(loc, dict)]
    return [i for i in (locales[0].get("Intents") or []) if isinstance(i, dict)] if locales else []


def _opening(document: Mapping[str, Any]) -> str:
    """The first sample utterance of the first intent that has one, its slots filled with sample values."""
    for intent in _intents(document):
        for utterance in intent.get("SampleUtterances") or []:
            text = utterance.get("Utterance") if isinstance(utterance, dict) else None
            if isinstance(text, str) and text.strip():
                return _fill_slots(document, intent.get("Name"), text)
    return "hello"


def _fill_slots(document: Mapping[str, Any], intent_name: Any, utterance: str) -> str:
    """An utterance with each ``{Slot}`` replaced by a sample value of the slot's type."""
    return _SLOT_REF.sub(lambda m: _slot_sample(document, intent_name, m[1]), utterance)


def _slot_sample(document: Mapping[str, Any], intent_name: Any, slot_name: str) -> str:
    """A value the slot's type accepts: a built-in sample, or the custom type's first sample value."""
    intent = next((i for i in _intents(document) if i.get("Name") == intent_name), {})
    slot = next((s for s in intent.get("Slots") or [] if isinstance(s, dict) and s.get("Name") == slot_name), {})
    type_name = slot.get("SlotTypeName")
    locales = [loc for loc in document.get("BotLocales") or [] if isinstance(loc, dict)]
    for slot_type in (locales[0].get("SlotTypes") or []) if locales else []:
        if isinstance(slot_type, dict) and slot_type.get("Name") == type_name:
            for value in slot_type.get("SlotTypeValues") or []:
                sample = (value.get("SampleValue") or {}).get("Value") if isinstance(value, dict) else None
                if isinstance(sample, str) and sample:
                    return sample
            type_name = slot_type.get("ParentSlotTypeSignature")
    return BUILTIN_SAMPLES.get(type_name, "yes") if isinstance(type_name, str) else "yes"


# -- flows: the run ---------------------------------------------------------------------------------------------
@dataclass
class FlowRun:
    """One flow's outcome, with what the run said and heard (for ``python -m tests.third_party show``)."""

    outcome: Outcome
    transcript: str = ""
    lex_transcript: str = ""
    caller_said: list[str] = field(default_factory=list)
    stood_in: tuple[str, ...] = ()  # with stand_ins: the unsupported Types the run reached, in order


def run_flow(
    path: Path, root: Path = FIXTURES, flow_bots: Mapping[str, str] = FLOW_BOTS, *, stand_ins: bool = False
) -> FlowRun:
    """Load one flow (or module) with local wiring and run it to its end with the default caller.

    ``stand_ins`` (for the work list only): every block whose Type the interpreter has no handler for is
    replaced, in memory, by a neutral block (see :func:`stand_in_unsupported`), to see what stops the run next.
    """
    from sim.connect import (
        ACTION_HANDLERS,
        AttributeSet,
        ContactData,
        ErrorBranch,
        FlowError,
        FlowInterpreter,
        load_flow,
    )
    from sim.lex import LexEmulatorError, LexRuntime

    name = relative(path, root)
    try:
        document: Any = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        document = None
    kind = flow_kind(document)
    unsupported = tuple(sorted({str(a.get("Type")) for a in _actions(document)} - set(ACTION_HANDLERS)))
    wiring = wire_flow(path, root, flow_bots)
    try:
        flow = _load_with_stand_ins(path, wiring) if stand_ins else load_flow(path, wiring.substitutions)
    except (FlowError, LexEmulatorError) as exc:
        outcome = _stopped(name, exc, None, "load", root, kind=kind, unsupported=unsupported, notes=tuple(wiring.notes))
        return FlowRun(outcome)
    except Exception as exc:
        return FlowRun(_crashed(name, kind, exc, root, stage="load", unsupported=unsupported, notes=wiring.notes))
    _register_references(wiring, flow)
    lex = LexRuntime(bots=dict.fromkeys(wiring.bot_keys, wiring.bot), code_hooks=lambda _key: delegate_hook)
    lex_side = LexSide(lex)
    caller = DefaultCaller(lex_side, wiring.bot_document)
    interpreter = FlowInterpreter(lambdas=lambda _arn: stub_lambda, lex=lex_side, max_steps=MAX_STEPS)
    contact = ContactData(
        contact_id=f"third-party-{path.stem}", channel="VOICE", initiation_method="INBOUND",
        customer_address=CUSTOMER_NUMBER, system_address=SYSTEM_NUMBER, instance_arn=INSTANCE_ARN,
        attributes=dict(wiring.attributes), language_code=wiring.language,
    )  # fmt: skip
    notes = tuple(wiring.notes)
    events: Any = ()
    try:
        result = interpreter.run(flow, participant=caller, contact=contact)
    except (FlowError, LexEmulatorError) as exc:
        partial = getattr(exc, "partial", None)
        events = partial.transcript if partial is not None else ()
        outcome = _stopped(name, exc, flow, "run", root, kind=kind, unsupported=unsupported, notes=notes)
    except Exception as exc:
        outcome = _crashed(name, kind, exc, root, stage="run", unsupported=unsupported, notes=notes)
    else:
        events = result.transcript
        block_type = _block_type(flow, result.ended_by) if result.flow_name == flow.name else None
        how = "disconnected" if result.disconnected else "ended"
        branches = len(result.transcript.of_type(ErrorBranch))
        reason = (
            f"{how} at block {result.ended_by!r} ({block_type or result.flow_name}) after {len(result.transcript)} "
            f"event(s), {branches} error branch(es), {len(caller.said)} caller answer(s)"
        )
        outcome = Outcome(
            name, kind, ENDED, reason,
            stage="run", block_id=result.ended_by, block_type=block_type, unsupported=unsupported, notes=notes,
        )  # fmt: skip
    transcript = "\n".join(event.line() for event in events)
    reached = [e.value for e in events if isinstance(e, AttributeSet) and e.key == STAND_IN_ATTRIBUTE]
    return FlowRun(outcome, transcript, lex.transcript.render(), caller.said, tuple(dict.fromkeys(reached)))


STAND_IN_ATTRIBUTE = "third_party_stand_in"
_STAND_IN_END = "third-party-stand-in-end"


def stand_in_unsupported(document: Any, supported: Iterable[str]) -> int:
    """Replace every block of an unsupported Type, in place, by a neutral one; return how many.

    The stand-in records ``third_party_stand_in = <Type>`` as a contact attribute and goes on to the
    block's NextAction, else its first condition's, else its first error branch's; a block with no way
    on (the flow's own end, such as TransferContactToQueue) goes on to an added EndFlowExecution block.
    """
    known = set(supported)
    count = 0
    actions = _actions(document)
    for action in actions:
        kind = action.get("Type")
        if kind in known:
            continue
        found = action.get("Transitions")
        transitions: dict[str, Any] = found if isinstance(found, dict) else {}
        targets = [transitions.get("NextAction")]
        targets += [c.get("NextAction") for c in transitions.get("Conditions") or [] if isinstance(c, dict)]
        targets += [e.get("NextAction") for e in transitions.get("Errors") or [] if isinstance(e, dict)]
        target = next((t for t in targets if isinstance(t, str) and t), None) or _STAND_IN_END
        action.update(
            Type="UpdateContactAttributes", Parameters={"Attributes": {STAND_IN_ATTRIBUTE: str(kind)}},
            Transitions={"NextAction": target},
        )  # fmt: skip
        count += 1
    if count and isinstance(document, dict) and isinstance(document.get("Actions"), list):
        document["Actions"].append({"Identifier": _STAND_IN_END, "Type": "EndFlowExecution", "Parameters": {}})
    return count


def _load_with_stand_ins(path: Path, wiring: Wiring) -> Any:
    """``load_flow`` with unsupported blocks stood in for (placeholders and parsing through the public API)."""
    from sim.connect import ACTION_HANDLERS, FlowDefinitionError, fn_sub, parse_flow

    text = fn_sub(path.read_text(encoding="utf-8"), wiring.substitutions, source=str(path))
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise FlowDefinitionError(f"{path}: not valid JSON ({exc})") from None
    count = stand_in_unsupported(document, ACTION_HANDLERS)
    wiring.notes.append(f"{count} unsupported block(s) stood in for")
    return parse_flow(document, default_name=path.stem)


def _block_type(flow: Any, block_id: str | None) -> str | None:
    """The Type of a block of ``flow``."""
    action = flow.actions.get(block_id) if block_id is not None else None
    return action.type if action is not None else None


def _stopped(
    name: str, exc: Exception, flow: Any, stage: str, root: Path, *, kind: str, unsupported: tuple[str, ...],
    notes: tuple[str, ...],
) -> Outcome:  # fmt: skip
    """A clean runtime error: the block it names (or the block the run was at) and a cause to group by."""
    message = _clean(str(exc), root)
    block_id = getattr(exc, "block_id", None)
    block_type = getattr(exc, "block_type", None)
    named = re.search(r"block '([^']*)' \(([^)]+)\)", message)
    if block_id is None and named:
        block_id, block_type = named[1], named[2]
    partial = getattr(exc, "partial", None)
    if block_id is None and partial is not None and flow is not None and partial.flow_name == flow.name:
        block_id = partial.ended_by
    if block_type is None and flow is not None:
        block_type = _block_type(flow, block_id)
    cause = flow_cause(exc, message, block_type)
    action = flow.actions.get(block_id) if flow is not None and block_id is not None else None
    if action is not None and "has no Errors branch" in message:
        cause += _prompt_source(action)
    if stage == "load":
        cause = f"load: {cause}"
    if type(exc).__name__ == "UnsupportedBlock" and block_type in TERMINAL_BLOCKS:
        notes = (*notes, f"stopped at an end block ({block_type}): the run reached the flow's end")
    return Outcome(
        name, kind, STOPPED, message, cause=cause, error=type(exc).__name__,
        stage=stage, block_id=block_id, block_type=block_type, unsupported=unsupported, notes=notes,
    )  # fmt: skip


def flow_cause(exc: Exception, message: str, block_type: str | None) -> str:
    """The root cause of a stopped flow, in words shared by every flow stopped by the same thing."""
    kind = type(exc).__name__
    if kind == "UnsupportedBlock":
        if "Lex V1" in message:
            return "ConnectParticipantWithLexBot with a Lex V1 LexBot"
        return f"unsupported block type {block_type}"
    if kind == "StepLimitExceeded":
        return f"step limit exceeded (a loop through {block_type})"
    if kind == "PlaceholderError":
        return "unresolved ${...} placeholders"
    unknown = re.search(r"(\$\S*): the flow data has no '([^']+)'", message)
    if unknown:
        return f"JSONPath namespace $.{unknown[2]} unknown to the interpreter (as a whole-value reference)"
    detail = re.sub(r"^.*?block '[^']*' \([^)]*\)(?: has|:)?\s*", "", message)
    detail = re.sub(r"^flow '[^']*'(?:, block '[^']*')?:?\s*", "", detail)
    detail = re.sub(r"'[^']*'", "'…'", detail)  # block ids, names and values vary per flow
    if "which is not a block of the flow" in detail:
        return "a transition names a block the flow does not have"
    return f"{block_type}: {detail}" if block_type else detail


def _prompt_source(action: Any) -> str:
    """For a block that failed to speak: where its prompt comes from, when it is a JSONPath reference."""
    for key in ("Text", "SSML", "PromptId", "Media"):
        value = action.parameters.get(key)
        if isinstance(value, str) and value.strip().startswith("$."):
            namespace = re.match(r"\$\.(\w+)", value.strip())
            return f" ({key} is a {'$.' + namespace[1] if namespace else '$.'}… reference that resolved empty)"
    return ""


def _crashed(
    name: str, kind: str, exc: BaseException, root: Path, *, stage: str | None = None,
    unsupported: Iterable[str] = (), notes: Iterable[str] = (),
) -> Outcome:  # fmt: skip
    """An exception that is not one of the runtime's own: where it came from."""
    frames = traceback.extract_tb(exc.__traceback__)
    shown = tuple(f"{relative(f.filename, ROOT)}:{f.lineno} in {f.name}" for f in frames[-3:])
    in_runtime = [f for f in frames if "/sim/" in f.filename]
    origin = in_runtime[-1] if in_runtime else (frames[-1] if frames else None)
    where = f" in {relative(origin.filename, ROOT)} {origin.name}()" if origin else ""
    reason = _clean(f"{type(exc).__name__}: {exc}", root)
    return Outcome(
        name, kind, CRASHED, reason, cause=f"uncaught {type(exc).__name__}{where}", error=type(exc).__name__,
        stage=stage, frames=shown, unsupported=tuple(unsupported), notes=tuple(notes),
    )  # fmt: skip


# -- baseline ---------------------------------------------------------------------------------------------------
def read_baseline(path: Path = BASELINE) -> dict[str, Any]:
    """The committed baseline."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def write_baseline(report: Report, path: Path = BASELINE) -> None:
    """Write the baseline (stable order, one artefact per key)."""
    path.write_text(json.dumps(report.baseline(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def regressions(report: Report, baseline: Mapping[str, Any]) -> list[str]:
    """Every way ``report`` is worse than ``baseline``: lower floors, more crashes, new crash types, lost artefacts."""
    found: list[str] = []
    now, then = report.totals(), baseline.get("totals", {})
    for key, label in (("bots_loaded", "bots loaded"), ("flows_ended", "flows run to their end")):
        if now[key] < then.get(key, 0):
            found.append(f"{label}: {now[key]}, baseline {then[key]}")
    if now["crashes"] > then.get("crashes", 0):
        found.append(f"crashes: {now['crashes']}, baseline {then['crashes']}")
    new_types = sorted(set(report.crash_types()) - set(baseline.get("known_crash_types", [])))
    if new_types:
        found.append("new uncaught exception type(s): " + ", ".join(new_types))
    before = baseline.get("artefacts", {})
    for outcome in report.outcomes:
        was = before.get(outcome.artefact, {}).get("status")
        if was in (LOADED, ENDED) and not outcome.ok:
            found.append(f"{outcome.artefact}: was {was}, now {outcome.status}: {outcome.reason}")
        elif was != CRASHED and outcome.status == CRASHED:
            found.append(f"{outcome.artefact}: now CRASHED: {outcome.reason}")
    return found


def status_counts(outcomes: Iterable[Outcome]) -> Counter[str]:
    """How many outcomes have each status."""
    return Counter(o.status for o in outcomes)


def describe(outcome: Outcome) -> str:
    """One artefact on a few lines, for people."""
    lines = [f"{outcome.artefact} [{outcome.kind}] {outcome.status}: {outcome.reason}"]
    if outcome.cause:
        lines.append(f"  cause: {outcome.cause}")
    if outcome.block_type:
        lines.append(f"  block: {outcome.block_id!r} ({outcome.block_type}), at {outcome.stage}")
    lines += [f"  frame: {frame}" for frame in outcome.frames]
    if outcome.unsupported:
        lines.append("  action types without a handler: " + ", ".join(outcome.unsupported))
    lines += [f"  wiring: {note}" for note in outcome.notes]
    return "\n".join(lines)
