"""Load a conversation script (YAML, see docs/conversation-scripts.md), failing early with the line at fault.

The YAML is read as composed nodes (``yaml.compose``), not constructed values, so every error can name
its line, and scalars keep the text as written: ``press: 0123`` is the keys 0123, ``say: yes`` is "yes".
"""

from __future__ import annotations

import difflib
import functools
import importlib
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml

from lambdas.common.core.phone import E164
from lambdas.common.core.substitution import placeholder_name
from sim.connect import Flow, FlowDefinitionError, PlaceholderError, load_flow
from sim.lex import BotDefinition, LexEmulatorError, load_bot
from sim.scripts.centre import parse_centre
from sim.scripts.link_visit import TAMPERS
from sim.scripts.model import (
    CALL_ONLY,
    CHAT_ONLY,
    DEFAULT_CALLER,
    Advance,
    BotRef,
    Expect,
    ExpectAbsent,
    ExpectAttribute,
    ExpectCall,
    ExpectError,
    ExpectHangup,
    ExpectSms,
    ExpectTransfer,
    Handler,
    HookRef,
    Kind,
    LinkVisit,
    OpenLink,
    PatternStep,
    Press,
    Say,
    Script,
    SendCode,
    Silence,
    Step,
)

REPO = Path(__file__).resolve().parents[2]
HEADER_KEYS = (
    "call", "chat", "description", "bots", "code_hooks", "substitutions", "caller", "attributes",
    "session_attributes", "locale", "aws", "contact_centre", "steps",
)  # fmt: skip
LINK_KEYS = ("link", "expect", "fill", "submit", "expect_after", "tamper")
SEND_CODE_KEYS = ("say", "encrypted", "wrong")
DTMF = re.compile(r"[0-9*#]+")
_LOCALE = re.compile(r"[a-z]{2}[-_][A-Z]{2}")
_HANDLER = re.compile(r"(?P<module>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):(?P<function>[A-Za-z_]\w*)")
_NULL, _BOOL, _INT, _FLOAT = (f"tag:yaml.org,2002:{t}" for t in ("null", "bool", "int", "float"))
_TRUE = {"true", "yes", "on", "y"}
Entries = dict[str, tuple[yaml.Node, yaml.Node]]
T = TypeVar("T")


