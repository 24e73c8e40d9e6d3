"""The C1 page in Chromium against a contract-faithful API double, served as in AWS (page and API on two origins)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sim.web import PageAndApi, serve_page_and_api
from tests.browser.contract_api import ContractApi
from tests.browser.voice_login_page import expect, fill, heading, open_link

PAGE_DIR = Path(__file__).resolve().parents[2] / "web" / "voice_login"


@dataclass
class Served:
    api: ContractApi
    site: PageAndApi

    def link(self, token: str) -> str:
        return self.site.link(f"grant={token}")


@pytest.fixture
def served() -> Iterator[Served]:
    api = ContractApi()
    with serve_page_and_api(PAGE_DIR, api.routes(), clock=api.clock) as site:
        yield Served(api, site)


def test_link_opens_the_form_adds_the_user_and_cannot_be_used_again(page: Any, browser: Any, served: Served) -> None:
    token = served.api.issue()
    open_link(page, served.link(token), "form")
    assert heading(page) == "Add an authorised user"
    assert page.evaluate("document.activeElement.tagName") == "H1", "focus moves to the new state's heading"
    assert page.evaluate("location.hash") == ""
    assert "grant" not in page.url
    assert token not in page.evaluate("location.href + history.state")

    fill(page)
    page.get_by_role("button", name="Add authorised user").click()
    expect()(page.locator("body")).to_have_attribute("data-state", "added")
    assert heading(page) == "Authorised user added"
    assert "Ana María O'Neil-Silva (Spouse)" in page.locator("#added-detail").inner_text()
    assert page.locator("#status").inner_text() == "Authorised user added"
    assert served.api.added == [{"fullName": "Ana María O'Neil-Silva", "relationship": "spouse",
                                 "dateOfBirth": "1990-04-27"}]

    second = browser.new_page()
    try:
        open_link(second, served.link(token), "used")
        assert heading(second) == "This link has already been used"
    finally:
        second.close()


def test_the_grant_travels_only_as_a_bearer_token_to_the_api(page: Any, served: Served) -> None:
    token = served.api.issue()
    open_link(page, served.link(token), "form")
    fill(page)
    page.get_by_role("button", name="Add authorised user").click()
    expect()(page.locator("body")).to_have_attribute("data-state", "added")

    for url, headers in page.watch.requests:
        assert token not in url, url
        assert not headers.get("referer"), url  # Referrer-Policy: no-referrer
        if token in headers.get("authorization", ""):
            assert url.startswith(served.site.api.origin), url
    api_calls = [url for url, headers in page.watch.requests if url.startswith(served.site.api.origin)]
    assert [url.removeprefix(served.site.api.origin) for url in api_calls] == ["/v1/link", "/v1/authorized-users"]
    assert served.api.calls == [("GET /v1/link", token), ("POST /v1/authorized-users", token)]
    assert page.watch.console_errors == [], "no CSP violation or script error"


def test_reloading_after_the_fragment_is_gone_does_not_reopen_the_link(page: Any, served: Served) -> None:
    open_link(page, served.link(served.api.issue()), "form")
    page.reload()
    expect()(page.locator("body")).to_have_attribute("data-state", "invalid")
    assert len(served.api.calls) == 1


def test_an_expired_link_says_so(page: Any, served: Served) -> None:
    token = served.api.issue(ttl_seconds=600)
    served.api.clock.advance(601)
    open_link(page, served.link(token), "expired")
    assert heading(page) == "This link has expired"


def test_a_link_that_expires_while_the_form_is_open_says_so_on_submit(page: Any, served: Served) -> None:
    token = served.api.issue(ttl_seconds=600)
    open_link(page, served.link(token), "form")
    served.api.clock.advance(601)
    fill(page)
    page.get_by_role("button", name="Add authorised user").click()
    expect()(page.locator("body")).to_have_attribute("data-state", "expired")
    assert served.api.added == []


@pytest.mark.parametrize(("fragment", "calls_api"), [
    ("grant=eyJhbGciOiJFUzI1NiJ9.eyJzIjoxfQ.c2ln", True),  # well formed, but no such grant: the API says 401
    ("grant=not-a-jws", False),
    ("grant=a.b.c%3Cscript%3E", False),
    ("", False),
    ("something=else", False),
], ids=["unknown-grant", "not-a-jws", "markup", "no-fragment", "no-grant"])
def test_an_invalid_link_says_so(page: Any, served: Served, fragment: str, calls_api: bool) -> None:
    open_link(page, served.site.link(fragment), "invalid")
    assert heading(page) == "This link doesn't work"
    assert bool(served.api.calls) is calls_api
    assert page.evaluate("location.hash") == ""


def _errors(page: Any) -> dict[str, str]:
    found = {}
    for field in ("fullName", "relationship", "dateOfBirth"):
        message = page.locator(f"#{field}-error")
        if message.is_visible():
            found[field] = message.inner_text()
            assert page.get_attribute(f"#{field}", "aria-invalid") == "true", field
        else:
            assert page.get_attribute(f"#{field}", "aria-invalid") is None, field
    return found


def _years_ago(years: int, days: int = 0) -> str:
    today = date.today()
    try:
        then = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        then = today.replace(year=today.year - years, day=28)
    return date.fromordinal(then.toordinal() + days).isoformat()


@pytest.mark.parametrize(("name", "relationship", "dob", "errors"), [
    ("", "", "", {"fullName": "Enter their full name", "relationship": "Choose their relationship to you",
                  "dateOfBirth": "Enter their date of birth"}),
    ("1 Ana", "Parent", "1990-04-27", {"fullName": "Full name must start with a letter and can only include "
                                                   "letters, spaces, hyphens, apostrophes and full stops"}),
    ("Ana <b>", "Parent", "1990-04-27", {"fullName": "Full name must start with a letter and can only include "
                                                     "letters, spaces, hyphens, apostrophes and full stops"}),
    ("Ana", "Child", "27/04/1990", {"dateOfBirth": "Enter the date as year-month-day, for example 1990-04-27"}),
    ("Ana", "Child", "2001-02-29", {"dateOfBirth": "Enter a real date of birth"}),
    ("Ana", "Child", "2001-13-01", {"dateOfBirth": "Enter a real date of birth"}),
    ("Ana", "Child", _years_ago(0, days=1), {"dateOfBirth": "Date of birth must be in the past"}),
    ("Ana", "Child", _years_ago(16, days=1), {"dateOfBirth": "They must be at least 16 years old"}),
], ids=["empty", "digit-first", "markup", "wrong-format", "no-29-february", "month-13", "tomorrow", "under-16"])
def test_client_side_validation_explains_each_field_and_sends_nothing(
        page: Any, served: Served, name: str, relationship: str, dob: str, errors: dict[str, str]) -> None:
    open_link(page, served.link(served.api.issue()), "form")
    fill(page, name, relationship, dob)
    page.get_by_role("button", name="Add authorised user").click()
    expect()(page.locator("#error-summary")).to_be_visible()
    assert _errors(page) == errors
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.locator("#error-list li").all_inner_texts() == list(errors.values())
    assert served.api.calls == [("GET /v1/link", served.api.calls[0][1])], "nothing was posted"

    # The summary links to the field without touching the address bar.
    page.locator("#error-list a").first.click()
    assert page.evaluate("document.activeElement.id") == next(iter(errors))
    assert page.evaluate("location.hash") == ""


def test_the_oldest_allowed_and_a_long_unicode_name_pass(page: Any, served: Served) -> None:
    open_link(page, served.link(served.api.issue()), "form")
    fill(page, "Zoë " + "é" * 96, "Civil partner", _years_ago(16))
    page.get_by_role("button", name="Add authorised user").click()
    expect()(page.locator("body")).to_have_attribute("data-state", "added")
    assert served.api.added[0]["relationship"] == "civil_partner"


def test_the_server_has_the_last_word_on_fields(page: Any, served: Served) -> None:
    open_link(page, served.link(served.api.issue()), "form")
    fill(page)
    served.api.force_next(400, {"error": "invalid_request",
                                "fields": {"dateOfBirth": "We could not accept this date of birth"}})
    page.get_by_role("button", name="Add authorised user").click()
    expect()(page.locator("#dateOfBirth-error")).to_have_text("We could not accept this date of birth")
    assert _errors(page) == {"dateOfBirth": "We could not accept this date of birth"}
    assert page.locator("body").get_attribute("data-state") == "form"

    page.get_by_role("button", name="Add authorised user").click()  # the same grant still works
    expect()(page.locator("body")).to_have_attribute("data-state", "added")


def test_rate_limited_stays_on_the_form_and_an_outage_can_be_retried(page: Any, served: Served) -> None:
    open_link(page, served.link(served.api.issue()), "form")
    fill(page)
    served.api.force_next(429, {"error": "rate_limited"})
    page.get_by_role("button", name="Add authorised user").click()
    expect()(page.locator("#form-message")).to_have_text("Too many attempts. Wait a minute, then try again.")
    assert page.locator("body").get_attribute("data-state") == "form"

    served.api.force_next(503, {"error": "unavailable"})
    page.get_by_role("button", name="Add authorised user").click()
    expect()(page.locator("body")).to_have_attribute("data-state", "unavailable")
    page.get_by_role("button", name="Try again").click()
    expect()(page.locator("body")).to_have_attribute("data-state", "form")
    assert page.get_by_label("Full name").input_value() == "Ana María O'Neil-Silva", "what was typed is kept"
    page.get_by_role("button", name="Add authorised user").click()
    expect()(page.locator("body")).to_have_attribute("data-state", "added")


def test_an_unreachable_api_is_unavailable_not_a_blank_page(page: Any, served: Served) -> None:
    served.site.page.config = {"apiBaseUrl": "http://127.0.0.1:9"}  # nothing listens there
    served.site.page.connect_src = ["http://127.0.0.1:9"]
    open_link(page, served.link(served.api.issue()), "unavailable")
    assert heading(page) == "Sorry, we can't do this right now"


def test_the_form_works_from_the_keyboard(page: Any, served: Served) -> None:
    open_link(page, served.link(served.api.issue()), "form")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "fullName"
    page.keyboard.type("Ana Silva")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "relationship"
    page.keyboard.press("ArrowDown")  # Chromium moves a closed select's choice with the arrow keys
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "dateOfBirth"
    page.keyboard.type("1990-04-27")
    page.keyboard.press("Enter")
    expect()(page.locator("body")).to_have_attribute("data-state", "added")
    assert served.api.added[0]["relationship"] == "spouse"
