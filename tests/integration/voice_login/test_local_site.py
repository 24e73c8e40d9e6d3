"""The local runtime serves the voice-login page and its real API on ephemeral loopback ports, and the link the
fulfillment texts opens that page: config.json, CSP and CORS wired as the VoiceLogin stack wires them in AWS."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sim.scripts import load_script, run_script
from sim.scripts.world import World
from sim.web import PageAndApi

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / "sim" / "demos" / "voice_login_text_link.yaml"
FORM = {"fullName": "Jamie Example", "relationship": "spouse", "dateOfBirth": "1990-04-01"}


@dataclass
class Texted:
    world: World
    site: PageAndApi
    link: str

    @property
    def grant(self) -> str:
        return self.link.split("#grant=", 1)[1]


@pytest.fixture
def texted() -> Iterator[Texted]:
    """The call played to the end on a fresh runtime; the runtime (and its page) stays up for the test."""
    script = load_script(SCRIPT)
    with World(script) as world:
        run_script(script, world=world)
        [link] = world.phone.sms[-1].links
        yield Texted(world=world, site=world.runtime().voice_login_site, link=link)


def http(method: str, url: str, headers: dict[str, str] | None = None,
         body: Any = None) -> tuple[int, dict[str, str], bytes]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={
        **({"content-type": "application/json"} if data else {}), **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def test_the_texted_link_opens_the_page_the_runtime_serves(texted: Texted) -> None:
    page, api = texted.site.page, texted.site.api
    assert texted.link == f"{page.url}#grant={texted.grant}"
    assert page.origin.startswith("http://127.0.0.1:")
    assert api.origin.startswith("http://127.0.0.1:")
    assert page.origin != api.origin
    status, headers, body = http("GET", texted.link.split("#", 1)[0])
    assert status == 200
    assert body == (REPO / "web" / "voice_login" / "index.html").read_bytes()
    assert f"connect-src 'self' {api.origin};" in headers["content-security-policy"]
    status, _, body = http("GET", f"{page.url}config.json")
    assert (status, json.loads(body)) == (200, {"apiBaseUrl": api.origin})


def test_the_function_answers_cors_for_the_page_origin_only(texted: Texted) -> None:
    api, page = texted.site.api, texted.site.page
    preflight = {"access-control-request-method": "POST",
                 "access-control-request-headers": "authorization,content-type"}
    status, headers, _ = http("OPTIONS", f"{api.origin}/v1/authorized-users", {"origin": page.origin, **preflight})
    assert status == 204
    assert headers["access-control-allow-origin"] == page.origin
    assert headers["access-control-allow-methods"] == "POST"
    status, headers, _ = http("OPTIONS", f"{api.origin}/v1/authorized-users",
                              {"origin": "http://127.0.0.1:1", **preflight})
    assert status == 204
    assert "access-control-allow-origin" not in headers


def test_the_link_works_once_over_http(texted: Texted) -> None:
    api, origin = texted.site.api.origin, texted.site.page.origin
    auth = {"authorization": f"Bearer {texted.grant}", "origin": origin}
    status, headers, body = http("GET", f"{api}/v1/link", auth)
    assert (status, json.loads(body)["status"]) == (200, "valid")
    assert headers["access-control-allow-origin"] == origin
    status, _, body = http("POST", f"{api}/v1/authorized-users", auth, FORM)
    assert (status, json.loads(body)) == (201, {"status": "added", "authorizedUser": {"fullName": "Jamie Example",
                                                                                     "relationship": "spouse"}})
    status, _, body = http("POST", f"{api}/v1/authorized-users", auth, FORM)
    assert (status, json.loads(body)) == (409, {"error": "link_used"})
    status, _, body = http("GET", f"{api}/v1/link", auth)
    assert (status, json.loads(body)) == (409, {"error": "link_used"})


def test_the_environment_names_the_served_page(texted: Texted) -> None:
    import os

    assert os.environ["LINK_PAGE_URL"] == texted.site.page.url
    assert os.environ["PAGE_ORIGIN"] == texted.site.page.origin


def test_open_link_refuses_a_link_to_another_page(texted: Texted) -> None:
    from sim.scripts.model import LinkVisit

    world = texted.world
    world.open_link(LinkVisit())  # the runtime's own link opens
    world.phone.receive_sms("+15550000000", f"Open https://phish.example/#grant={texted.grant}", at=0)
    with pytest.raises(LookupError, match=r"does not open this runtime's page \(http://127\.0\.0\.1:\d+/\)"):
        world.open_link(LinkVisit())
