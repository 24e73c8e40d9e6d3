"""The voice-OTP stack as synthesized: wiring, least privilege, stateful-resource safety, context, cdk-nag."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from stacks.contact_centre_stack import CONTACT_CENTRE_STACK
from tests.unit.stacks.template import TemplateLookups

pytestmark = pytest.mark.synth

INSTANCE_ARN = "arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555"
SOURCE_NUMBER = "+15555550100"
FAST = {"aws:cdk:bundling-stacks": [], "aws:cdk:disable-stack-trace": True}
EXISTING = {**FAST, "connectInstanceArn": INSTANCE_ARN, "connectSourcePhoneNumber": SOURCE_NUMBER}
CREATED = {**FAST, "createConnectInstance": True, "connectInstanceAlias": "otp-demo",
           "connectPhoneNumberCountry": "US"}
POLICY_ENV = {"OTP_LENGTH": "6", "OTP_TTL_SECONDS": "300", "OTP_MAX_ATTEMPTS": "3", "OTP_LOCKOUT_THRESHOLD": "10",
              "OTP_LOCKOUT_SECONDS": "900", "OTP_RESEND_COOLDOWN_SECONDS": "30", "OTP_SEND_LIMIT": "5",
              "OTP_SEND_WINDOW_SECONDS": "3600", "OTP_FAILURE_CEILING": "100", "OTP_DAILY_SEND_LIMIT": "10",
              "OTP_GLOBAL_SENDS_PER_MINUTE": "30", "OTP_GLOBAL_SEND_BURST": "30"}
PSEUDO_PARAMETERS = {"AWS::AccountId", "AWS::Partition", "AWS::Region", "AWS::URLSuffix", "AWS::StackName"}


@dataclass
class Synth(TemplateLookups):
    """One synthesized app and its voice-OTP template, with lookups the tests share."""

    app: Any
    template: dict[str, Any]
    centre: dict[str, Any] | None = None  # the ContactCentre stack, when the context asks it to create anything

    def import_of(self, logical_id: str, attribute: str) -> Any:
        """How the voice-OTP template refers to a ContactCentre attribute (an exported output)."""
        assert self.centre is not None
        exports = [out["Export"]["Name"] for out in self.centre.get("Outputs", {}).values()
                   if out.get("Value") == {"Fn::GetAtt": [logical_id, attribute]} and "Export" in out]
        assert len(exports) == 1, (logical_id, attribute, exports)
        return {"Fn::ImportValue": exports[0]}

    @property
    def instance_arn(self) -> Any:
        """The Connect instance ARN as the voice-OTP template spells it."""
        return INSTANCE_ARN if self.centre is None else self.import_of("ConnectInstance", "Arn")

    def function(self, service: str) -> tuple[str, dict[str, Any]]:
        """The function whose logs and role are named ``service`` (``create_auth_challenge`` ...)."""
        matches = [(name, res["Properties"]) for name, res in self.of_type("AWS::Lambda::Function").items()
                   if res["Properties"]["Environment"]["Variables"].get("POWERTOOLS_SERVICE_NAME") == service]
        assert len(matches) == 1, service
        return matches[0]

    def env(self, package: str) -> dict[str, Any]:
        return self.function(package)[1]["Environment"]["Variables"]  # type: ignore[no-any-return]

    def statements(self, package: str) -> list[dict[str, Any]]:
        role = self.function(package)[1]["Role"]["Fn::GetAtt"][0]
        return [statement for policy in self.of_type("AWS::IAM::Policy").values()
                if {"Ref": role} in policy["Properties"]["Roles"]
                for statement in policy["Properties"]["PolicyDocument"]["Statement"]]

    def granted(self, package: str, action: str) -> list[Any]:
        """The resources ``package``'s role may perform ``action`` on."""
        resources: list[Any] = []
        for statement in self.statements(package):
            actions = _as_list(statement["Action"])
            if statement["Effect"] == "Allow" and any(_action_matches(pattern, action) for pattern in actions):
                resources += _as_list(statement["Resource"])
        return resources


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _action_matches(pattern: str, action: str) -> bool:
    return re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), action) is not None


def _synth(context: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synth]:
    import app as cdk_app

    app = cdk_app.build_app(context, outdir=str(tmp_path_factory.mktemp("cdk.out")))
    assembly = app.synth()  # runs the cdk-nag plugins: raises on any unacknowledged finding
    names = {stack.stack_name for stack in assembly.stacks}
    centre = assembly.get_stack_by_name(CONTACT_CENTRE_STACK).template if CONTACT_CENTRE_STACK in names else None
    yield Synth(app, assembly.get_stack_by_name(cdk_app.VOICE_OTP_STACK).template, centre)


@pytest.fixture(scope="module")
def existing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synth]:
    """Existing Connect instance and an already-claimed caller ID."""
    yield from _synth(EXISTING, tmp_path_factory)


@pytest.fixture(scope="module")
def created(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synth]:
    """A Connect instance and DID created by the contact-centre stack."""
    yield from _synth(CREATED, tmp_path_factory)


