"""C3: encrypted caller input. A Lex bot takes a card number and ZIP inside a Connect flow; the capture code
hook seals them under a KMS key; only an operator, proven by STS and audited, can open one again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_connect as connect
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from lambdas.secure_input import audit, sealing
from stacks.config import SecureInputConfig
from stacks.constructs.compliance import acknowledge, nag_rendering
from stacks.constructs.connect_instance import ConnectRefs
from stacks.constructs.contact_flow import ContactFlow
from stacks.constructs.lex_bot import LexBot
from stacks.constructs.otp_storage import KEY_ADMINISTRATION_ACTIONS
from stacks.constructs.python_function import LambdaPackaging, LogEncryptionKey, PythonFunction
from stacks.constructs.stable import pin_logical_id

ROOT = Path(__file__).resolve().parents[1]
BOT_FILE = ROOT / "bots" / "secure_input.json"
FLOW_FILE = ROOT / "contact_flows" / "secure_card_capture.json"
KEY_ID, AUDIT_TABLE_ID = "SecureInputKey", "SecureInputAuditTable"
AUDIT_WRITE_ACTIONS = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
                       "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete",
                       "dynamodb:DeleteTable", "dynamodb:UpdateTable", "dynamodb:RestoreTableToPointInTime",
                       "dynamodb:DeleteResourcePolicy", "dynamodb:PutResourcePolicy")
CAPTURE_OUTSIDE_VPC = (
    "Holds a card number and ZIP in memory for one invocation and sends them nowhere in clear: its only "
    "network call is KMS GenerateDataKey, which IAM and the key policy limit to this key and this "
    "deployment's encryption context; Lambda gives it no inbound network path (only Lex invokes it). "
    "Egress is not network-restricted: a VPC with no NAT and KMS/STS endpoints would also stop a "
    "compromised dependency from sending data out (docs/secure-input.md, 'Network'); that is the next step."
)
DECRYPT_OUTSIDE_VPC = (
    "Returns one card number or ZIP to an operator who proved, through STS, a session of the operator role; "
    "it calls only STS (the fixed regional endpoint), KMS Decrypt (this key, this deployment's context) and "
    "DynamoDB PutItem (the audit table), over TLS with SigV4; no inbound network path exists. Egress is not "
    "network-restricted; see docs/secure-input.md, 'Network', for the VPC option."
)


class SecureInputStack(Stack):
    """The key, the audit table, the capture and decrypt functions, the operator role, the bot and the flow."""

    def __init__(self, scope: Construct, construct_id: str, *, config: SecureInputConfig, connect_refs: ConnectRefs,
                 **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        if connect_refs.stack is not None:
            self.add_dependency(connect_refs.stack, "the Connect instance is imported from it")
        deployment = self.stack_name
        packaging = LambdaPackaging(self, "Packaging")
        log_key = LogEncryptionKey(self, "LogEncryption").key

        self.key = kms.Key(
            self, "Key", enable_key_rotation=True, removal_policy=RemovalPolicy.RETAIN,
            description="Wraps each contact's key for the card numbers and ZIP codes callers give (C3)",
            policy=iam.PolicyDocument(statements=[iam.PolicyStatement(
                sid="AccountAdministersButNeverUsesTheKey", principals=[iam.AccountRootPrincipal()],
                actions=list(KEY_ADMINISTRATION_ACTIONS), resources=["*"])]),
        )
        pin_logical_id(self.key, KEY_ID)
        self.audit_table = dynamodb.Table(
            self, "AuditTable",
            partition_key=dynamodb.Attribute(name=audit.PARTITION_KEY, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=audit.SORT_KEY, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True),
            deletion_protection=True, removal_policy=RemovalPolicy.RETAIN,
        )
        pin_logical_id(self.audit_table, AUDIT_TABLE_ID)

        def function(construct_id: str, module: str, description: str, environment: dict[str, str], *,
                     timeout: Duration, reason: str) -> PythonFunction:
            return PythonFunction(self, construct_id, packaging=packaging,
                                  handler=f"lambdas.secure_input.{module}.handler", service=f"secure_input_{module}",
                                  environment=environment, log_key=log_key, description=description,
                                  timeout=timeout, outside_vpc_reason=reason)

        seal_env = {"SECURE_INPUT_KEY_ID": self.key.key_arn, "SECURE_INPUT_DEPLOYMENT": deployment}
        self.capture = function("Capture", "capture", "Lex code hook: validates, then seals card number and ZIP",
                                seal_env, timeout=Duration.seconds(5), reason=CAPTURE_OUTSIDE_VPC)
        self.operator_role = iam.Role(
            self, "OperatorRole",
            assumed_by=(iam.ArnPrincipal(config.operator_principal) if config.operator_principal
                        else iam.AccountRootPrincipal()),
            max_session_duration=Duration.hours(1),
            description="Operators who may decrypt a caller's card number or ZIP (python -m tools.decrypt); audited",
        )
        self.decrypt = function(
            "Decrypt", "decrypt", "Operators only: decrypt one field of one contact (audited)",
            {**seal_env, "SECURE_INPUT_AUDIT_TABLE": self.audit_table.table_name,
             "SECURE_INPUT_OPERATOR_ROLE_ARN": self.operator_role.role_arn},
            timeout=Duration.seconds(10), reason=DECRYPT_OUTSIDE_VPC)

        self._grant_key_use(self.capture.role, "kms:GenerateDataKey")
        self._grant_key_use(self.decrypt.role, "kms:Decrypt")
        self.audit_table.grant(self.decrypt.role, "dynamodb:PutItem")  # append-only (conditional puts)
        self.audit_table.add_to_resource_policy(iam.PolicyStatement(
            sid="OperatorsNeverWriteTheAuditTrail", effect=iam.Effect.DENY,
            principals=[iam.ArnPrincipal(self.operator_role.role_arn)],
            actions=list(AUDIT_WRITE_ACTIONS), resources=["*"]))
        contacts = f"{connect_refs.instance_arn}/contact/*"
        operator_policy = iam.ManagedPolicy(
            self, "OperatorPolicy", roles=[self.operator_role],
            description="What the secure-input operator role may do: invoke the decrypt function, read the "
                        "ciphertext attributes of this instance's contacts",
            statements=[
                iam.PolicyStatement(sid="InvokeTheDecryptFunction", actions=["lambda:InvokeFunction"],
                                    resources=[self.decrypt.function.function_arn]),
                iam.PolicyStatement(sid="ReadCiphertextFromContactAttributes",
                                    actions=["connect:GetContactAttributes"], resources=[contacts]),
            ])
        acknowledge(operator_policy, f"AwsSolutions-IAM5[Resource::{nag_rendering(self, contacts)}]",
                    "GetContactAttributes is authorised on contact ARNs, and the contact an operator needs is only "
                    "known at run time; the statement is limited to this instance's contacts and to reading.")

        bot = LexBot(self, "Bot", bot_file=BOT_FILE, code_hook=self.capture.function)
        association = connect.CfnIntegrationAssociation(
            self, "BotAssociation", instance_id=connect_refs.instance_arn, integration_type="LEX_BOT",
            integration_arn=bot.alias_arn)
        flow = ContactFlow(self, "CaptureFlow", instance_arn=connect_refs.instance_arn, flow_file=FLOW_FILE,
                           flow_type="CONTACT_FLOW", functions={},
                           description="Takes a card number and ZIP through the secure-input bot; stores ciphertext",
                           variables={"SecureInputBotAliasArn": bot.alias_arn})
        flow.flow.add_dependency(association)

        CfnOutput(self, "SecureInputDecryptFunctionName", value=self.decrypt.function.function_name)
        CfnOutput(self, "SecureInputOperatorRoleArn", value=self.operator_role.role_arn)
        CfnOutput(self, "SecureInputAuditTableName", value=self.audit_table.table_name)
        CfnOutput(self, "SecureInputKeyArn", value=self.key.key_arn)
        CfnOutput(self, "SecureCardCaptureFlowId", value=flow.id)
        CfnOutput(self, "SecureInputBotAliasArn", value=bot.alias_arn)

    def _grant_key_use(self, role: iam.IRole, action: str) -> None:
        """``action`` on the key for ``role`` only under this deployment's contact-key context, in both the
        role's policy and the key policy."""
        conditions = {
            "StringEquals": {f"kms:EncryptionContext:{sealing.CONTEXT_DEPLOYMENT}": self.stack_name,
                             f"kms:EncryptionContext:{sealing.CONTEXT_PURPOSE}": sealing.CONTACT_KEY_PURPOSE},
            "Null": {f"kms:EncryptionContext:{sealing.CONTEXT_CONTACT}": "false"},
            "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": [
                sealing.CONTEXT_DEPLOYMENT, sealing.CONTEXT_CONTACT, sealing.CONTEXT_PURPOSE]},
        }
        role.add_to_principal_policy(iam.PolicyStatement(actions=[action], resources=[self.key.key_arn],
                                                         conditions=conditions))
        self.key.add_to_resource_policy(iam.PolicyStatement(
            sid=f"Only{action.split(':')[1]}ByItsOneRole", principals=[iam.ArnPrincipal(role.role_arn)],
            actions=[action], resources=["*"], conditions=conditions))
