"""Errors raised by the Lex emulator; none of them ever carries a slot value or session attribute."""

from __future__ import annotations


class LexEmulatorError(Exception):
    """Base class for every error the Lex emulator raises."""


class BotDefinitionError(LexEmulatorError):
    """A bot file that Lex would reject; the message names the field path."""

    def __init__(self, path: str, problem: str, *, source: str = "") -> None:
        self.path = path
        self.problem = problem
        self.source = source
        where = f" (in {source})" if source else ""
        super().__init__(f"{path or '(root)'}: {problem}{where}")


class BotNotFoundError(LexEmulatorError, LookupError):
    """No bot (or no locale of it) is registered under the requested key, like Lex's ResourceNotFound."""


class CodeHookError(LexEmulatorError):
    """The code hook failed the turn (it raised, or it is missing); Lex answers DependencyFailedException."""


class CodeHookResponseError(CodeHookError):
    """The code hook returned a response Lex would reject; the message names the offending field path."""

    def __init__(self, path: str, problem: str, *, source: str = "") -> None:
        self.path = path or "response"
        self.problem = problem
        self.invocation_source = source
        prefix = f"{source}: " if source else ""
        super().__init__(f"Invalid Lambda Response: {prefix}{self.path}: {problem}")