@pytest.fixture(scope="module", params=["existing", "created"])
def synth(request: pytest.FixtureRequest) -> Synth:
    """Both Connect modes, for properties that must hold in each."""
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


# --- Cognito -------------------------------------------------------------------------------------------------


def test_user_pool_triggers_invoke_the_matching_functions(existing: Synth) -> None:
    _, pool = existing.only("AWS::Cognito::UserPool")
    triggers = pool["Properties"]["LambdaConfig"]
    assert triggers == {
        "DefineAuthChallenge": {"Fn::GetAtt": [existing.function("define_auth_challenge")[0], "Arn"]},
        "CreateAuthChallenge": {"Fn::GetAtt": [existing.function("create_auth_challenge")[0], "Arn"]},
        "VerifyAuthChallengeResponse": {"Fn::GetAtt": [existing.function("verify_auth_challenge")[0], "Arn"]},
    }
    permitted = {res["Properties"]["FunctionName"]["Fn::GetAtt"][0]
                 for res in existing.of_type("AWS::Lambda::Permission").values()
                 if res["Properties"]["Principal"] == "cognito-idp.amazonaws.com"}
    assert permitted == {existing.function(p)[0] for p in
                         ("define_auth_challenge", "create_auth_challenge", "verify_auth_challenge")}


COGNITO_TRIGGER_BUDGET_SECONDS = 5  # Cognito waits 5 s for a trigger, then fails the sign-in


def test_every_cognito_trigger_fits_cognitos_five_second_budget(synth: Synth) -> None:
    for _, pool in synth.of_type("AWS::Cognito::UserPool").items():
        triggers = pool["Properties"]["LambdaConfig"]
        assert triggers
        for trigger, target in triggers.items():
            function = synth.resources[target["Fn::GetAtt"][0]]
            assert function["Properties"]["Timeout"] <= COGNITO_TRIGGER_BUDGET_SECONDS, trigger


def test_app_client_has_a_secret_custom_auth_and_refresh_only_and_hides_user_existence(existing: Synth) -> None:
    from lambdas.voice_otp.app_client import ALLOWED_AUTH_FLOWS

    _, client = existing.only("AWS::Cognito::UserPoolClient")
    props = client["Properties"]
    assert props["GenerateSecret"] is True
    assert props["PreventUserExistenceErrors"] == "ENABLED"
    # CUSTOM_WITH_SRP (CUSTOM_AUTH started with SRP_A) runs under ALLOW_CUSTOM_AUTH: the password step stays.
    assert sorted(props["ExplicitAuthFlows"]) == ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    assert sorted(props["ExplicitAuthFlows"]) == sorted(ALLOWED_AUTH_FLOWS), "CDK reads the shared list"
    assert props["AllowedOAuthFlowsUserPoolClient"] is False
    assert props["WriteAttributes"] == ["locale"], "users must not re-point the number their OTP is called on"
    assert props["AuthSessionValidity"] == 5, "a session token must outlive the default 5-minute code"


def test_app_client_session_validity_follows_the_otp_lifetime(tmp_path: Any) -> None:
    import app as cdk_app

    app = cdk_app.build_app({**EXISTING, "otp": {"ttlSeconds": 540}}, outdir=str(tmp_path))
    template = app.synth().get_stack_by_name(cdk_app.VOICE_OTP_STACK).template
    [client] = [r for r in template["Resources"].values() if r["Type"] == "AWS::Cognito::UserPoolClient"]
    assert client["Properties"]["AuthSessionValidity"] == 9


# Flows that return tokens without the custom challenge (USER_AUTH covers password and SRP by itself).
OTP_SKIPPING_FLOW = re.compile(r"USER_AUTH|USER_SRP|USER_PASSWORD|ADMIN_")


def test_no_app_client_allows_a_flow_that_skips_the_otp(synth: Synth) -> None:
    from lambdas.voice_otp.app_client import ALLOWED_AUTH_FLOWS

    clients = synth.of_type("AWS::Cognito::UserPoolClient")
    assert clients
    for name, client in clients.items():
        flows = client["Properties"].get("ExplicitAuthFlows")
        assert flows, f"{name}: unset ExplicitAuthFlows means Cognito's default, which includes ALLOW_USER_SRP_AUTH"
        assert not [flow for flow in flows if OTP_SKIPPING_FLOW.search(flow)], name
    assert not [flow for flow in ALLOWED_AUTH_FLOWS if OTP_SKIPPING_FLOW.search(flow)]


