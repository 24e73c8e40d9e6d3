"""Every Lambda handler a synthesized cloud assembly declares, with the asset directories Lambda would load."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_PACKAGE = "lambdas."


@dataclass(frozen=True)
class DeployedHandler:
    """One function as shipped: its handler string, its code asset and its layers' ``python/`` dirs, in order."""

    stack: str
    logical_id: str
    handler: str
    runtime: str
    code_dir: Path
    layer_dirs: tuple[Path, ...]
    environment: dict[str, str]

    @property
    def module(self) -> str:
        """The module Lambda imports (``lambdas.voice_otp.define`` for ``lambdas.voice_otp.define.handler``)."""
        return self.handler.rsplit(".", 1)[0]

    @property
    def function(self) -> str:
        return self.handler.rsplit(".", 1)[1]

    @property
    def sys_path(self) -> list[str]:
        """Lambda's order for Python 3.12: the code asset, then each layer's ``python/``."""
        return [str(self.code_dir), *(str(layer) for layer in self.layer_dirs)]


def _asset_dirs(assembly: Path, assets_file: Path) -> dict[str, Path]:
    """S3 object key → staged asset directory, from a stack's asset manifest."""
    manifest = json.loads(assets_file.read_text())
    found: dict[str, Path] = {}
    for entry in manifest.get("files", {}).values():
        source = entry["source"]
        if source.get("packaging") != "zip" or "path" not in source:
            continue
        for destination in entry["destinations"].values():
            found[destination["objectKey"]] = assembly / source["path"]
    return found


def _s3_key(code: Any) -> str | None:
    key = (code or {}).get("S3Key")
    return key if isinstance(key, str) else None


def deployed_handlers(assembly: Path) -> list[DeployedHandler]:
    """Every Python ``AWS::Lambda::Function`` of every stack in ``assembly`` (a ``cdk.out`` directory)."""
    manifest = json.loads((assembly / "manifest.json").read_text())
    handlers: list[DeployedHandler] = []
    for name, artifact in sorted(manifest["artifacts"].items()):
        if artifact["type"] != "aws:cloudformation:stack":
            continue
        template = json.loads((assembly / artifact["properties"]["templateFile"]).read_text())
        assets: dict[str, Path] = {}
        for dependency in artifact.get("dependencies", []):
            if manifest["artifacts"].get(dependency, {}).get("type") == "cdk:asset-manifest":
                assets |= _asset_dirs(assembly, assembly / manifest["artifacts"][dependency]["properties"]["file"])
        resources = template.get("Resources", {})
        for logical_id, resource in sorted(resources.items()):
            props = resource.get("Properties", {})
            if resource["Type"] != "AWS::Lambda::Function" or not str(props.get("Runtime", "")).startswith("python"):
                continue
            if not str(props.get("Handler", "")).startswith(PROJECT_PACKAGE):
                continue  # the CDK's own functions (BucketDeployment, custom resources) are not ours to measure
            code_key = _s3_key(props.get("Code"))
            if code_key is None or code_key not in assets:
                continue  # inline code or an asset this assembly does not stage
            layers = []
            for layer in props.get("Layers", []):
                layer_resource = resources.get(layer.get("Ref", "")) if isinstance(layer, dict) else None
                layer_key = _s3_key((layer_resource or {}).get("Properties", {}).get("Content"))
                if layer_key in assets:
                    layers.append(assets[layer_key] / "python")
            variables = props.get("Environment", {}).get("Variables", {})
            handlers.append(DeployedHandler(
                stack=name, logical_id=logical_id, handler=props["Handler"], runtime=props["Runtime"],
                code_dir=assets[code_key], layer_dirs=tuple(layers),
                environment={k: v for k, v in variables.items() if isinstance(v, str)},
            ))
    return handlers
