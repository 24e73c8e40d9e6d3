"""What a stack's StaticSite deploys, read back from a synthesized template and its cloud assembly."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class DeployedSite:
    """The page files (name -> text) and ``config.json`` with its deploy-time values as CloudFormation has them."""

    files: dict[str, str]
    config: dict[str, Any]
    csp: Any  # the Content-Security-Policy value (a string, or an Fn::Join over tokens)


def _folder(outdir: Path, key: str) -> Path:
    return outdir / f"asset.{key.removesuffix('.zip')}"


def _files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


def deployed_site(template: dict[str, Any], outdir: str | Path, site_id: str) -> DeployedSite:
    """The site ``site_id`` (its construct id) of ``template``, synthesized into ``outdir``."""
    resources = template["Resources"]
    [deployment] = [r["Properties"] for name, r in resources.items()
                    if r["Type"] == "Custom::CDKBucketDeployment" and name.startswith(f"{site_id}Files")]
    page_key, config_key = deployment["SourceObjectKeys"]
    _, markers = deployment["SourceMarkers"]
    raw = _files(_folder(Path(outdir), config_key))["config.json"]
    for marker in markers:  # the deploy writes '"' + value + '"' where each marker stands
        raw = raw.replace(marker, json.dumps(marker))
    resolved: dict[str, Any] = {}
    for name, value in json.loads(raw).items():
        marker = markers.get(value) if isinstance(value, str) else None
        resolved[name] = marker["Fn::Join"][1][1] if marker else value
    [policy] = [r["Properties"] for name, r in resources.items()
                if r["Type"] == "AWS::CloudFront::ResponseHeadersPolicy" and name.startswith(f"{site_id}Headers")]
    csp = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"][
        "ContentSecurityPolicy"]
    return DeployedSite(files=_files(_folder(Path(outdir), page_key)), config=resolved, csp=csp)


def connect_src(csp: Any) -> list[Any]:
    """The ``connect-src`` sources of a CSP rendered as a string or an ``Fn::Join`` (tokens kept whole)."""
    parts = csp["Fn::Join"][1] if isinstance(csp, dict) else [csp]
    sources: list[Any] = []
    current: list[Any] = []
    text = "".join(p if isinstance(p, str) else f"\x00{i}\x00" for i, p in enumerate(parts))
    directive = next(d for d in text.split(";") if d.strip().startswith("connect-src "))
    for word in directive.split()[1:]:
        current = []
        for index, piece in enumerate(word.split("\x00")):
            if index % 2:
                current.append(parts[int(piece)])
            elif piece:
                current.append(piece)
        sources.append(current[0] if len(current) == 1 else {"Fn::Join": ["", current]})
    return sources
