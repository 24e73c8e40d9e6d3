"""Secrets in the clear: one harness plays every conversation script (tests/e2e/*.yaml) and the scenarios, with
every log captured, and fails if an OTP, PIN, card number, ZIP, password, link grant or Twilio credential
appears anywhere a person or a log pipeline could read it.

Captured for each run: every project logger (Powertools, at DEBUG), the root logger, stdout and stderr, the
runtime's rendered transcript and its Lex log, the contact attributes and every Lex session's attributes (which
include any URL the bot handed over). The secrets searched for are the ones the run really used: the seeded PINs
and password, the card numbers and ZIPs the scripts say or key, and every code and grant that was delivered
(read off the phones' SMS and calls after the run).

Requirements: PCI DSS 4.0 req 3.3.1 (no sensitive authentication data after authorisation), 3.4.1 (PAN masked
when displayed), 10.3 / OWASP ASVS 5 V16.2.5 (no secrets in logs), NIST SP 800-63B rev 4 §3.1.3 / §5.1 (OOB
secrets and memorised secrets never revealed).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from sim.aws.resources import DemoUser
from sim.aws.voice_login_resources import OTHER_CUSTOMER, Customer
from sim.scripts import World, load_script, run_script

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((REPO / "tests" / "e2e").glob("*.yaml"))
CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
ZIP = re.compile(r"\b\d{5}(?:-\d{4})?\b")
CODE = re.compile(r"\b\d{6,10}\b")
GRANT = re.compile(r"grant=([A-Za-z0-9_.-]{20,})")


def _static_secrets(script: Path) -> set[str]:
    """The seeded PINs and password, and every card number and ZIP the script says or keys."""
    secrets = {Customer().pin, OTHER_CUSTOMER.pin, DemoUser().password}
    for line in script.read_text().splitlines():
        if re.match(r"\s*- (say|press):", line):
            said = line.split(":", 1)[1]
            secrets |= {re.sub(r"\D", "", m) for m in CARD.findall(said)}
            if re.search(r"zip|\b\d{5}#", line, re.I) or ZIP.fullmatch(said.strip(' "#\'')):
                secrets |= set(ZIP.findall(said))
    return secrets


def _delivered_secrets(world: World) -> set[str]:
    """Every code and grant that reached a phone during the run (by SMS or read out on a call)."""
    found: set[str] = set()
    if not world.runtime_started:
        return found
    for phone in world.runtime().phones.values():
        for sms in phone.sms:
            found |= set(GRANT.findall(sms.body))
            found |= set(CODE.findall(sms.body))
        for call in getattr(phone, "calls", []):
            found |= set(call.digits_heard())
    return found


def _places(world: World, transcript: str, logs: str, out: str, err: str, root: str) -> dict[str, str]:
    places = {"the rendered transcript": transcript, "the project's logs": logs, "stdout": out, "stderr": err,
              "the root logger": root}
    for where, text in world.recorded():
        if where != "the transcript":  # the raw record of what the caller said and heard; rendered above
            places[where] = text
    return places


@pytest.mark.parametrize("script_path", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_no_secret_appears_in_any_output(script_path: Path, lambda_logs: Any, capsys: pytest.CaptureFixture[str],
                                         caplog: pytest.LogCaptureFixture) -> None:
    """PCI DSS 4.0 req 3.3.1/3.4.1/10.3, OWASP ASVS 5 V16.2.5, NIST SP 800-63B rev 4 §5.1."""
    caplog.set_level("INFO")  # what Lambda ships (botocore DEBUG would echo the sim's own seeding calls)
    script = load_script(script_path)
    world = World(script)
    result = run_script(script, world=world)
    out, err = capsys.readouterr()
    secrets = {s for s in _static_secrets(script_path) | _delivered_secrets(world) if len(s) >= 5}
    places = _places(world, result.transcript, lambda_logs.getvalue(), out, err, caplog.text)
    leaks = [(secret[:4] + "…", where) for secret in sorted(secrets) for where, text in places.items()
             if secret in text]
    assert not leaks, f"secrets in the clear: {leaks}"
    json.dumps(places)  # every place is text