class ScriptError(Exception):
    """A script that cannot run; the message is ``FILE:LINE: field: problem``."""

    def __init__(self, message: str, *, line: int | None = None, missing: Path | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.missing = missing  # set when the problem is a file that does not exist


class MissingFile(ValueError):
    """A file a script names does not exist."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


# -- helpers shared with the interactive CLI (they raise ValueError with a plain message) --------------
def find_file(text: str, base: Path) -> Path:
    """``text`` as a path: absolute, else relative to ``base`` (the script's folder), else to the repo root."""
    given = Path(text)
    candidates = [given] if given.is_absolute() else [base / given, REPO / given]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    folder = next((c for c in candidates if c.is_dir()), None)
    if folder is not None:
        raise MissingFile(f"{text!r} is a directory, not a file", folder)
    places = " or ".join(str(c.parent) for c in candidates)
    raise MissingFile(f"no such file {text!r} (looked in {places})", candidates[0])


def import_handler(target: str) -> Handler:
    """The callable ``module.path:function`` names."""
    match = _HANDLER.fullmatch(target)
    if match is None:
        raise ValueError(f"{target!r} is not module.path:function")
    try:
        module = importlib.import_module(match["module"])
    except ImportError as exc:
        raise ValueError(f"cannot import module {match['module']!r} ({exc})") from None
    handler = getattr(module, match["function"], None)
    if not callable(handler):
        raise ValueError(f"module {match['module']!r} has no function {match['function']!r}")
    found: Handler = handler
    return found


def read_bot(path: Path) -> BotDefinition:
    """A bot file, validated by the Lex emulator's loader."""
    try:
        return load_bot(path)
    except (LexEmulatorError, OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"bad bot file: {exc}") from None


def aliases(reference: str, substitutions: Mapping[str, str]) -> set[str]:
    """Every spelling of a reference: itself, and a ``${Name}`` placeholder and its substituted value."""
    found = {reference}
    name = placeholder_name(reference)
    if name is not None and name in substitutions:
        found.add(substitutions[name])
    found.update("${" + key + "}" for key, value in substitutions.items() if value == reference)
    return found


def read_flow(path: Path, substitutions: Mapping[str, str], references: Iterable[str]) -> Flow:
    """A flow file with ``${Placeholders}`` resolved; one left unsubstituted but named by a reference stays as is."""
    kept = {name: "${" + name + "}" for name in map(placeholder_name, references) if name}
    try:
        try:
            return load_flow(path, {**kept, **substitutions})
        except PlaceholderError as exc:
            defaults, values = _default_references(), _default_values()
            known = {name: "${" + name + "}" for name in exc.names if "${" + name + "}" in defaults}
            known.update({name: values[name] for name in exc.names if name in values})
            if len(known) < len(exc.names):
                missing = ", ".join("${" + name + "}" for name in exc.names if name not in known)
                raise ValueError(
                    f"{path}: unresolved placeholder(s) {missing}: give each a value (substitutions: or --sub) "
                    "or map it to a bot or a handler (bots:, code_hooks: or --bot, --hook)"
                ) from None
            return load_flow(path, {**kept, **known, **substitutions})
    except (FlowDefinitionError, OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"bad flow file: {exc}") from None


def _default_references() -> set[str]:
    """The references this project's own handlers answer to (without starting anything)."""
    from sim.local_runtime import project_handlers

    return set(project_handlers())


def _default_values() -> dict[str, str]:
    """Local values of this project's other placeholders (the agent queue's ARN)."""
    from sim.local_runtime import project_substitutions

    return project_substitutions()


# -- the YAML layer ---------------------------------------------------------------------------------------
def load_script(path: Path) -> Script:
    """Read and validate the script at ``path``; a ScriptError names the line and field at fault."""
    return _Loader(Path(path)).load()


class _Loader:
    """One script file being read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.base = path.resolve().parent

    def error(self, node: yaml.Node | None, field: str, problem: str, missing: Path | None = None) -> ScriptError:
        """A ScriptError at ``node``'s line."""
        line = node.start_mark.line + 1 if node is not None else 1
        where = f"{field}: " if field else ""
        return ScriptError(f"{self.path}:{line}: {where}{problem}", line=line, missing=missing)

    # -- the document ---------------------------------------------------------------------------------
    def load(self) -> Script:
        """The whole script."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ScriptError(f"{self.path}: cannot read the script ({exc})") from None
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 1
            raise ScriptError(f"{self.path}:{line}: not valid YAML: {exc.problem}", line=line) from None
        except yaml.YAMLError as exc:
            raise ScriptError(f"{self.path}: not valid YAML: {exc}") from None
        if not isinstance(root, yaml.MappingNode):
            raise self.error(root, "", "a script is a mapping: call: FLOW_FILE or chat: BOT_FILE, then steps:")
        header = self.entries(root, "")
        for name, (key, _value) in header.items():
            if name not in HEADER_KEYS:
                raise self.error(key, name, "unknown key" + _suggest(name, HEADER_KEYS))
        kind, (kind_key, kind_value) = self.kind(header, root)
        target = self.file(kind_value, kind)
        substitutions = self.str_map(header, "substitutions")
        hooks = self.hooks(header)
        caller = self.caller(header)
        steps = self.steps(header, root, kind)
        common: dict[str, Any] = {
            "path": self.path, "kind": kind, "line": kind_key.start_mark.line + 1, "target": target,
            "code_hooks": hooks, "substitutions": substitutions, "caller": caller, "steps": steps,
            "aws": self.flag(header, "aws"), "description": self.optional_text(header, "description"),
        }  # fmt: skip
        if kind == "chat":
            self.refuse(header, "bots", "bots: is for call scripts (a chat talks to its chat: bot)")
            self.refuse(header, "attributes", "attributes: are contact attributes; use session_attributes:")
            self.refuse(header, "contact_centre", "contact_centre: is for call scripts (a chat has no queues)")
            if len(hooks) > 1:
                raise self.error(header["code_hooks"][0], "code_hooks", "a chat has one bot: give one code hook")
            bot = self.attempt(kind_value, kind, functools.partial(read_bot, target))
            return Script(chat_bot=bot, attributes=self.str_map(header, "session_attributes"),
                          locale=self.locale(header, "en_US"), **common)
        self.refuse(header, "session_attributes", "a call's Lex session attributes come from the flow; "
                    "use attributes: for the contact's initial attributes")
        bots = self.bots(header)
        references = [ref.reference for ref in bots] + [ref.reference for ref in hooks]
        flow = self.attempt(kind_value, kind, functools.partial(read_flow, target, substitutions, references))
        if "contact_centre" in header:
            common["centre"] = parse_centre(self, header["contact_centre"][1], {**_default_values(), **substitutions})
        return Script(flow=flow, bots=bots, attributes=self.str_map(header, "attributes"),
                      locale=self.locale(header, "en-US"), **common)

    def kind(self, header: Entries, root: yaml.Node) -> tuple[Kind, tuple[yaml.Node, yaml.Node]]:
        """``call`` or ``chat``, exactly one of them."""
        if "call" in header and "chat" in header:
            later = max(header["call"][0], header["chat"][0], key=lambda node: node.start_mark.index)
            raise self.error(later, "", "give call: or chat:, not both (a script is one call or one chat)")
        for kind in ("call", "chat"):
            if kind in header:
                return ("call" if kind == "call" else "chat"), header[kind]
        raise self.error(root, "", "a script needs call: FLOW_FILE or chat: BOT_FILE")

    def refuse(self, header: Entries, name: str, problem: str) -> None:
        """Fail if the header has ``name``."""
        if name in header:
            raise self.error(header[name][0], name, problem)

    def attempt(self, node: yaml.Node, field: str, load: Callable[[], T]) -> T:
        """Run ``load``; a ValueError becomes a ScriptError at ``node``."""
        try:
            return load()
        except MissingFile as exc:
            raise self.error(node, field, str(exc), missing=exc.path) from None
        except ValueError as exc:
            raise self.error(node, field, str(exc)) from None

    def file(self, node: yaml.Node, field: str) -> Path:
        """A path in the script, resolved and checked to exist."""
        return self.attempt(node, field, functools.partial(find_file, self.text(node, field), self.base))

    # -- header fields ------------------------------------------------------------------------------
    def bots(self, header: Entries) -> tuple[BotRef, ...]:
        """``bots:`` reference → bot file."""
        if "bots" not in header:
            return ()
        found = []
        for reference, (_key, value) in self.entries(header["bots"][1], "bots").items():
            field = f"bots.{reference}"
            path = self.file(value, field)
            bot = self.attempt(value, field, functools.partial(read_bot, path))
            found.append(BotRef(reference=reference, path=path, bot=bot))
        return tuple(found)

    def hooks(self, header: Entries) -> tuple[HookRef, ...]:
        """``code_hooks:`` reference → ``module.path:function``."""
        if "code_hooks" not in header:
            return ()
        found = []
        for reference, (_key, value) in self.entries(header["code_hooks"][1], "code_hooks").items():
            field = f"code_hooks.{reference}"
            target = self.text(value, field)
            handler = self.attempt(value, field, functools.partial(import_handler, target))
            found.append(HookRef(reference=reference, target=target, handler=handler))
        return tuple(found)

    def caller(self, header: Entries) -> str:
        """``caller:`` as E.164."""
        if "caller" not in header:
            return DEFAULT_CALLER
        node = header["caller"][1]
        number = self.text(node, "caller")
        if not E164.fullmatch(number):
            raise self.error(node, "caller", f"{number!r} is not an E.164 number like +15550100100")
        return number

    def locale(self, header: Entries, default: str) -> str:
        """``locale:`` like en-US."""
        if "locale" not in header:
            return default
        node = header["locale"][1]
        locale = self.text(node, "locale")
        if not _LOCALE.fullmatch(locale):
            raise self.error(node, "locale", f"{locale!r} is not a locale like en-US")
        return locale

    def flag(self, header: Entries, name: str) -> bool:
        """An optional true/false header field."""
        if name not in header:
            return False
        node = header[name][1]
        if not isinstance(node, yaml.ScalarNode) or node.tag != _BOOL:
            raise self.error(node, name, "expected true or false")
        return node.value.lower() in _TRUE

    def optional_text(self, header: Entries, name: str) -> str | None:
        """An optional text header field."""
        return self.text(header[name][1], name) if name in header else None

    def str_map(self, header: Entries, name: str, prefix: str = "") -> dict[str, str]:
        """An optional mapping of names to text."""
        if name not in header:
            return {}
        entries = self.entries(header[name][1], prefix + name)
        return {key: self.text(value, f"{prefix}{name}.{key}") for key, (_k, value) in entries.items()}

    # -- steps --------------------------------------------------------------------------------------
    def steps(self, header: Entries, root: yaml.Node, kind: Kind) -> tuple[Step, ...]:
        """``steps:``, a non-empty list of one-key mappings."""
        if "steps" not in header:
            raise self.error(root, "", "a script needs steps: (a list of say:, press:, expect: ...)")
        node = header["steps"][1]
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.error(node, "steps", "expected a list of steps, like - say: hello")
        return tuple(self.step(item, index, kind) for index, item in enumerate(node.value, start=1))

    def step(self, node: yaml.Node, index: int, kind: Kind) -> Step:
        """One step."""
        field = f"steps[{index}]"
        if not isinstance(node, yaml.MappingNode) or len(node.value) != 1:
            keys = [k.value for k, _ in node.value] if isinstance(node, yaml.MappingNode) else []
            found = f"; found {', '.join(keys)} (write them as separate steps)" if len(keys) > 1 else ""
            raise self.error(node, field, "a step is a mapping with one key, like - say: hello" + found)
        key, value = node.value[0]
        name = key.value if isinstance(key, yaml.ScalarNode) else ""
        parse = _STEP_PARSERS.get(name)
        if parse is None:
            raise self.error(key, field, f"unknown step {name!r}" + _suggest(name, _STEP_PARSERS))
        if kind == "chat" and name in CALL_ONLY:
            raise self.error(key, f"{field}.{name}", "is for call scripts only")
        if kind == "call" and name in CHAT_ONLY:
            raise self.error(key, f"{field}.{name}", "is for chat scripts only")
        return parse(self, value, key.start_mark.line + 1, f"{field}.{name}")

    def say(self, node: yaml.Node, line: int, field: str) -> Step:
        """``say: TEXT``."""
        text = self.text(node, field).strip()
        if not text:
            raise self.error(node, field, "say what? (the text is empty)")
        return Say(line=line, text=text)

    def press(self, node: yaml.Node, line: int, field: str) -> Step:
        """``press: DIGITS``."""
        digits = self.text(node, field).strip()
        if not DTMF.fullmatch(digits):
            raise self.error(node, field, "keys are 0-9, * and # (quote a lone '#': press: '#')")
        return Press(line=line, digits=digits)

    def silence(self, node: yaml.Node, line: int, field: str) -> Step:
        """``silence: true``."""
        self.true(node, field)
        return Silence(line=line)

    def expect_hangup(self, node: yaml.Node, line: int, field: str) -> Step:
        """``expect_hangup: true``."""
        self.true(node, field)
        return ExpectHangup(line=line)

    def expect_attribute(self, node: yaml.Node, line: int, field: str) -> Step:
        """``expect_attribute: {NAME: REGEX, ...}``."""
        entries = self.entries(node, field)
        if not entries:
            raise self.error(node, field, "name at least one attribute, like expect_attribute: {cardLast4: '^\\d{4}$'}")
        patterns = {name: self.regex(value, f"{field}.{name}") for name, (_key, value) in entries.items()}
        return ExpectAttribute(line=line, patterns=patterns)

    def advance(self, node: yaml.Node, line: int, field: str) -> Step:
        """``advance: SECONDS``."""
        if not isinstance(node, yaml.ScalarNode) or node.tag not in {_INT, _FLOAT}:
            raise self.error(node, field, "expected a number of seconds, like advance: 30")
        seconds = float(node.value.replace("_", ""))
        if not 0 < seconds < float("inf"):
            raise self.error(node, field, "the clock only moves forward: give a positive number of seconds")
        return Advance(line=line, seconds=seconds)

    def send_code(self, node: yaml.Node, line: int, field: str) -> Step:
        """``send_code: true`` or ``send_code: {say: "my code is {code}", encrypted: true, wrong: true}``."""
        if isinstance(node, yaml.ScalarNode):
            self.true(node, field)
            return SendCode(line=line)
        entries = self.entries(node, field)
        for name, (key, _value) in entries.items():
            if name not in SEND_CODE_KEYS:
                raise self.error(key, f"{field}.{name}", "unknown key" + _suggest(name, SEND_CODE_KEYS))
        template = self.text(entries["say"][1], f"{field}.say") if "say" in entries else "{code}"
        if "{code}" not in template:
            raise self.error(entries["say"][1], f"{field}.say", "write {code} where the code goes")
        encrypted = self.flag(entries, "encrypted")
        if encrypted and "say" in entries:
            raise self.error(entries["say"][0], f"{field}.say", "an encrypted code is not said: drop say:")
        return SendCode(line=line, template=template, encrypted=encrypted, wrong=self.flag(entries, "wrong"))

    def open_link(self, node: yaml.Node, line: int, field: str) -> Step:
        """``open_link: {link:, expect:, fill:, submit:, expect_after:}`` (or ``open_link: true``)."""
        if isinstance(node, yaml.ScalarNode) and node.tag in {_NULL, _BOOL}:
            if node.tag == _BOOL:
                self.true(node, field)
            return OpenLink(line=line, visit=LinkVisit())
        entries = self.entries(node, field)
        for name, (key, _value) in entries.items():
            if name not in LINK_KEYS:
                raise self.error(key, f"{field}.{name}", "unknown key" + _suggest(name, LINK_KEYS))
        regex = {name: self.regex(entries[name][1], f"{field}.{name}")
                 for name in ("link", "expect", "expect_after") if name in entries}
        fill = self.str_map(entries, "fill", prefix=f"{field}.")
        submit = self.text(entries["submit"][1], f"{field}.submit") if "submit" in entries else None
        tamper = self.text(entries["tamper"][1], f"{field}.tamper") if "tamper" in entries else None
        if tamper is not None and tamper not in TAMPERS:
            raise self.error(entries["tamper"][1], f"{field}.tamper", "one of " + ", ".join(TAMPERS))
        visit = LinkVisit(link=regex.get("link"), expect=regex.get("expect"), fill=fill, submit=submit,
                          expect_after=regex.get("expect_after"), tamper=tamper)
        return OpenLink(line=line, visit=visit)

    # -- values -------------------------------------------------------------------------------------
    def entries(self, node: yaml.Node, field: str) -> Entries:
        """A mapping's entries by key text; duplicate keys are an error (YAML would keep only the last)."""
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, field, "expected a mapping (key: value lines)")
        found: Entries = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.tag == _NULL:
                raise self.error(key, field, "keys must be plain text")
            if key.value in found:
                first = found[key.value][0].start_mark.line + 1
                raise self.error(key, field, f"duplicate key {key.value!r} (first given on line {first})")
            found[key.value] = (key, value)
        return found

    def text(self, node: yaml.Node, field: str) -> str:
        """A scalar's text exactly as written (``0123`` stays ``0123``, ``yes`` stays ``yes``)."""
        if isinstance(node, yaml.ScalarNode) and node.tag != _NULL:
            return str(node.value)
        shape = "nothing" if isinstance(node, yaml.ScalarNode) else (
            "a list" if isinstance(node, yaml.SequenceNode) else "a mapping")
        raise self.error(node, field, f"expected a single value, got {shape}")

    def true(self, node: yaml.Node, field: str) -> None:
        """The value must be ``true``."""
        if not (isinstance(node, yaml.ScalarNode) and node.tag == _BOOL and node.value.lower() in _TRUE):
            raise self.error(node, field, f"write {field.rsplit('.', 1)[-1]}: true")

    def regex(self, node: yaml.Node, field: str) -> re.Pattern[str]:
        """A regular expression, compiled case-insensitive."""
        text = self.text(node, field)
        try:
            return re.compile(text, re.IGNORECASE)
        except re.error as exc:
            raise self.error(node, field, f"not a valid regular expression: {exc}") from None


def _pattern_parser(step: type[PatternStep]) -> Callable[[_Loader, yaml.Node, int, str], Step]:
    """A parser for a ``KEY: REGEX`` step."""

    def parse(loader: _Loader, node: yaml.Node, line: int, field: str) -> Step:
        return step(line=line, pattern=loader.regex(node, field))

    return parse


_STEP_PARSERS: dict[str, Callable[[_Loader, yaml.Node, int, str], Step]] = {
    Say.KEY: _Loader.say,
    Press.KEY: _Loader.press,
    Silence.KEY: _Loader.silence,
    ExpectHangup.KEY: _Loader.expect_hangup,
    Advance.KEY: _Loader.advance,
    OpenLink.KEY: _Loader.open_link,
    ExpectAttribute.KEY: _Loader.expect_attribute,
    SendCode.KEY: _Loader.send_code,
    **{step.KEY: _pattern_parser(step) for step in (Expect, ExpectSms, ExpectCall, ExpectError, ExpectAbsent,
                                                             ExpectTransfer)},
}


def _suggest(name: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` or the list of known names."""
    names = sorted(known)
    close = difflib.get_close_matches(name, names, n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(names)})"
