"""Driving the C1 page in Playwright: open a link and wait for the page's state, fill the form, read the heading."""

from __future__ import annotations

from typing import Any


def expect() -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def open_link(page: Any, link: str, state: str) -> None:
    page.goto(link)
    expect()(page.locator("body")).to_have_attribute("data-state", state)


def fill(page: Any, name: str = "Ana María O'Neil-Silva", relationship: str = "Spouse",
         dob: str = "1990-04-27") -> None:
    page.get_by_label("Full name").fill(name)
    if relationship:
        page.get_by_label("Relationship to you").select_option(label=relationship)
    page.get_by_label("Date of birth").fill(dob)


def heading(page: Any) -> str:
    return str(page.locator("section:not([hidden]) h1").inner_text())