def test_user_pool_is_admin_only_phone_bearing_strong_and_kept(existing: Synth) -> None:
    _name, pool = existing.only("AWS::Cognito::UserPool")
    props = pool["Properties"]
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert props["MfaConfiguration"] == "OFF"
    assert {"Name": "phone_number", "Required": True, "Mutable": True} in props["Schema"]
    assert "UsernameAttributes" not in props
    assert "AliasAttributes" not in props
    password = props["Policies"]["PasswordPolicy"]
    assert password["MinimumLength"] >= 12
    assert all(password[k] for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"))
    assert props["UserPoolTier"] == "PLUS"
    assert props["AccountRecoverySetting"]["RecoveryMechanisms"] == [{"Name": "admin_only", "Priority": 1}]
    assert props["DeletionProtection"] == "ACTIVE"
    assert pool["DeletionPolicy"] == pool["UpdateReplacePolicy"] == "Retain"


# --- WAF ----------------------------------------------------------------------------------------------------


def _visible(config: dict[str, Any]) -> bool:
    return config["CloudWatchMetricsEnabled"] is True and config["SampledRequestsEnabled"] is True


def test_user_pool_web_acl_blocks_bad_reputation_and_rate_limits_each_source_ip(existing: Synth) -> None:
    acl_id, acl = existing.only("AWS::WAFv2::WebACL")
    props = acl["Properties"]
    assert props["Scope"] == "REGIONAL"
    assert props["DefaultAction"] == {"Allow": {}}
    assert _visible(props["VisibilityConfig"])
    rules = {rule["Name"]: rule for rule in props["Rules"]}
    reputation, rate = rules["AmazonIpReputationList"], rules["RateLimitPerSourceIp"]
    assert reputation["Statement"] == {"ManagedRuleGroupStatement": {
        "VendorName": "AWS", "Name": "AWSManagedRulesAmazonIpReputationList"}}
    assert reputation["OverrideAction"] == {"None": {}}, "the group's block actions apply, not just counts"
    assert rate["Statement"] == {"RateBasedStatement": {"AggregateKeyType": "IP", "Limit": 100,
                                                        "EvaluationWindowSec": 300}}
    assert rate["Action"] == {"Block": {}}
    assert len(rules) == 2
    assert all(_visible(rule["VisibilityConfig"]) for rule in rules.values())
    _, association = existing.only("AWS::WAFv2::WebACLAssociation")
    assert association["Properties"] == {"ResourceArn": {"Fn::GetAtt": ["UserPool", "Arn"]},
                                         "WebACLArn": {"Fn::GetAtt": [acl_id, "Arn"]}}


def test_web_acl_logs_to_a_retained_encrypted_log_group_of_its_own(existing: Synth) -> None:
    acl_id, _ = existing.only("AWS::WAFv2::WebACL")
    _, logging = existing.only("AWS::WAFv2::LoggingConfiguration")
    assert logging["Properties"]["ResourceArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    [destination] = logging["Properties"]["LogDestinationConfigs"]
    *arn, last = destination["Fn::Join"][1]
    assert arn[-1] == ":log-group:"
    assert last["Ref"] in existing.of_type("AWS::Logs::LogGroup"), "the ARN ends at the name: no ':*'"
    group = existing.resources[last["Ref"]]
    name = group["Properties"]["LogGroupName"]["Fn::Join"][1]
    assert name[0] == "aws-waf-logs-VoiceOtp-", "WAF only logs to destinations named aws-waf-logs-*"
    assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["LogEncryptionKey", "Arn"]}
    assert group["Properties"]["RetentionInDays"] == 365
    assert group["DeletionPolicy"] == "Retain"


def test_waf_rate_limit_comes_from_the_context(tmp_path: Any) -> None:
    import app as cdk_app

    app = cdk_app.build_app({**EXISTING, "wafRateLimit": "250"}, outdir=str(tmp_path))
    template = app.synth().get_stack_by_name(cdk_app.VOICE_OTP_STACK).template
    [acl] = [r for r in template["Resources"].values() if r["Type"] == "AWS::WAFv2::WebACL"]
    [rate] = [rule for rule in acl["Properties"]["Rules"] if "RateBasedStatement" in rule["Statement"]]
    assert rate["Statement"]["RateBasedStatement"]["Limit"] == 250


# --- Keys, secret, table ------------------------------------------------------------------------------------


def test_every_key_rotates_and_is_retained(existing: Synth) -> None:
    keys = existing.of_type("AWS::KMS::Key")
    assert set(keys) == {"OtpCodeKey", "OtpDataKey", "LogEncryptionKey"}
    for key in keys.values():
        assert key["Properties"]["EnableKeyRotation"] is True
        assert key["DeletionPolicy"] == "Retain"


def _mentions(value: Any, logical_id: str) -> bool:
    return f'"{logical_id}"' in json.dumps(value)


@pytest.mark.parametrize(("package", "decrypt", "encrypt"), [
    ("voice_otp_prompt", True, False),
    ("create_auth_challenge", False, True),
    ("verify_auth_challenge", False, False),
    ("define_auth_challenge", False, False),
])
def test_only_prompt_decrypts_and_only_create_encrypts_with_the_code_key(
        existing: Synth, package: str, decrypt: bool, encrypt: bool) -> None:
    def on_code_key(action: str) -> bool:
        return any(_mentions(resource, "OtpCodeKey") for resource in existing.granted(package, action))

    assert on_code_key("kms:Decrypt") is decrypt
    assert on_code_key("kms:Encrypt") is encrypt
    assert not on_code_key("kms:ReEncryptFrom"), "re-encrypting code ciphertexts is a way to read them"


def test_verify_has_no_access_to_the_code_key(existing: Synth) -> None:
    assert not any(_mentions(statement, "OtpCodeKey") for statement in existing.statements("verify_auth_challenge"))


def test_code_key_policy_names_one_role_per_use_and_leaves_the_account_administration_only(
        existing: Synth) -> None:
    statements = existing.resources["OtpCodeKey"]["Properties"]["KeyPolicy"]["Statement"]
    use = {"kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey",
           "kms:GenerateDataKeyWithoutPlaintext", "kms:GenerateDataKeyPair", "kms:CreateGrant"}
    [account] = [s for s in statements if ":root" in json.dumps(s["Principal"])]
    assert "AWS::AccountId" in json.dumps(account["Principal"])
    granted = _as_list(account["Action"])
    assert not [action for action in use if any(_action_matches(p, action) for p in granted)], granted
    assert {"kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"} <= set(granted), "the account still administers"
    roles = {existing.function(package)[1]["Role"]["Fn::GetAtt"][0]: package
             for package in ("create_auth_challenge", "voice_otp_prompt")}
    named = {roles[s["Principal"]["AWS"]["Fn::GetAtt"][0]]: _as_list(s["Action"])
             for s in statements if s is not account}
    assert named == {"create_auth_challenge": ["kms:Encrypt"], "voice_otp_prompt": ["kms:Decrypt"]}
    assert all(s["Effect"] == "Allow" and "Condition" not in s for s in statements)


PSEUDO_VALUES = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012",
                 "AWS::StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/VoiceOtp/0a1b2c3d-uuid"}


