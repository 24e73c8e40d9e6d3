"""Infrastructure and code checks a PCI auditor runs first, over every stack the app synthesizes.

- cfn-lint over every template (both Connect modes): no error, no warning, except W3005, which flags the
  ``DependsOn`` the CDK itself writes on every function's role next to the ``GetAtt`` (redundant, harmless,
  and not ours to remove without patching the CDK). PCI DSS 4.0 req. 6.2.3 (code reviewed before release).
- bandit over ``lambdas/`` (what ships): no medium or high finding. OWASP ASVS 5 V15 (secure coding).
- The cdk-nag packs (AwsSolutions, PCI DSS 3.2.1) run inside every synth: ``app.synth()`` raises on any
  unacknowledged finding, so the fixture itself is the check; the test below proves the packs are attached.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
IGNORED_CFN_LINT = {"W3005": "the CDK's own DependsOn on a function's role beside its GetAtt"}
EXISTING = {
    "connectInstanceArn": "arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555",
    "connectSourcePhoneNumber": "+15555550100",
}
CREATED = {"createConnectInstance": "true", "connectInstanceAlias": "sec-suite", "connectPhoneNumberCountry": "US"}


@pytest.fixture(scope="module", params=[EXISTING, CREATED], ids=["existing-instance", "created-instance"])
def templates(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    import app as cdk_app

    outdir = tmp_path_factory.mktemp("cdk")
    assembly = cdk_app.build_app(request.param, outdir=str(outdir)).synth()  # cdk-nag runs here
    return {stack.stack_name: Path(stack.template_full_path) for stack in assembly.stacks}


@pytest.mark.synth
def test_every_template_passes_cfn_lint(templates: dict[str, Path]) -> None:
    from cfnlint.api import lint_by_config
    from cfnlint.config import ManualArgs

    assert templates, "the app synthesized no stack"
    names = {str(path): name for name, path in templates.items()}
    # One run over every template: cfn-lint loads its rules and their specs once per run, not per file.
    matches = lint_by_config(ManualArgs(templates=list(names), regions=["us-east-1"]))
    findings = [f"{names.get(match.filename, match.filename)}: {match.rule.id} {match.message} ({match.linenumber})"
                for match in matches if match.rule.id not in IGNORED_CFN_LINT]
    assert findings == []


@pytest.mark.synth
def test_cfn_lint_would_catch_a_broken_template(templates: dict[str, Path], tmp_path: Path) -> None:
    from cfnlint.api import lint_file
    from cfnlint.config import ManualArgs

    path = next(p for p in templates.values() if "Lambda::Function" in p.read_text())
    template: dict[str, Any] = json.loads(path.read_text())
    name = next(k for k, r in template["Resources"].items() if r["Type"] == "AWS::Lambda::Function")
    template["Resources"][name]["Properties"]["Runtime"] = "python2.7"
    broken = tmp_path / "broken.template.json"
    broken.write_text(json.dumps(template))
    found = {(m.rule.id, m.path[1] if len(m.path) > 1 else "")
             for m in lint_file(broken, config=ManualArgs(regions=["us-east-1"]))}
    assert any(rule not in IGNORED_CFN_LINT and where == name for rule, where in found), found


def test_the_compliance_packs_are_attached_to_the_app() -> None:
    from aws_cdk import App

    import app as cdk_app

    attached: list[str] = []

    class Recorder:
        def add_plugins(self, *plugins: Any) -> None:
            attached.extend(type(p).__name__ for p in plugins)

    original = cdk_app.Validations.of
    try:
        cdk_app.Validations.of = lambda _scope: Recorder()  # type: ignore[assignment,method-assign]
        cdk_app.add_compliance_checks(App())
    finally:
        cdk_app.Validations.of = original  # type: ignore[method-assign]
    assert {"AwsSolutionsChecks", "PCIDSS321Checks"} <= set(attached)


def test_bandit_finds_no_medium_or_high_issue_in_what_ships() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-q", "-r", str(REPO / "lambdas"), "-ll", "-f", "json"],
        capture_output=True, text=True, check=False,
    )
    report = json.loads(result.stdout)
    assert report["errors"] == []
    assert [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}" for r in report["results"]] == []
    assert report["metrics"]["_totals"]["loc"] > 1000  # it really scanned the Lambda code
