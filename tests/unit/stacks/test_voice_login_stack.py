"""The voice-login stack as synthesized: the separate PIN pool, the signing key's two principals, stable
stateful IDs, the API's CORS/throttling/logs, the page hosted by its own site (link, CORS and CSP wired to it),
one bot definition for Lex and the emulator, cdk-nag, context (the page URL only as an override)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from stacks.config import ContextError, parse_voice_login_config
from tests.unit.stacks.site_assets import DeployedSite, connect_src, deployed_site
from tests.unit.stacks.test_stacks import EXISTING, Synth, _as_list

pytestmark = pytest.mark.synth

PAGE_URL = "https://login.example.com/voice-login/"
REPO = Path(__file__).resolve().parents[3]
BOT_FILE = REPO / "bots" / "voice_login.json"
PAGE_DIR = REPO / "web" / "voice_login"
DISTRIBUTION_DOMAIN = {"Fn::GetAtt": ["VoiceLoginSiteDistribution", "DomainName"]}
API_ENDPOINT_ATTRIBUTE = "ApiEndpoint"


@dataclass
class VoiceLoginSynth(Synth):
    """Lookups that skip CDK's own deploy-time functions (they have no environment)."""

    outdir: str = ""

    def function(self, service: str) -> tuple[str, dict[str, Any]]:
        matches = [(name, res["Properties"]) for name, res in self.of_type("AWS::Lambda::Function").items()
                   if res["Properties"].get("Environment", {}).get("Variables", {}).get("POWERTOOLS_SERVICE_NAME")
                   == service]
        assert len(matches) == 1, service
        return matches[0]

    @property
    def api_endpoint(self) -> dict[str, Any]:
        name, _ = self.only("AWS::ApiGatewayV2::Api")
        return {"Fn::GetAtt": [name, API_ENDPOINT_ATTRIBUTE]}

    def site(self) -> DeployedSite:
        return deployed_site(self.template, self.outdir, "VoiceLoginSite")


def _synth(tmp_path_factory: pytest.TempPathFactory, **context: Any) -> VoiceLoginSynth:
    import app as cdk_app

    outdir = str(tmp_path_factory.mktemp("cdk.out"))
    app = cdk_app.build_app({**EXISTING, **context}, outdir=outdir)
    assembly = app.synth()  # cdk-nag runs during synth: any finding raises
    return VoiceLoginSynth(app, assembly.get_stack_by_name(cdk_app.VOICE_LOGIN_STACK).template, outdir=outdir)


@pytest.fixture(scope="module")
def vl(tmp_path_factory: pytest.TempPathFactory) -> VoiceLoginSynth:
    """The app as `make synth` builds it: no page URL given, so the stack's own site hosts the page."""
    return _synth(tmp_path_factory)


@pytest.fixture(scope="module")
def custom_domain(tmp_path_factory: pytest.TempPathFactory) -> VoiceLoginSynth:
    """The page URL overridden (a custom domain in front of the site)."""
    return _synth(tmp_path_factory, voiceLoginPageUrl=PAGE_URL)


def test_stateful_resources_keep_their_logical_ids(vl: VoiceLoginSynth) -> None:
    expected = {"VoiceLoginAccountsTable": "AWS::DynamoDB::Table", "VoiceLoginGrantsTable": "AWS::DynamoDB::Table",
                "VoiceLoginSessionsTable": "AWS::DynamoDB::Table", "GrantSigningKey": "AWS::KMS::Key",
                "PhoneBankingUserPool": "AWS::Cognito::UserPool", "TwilioCredentials": "AWS::SecretsManager::Secret",
                "PhoneBankingClientSecret": "AWS::SecretsManager::Secret", "VoiceLoginDataKey": "AWS::KMS::Key",
                "OtpTable": "AWS::DynamoDB::Table", "OtpHashSecret": "AWS::SecretsManager::Secret",
                "VoiceLoginAgentQueue": "AWS::Connect::Queue", "VoiceLoginAgentHours": "AWS::Connect::HoursOfOperation",
                "VoiceLoginSiteContent": "AWS::S3::Bucket", "VoiceLoginSiteAccessLogs": "AWS::S3::Bucket",
                "VoiceLoginSiteKey": "AWS::KMS::Key", "VoiceLoginSiteDistribution": "AWS::CloudFront::Distribution"}
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


