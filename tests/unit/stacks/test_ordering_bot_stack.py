"""The ordering-bot stack (C4) as synthesized: who may encrypt and decrypt, the bot and its alias, the chat page's
site (config from the stack's resources, CSP limited to the AWS endpoints the page calls), cdk-nag."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stacks.config import ContextError, parse_ordering_bot_config
from tests.unit.stacks.site_assets import connect_src, deployed_site

pytestmark = pytest.mark.synth

REPO = Path(__file__).resolve().parents[3]
CONTEXT = {"aws:cdk:bundling-stacks": [], "aws:cdk:disable-stack-trace": True,
           "connectInstanceArn": "arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555",
           "connectSourcePhoneNumber": "+15555550100",
           "orderingOtp": {"maxAttempts": 4}, "orderingSessionTtlSeconds": 600}
PIN_CONDITIONS = {
    "StringEquals": {"kms:EncryptionContext:purpose": "ordering-bot-pin"},
    "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["purpose", "sessionId"]},
    "Null": {"kms:EncryptionContext:sessionId": "false"},
}


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    """The ordering stack's template and the cloud assembly's directory."""
    import app as cdk_app

    outdir = str(tmp_path_factory.mktemp("cdk.out"))
    app = cdk_app.build_app(CONTEXT, outdir=outdir)
    assembly = app.synth()  # runs the cdk-nag packs: raises on any unacknowledged finding
    found: dict[str, Any] = assembly.get_stack_by_name(cdk_app.ORDERING_BOT_STACK).template
    return found, outdir


@pytest.fixture(scope="module")
def template(synthesized: tuple[dict[str, Any], str]) -> dict[str, Any]:
    return synthesized[0]


def of_type(template: dict[str, Any], cfn_type: str) -> dict[str, Any]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == cfn_type}


def role_statements(template: dict[str, Any], role_prefix: str) -> list[dict[str, Any]]:
    return [statement for policy in of_type(template, "AWS::IAM::Policy").values()
            for role in policy["Properties"]["Roles"] if role["Ref"].startswith(role_prefix)
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]]


def kms_statements(statements: list[dict[str, Any]]) -> list[tuple[str, Any, Any]]:
    return [(s["Action"], s["Resource"], s.get("Condition")) for s in statements
            if isinstance(s["Action"], str) and s["Action"].startswith("kms:")]


def test_the_hook_may_only_decrypt_the_pin_key_and_never_encrypt(template: dict[str, Any]) -> None:
    statements = role_statements(template, "OrderingHookRole")
    pin = [(action, condition) for action, resource, condition in kms_statements(statements)
           if resource == {"Fn::GetAtt": ["OrderingPinKey", "Arn"]}]
    assert pin == [("kms:Decrypt", PIN_CONDITIONS)]
    others = [(a, r) for a, r, c in kms_statements(statements) if r != {"Fn::GetAtt": ["OrderingPinKey", "Arn"]}]
    assert {a for a, _ in others} == {"kms:Decrypt"}, "the table and secret keys only via their services"
    assert all("kms:ViaService" in c["StringEquals"] for a, r, c in kms_statements(statements)
               if r != {"Fn::GetAtt": ["OrderingPinKey", "Arn"]})
    assert not any(str(s["Action"]).startswith("kms:Encrypt") for s in statements)


def test_the_guest_role_sends_text_to_this_alias_and_only_encrypts_under_the_order_code_context(
        template: dict[str, Any]) -> None:
    statements = role_statements(template, "ChatUnauthenticatedRole")
    assert [(s["Action"], s["Resource"], s.get("Condition")) for s in statements] == [
        ("lex:RecognizeText", {"Fn::GetAtt": ["BotAlias", "Arn"]}, None),
        ("kms:Encrypt", {"Fn::GetAtt": ["OrderingPinKey", "Arn"]}, PIN_CONDITIONS),
    ]
    (role,) = [r for name, r in of_type(template, "AWS::IAM::Role").items() if name.startswith("ChatUnauth")]
    trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    pool = {"Ref": "OrderingChatIdentityPool"}
    assert trust["Condition"]["StringEquals"] == {"cognito-identity.amazonaws.com:aud": pool}
    assert trust["Condition"]["ForAnyValue:StringLike"] == {"cognito-identity.amazonaws.com:amr": "unauthenticated"}


def test_the_pin_key_policy_says_the_same_and_the_account_only_administers(template: dict[str, Any]) -> None:
    key = template["Resources"]["OrderingPinKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    statements = key["KeyPolicy"]["Statement"]
    account = statements[0]
    assert not any(a in account["Action"] for a in ("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:*"))
    uses = {(s["Action"], s["Principal"]["AWS"]["Fn::GetAtt"][0][:20]): s["Condition"] for s in statements[1:]}
    assert uses == {("kms:Decrypt", "OrderingHookRole3DF5"): PIN_CONDITIONS,
                    ("kms:Encrypt", "ChatUnauthenticatedR"): PIN_CONDITIONS}


def test_identity_pool_is_guest_only_with_the_classic_flow_off(template: dict[str, Any]) -> None:
    pool = template["Resources"]["OrderingChatIdentityPool"]["Properties"]
    assert pool["AllowUnauthenticatedIdentities"] is True
    assert pool["AllowClassicFlow"] is False
    (attachment,) = of_type(template, "AWS::Cognito::IdentityPoolRoleAttachment").values()
    assert set(attachment["Properties"]["Roles"]) == {"unauthenticated"}


def test_the_bot_is_the_bot_file_and_its_alias_calls_the_hook_in_both_locales(template: dict[str, Any]) -> None:
    bot_file = json.loads((REPO / "bots" / "ordering_bot.json").read_text())
    (bot,) = of_type(template, "AWS::Lex::Bot").values()
    assert bot["Properties"]["BotLocales"] == bot_file["BotLocales"]
    assert bot["Properties"]["IdleSessionTTLInSeconds"] == 600
    (alias,) = of_type(template, "AWS::Lex::BotAlias").values()
    settings = alias["Properties"]["BotAliasLocaleSettings"]
    assert [s["LocaleId"] for s in settings] == ["en_US", "es_US"]
    for setting in settings:
        hook = setting["BotAliasLocaleSetting"]["CodeHookSpecification"]["LambdaCodeHook"]
        assert hook["LambdaArn"]["Fn::GetAtt"][0].startswith("OrderingHookFunction")
        assert setting["BotAliasLocaleSetting"]["Enabled"] is True
    (permission,) = of_type(template, "AWS::Lambda::Permission").values()
    assert permission["Properties"]["Principal"] == "lexv2.amazonaws.com"
    assert permission["Properties"]["SourceArn"] == {"Fn::GetAtt": ["BotAlias", "Arn"]}


def test_the_hook_environment_carries_the_ordering_policy(template: dict[str, Any]) -> None:
    (function,) = [f for name, f in of_type(template, "AWS::Lambda::Function").items()
                   if not name.startswith("CustomCDKBucketDeployment")]  # CDK's own site-deploy function aside
    env = function["Properties"]["Environment"]["Variables"]
    assert env["OTP_TTL_SECONDS"] == "60", "the source's one-minute code by default"
    assert env["OTP_MAX_ATTEMPTS"] == "4"
    assert env["ORDERING_SESSION_TTL_SECONDS"] == "600"
    assert env["SMS_PROVIDER"] == "sns"
    assert "OTP_CODE_KEY_ID" not in env


def test_sms_goes_only_to_phone_numbers(template: dict[str, Any]) -> None:
    sns = [(s["Effect"], s["Resource"]) for s in role_statements(template, "OrderingHookRole")
           if s["Action"] == "sns:Publish"]
    assert sns == [("Allow", "*"), ("Deny", {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":sns:*:*:*"]]})]


def test_stateful_resources_keep_their_logical_ids_and_are_retained(template: dict[str, Any]) -> None:
    expected = {"OtpTable": "AWS::DynamoDB::Table", "OtpHashSecret": "AWS::SecretsManager::Secret",
                "OtpDataKey": "AWS::KMS::Key", "PhoneDirectoryTable": "AWS::DynamoDB::Table",
                "PhoneDirectoryKey": "AWS::KMS::Key", "OrderingPinKey": "AWS::KMS::Key",
                "OrderingChatIdentityPool": "AWS::Cognito::IdentityPool"}
    resources = template["Resources"]
    assert {name: resources[name]["Type"] for name in expected} == expected
    assert "OtpCodeKey" not in resources, "SMS codes keep no sealed copy: no code key"
    directory = resources["PhoneDirectoryTable"]
    assert directory["DeletionPolicy"] == "Retain"
    assert directory["Properties"]["KeySchema"] == [{"AttributeName": "email", "KeyType": "HASH"}]
    assert directory["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


@pytest.mark.parametrize(("context", "message"), [
    ({"orderingSessionTtlSeconds": 30}, "'orderingSessionTtlSeconds' must be an integer 60..86400"),
    ({"orderingOtp": {"ttlSeconds": 5}}, "context key 'orderingOtp.ttlSeconds'"),
    ({"orderingOtp": {"colour": 1}}, "'orderingOtp.colour' is not a policy setting"),
    ({"orderingChatOrigin": "http://chat.example.com"}, "'orderingChatOrigin' must be the chat page's https origin"),
])
def test_bad_context_names_its_key(context: dict[str, Any], message: str) -> None:
    with pytest.raises(ContextError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_ordering_bot_config(context)


def test_defaults() -> None:
    config = parse_ordering_bot_config({})
    assert (config.otp.ttl_seconds, config.session_ttl_seconds, config.chat_origin) == (60, 300, None)


# --- the chat page's site ---------------------------------------------------------------------------------------

PAGE_DIR = REPO / "web" / "ordering_chat"


def _region_endpoint(service: str) -> dict[str, Any]:
    return {"Fn::Join": ["", [f"https://{service}.", {"Ref": "AWS::Region"}, ".", {"Ref": "AWS::URLSuffix"}]]}


def test_the_chat_page_ships_its_bundle_not_its_sources(synthesized: tuple[dict[str, Any], str]) -> None:
    site = deployed_site(*synthesized, "OrderingChatSite")
    assert set(site.files) == {"index.html", "style.css", "favicon.svg", "dist/app.js"}
    assert site.files["dist/app.js"] == (PAGE_DIR / "dist" / "app.js").read_text()


def test_the_chat_page_config_is_the_stacks_own_resources(synthesized: tuple[dict[str, Any], str]) -> None:
    site = deployed_site(*synthesized, "OrderingChatSite")
    assert site.config == {"region": {"Ref": "AWS::Region"}, "identityPoolId": {"Ref": "OrderingChatIdentityPool"},
                           "botId": {"Fn::GetAtt": ["Bot", "Id"]},
                           "botAliasId": {"Fn::GetAtt": ["BotAlias", "BotAliasId"]}, "localeId": "en_US",
                           "kmsKeyId": {"Fn::GetAtt": ["OrderingPinKey", "Arn"]}}
    assert connect_src(site.csp) == ["'self'", _region_endpoint("runtime-v2-lex"),
                                     _region_endpoint("cognito-identity"), _region_endpoint("kms")]
    outputs = synthesized[0]["Outputs"]
    assert outputs["ChatPageUrl"]["Value"] == {
        "Fn::Join": ["", ["https://", {"Fn::GetAtt": ["OrderingChatSiteDistribution", "DomainName"]}, "/"]]}


def test_the_chat_site_keeps_its_logical_ids(template: dict[str, Any]) -> None:
    expected = {"OrderingChatSiteContent": "AWS::S3::Bucket", "OrderingChatSiteAccessLogs": "AWS::S3::Bucket",
                "OrderingChatSiteKey": "AWS::KMS::Key",
                "OrderingChatSiteDistribution": "AWS::CloudFront::Distribution"}
    assert {name: template["Resources"][name]["Type"] for name in expected} == expected
