"""The static-site construct as synthesized: private encrypted origin, CloudFront with the shared headers, logs,
the deployed files and config.json, stable logical IDs, and cdk-nag's packs passing with written reasons."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.unit.stacks.template import TemplateLookups
from web import security_headers

pytestmark = pytest.mark.synth

PAGE_DIR = Path(__file__).resolve().parents[3] / "web" / "voice_login"
API_ORIGIN = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
WEB_ACL = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/site/11111111-2222-3333-4444-555555555555"


@dataclass
class Synth(TemplateLookups):
    app: Any
    template: dict[str, Any]
    outdir: Path

    def asset_files(self, key: str) -> dict[str, str]:
        """The files of the deployed asset whose zip is ``key`` (as cdk.out holds it before zipping)."""
        folder = self.outdir / f"asset.{key.removesuffix('.zip')}"
        return {str(p.relative_to(folder)): p.read_text() for p in folder.rglob("*") if p.is_file()}


def _synth(tmp_path: Path, **site: Any) -> Synth:
    from aws_cdk import App, Stack

    import app as cdk_app
    from stacks.constructs.python_function import LogEncryptionKey
    from stacks.constructs.static_site import StaticSite

    app = App(outdir=str(tmp_path), context={**cdk_app.cdk_json_context(), "aws:cdk:disable-stack-trace": True})
    stack = Stack(app, "Site")
    log_key = LogEncryptionKey(stack, "LogEncryption").key
    options = {"source_dir": PAGE_DIR, "config": {"apiBaseUrl": API_ORIGIN}, "connect_sources": [API_ORIGIN],
               "description": "voice login", **site}
    if "certificate" in options:
        from aws_cdk import aws_certificatemanager as acm

        options["certificate"] = acm.Certificate.from_certificate_arn(stack, "Certificate", options["certificate"])
    StaticSite(stack, "VoiceLoginSite", log_key=log_key, **options)
    cdk_app.add_compliance_checks(app)
    assembly = app.synth()  # the cdk-nag packs run here: any unacknowledged finding raises
    return Synth(app, assembly.get_stack_by_name("Site").template, tmp_path)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The default site: CloudFront's own domain and certificate, no web ACL."""
    return _synth(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def custom(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """A custom domain with its certificate, a web ACL, and a page directory with files that must not ship."""
    pages = tmp_path_factory.mktemp("pages")
    for name in ("index.html", "app.js", ".env", "config.json", "build.py", "node_modules/dep/index.js",
                 "src/app.js"):
        (pages / name).parent.mkdir(parents=True, exist_ok=True)
        (pages / name).write_text(name)
    return _synth(tmp_path_factory.mktemp("custom"), source_dir=pages, certificate=CERTIFICATE,
                 domain_names=["link.bank.example"], web_acl_id=WEB_ACL, exclude=["src"])


# --- the origin bucket ------------------------------------------------------------------------------------------


def test_stateful_resources_keep_their_logical_ids(site: Synth) -> None:
    expected = {"VoiceLoginSiteContent": "AWS::S3::Bucket", "VoiceLoginSiteAccessLogs": "AWS::S3::Bucket",
                "VoiceLoginSiteKey": "AWS::KMS::Key", "VoiceLoginSiteDistribution": "AWS::CloudFront::Distribution"}
    assert {name: site.resources[name]["Type"] for name in expected} == expected
    for name in ("VoiceLoginSiteContent", "VoiceLoginSiteAccessLogs", "VoiceLoginSiteKey"):
        assert site.resources[name]["DeletionPolicy"] == "Retain", name


def test_the_content_bucket_is_private_encrypted_versioned_tls_only_and_logged(site: Synth) -> None:
    props = site.resources["VoiceLoginSiteContent"]["Properties"]
    [rule] = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": ["VoiceLoginSiteKey", "Arn"]}}
    assert rule["BucketKeyEnabled"] is True
    assert props["PublicAccessBlockConfiguration"] == {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                                       "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert props["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": "VoiceLoginSiteAccessLogs"}
    assert site.resources["VoiceLoginSiteKey"]["Properties"]["EnableKeyRotation"] is True


def _bucket_policy(synth: Synth, bucket: str) -> list[dict[str, Any]]:
    [policy] = [p for p in synth.of_type("AWS::S3::BucketPolicy").values()
                if p["Properties"]["Bucket"] == {"Ref": bucket}]
    return policy["Properties"]["PolicyDocument"]["Statement"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("bucket", ["VoiceLoginSiteContent", "VoiceLoginSiteAccessLogs"])
def test_both_buckets_refuse_plain_http_and_old_tls(site: Synth, bucket: str) -> None:
    denies = [s for s in _bucket_policy(site, bucket) if s["Effect"] == "Deny"]
    assert {json.dumps(s["Condition"], sort_keys=True) for s in denies} == {
        '{"Bool": {"aws:SecureTransport": "false"}}', '{"NumericLessThan": {"s3:TlsVersion": 1.2}}'}
    assert all(s["Action"] == "s3:*" and s["Principal"] == {"AWS": "*"} for s in denies)


def test_only_this_distribution_may_read_the_files(site: Synth) -> None:
    allows = [s for s in _bucket_policy(site, "VoiceLoginSiteContent") if s["Effect"] == "Allow"]
    assert len(allows) == 1
    [allow] = allows
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    source = json.dumps(allow["Condition"]["StringEquals"]["AWS:SourceArn"])
    assert '{"Ref": "VoiceLoginSiteDistribution"}' in source
    key_statements = site.resources["VoiceLoginSiteKey"]["Properties"]["KeyPolicy"]["Statement"]
    [cloudfront] = [s for s in key_statements if s["Principal"] == {"Service": "cloudfront.amazonaws.com"}]
    assert cloudfront["Action"] == "kms:Decrypt", "CloudFront may decrypt, never encrypt or manage the key"


def test_access_logs_are_kept_a_year_and_written_only_by_the_log_services(site: Synth) -> None:
    props = site.resources["VoiceLoginSiteAccessLogs"]["Properties"]
    assert "AccessControl" not in props, "S3 server access logs are granted by bucket policy, not a canned ACL"
    [allow] = [s for s in _bucket_policy(site, "VoiceLoginSiteAccessLogs") if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert allow["Action"] == "s3:PutObject"
    assert allow["Condition"]["ArnLike"]["aws:SourceArn"] == {"Fn::GetAtt": ["VoiceLoginSiteContent", "Arn"]}
    [rule] = props["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] >= 365
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}
    assert props["PublicAccessBlockConfiguration"]["BlockPublicAcls"] is True
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}


# --- CloudFront -------------------------------------------------------------------------------------------------


def test_the_distribution_serves_https_only_through_origin_access_control(site: Synth) -> None:
    config = site.resources["VoiceLoginSiteDistribution"]["Properties"]["DistributionConfig"]
    behaviour = config["DefaultCacheBehavior"]
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behaviour["AllowedMethods"] == ["GET", "HEAD"]
    assert config["DefaultRootObject"] == "index.html"
    [origin] = config["Origins"]
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}, "OAC, not the legacy origin access identity"
    oac_id, oac = site.only("AWS::CloudFront::OriginAccessControl")
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": [oac_id, "Id"]}
    assert oac["Properties"]["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    assert config["Logging"]["Bucket"] == {"Fn::GetAtt": ["VoiceLoginSiteAccessLogs", "RegionalDomainName"]}
    assert config["Logging"]["IncludeCookies"] is False
    policy_id, _ = site.only("AWS::CloudFront::ResponseHeadersPolicy")
    assert behaviour["ResponseHeadersPolicyId"] == {"Ref": policy_id}


def _headers_from_policy(config: dict[str, Any]) -> dict[str, str]:
    """The response headers a browser gets through CloudFront's policy."""
    security = config["SecurityHeadersConfig"]
    assert all(entry["Override"] is True for entry in security.values()), "the origin cannot weaken a header"
    hsts = security["StrictTransportSecurity"]
    headers = {
        "Content-Security-Policy": security["ContentSecurityPolicy"]["ContentSecurityPolicy"],
        "Strict-Transport-Security": "; ".join(
            [f"max-age={hsts['AccessControlMaxAgeSec']}"] + (["includeSubDomains"] if hsts["IncludeSubdomains"]
                                                               else []) + (["preload"] if hsts["Preload"] else [])),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": security["FrameOptions"]["FrameOption"],
        "Referrer-Policy": security["ReferrerPolicy"]["ReferrerPolicy"],
    }
    for item in config["CustomHeadersConfig"]["Items"]:
        assert item["Override"] is True
        headers[item["Header"]] = item["Value"]
    return headers


def test_cloudfront_sends_exactly_the_headers_the_local_server_sends(site: Synth) -> None:
    _, policy = site.only("AWS::CloudFront::ResponseHeadersPolicy")
    config = policy["Properties"]["ResponseHeadersPolicyConfig"]
    assert _headers_from_policy(config) == security_headers.load().http_headers([API_ORIGIN])
    assert f"connect-src 'self' {API_ORIGIN};" in config["SecurityHeadersConfig"]["ContentSecurityPolicy"][
        "ContentSecurityPolicy"]


def test_without_a_certificate_cloudfronts_default_certificate_is_used(site: Synth) -> None:
    config = site.resources["VoiceLoginSiteDistribution"]["Properties"]["DistributionConfig"]
    assert "ViewerCertificate" not in config
    assert "Aliases" not in config


def test_a_custom_domain_gets_tls_1_2_and_a_web_acl_when_given(custom: Synth) -> None:
    config = custom.resources["VoiceLoginSiteDistribution"]["Properties"]["DistributionConfig"]
    assert config["ViewerCertificate"] == {"AcmCertificateArn": CERTIFICATE, "MinimumProtocolVersion": "TLSv1.2_2021",
                                           "SslSupportMethod": "sni-only"}
    assert config["Aliases"] == ["link.bank.example"]
    assert config["WebACLId"] == WEB_ACL


# --- the files --------------------------------------------------------------------------------------------------


def _deployment(synth: Synth) -> dict[str, Any]:
    _, deployment = synth.only("Custom::CDKBucketDeployment")
    return deployment["Properties"]  # type: ignore[no-any-return]


def test_the_page_and_a_generated_config_json_are_deployed_and_the_cache_cleared(site: Synth) -> None:
    props = _deployment(site)
    assert props["DestinationBucketName"] == {"Ref": "VoiceLoginSiteContent"}
    assert props["DistributionId"] == {"Ref": "VoiceLoginSiteDistribution"}
    assert props["DistributionPaths"] == ["/*"]
    assert props["Prune"] is True
    page, config = (site.asset_files(key) for key in props["SourceObjectKeys"])
    assert set(page) == {p.name for p in PAGE_DIR.iterdir()}
    assert page["app.js"] == (PAGE_DIR / "app.js").read_text()
    assert json.loads(config["config.json"]) == {"apiBaseUrl": API_ORIGIN}


def test_hidden_files_sources_and_a_stray_config_json_never_ship(custom: Synth) -> None:
    page, config = (custom.asset_files(key) for key in _deployment(custom)["SourceObjectKeys"])
    assert set(page) == {"index.html", "app.js"}
    assert json.loads(config["config.json"]) == {"apiBaseUrl": API_ORIGIN}


def test_the_deploy_role_reaches_only_this_sites_bucket_key_and_the_assets(site: Synth) -> None:
    [(role_id, _)] = [(n, r) for n, r in site.of_type("AWS::IAM::Role").items() if n.startswith("VoiceLoginSiteDeploy")]
    [policy] = [p["Properties"]["PolicyDocument"] for p in site.of_type("AWS::IAM::Policy").values()
                if {"Ref": role_id} in p["Properties"]["Roles"]]
    resources = json.dumps([s["Resource"] for s in policy["Statement"]])
    assert "VoiceLoginSiteContent" in resources
    assert "VoiceLoginSiteAccessLogs" not in resources, "the deploy never touches the logs"
    star = [s for s in policy["Statement"] if s["Resource"] == "*"]
    assert [sorted(s["Action"]) for s in star] == [["cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"]]
    assert "ManagedPolicyArns" not in site.resources[role_id]["Properties"]


# --- cdk-nag ----------------------------------------------------------------------------------------------------


def _acknowledged(synth: Synth) -> dict[str, str]:
    from aws_cdk import Validations

    return {rule: reason for node in synth.app.node.find_all() for entry in node.node.metadata
            if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY for rule, reason in entry.data.items()}


@pytest.mark.parametrize("variant", ["site", "custom"])
def test_nag_packs_pass_with_a_written_reason_for_each_acknowledgement(variant: str,
                                                                       request: pytest.FixtureRequest) -> None:
    from cdk_nag import AwsSolutionsChecks, PCIDSS321Checks

    synth: Synth = request.getfixturevalue(variant)
    for pack in (AwsSolutionsChecks(), PCIDSS321Checks()):
        report = pack.validate_scope(synth.app)
        assert [v.rule_name for v in report.violations] == []
    for rule, reason in _acknowledged(synth).items():
        assert re.match(r"^Annotation::(AwsSolutions|PCI\.DSS\.321)-[A-Za-z0-9]+(\[.+\])?$", rule), rule
        assert len(reason.split()) >= 12, f"{rule}: {reason!r}"


def test_what_a_custom_domain_and_web_acl_fix_is_not_acknowledged_there(site: Synth, custom: Synth) -> None:
    for rule in ("AwsSolutions-CFR2", "AwsSolutions-CFR4"):
        assert f"Annotation::{rule}" in _acknowledged(site)
        assert f"Annotation::{rule}" not in _acknowledged(custom)


# --- bad input --------------------------------------------------------------------------------------------------


def test_one_site_per_stack_so_no_deploy_role_reaches_another_sites_bucket() -> None:
    from aws_cdk import App, Stack

    from stacks.constructs.python_function import LogEncryptionKey
    from stacks.constructs.static_site import StaticSite

    stack = Stack(App(), "Two")
    key = LogEncryptionKey(stack, "L").key
    StaticSite(stack, "First", source_dir=PAGE_DIR, config={}, connect_sources=[], log_key=key, description="a")
    with pytest.raises(ValueError, match="one per stack"):
        StaticSite(stack, "Second", source_dir=PAGE_DIR, config={}, connect_sources=[], log_key=key, description="b")


def test_the_only_warning_is_acknowledged_with_a_reason(site: Synth) -> None:
    warnings = [entry for node in site.app.node.find_all() for entry in node.node.metadata
                if entry.type == "aws:cdk:warning"]
    assert warnings == []


@pytest.mark.parametrize(("construct_id", "options", "message"), [
    ("voice-login", {}, "letters and digits"),
    ("Site", {"source_dir": PAGE_DIR.parent / "nowhere"}, "index.html"),
    ("Site", {"domain_names": ["link.bank.example"]}, "go together"),
])
def test_bad_input_is_refused_at_synth(construct_id: str, options: dict[str, Any], message: str) -> None:
    from aws_cdk import App, Stack

    from stacks.constructs.python_function import LogEncryptionKey
    from stacks.constructs.static_site import StaticSite

    stack = Stack(App(), "Bad")
    with pytest.raises(ValueError, match=message):
        StaticSite(stack, construct_id, **{"source_dir": PAGE_DIR, "config": {}, "connect_sources": [],
                                           "log_key": LogEncryptionKey(stack, "L").key, "description": "x",
                                           **options})