def test_the_link_and_the_cors_origin_are_the_sites_distribution(vl: VoiceLoginSynth) -> None:
    fulfillment, api = vl.env("voice_login_fulfillment"), vl.env("voice_login_api")
    assert fulfillment["LINK_PAGE_URL"] == {"Fn::Join": ["", ["https://", DISTRIBUTION_DOMAIN, "/"]]}
    assert api["PAGE_ORIGIN"] == {"Fn::Join": ["", ["https://", DISTRIBUTION_DOMAIN]]}
    assert vl.template["Outputs"]["VoiceLoginPageUrl"]["Value"] == fulfillment["LINK_PAGE_URL"]


def test_the_site_serves_the_page_with_the_api_in_its_config_and_csp(vl: VoiceLoginSynth) -> None:
    site = vl.site()
    assert set(site.files) == {p.name for p in PAGE_DIR.iterdir() if p.suffix != ".py" and p.name != "__pycache__"}
    assert site.files["app.js"] == (PAGE_DIR / "app.js").read_text()
    assert site.config == {"apiBaseUrl": vl.api_endpoint}
    sources = connect_src(site.csp)
    assert sources == ["'self'", vl.api_endpoint], "the page may call itself and its API, nothing else"


def test_a_page_url_override_becomes_the_link_and_the_only_cors_origin(custom_domain: VoiceLoginSynth) -> None:
    fulfillment, api = custom_domain.env("voice_login_fulfillment"), custom_domain.env("voice_login_api")
    assert fulfillment["LINK_PAGE_URL"] == PAGE_URL
    assert api["PAGE_ORIGIN"] == "https://login.example.com"
    assert custom_domain.site().config == {"apiBaseUrl": custom_domain.api_endpoint}, "the site is still built"


def test_functions_get_the_grant_settings(vl: VoiceLoginSynth) -> None:
    fulfillment, api = vl.env("voice_login_fulfillment"), vl.env("voice_login_api")
    for env in (fulfillment, api):
        assert env["GRANT_SIGNING_KEY_ID"] == {"Fn::GetAtt": ["GrantSigningKey", "Arn"]}
        assert env["GRANT_TTL_SECONDS"] == "600"
        assert env["GRANT_AUDIENCE"] == "voice-login:add-authorized-user"
    assert fulfillment["PHONE_BANKING_CLIENT_SECRET_ARN"] == {"Ref": "PhoneBankingClientSecret"}
    assert "PHONE_BANKING_CLIENT_ID" not in api


def test_the_http_api_is_cors_limited_throttled_and_logs_no_headers(vl: VoiceLoginSynth) -> None:
    _, api = vl.only("AWS::ApiGatewayV2::Api")
    # No gateway CORS (it would replace the function's headers, and naming the distribution would be a cycle):
    # the function answers CORS, preflights included, for PAGE_ORIGIN only (tests/unit/lambdas/voice_login).
    assert "CorsConfiguration" not in api["Properties"]
    _, stage = vl.only("AWS::ApiGatewayV2::Stage")
    props = stage["Properties"]
    assert props["DefaultRouteSettings"] == {"ThrottlingBurstLimit": 20, "ThrottlingRateLimit": 10}
    log_format = props["AccessLogSettings"]["Format"]
    assert "$context.status" in log_format
    assert "header" not in log_format.lower()
    assert "authorization" not in log_format.lower()
    assert "querystring" not in log_format.lower()
    routes = {r["Properties"]["RouteKey"]: r["Properties"]["Target"]
              for r in vl.of_type("AWS::ApiGatewayV2::Route").values()}
    assert sorted(routes) == ["GET /v1/link", "OPTIONS /v1/authorized-users", "OPTIONS /v1/link",
                              "POST /v1/authorized-users"]
    [integration_id] = vl.of_type("AWS::ApiGatewayV2::Integration")
    assert all(target == {"Fn::Join": ["", ["integrations/", {"Ref": integration_id}]]}
               for target in routes.values())
    integration = vl.resources[integration_id]["Properties"]
    assert integration["PayloadFormatVersion"] == "2.0"
    assert integration["IntegrationUri"] == {"Fn::GetAtt": [vl.function("voice_login_api")[0], "Arn"]}


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


def test_the_page_url_is_optional_and_bad_context_names_its_key() -> None:
    default = parse_voice_login_config({"voiceLoginPageUrl": ""})
    assert (default.page_url, default.page_origin, default.grant_ttl_seconds) == (None, None, 600)
    config = parse_voice_login_config({"voiceLoginPageUrl": PAGE_URL, "voiceLoginGrantTtlSeconds": "300"})
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
