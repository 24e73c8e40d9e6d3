"""The SecureInput (C3) stack as synthesized (with cdk-nag): key policy, least privilege, the audit table, the
operator role, the bot and the flow, stable logical IDs, context."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lambdas.secure_input import sealing
from stacks.config import ContextError, parse_secure_input_config
from stacks.constructs.otp_storage import KEY_ADMINISTRATION_ACTIONS
from stacks.secure_input_stack import AUDIT_TABLE_ID, KEY_ID

pytestmark = pytest.mark.synth

ROOT = Path(__file__).resolve().parents[3]
INSTANCE_ARN = "arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555"
CONTEXT = {"aws:cdk:bundling-stacks": [], "aws:cdk:disable-stack-trace": True,
           "connectInstanceArn": INSTANCE_ARN, "connectSourcePhoneNumber": "+15555550100"}
PRINCIPAL = "arn:aws:iam::123456789012:role/PaymentsSupervisors"
KEY_USE = {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext",
           "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:ReEncrypt*", "kms:*", "kms:GenerateDataKey*"}


def synth(tmp: Path, **context: Any) -> dict[str, Any]:
    from app import build_app

    assembly = build_app({**CONTEXT, **context}, outdir=str(tmp)).synth()  # cdk-nag: fails on any finding
    template: dict[str, Any] = assembly.get_stack_by_name("SecureInput").template
    return template


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return synth(tmp_path_factory.mktemp("c3"))


def resources(template: dict[str, Any], cfn_type: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == cfn_type}


def logical_id(template: dict[str, Any], cfn_type: str, prefix: str) -> str:
    [name] = [n for n in resources(template, cfn_type) if n.startswith(prefix)]
    return name


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def role_statements(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    """Every statement of every inline or managed policy attached to ``role``."""
    found = []
    for policy in [*resources(template, "AWS::IAM::Policy").values(),
                   *resources(template, "AWS::IAM::ManagedPolicy").values()]:
        if {"Ref": role} in policy["Properties"].get("Roles", []):
            found += policy["Properties"]["PolicyDocument"]["Statement"]
    return found


def actions(statements: list[dict[str, Any]]) -> set[str]:
    return {action for s in statements if s.get("Effect", "Allow") == "Allow" for action in as_list(s["Action"])}


def key_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = template["Resources"][KEY_ID]["Properties"]["KeyPolicy"]["Statement"]
    return statements


def role_arn(role: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [role, "Arn"]}


def test_the_key_rotates_is_retained_and_keeps_its_logical_id(template: dict[str, Any]) -> None:
    key = template["Resources"][KEY_ID]
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == key["UpdateReplacePolicy"] == "Retain"
    table = template["Resources"][AUDIT_TABLE_ID]
    assert table["DeletionPolicy"] == "Retain"


def test_the_key_policy_lets_each_role_only_its_one_use_under_this_deployments_context(
        template: dict[str, Any]) -> None:
    capture, decrypt = logical_id(template, "AWS::IAM::Role", "CaptureRole"), logical_id(
        template, "AWS::IAM::Role", "DecryptRole")
    statements = key_statements(template)
    account = [s for s in statements if s["Sid"] == "AccountAdministersButNeverUsesTheKey"]
    assert len(account) == 1
    assert set(account[0]["Action"]) == set(KEY_ADMINISTRATION_ACTIONS)  # administers, never uses
    users = {json.dumps(s["Principal"]["AWS"], sort_keys=True): as_list(s["Action"])
             for s in statements if actions([s]) & KEY_USE}
    assert users == {json.dumps(role_arn(capture)): ["kms:GenerateDataKey"],
                     json.dumps(role_arn(decrypt)): ["kms:Decrypt"]}
    for statement in statements:
        if actions([statement]) & KEY_USE:
            conditions = statement["Condition"]
            assert conditions["StringEquals"][f"kms:EncryptionContext:{sealing.CONTEXT_DEPLOYMENT}"] == "SecureInput"
            assert conditions["StringEquals"][f"kms:EncryptionContext:{sealing.CONTEXT_PURPOSE}"] == \
                sealing.CONTACT_KEY_PURPOSE
            assert conditions["Null"] == {f"kms:EncryptionContext:{sealing.CONTEXT_CONTACT}": "false"}


def test_the_capture_role_may_only_generate_data_keys(template: dict[str, Any]) -> None:
    capture = logical_id(template, "AWS::IAM::Role", "CaptureRole")
    statements = role_statements(template, capture)
    assert actions(statements) - {"logs:CreateLogStream", "logs:PutLogEvents"} == {"kms:GenerateDataKey"}
    [kms] = [s for s in statements if s["Action"] == "kms:GenerateDataKey"]
    assert kms["Resource"] == {"Fn::GetAtt": [KEY_ID, "Arn"]}
    assert "kms:EncryptionContextKeys" in kms["Condition"]["ForAllValues:StringEquals"]


def test_the_decrypt_role_may_only_decrypt_and_append_to_the_audit_table(template: dict[str, Any]) -> None:
    decrypt = logical_id(template, "AWS::IAM::Role", "DecryptRole")
    statements = role_statements(template, decrypt)
    assert actions(statements) - {"logs:CreateLogStream", "logs:PutLogEvents"} == {"kms:Decrypt",
                                                                                  "dynamodb:PutItem"}
    [put] = [s for s in statements if s["Action"] == "dynamodb:PutItem"]
    assert {"Fn::GetAtt": [AUDIT_TABLE_ID, "Arn"]} in as_list(put["Resource"])


def test_no_policy_grants_key_use_to_anyone_else(template: dict[str, Any]) -> None:
    capture, decrypt = (logical_id(template, "AWS::IAM::Role", p) for p in ("CaptureRole", "DecryptRole"))
    for name in resources(template, "AWS::IAM::Role"):
        if name not in {capture, decrypt}:
            assert not actions(role_statements(template, name)) & KEY_USE, name


def test_the_audit_table_has_pitr_and_the_operator_role_is_denied_every_write(template: dict[str, Any]) -> None:
    table = template["Resources"][AUDIT_TABLE_ID]["Properties"]
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["DeletionProtectionEnabled"] is True
    assert table["KeySchema"] == [{"AttributeName": "contactId", "KeyType": "HASH"},
                                  {"AttributeName": "at", "KeyType": "RANGE"}]
    [deny] = table["ResourcePolicy"]["PolicyDocument"]["Statement"]
    operator = logical_id(template, "AWS::IAM::Role", "OperatorRole")
    assert deny["Effect"] == "Deny"
    assert deny["Principal"] == {"AWS": role_arn(operator)}
    assert {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
            "dynamodb:DeleteTable"} <= set(deny["Action"])
    assert not {a for a in actions(role_statements(template, operator)) if a.startswith("dynamodb:")}


def test_only_the_operator_role_may_invoke_the_decrypt_function(template: dict[str, Any]) -> None:
    operator = logical_id(template, "AWS::IAM::Role", "OperatorRole")
    decrypt_fn = logical_id(template, "AWS::Lambda::Function", "DecryptFunction")
    assert actions(role_statements(template, operator)) == {"lambda:InvokeFunction", "connect:GetContactAttributes"}
    invokers = [name for name in resources(template, "AWS::IAM::Role")
                if any({"Fn::GetAtt": [decrypt_fn, "Arn"]} in as_list(s["Resource"])
                       for s in role_statements(template, name) if "lambda:InvokeFunction" in as_list(s["Action"]))]
    assert invokers == [operator]
    permissions = [p for p in resources(template, "AWS::Lambda::Permission").values()
                   if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [decrypt_fn, "Arn"]}]
    assert permissions == []  # no service or other account is let in by a resource policy
    trust = template["Resources"][operator]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust[0]["Principal"]["AWS"] == {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::",
                                                              {"Ref": "AWS::AccountId"}, ":root"]]}
    assert template["Resources"][operator]["Properties"]["MaxSessionDuration"] == 3600


def test_the_operator_principal_comes_from_the_context(tmp_path: Path) -> None:
    template = synth(tmp_path, secureInputOperatorPrincipal=PRINCIPAL)
    operator = logical_id(template, "AWS::IAM::Role", "OperatorRole")
    trust = template["Resources"][operator]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust[0]["Principal"]["AWS"] == PRINCIPAL


@pytest.mark.parametrize("value", ["PaymentsSupervisors", "arn:aws:iam::123:role/x", "arn:aws:s3:::bucket"])
def test_a_bad_operator_principal_names_the_key(value: str) -> None:
    with pytest.raises(ContextError, match="secureInputOperatorPrincipal"):
        parse_secure_input_config({"secureInputOperatorPrincipal": value})


def test_the_functions_environment(template: dict[str, Any]) -> None:
    capture = resources(template, "AWS::Lambda::Function")[logical_id(template, "AWS::Lambda::Function",
                                                                       "CaptureFunction")]
    decrypt = resources(template, "AWS::Lambda::Function")[logical_id(template, "AWS::Lambda::Function",
                                                                       "DecryptFunction")]
    seal_env = {"SECURE_INPUT_KEY_ID": {"Fn::GetAtt": [KEY_ID, "Arn"]}, "SECURE_INPUT_DEPLOYMENT": "SecureInput"}
    assert capture["Properties"]["Environment"]["Variables"].items() >= seal_env.items()
    assert "SECURE_INPUT_AUDIT_TABLE" not in capture["Properties"]["Environment"]["Variables"]
    variables = decrypt["Properties"]["Environment"]["Variables"]
    assert variables.items() >= {**seal_env, "SECURE_INPUT_AUDIT_TABLE": {"Ref": AUDIT_TABLE_ID}}.items()
    assert variables["SECURE_INPUT_OPERATOR_ROLE_ARN"] == role_arn(logical_id(template, "AWS::IAM::Role",
                                                                              "OperatorRole"))
    assert capture["Properties"]["Handler"] == "lambdas.secure_input.capture.handler"


def test_the_bot_is_the_repo_bot_file_with_the_capture_hook_on_its_alias(template: dict[str, Any]) -> None:
    [bot] = resources(template, "AWS::Lex::Bot").values()
    assert bot["Properties"]["BotLocales"] == json.loads((ROOT / "bots" / "secure_input.json").read_text())[
        "BotLocales"]
    [alias] = resources(template, "AWS::Lex::BotAlias").values()
    capture_fn = logical_id(template, "AWS::Lambda::Function", "CaptureFunction")
    [setting] = alias["Properties"]["BotAliasLocaleSettings"]
    assert setting["BotAliasLocaleSetting"]["CodeHookSpecification"]["LambdaCodeHook"]["LambdaArn"] == {
        "Fn::GetAtt": [capture_fn, "Arn"]}
    [permission] = [p["Properties"] for p in resources(template, "AWS::Lambda::Permission").values()]
    assert permission["Principal"] == "lexv2.amazonaws.com"
    assert permission["SourceArn"] == {"Fn::GetAtt": [logical_id(template, "AWS::Lex::BotAlias", "BotAlias"), "Arn"]}


def test_the_flow_is_the_repo_flow_with_the_bot_alias_and_depends_on_its_association(
        template: dict[str, Any]) -> None:
    [flow] = resources(template, "AWS::Connect::ContactFlow").values()
    body, variables = flow["Properties"]["Content"]["Fn::Sub"]
    expected = json.loads((ROOT / "contact_flows" / "secure_card_capture.json").read_text())
    assert json.loads(body) == expected
    alias = logical_id(template, "AWS::Lex::BotAlias", "BotAlias")
    assert variables == {"SecureInputBotAliasArn": {"Fn::GetAtt": [alias, "Arn"]}}
    assert "BotAssociation" in as_list(flow["DependsOn"])
    association = template["Resources"]["BotAssociation"]["Properties"]
    assert association == {"InstanceId": INSTANCE_ARN, "IntegrationType": "LEX_BOT",
                           "IntegrationArn": {"Fn::GetAtt": [alias, "Arn"]}}