def _render(value: Any, refs: dict[str, str]) -> str:
    """A template string value with Ref / Fn::Join / Fn::Select / Fn::Split resolved against ``refs``."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return refs[value["Ref"]]
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_render(part, refs) for part in parts)
    if "Fn::Select" in value:
        index, listed = value["Fn::Select"]
        separator, text = listed["Fn::Split"]
        return _render(text, refs).split(separator)[index]
    raise AssertionError(f"cannot render {value!r}")


def test_log_key_admits_cloudwatch_logs_only_for_this_stacks_log_groups(existing: Synth) -> None:
    from fnmatch import fnmatchcase

    statements = existing.resources["LogEncryptionKey"]["Properties"]["KeyPolicy"]["Statement"]
    [logs] = [s for s in statements if "Service" in s["Principal"]]
    patterns = [_render(p, PSEUDO_VALUES) for p in logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]]
    assert not [p for p in patterns if p.endswith(":log-group:*")], "not every log group in the account"

    def admitted(name: str) -> bool:
        return any(fnmatchcase(f"arn:aws:logs:us-east-1:123456789012:log-group:{name}", p) for p in patterns)

    groups = {name: _render(res["Properties"]["LogGroupName"], PSEUDO_VALUES)
              for name, res in existing.of_type("AWS::Logs::LogGroup").items()}
    assert len(groups) == 6  # five functions and the WAF log group
    assert all(admitted(group) for group in groups.values()), groups
    for foreign in ("/aws/lambda/VoiceOtp-other-stack-uuid-fn", "/aws/lambda/Other-0a1b2c3d-uuid-fn",
                    "aws-waf-logs-Other", "/aws/lambda/anything"):
        assert not admitted(foreign), foreign
    assert all(res["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["LogEncryptionKey", "Arn"]}
               for res in existing.of_type("AWS::Logs::LogGroup").values())


def test_otp_table_shape_ttl_pitr_encryption_and_retention(existing: Synth) -> None:
    from lambdas.common.otp.table import OTP_TABLE

    table = existing.resources["OtpTable"]
    props = table["Properties"]
    assert props["KeySchema"] == [{"AttributeName": OTP_TABLE.partition_key, "KeyType": "HASH"}]
    assert props["TimeToLiveSpecification"] == {"AttributeName": OTP_TABLE.ttl_attribute, "Enabled": True}
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["SSESpecification"]["KMSMasterKeyId"] == {"Fn::GetAtt": ["OtpDataKey", "Arn"]}
    assert props["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    assert "TableName" not in props


def test_hash_secret_is_generated_alphanumeric_and_under_the_data_key(existing: Synth) -> None:
    secret = existing.resources["OtpHashSecret"]
    props = secret["Properties"]
    assert props["GenerateSecretString"] == {"PasswordLength": 64, "ExcludePunctuation": True, "IncludeSpace": False}
    assert props["KmsKeyId"] == {"Fn::GetAtt": ["OtpDataKey", "Arn"]}
    assert "Name" not in props
    assert secret["DeletionPolicy"] == "Retain"


def test_stateful_resources_keep_their_logical_ids(existing: Synth, created: Synth) -> None:
    expected = {"OtpTable": "AWS::DynamoDB::Table", "OtpHashSecret": "AWS::SecretsManager::Secret",
                "OtpDataKey": "AWS::KMS::Key", "OtpCodeKey": "AWS::KMS::Key", "LogEncryptionKey": "AWS::KMS::Key",
                "UserPool": "AWS::Cognito::UserPool", "UserPoolAppClient": "AWS::Cognito::UserPoolClient"}
    for synth in (existing, created):  # all in the VoiceOtp stack, where they were first deployed
        assert {name: synth.resources[name]["Type"] for name in expected if name in synth.resources} == expected
    assert created.centre is not None
    assert created.centre["Resources"]["ConnectInstance"]["Type"] == "AWS::Connect::Instance"
    assert created.centre["Resources"]["ConnectSourcePhoneNumber"]["Type"] == "AWS::Connect::PhoneNumber"


# --- Functions ----------------------------------------------------------------------------------------------


HANDLERS = {  # service → (handler, timeout: what its caller waits)
    "define_auth_challenge": ("lambdas.voice_otp.define.handler", 5),   # Cognito: 5 s
    "create_auth_challenge": ("lambdas.voice_otp.create.handler", 5),
    "verify_auth_challenge": ("lambdas.voice_otp.verify.handler", 5),
    "voice_otp_prompt": ("lambdas.voice_otp.prompt.handler", 3),        # the flow's InvocationTimeLimitSeconds
    "voice_otp_admin": ("lambdas.voice_otp.admin.handler", 8),
}


def test_functions_share_one_layer_and_run_python312_arm64_256mb_with_their_callers_timeout(synth: Synth) -> None:
    functions = synth.of_type("AWS::Lambda::Function")
    layer, _ = synth.only("AWS::Lambda::LayerVersion")
    assert len(functions) == len(HANDLERS)
    roles = set()
    for res in functions.values():
        props = res["Properties"]
        service = props["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
        assert (props["Handler"], props["Timeout"]) == HANDLERS[service]
        assert (props["Runtime"], props["Architectures"], props["MemorySize"]) == ("python3.12", ["arm64"], 256)
        assert props["Layers"] == [{"Ref": layer}]
        assert props["Environment"]["Variables"]["POWERTOOLS_LOG_LEVEL"] == "INFO"
        roles.add(props["Role"]["Fn::GetAtt"][0])
        group = synth.resources[props["LoggingConfig"]["LogGroup"]["Ref"]]
        assert group["Properties"]["RetentionInDays"] == 365
        assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["LogEncryptionKey", "Arn"]}
    assert len(roles) == 5, "every function has its own role"
    assert len(synth.of_type("AWS::IAM::ManagedPolicy")) == 1, "only the operators' policy, attached to no role"
    assert all("ManagedPolicyArns" not in r["Properties"] for r in synth.of_type("AWS::IAM::Role").values())


def test_function_environments(existing: Synth) -> None:
    store = {"OTP_TABLE_NAME": {"Ref": "OtpTable"}, "OTP_HASH_SECRET_ARN": {"Ref": "OtpHashSecret"}}
    code_key = {"OTP_CODE_KEY_ID": {"Fn::GetAtt": ["OtpCodeKey", "Arn"]}}
    powertools = {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_LOG_LEVEL"}

    def without_powertools(package: str) -> dict[str, Any]:
        env = existing.env(package)
        assert powertools <= set(env)
        return {k: v for k, v in env.items() if k not in powertools}

    assert without_powertools("define_auth_challenge") == {"AUTH_PASSWORDLESS": "false", "OTP_MAX_ATTEMPTS": "3"}
    assert without_powertools("verify_auth_challenge") == {**store, **POLICY_ENV}
    table = {"OTP_TABLE_NAME": {"Ref": "OtpTable"}}
    assert without_powertools("voice_otp_prompt") == {**table, **code_key, **POLICY_ENV}, "the prompt never hashes"
    assert without_powertools("voice_otp_admin") == {**table, **POLICY_ENV}
    create = without_powertools("create_auth_challenge")
    connect = {k: create.pop(k) for k in ("CONNECT_INSTANCE_ID", "CONNECT_CONTACT_FLOW_ID",
                                          "CONNECT_SOURCE_PHONE_NUMBER")}
    assert create == {**store, **code_key, **POLICY_ENV}
    assert connect["CONNECT_INSTANCE_ID"] == "11111111-2222-3333-4444-555555555555"
    assert connect["CONNECT_SOURCE_PHONE_NUMBER"] == SOURCE_NUMBER


def test_contact_flow_id_is_the_last_part_of_the_flow_arn(synth: Synth) -> None:
    flow, _ = synth.only("AWS::Connect::ContactFlow")
    assert synth.env("create_auth_challenge")["CONNECT_CONTACT_FLOW_ID"] == {
        "Fn::Select": [3, {"Fn::Split": ["/", {"Fn::GetAtt": [flow, "ContactFlowArn"]}]}]}


TABLE = {"Fn::GetAtt": ["OtpTable", "Arn"]}
DATA_KEY = {"Fn::GetAtt": ["OtpDataKey", "Arn"]}
ITEM_GRANTS = {  # package → (table actions, partition-key prefixes): what the code calls, nothing more
    "create_auth_challenge": ({"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                               "dynamodb:ConditionCheckItem"},
                              {"CHALLENGE#*", "USER#*", "DEST#*", "BUDGET#*", "CONTACT#*"}),
    "verify_auth_challenge": ({"dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"},
                              {"CHALLENGE#*", "USER#*"}),
    "voice_otp_prompt": ({"dynamodb:UpdateItem"}, {"CONTACT#*"}),
    "define_auth_challenge": (set(), set()),
}


@pytest.mark.parametrize("package", sorted(ITEM_GRANTS))
def test_each_function_gets_only_its_item_actions_on_its_key_prefixes(existing: Synth, package: str) -> None:
    actions, prefixes = ITEM_GRANTS[package]
    on_table = [s for s in existing.statements(package) if s["Resource"] == TABLE]
    assert {a for s in on_table for a in _as_list(s["Action"])} == actions
    for statement in on_table:
        [(operator, keys)] = statement["Condition"].items()
        assert (operator, list(keys)) == ("ForAllValues:StringLike", ["dynamodb:LeadingKeys"])
        assert set(keys["dynamodb:LeadingKeys"]) == prefixes
    everything = {a for s in existing.statements(package) for a in _as_list(s["Action"])}
    assert not [a for a in everything if a.startswith("dynamodb:") and a not in actions]


def test_the_admin_function_clears_user_state_and_only_appends_audit_records(existing: Synth) -> None:
    on_table = [s for s in existing.statements("voice_otp_admin") if s["Resource"] == TABLE]
    grants = {frozenset(_as_list(s["Action"])): set(s["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"])
              for s in on_table}
    assert grants == {frozenset({"dynamodb:GetItem", "dynamodb:UpdateItem"}): {"USER#*"},
                      frozenset({"dynamodb:PutItem"}): {"AUDIT#*"}}
    for package in ITEM_GRANTS:  # nobody else may write an audit record
        prefixes = {p for s in existing.statements(package) if s["Resource"] == TABLE
                    for p in s["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]}
        assert "AUDIT#*" not in prefixes, package
    assert not [s for s in existing.statements("voice_otp_admin")
                if any(a.startswith(("secretsmanager:", "kms:Encrypt")) for a in _as_list(s["Action"]))]


def test_only_the_operators_policy_may_invoke_the_admin_function(existing: Synth) -> None:
    [(_, policy)] = existing.of_type("AWS::IAM::ManagedPolicy").items()
    [statement] = policy["Properties"]["PolicyDocument"]["Statement"]
    admin = existing.function("voice_otp_admin")[0]
    assert (statement["Action"], statement["Resource"]) == ("lambda:InvokeFunction", {"Fn::GetAtt": [admin, "Arn"]})
    assert "Roles" not in policy["Properties"]
    assert "Users" not in policy["Properties"]
    assert not [p for p in existing.of_type("AWS::Lambda::Permission").values()
                if p["Properties"]["FunctionName"] in ({"Fn::GetAtt": [admin, "Arn"]}, {"Ref": admin})]
    assert {"VoiceOtpAdminFunctionName", "VoiceOtpAdministratorsPolicyArn"} <= set(existing.template["Outputs"])


@pytest.mark.parametrize(("package", "reads_secret"), [
    ("create_auth_challenge", True), ("verify_auth_challenge", True),
    ("voice_otp_prompt", False), ("define_auth_challenge", False), ("voice_otp_admin", False),
])
def test_only_create_and_verify_read_the_hmac_secret(existing: Synth, package: str, reads_secret: bool) -> None:
    secret_actions = {a for s in existing.statements(package) for a in _as_list(s["Action"])
                      if a.startswith("secretsmanager:")}
    assert secret_actions == ({"secretsmanager:GetSecretValue"} if reads_secret else set())
    if reads_secret:
        assert existing.granted(package, "secretsmanager:GetSecretValue") == [{"Ref": "OtpHashSecret"}]


@pytest.mark.parametrize("package", ["create_auth_challenge", "verify_auth_challenge", "voice_otp_prompt"])
def test_the_data_key_is_only_decrypted_and_only_through_dynamodb_or_secrets_manager(
        existing: Synth, package: str) -> None:
    on_key = [s for s in existing.statements(package) if s["Resource"] == DATA_KEY]
    assert {a for s in on_key for a in _as_list(s["Action"])} == {"kms:Decrypt"}
    via = {}
    for statement in on_key:
        condition = statement["Condition"]["StringEquals"]
        service = _render(condition["kms:ViaService"], PSEUDO_VALUES)
        via[service] = {k: v for k, v in condition.items() if k != "kms:ViaService"}
    expected = {"dynamodb.us-east-1.amazonaws.com": {
        "kms:EncryptionContext:aws:dynamodb:tableName": {"Ref": "OtpTable"}}}
    if package != "voice_otp_prompt":
        expected["secretsmanager.us-east-1.amazonaws.com"] = {
            "kms:EncryptionContext:SecretARN": {"Ref": "OtpHashSecret"}}
    assert via == expected


def test_define_reaches_nothing_but_its_log_group(existing: Synth) -> None:
    statements = existing.statements("define_auth_challenge")
    assert {a for s in statements for a in _as_list(s["Action"])} == {"logs:CreateLogStream", "logs:PutLogEvents"}
    group = existing.function("define_auth_challenge")[1]["LoggingConfig"]["LogGroup"]["Ref"]
    assert [s["Resource"] for s in statements] == [{"Fn::GetAtt": [group, "Arn"]}]


def test_no_policy_grants_anything_on_star(synth: Synth) -> None:
    for policy in synth.of_type("AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            assert "*" not in _as_list(statement["Resource"]), statement


# --- Connect ------------------------------------------------------------------------------------------------


def test_only_create_may_start_outbound_calls_on_this_instance_and_flow(synth: Synth) -> None:
    flow, _ = synth.only("AWS::Connect::ContactFlow")
    resources = synth.granted("create_auth_challenge", "connect:StartOutboundVoiceContact")
    assert "*" not in resources
    assert {"Fn::GetAtt": [flow, "ContactFlowArn"]} in resources
    contacts = [r for r in resources if "/contact/*" in json.dumps(r)]
    assert len(contacts) == 1
    assert len(resources) == 2
    if synth.centre is not None:
        assert _mentions(contacts[0], synth.instance_arn["Fn::ImportValue"])
    else:
        assert contacts[0] == f"{INSTANCE_ARN}/contact/*"
    for package in ("define_auth_challenge", "verify_auth_challenge", "voice_otp_prompt"):
        assert not synth.granted(package, "connect:StartOutboundVoiceContact")


def test_flow_content_is_the_repo_flow_with_only_declared_variables(synth: Synth) -> None:
    from lambdas.common.core.substitution import sub_variables
    from stacks.voice_otp_stack import OUTBOUND_FLOW

    _, flow = synth.only("AWS::Connect::ContactFlow")
    props = flow["Properties"]
    assert props["Type"] == "CONTACT_FLOW"
    text, variables = props["Content"]["Fn::Sub"]
    prompt, _ = synth.function("voice_otp_prompt")
    assert variables == {"VoiceOtpPromptFunctionArn": {"Fn::GetAtt": [prompt, "Arn"]}}
    assert sub_variables(text) - PSEUDO_PARAMETERS == set(variables)
    resolved = json.loads(text.replace("${VoiceOtpPromptFunctionArn}", "arn:aws:lambda:r:1:function:f"))
    assert resolved == json.loads(OUTBOUND_FLOW.read_text().replace("${VoiceOtpPromptFunctionArn}",
                                                                    "arn:aws:lambda:r:1:function:f"))
    association, _ = synth.only("AWS::Connect::IntegrationAssociation")
    assert association in _as_list(flow["DependsOn"])


def test_prompt_function_is_associated_with_and_invocable_by_the_instance_only(synth: Synth) -> None:
    prompt, _ = synth.function("voice_otp_prompt")
    instance_arn = synth.instance_arn
    _, association = synth.only("AWS::Connect::IntegrationAssociation")
    assert association["Properties"] == {"InstanceId": instance_arn, "IntegrationType": "LAMBDA_FUNCTION",
                                         "IntegrationArn": {"Fn::GetAtt": [prompt, "Arn"]}}
    permissions = [p["Properties"] for p in synth.of_type("AWS::Lambda::Permission").values()
                   if p["Properties"]["Principal"] == "connect.amazonaws.com"]
    assert permissions == [{"Action": "lambda:InvokeFunction", "FunctionName": {"Fn::GetAtt": [prompt, "Arn"]},
                            "Principal": "connect.amazonaws.com", "SourceArn": instance_arn,
                            "SourceAccount": {"Ref": "AWS::AccountId"}}]


def test_existing_mode_creates_no_instance_or_number(existing: Synth) -> None:
    assert existing.centre is None, "nothing to create: no contact-centre stack at all"
    assert not existing.of_type("AWS::Connect::Instance")
    assert not existing.of_type("AWS::Connect::PhoneNumber")
    assert existing.only("AWS::Connect::ContactFlow")[1]["Properties"]["InstanceArn"] == INSTANCE_ARN


def test_created_mode_builds_a_managed_instance_and_claims_a_did(created: Synth) -> None:
    assert created.centre is not None
    assert not created.of_type("AWS::Connect::Instance"), "the shared instance lives in the contact-centre stack"
    centre = created.centre["Resources"]
    instance = centre["ConnectInstance"]
    assert instance["Properties"] == {
        "IdentityManagementType": "CONNECT_MANAGED", "InstanceAlias": "otp-demo",
        "Attributes": {"InboundCalls": True, "OutboundCalls": True}}
    number = centre["ConnectSourcePhoneNumber"]
    assert number["Properties"]["TargetArn"] == {"Fn::GetAtt": ["ConnectInstance", "Arn"]}
    assert (number["Properties"]["Type"], number["Properties"]["CountryCode"]) == ("DID", "US")
    assert instance["DeletionPolicy"] == number["DeletionPolicy"] == "Retain"
    env = created.env("create_auth_challenge")
    assert env["CONNECT_SOURCE_PHONE_NUMBER"] == created.import_of("ConnectSourcePhoneNumber", "Address")
    assert env["CONNECT_INSTANCE_ID"] == {"Fn::Select": [1, {"Fn::Split": ["/", created.instance_arn]}]}


# --- cdk-nag ------------------------------------------------------------------------------------------------


def test_nag_packs_report_nothing_unacknowledged(synth: Synth) -> None:
    from cdk_nag import AwsSolutionsChecks, PCIDSS321Checks

    for pack in (AwsSolutionsChecks(), PCIDSS321Checks()):
        report = pack.validate_scope(synth.app)
        assert [v.rule_name for v in report.violations] == []
        assert report.success


def test_every_acknowledgement_names_a_pack_rule_and_gives_a_reason(synth: Synth) -> None:
    from aws_cdk import Validations

    acknowledged = {rule: reason for node in synth.app.node.find_all() for entry in node.node.metadata
                    if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY
                    for rule, reason in entry.data.items()}
    assert acknowledged
    for rule, reason in acknowledged.items():
        assert re.match(r"^Annotation::(AwsSolutions|PCI\.DSS\.321)-[A-Za-z0-9]+(\[.+\])?$", rule), rule
        assert len(reason.split()) >= 12, f"{rule}: {reason!r}"


def test_synth_fails_on_an_unacknowledged_finding(tmp_path: Any) -> None:
    from aws_cdk import App, Stack
    from aws_cdk import aws_kms as kms

    import app as cdk_app

    app = App(outdir=str(tmp_path), context={"aws:cdk:disable-stack-trace": True})
    kms.Key(Stack(app, "Bad"), "NotRotated", enable_key_rotation=False)
    cdk_app.add_compliance_checks(app)
    with pytest.raises(RuntimeError, match="KMS"):
        app.synth()


# --- context ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("context", "named"), [
    ({"connectSourcePhoneNumber": SOURCE_NUMBER}, "connectInstanceArn"),
    ({"connectInstanceArn": "arn:aws:connect:us-east-1:123456789012:instance/nope",
      "connectSourcePhoneNumber": SOURCE_NUMBER}, "connectInstanceArn"),
    ({"connectInstanceArn": INSTANCE_ARN, "createConnectInstance": True, "connectInstanceAlias": "a",
      "connectSourcePhoneNumber": SOURCE_NUMBER}, "createConnectInstance"),
    ({"createConnectInstance": True, "connectPhoneNumberCountry": "US"}, "connectInstanceAlias"),
    ({"createConnectInstance": "maybe", "connectPhoneNumberCountry": "US"}, "createConnectInstance"),
    ({"connectInstanceArn": INSTANCE_ARN}, "connectSourcePhoneNumber"),
    ({"connectInstanceArn": INSTANCE_ARN, "connectSourcePhoneNumber": "5550100"}, "connectSourcePhoneNumber"),
    ({"connectInstanceArn": INSTANCE_ARN, "connectPhoneNumberCountry": "usa"}, "connectPhoneNumberCountry"),
    ({**EXISTING, "otp": {"length": 4}}, "otp.length"),
    ({**EXISTING, "otp": {"ttlSeconds": 900}}, "otp.ttlSeconds"),
    ({**EXISTING, "otp": {"lockoutThreshold": 101}}, "otp.lockoutThreshold"),
    ({**EXISTING, "otp": {"ttl": 60}}, "otp.ttl"),
    ({**EXISTING, "otp": "{not json"}, "otp"),
    ({**EXISTING, "wafRateLimit": 9}, "wafRateLimit"),
    ({**EXISTING, "wafRateLimit": 2_000_000_001}, "wafRateLimit"),
    ({**EXISTING, "wafRateLimit": "lots"}, "wafRateLimit"),
    ({**EXISTING, "wafRateLimit": True}, "wafRateLimit"),
    ({**EXISTING, "wafRateLimit": 100.5}, "wafRateLimit"),
])
def test_bad_context_fails_at_synth_naming_the_key(context: dict[str, Any], named: str) -> None:
    import app as cdk_app
    from stacks.config import ContextError

    with pytest.raises(ContextError, match=re.escape(f"'{named}")):
        cdk_app.build_app({**FAST, **context})


def test_otp_context_overrides_reach_the_environment_as_strings() -> None:
    from stacks.config import otp_policy_environment, parse_voice_otp_config

    config = parse_voice_otp_config({**EXISTING, "otp": '{"length": 8, "ttlSeconds": 120}',
                                     "authPasswordless": "true"})
    assert otp_policy_environment(config.otp) == {**POLICY_ENV, "OTP_LENGTH": "8", "OTP_TTL_SECONDS": "120"}
    assert config.passwordless is True


def test_cdk_json_defaults_are_the_documented_policy() -> None:
    import app as cdk_app
    from stacks.config import otp_policy_environment, parse_voice_otp_config

    defaults = cdk_app.cdk_json_context()
    assert otp_policy_environment(parse_voice_otp_config({**defaults, **EXISTING}).otp) == POLICY_ENV
    assert defaults["authPasswordless"] is False
    assert parse_voice_otp_config({**defaults, **EXISTING}).waf_rate_limit == 100


def test_cli_context_pairs_are_parsed_like_the_cdk_cli() -> None:
    import app as cdk_app

    assert cdk_app.cli_context(["-c", "a=b=c", "--context", "otp={}"]) == {"a": "b=c", "otp": "{}"}
    with pytest.raises(SystemExit):
        cdk_app.cli_context(["-c", "novalue"])
