"""The voice-login stack as synthesized: the separate PIN pool, the signing key's two principals, stable
stateful IDs, the API's CORS/throttling/logs, one bot definition for Lex and the emulator, cdk-nag, context."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stacks.config import ContextError, parse_voice_login_config
from tests.unit.stacks.test_stacks import EXISTING, Synth, _as_list

pytestmark = pytest.mark.synth

PAGE_URL = "https://login.example.com/voice-login/"
BOT_FILE = Path(__file__).resolve().parents[3] / "bots" / "voice_login.json"


class VoiceLoginSynth(Synth):
    """Lookups that skip CDK's own deploy-time function (it has no environment)."""

    def function(self, service: str) -> tuple[str, dict[str, Any]]:
        matches = [(name, res["Properties"]) for name, res in self.of_type("AWS::Lambda::Function").items()
                   if res["Properties"].get("Environment", {}).get("Variables", {}).get("POWERTOOLS_SERVICE_NAME")
                   == service]
        assert len(matches) == 1, service
        return matches[0]


@pytest.fixture(scope="module")
def vl(tmp_path_factory: pytest.TempPathFactory) -> VoiceLoginSynth:
    """The app with the voice-login page URL set (cdk-nag runs during synth: any finding raises)."""
    import app as cdk_app

    app = cdk_app.build_app({**EXISTING, "voiceLoginPageUrl": PAGE_URL},
                            outdir=str(tmp_path_factory.mktemp("cdk.out")))
    return VoiceLoginSynth(app, app.synth().get_stack_by_name(cdk_app.VOICE_LOGIN_STACK).template)


def test_stateful_resources_keep_their_logical_ids(vl: VoiceLoginSynth) -> None:
    expected = {"VoiceLoginAccountsTable": "AWS::DynamoDB::Table", "VoiceLoginGrantsTable": "AWS::DynamoDB::Table",
                "VoiceLoginSessionsTable": "AWS::DynamoDB::Table", "GrantSigningKey": "AWS::KMS::Key",
                "PhoneBankingUserPool": "AWS::Cognito::UserPool", "TwilioCredentials": "AWS::SecretsManager::Secret",
                "PhoneBankingClientSecret": "AWS::SecretsManager::Secret", "VoiceLoginDataKey": "AWS::KMS::Key",
                "OtpTable": "AWS::DynamoDB::Table", "OtpHashSecret": "AWS::SecretsManager::Secret",
                "VoiceLoginAgentQueue": "AWS::Connect::Queue", "VoiceLoginAgentHours": "AWS::Connect::HoursOfOperation"}
    assert {name: vl.resources[name]["Type"] for name in expected} == expected


def test_tables_are_encrypted_recoverable_retained_and_grants_expire(vl: VoiceLoginSynth) -> None:
    for name, ttl in (("VoiceLoginAccountsTable", None), ("VoiceLoginGrantsTable", "expires_at"),
                      ("VoiceLoginSessionsTable", "expires_at")):
        table = vl.resources[name]
        props = table["Properties"]
        assert table["DeletionPolicy"] == "Retain"
        assert props["DeletionProtectionEnabled"] is True
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
        assert props["SSESpecification"]["SSEEnabled"] is True
        assert props["SSESpecification"]["KMSMasterKeyId"] == {"Fn::GetAtt": ["VoiceLoginDataKey", "Arn"]}
        assert props.get("TimeToLiveSpecification", {}).get("AttributeName") == ttl


