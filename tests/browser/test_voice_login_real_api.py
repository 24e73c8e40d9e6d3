"""The C1 page in Chromium against the REAL API, end to end on the local runtime: the voice-login call texts a
link, the link opens the page the runtime serves, the form goes to ``lambdas.voice_login.api.handler`` (through
the emulated HTTP API), the authorised user lands in the accounts table, and a second open says "already used".

The contract double (``test_voice_login_page.py``) keeps covering the page's edge states; this test proves the
page and the real handler agree. Screenshots: ``test-output/<test>.png`` (the confirmation) and
``test-output/<test>-reopened.png`` (the used link).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import boto3

from sim.scripts import load_script, run_script
from sim.scripts.world import World
from tests.browser.conftest import OUTPUT
from tests.browser.voice_login_page import expect, fill, heading, open_link

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "sim" / "demos" / "voice_login_text_link.yaml"
CUSTOMER_ID = "12345678"  # the customer the script signs in as (sim.aws.voice_login_resources.Customer)


def test_the_texted_link_adds_the_user_through_the_real_api_once(page: Any, browser: Any,
                                                                   request: Any) -> None:
    script = load_script(SCRIPT)
    with World(script) as world:
        run_script(script, world=world)  # the call: sign in, ask, get the text
        [link] = world.phone.sms[-1].links
        runtime = world.runtime()
        site = runtime.voice_login_site
        assert link.startswith(f"{site.page.url}#grant=")
        grant = link.split("#grant=", 1)[1]

        open_link(page, link, "form")
        assert heading(page) == "Add an authorised user"
        assert "grant" not in page.url, "the page strips the grant from the address bar"
        fill(page)
        page.get_by_role("button", name="Add authorised user").click()
        expect()(page.locator("body")).to_have_attribute("data-state", "added")
        assert heading(page) == "Authorised user added"
        assert "Ana María O'Neil-Silva (Spouse)" in page.locator("#added-detail").inner_text()
        assert page.watch.console_errors == [], "no CSP violation or script error against the real API"
        api_calls = [(url.removeprefix(site.api.origin), headers.get("authorization"))
                     for url, headers in page.watch.requests if url.startswith(site.api.origin)]
        assert api_calls == [("/v1/link", f"Bearer {grant}"), ("/v1/authorized-users", f"Bearer {grant}")]
        assert all(grant not in url for url, _ in page.watch.requests), "the grant never travels in a URL"

        item = boto3.session.Session().client("dynamodb").get_item(
            TableName=runtime.voice_login.accounts_table, Key={"customer_id": {"S": CUSTOMER_ID}})["Item"]
        [added] = item["authorized_users"]["L"]
        assert {k: v["S"] for k, v in added["M"].items() if "S" in v and k != "grantId"} == {
            "fullName": "Ana María O'Neil-Silva", "relationship": "spouse", "dateOfBirth": "1990-04-27"}

        again = browser.new_page()
        try:
            open_link(again, link, "used")
            assert heading(again) == "This link has already been used"
            OUTPUT.mkdir(exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
            again.screenshot(path=str(OUTPUT / f"{name}-reopened.png"), full_page=True)
        finally:
            again.close()
        item = boto3.session.Session().client("dynamodb").get_item(
            TableName=runtime.voice_login.accounts_table, Key={"customer_id": {"S": CUSTOMER_ID}})["Item"]
        assert len(item["authorized_users"]["L"]) == 1, "the second open added nobody"