def test_the_pin_pool_is_separate_and_its_client_allows_only_password_auth(vl: VoiceLoginSynth) -> None:
    pool = vl.resources["PhoneBankingUserPool"]["Properties"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["Policies"]["PasswordPolicy"] == {"MinimumLength": 6, "RequireLowercase": False,
                                                  "RequireNumbers": True, "RequireSymbols": False,
                                                  "RequireUppercase": False, "TemporaryPasswordValidityDays": 1}
    _, client = vl.only("AWS::Cognito::UserPoolClient")
    props = client["Properties"]
    assert props["UserPoolId"] == {"Ref": "PhoneBankingUserPool"}
    assert props["GenerateSecret"] is True
    assert props["ExplicitAuthFlows"] == ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    assert props["PreventUserExistenceErrors"] == "ENABLED"
    assert "AllowedOAuthFlows" not in props
    assert props.get("AllowedOAuthFlowsUserPoolClient") in (None, False)
    assert (props["AccessTokenValidity"], props["IdTokenValidity"]) == (5, 5)


def test_only_the_fulfillment_signs_and_only_the_api_reads_the_public_key(vl: VoiceLoginSynth) -> None:
    key = vl.resources["GrantSigningKey"]["Properties"]
    assert (key["KeySpec"], key["KeyUsage"]) == ("ECC_NIST_P256", "SIGN_VERIFY")
    uses = {(statement["Action"], statement["Principal"]["AWS"]["Fn::GetAtt"][0])
            for statement in key["KeyPolicy"]["Statement"] if "Fn::GetAtt" in str(statement["Principal"])}
    fulfillment_role = vl.function("voice_login_fulfillment")[1]["Role"]["Fn::GetAtt"][0]
    api_role = vl.function("voice_login_api")[1]["Role"]["Fn::GetAtt"][0]
    assert uses == {("kms:Sign", fulfillment_role), ("kms:GetPublicKey", api_role)}
    [account] = [s for s in key["KeyPolicy"]["Statement"] if s.get("Sid") == "AccountAdministersButNeverUsesTheKey"]
    assert not {"kms:Sign", "kms:Verify", "kms:GetPublicKey", "kms:*"} & set(account["Action"])
    signing_key = {"Fn::GetAtt": ["GrantSigningKey", "Arn"]}
    assert vl.granted("voice_login_fulfillment", "kms:Sign") == [signing_key]
    assert vl.granted("voice_login_api", "kms:GetPublicKey") == [signing_key]
    assert vl.granted("voice_login_api", "kms:Sign") == []
    assert vl.granted("voice_login_fulfillment", "kms:GetPublicKey") == []


def test_each_function_gets_only_the_table_actions_its_code_uses(vl: VoiceLoginSynth) -> None:
    def actions(package: str, table: str) -> set[str]:
        arn = {"Fn::GetAtt": [table, "Arn"]}
        return {action for s in vl.statements(package) for action in _as_list(s["Action"])
                if arn in _as_list(s["Resource"]) and action.startswith("dynamodb:")}

    assert actions("voice_login_fulfillment", "VoiceLoginSessionsTable") == {"dynamodb:GetItem", "dynamodb:PutItem"}
    assert actions("voice_login_fulfillment", "VoiceLoginAccountsTable") == {"dynamodb:GetItem"}
    assert actions("voice_login_fulfillment", "VoiceLoginGrantsTable") == set()
    assert actions("voice_login_api", "VoiceLoginAccountsTable") == {"dynamodb:UpdateItem"}
    assert actions("voice_login_api", "VoiceLoginGrantsTable") == {"dynamodb:GetItem", "dynamodb:PutItem",
                                                                   "dynamodb:UpdateItem"}
    assert actions("voice_login_api", "VoiceLoginSessionsTable") == set()
    assert actions("voice_login_api", "OtpTable") == set()
    assert vl.granted("voice_login_api", "sns:Publish") == []
    assert vl.granted("voice_login_fulfillment", "sns:Publish") == ["*"]


def test_the_twilio_secret_holds_no_value_in_the_template(vl: VoiceLoginSynth) -> None:
    props = vl.resources["TwilioCredentials"]["Properties"]
    assert "SecretString" not in props
    assert vl.env("voice_login_fulfillment")["TWILIO_SECRET_ARN"] == ""  # SNS is the provider here
    assert vl.env("voice_login_fulfillment")["SMS_PROVIDER"] == "sns"


def test_functions_get_the_page_and_the_grant_settings(vl: VoiceLoginSynth) -> None:
    fulfillment, api = vl.env("voice_login_fulfillment"), vl.env("voice_login_api")
    assert fulfillment["LINK_PAGE_URL"] == PAGE_URL
    assert api["PAGE_ORIGIN"] == "https://login.example.com"
    for env in (fulfillment, api):
        assert env["GRANT_SIGNING_KEY_ID"] == {"Fn::GetAtt": ["GrantSigningKey", "Arn"]}
        assert env["GRANT_TTL_SECONDS"] == "600"
        assert env["GRANT_AUDIENCE"] == "voice-login:add-authorized-user"
    assert fulfillment["PHONE_BANKING_CLIENT_SECRET_ARN"] == {"Ref": "PhoneBankingClientSecret"}
    assert "PHONE_BANKING_CLIENT_ID" not in api


def test_the_http_api_is_cors_limited_throttled_and_logs_no_headers(vl: VoiceLoginSynth) -> None:
    _, api = vl.only("AWS::ApiGatewayV2::Api")
    assert api["Properties"]["CorsConfiguration"]["AllowOrigins"] == ["https://login.example.com"]
    _, stage = vl.only("AWS::ApiGatewayV2::Stage")
    props = stage["Properties"]
    assert props["DefaultRouteSettings"] == {"ThrottlingBurstLimit": 20, "ThrottlingRateLimit": 10}
    log_format = props["AccessLogSettings"]["Format"]
    assert "$context.status" in log_format
    assert "header" not in log_format.lower()
    assert "authorization" not in log_format.lower()
    assert "querystring" not in log_format.lower()
    routes = sorted(r["Properties"]["RouteKey"] for r in vl.of_type("AWS::ApiGatewayV2::Route").values())
    assert routes == ["GET /v1/link", "POST /v1/authorized-users"]
    for integration in vl.of_type("AWS::ApiGatewayV2::Integration").values():
        assert integration["Properties"]["PayloadFormatVersion"] == "2.0"


def test_the_bot_deploys_the_file_the_emulator_runs(vl: VoiceLoginSynth) -> None:
    _, bot = vl.only("AWS::Lex::Bot")
    assert bot["Properties"]["BotLocales"] == json.loads(BOT_FILE.read_text())["BotLocales"]
    _, alias = vl.only("AWS::Lex::BotAlias")
    [setting] = alias["Properties"]["BotAliasLocaleSettings"]
    hook = setting["BotAliasLocaleSetting"]["CodeHookSpecification"]["LambdaCodeHook"]
    assert hook["LambdaArn"] == {"Fn::GetAtt": [vl.function("voice_login_fulfillment")[0], "Arn"]}
    [permission] = [p["Properties"] for p in vl.of_type("AWS::Lambda::Permission").values()
                    if p["Properties"]["Principal"] == "lexv2.amazonaws.com"]
    assert permission["SourceArn"] == {"Fn::GetAtt": ["BotAlias", "Arn"]}


def test_the_flow_talks_to_the_alias_and_connect_may_use_it(vl: VoiceLoginSynth) -> None:
    _, flow = vl.only("AWS::Connect::ContactFlow")
    content, variables = flow["Properties"]["Content"]["Fn::Sub"]
    assert variables == {"VoiceLoginBotAliasArn": {"Fn::GetAtt": ["BotAlias", "Arn"]},
                         "AgentQueueArn": {"Fn::GetAtt": ["VoiceLoginAgentQueue", "QueueArn"]}}
    assert json.loads(content)["Actions"][0] == {"Identifier": "disable-flow-logging",
                                                 "Type": "UpdateFlowLoggingBehavior",
                                                 "Parameters": {"FlowLoggingBehavior": "Disabled"},
                                                 "Transitions": {"NextAction": "disable-recording"}}
    _, association = vl.only("AWS::Connect::IntegrationAssociation")
    assert association["Properties"]["IntegrationType"] == "LEX_BOT"
    assert association["Properties"]["IntegrationArn"] == {"Fn::GetAtt": ["BotAlias", "Arn"]}
    assert "BotAssociation" in _as_list(flow.get("DependsOn", []))


def test_callers_who_cannot_sign_in_go_to_an_agent_queue_with_weekday_hours(vl: VoiceLoginSynth) -> None:
    _, flow = vl.only("AWS::Connect::ContactFlow")
    actions = {a["Identifier"]: a for a in json.loads(flow["Properties"]["Content"]["Fn::Sub"][0])["Actions"]}
    assert actions["agent-queue"]["Parameters"] == {"QueueId": "${AgentQueueArn}"}
    assert actions["to-agent"]["Type"] == "TransferContactToQueue"
    queue = vl.resources["VoiceLoginAgentQueue"]["Properties"]
    assert queue["HoursOfOperationArn"] == {"Fn::GetAtt": ["VoiceLoginAgentHours", "HoursOfOperationArn"]}
    hours = vl.resources["VoiceLoginAgentHours"]["Properties"]
    assert hours["TimeZone"] == "UTC"
    assert [(c["Day"], c["StartTime"]["Hours"], c["EndTime"]["Hours"]) for c in hours["Config"]] == [
        (day, 9, 17) for day in ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY")]
    assert queue["InstanceArn"] == hours["InstanceArn"] == flow["Properties"]["InstanceArn"]


def test_no_stack_without_a_page_url_and_bad_context_names_its_key() -> None:
    assert parse_voice_login_config({"voiceLoginPageUrl": ""}) is None
    config = parse_voice_login_config({"voiceLoginPageUrl": PAGE_URL, "voiceLoginGrantTtlSeconds": "300"})
    assert config is not None
    assert (config.grant_ttl_seconds, config.page_origin, config.sms_provider) == (300, "https://login.example.com",
                                                                                   "sns")
    bad: list[tuple[dict[str, Any], str]] = [
        ({"voiceLoginPageUrl": "http://login.example.com/"}, "voiceLoginPageUrl"),
        ({"voiceLoginPageUrl": "https://login.example.com/?x=1"}, "voiceLoginPageUrl"),
        ({"voiceLoginPageUrl": "https://login.example.com/#grant"}, "voiceLoginPageUrl"),
        ({"voiceLoginPageUrl": PAGE_URL, "voiceLoginGrantTtlSeconds": 901}, "voiceLoginGrantTtlSeconds"),
        ({"voiceLoginPageUrl": PAGE_URL, "voiceLoginGrantTtlSeconds": True}, "voiceLoginGrantTtlSeconds"),
        ({"voiceLoginPageUrl": PAGE_URL, "smsProvider": "carrier-pigeon"}, "smsProvider"),
    ]
    for context, key in bad:
        with pytest.raises(ContextError, match=key):
            parse_voice_login_config(context)
