"""C4: the OTP-gated food-ordering chat bot: Lex V2 bot (en_US, es_US) + code hook, phone directory, OTP store,
the PIN key, the Cognito identity pool the chat page uses, and the page itself (``web/ordering_chat``, hosted by
the static-site construct with a ``config.json`` built from the stack's own resources)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from aws_cdk import Aws, CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lex as lex
from constructs import Construct

from lambdas.ordering_bot.directory import DIRECTORY_TABLE
from lambdas.ordering_bot.pin import PURPOSE
from stacks.config import OrderingBotConfig, otp_policy_environment
from stacks.constructs.compliance import acknowledge, acknowledge_for_grantee
from stacks.constructs.otp_storage import KEY_ADMINISTRATION_ACTIONS, OtpStorage
from stacks.constructs.python_function import LambdaPackaging, LogEncryptionKey, PythonFunction
from stacks.constructs.stable import pin_logical_id
from stacks.constructs.static_site import StaticSite
from web.shipping import ORDERING_CHAT_SOURCES

ROOT = Path(__file__).resolve().parents[1]
BOT_FILE = ROOT / "bots" / "ordering_bot.json"
PAGE_DIR = ROOT / "web" / "ordering_chat"
SITE_ID = "OrderingChatSite"  # prefixes the site's pinned logical IDs (bucket, key, distribution)
# The AWS endpoints the page's SDK clients call from the browser (regional; aws-cn's suffix differs).
PAGE_SERVICE_ENDPOINTS = ("runtime-v2-lex", "cognito-identity", "kms")
DIRECTORY_TABLE_ID = "PhoneDirectoryTable"
DIRECTORY_KEY_ID = "PhoneDirectoryKey"
PIN_KEY_ID = "OrderingPinKey"
IDENTITY_POOL_ID = "OrderingChatIdentityPool"
HOOK_TIMEOUT = Duration.seconds(10)  # Lex waits up to 30 s; one turn is a few DynamoDB/KMS/SNS calls
CODE_HOOK_INTERFACE_VERSION = "1.0"
OUTSIDE_VPC = (
    "The code hook opens no listeners and reaches only AWS service APIs (DynamoDB, KMS, Secrets Manager, SNS) "
    "over TLS with SigV4 and a least-privilege role; it handles one-time codes and food orders, not cardholder "
    "data, so it sits outside the CDE, and a VPC would add NAT/endpoints without narrowing what it can reach."
)
# The page encrypts only under this context shape: {"purpose": "ordering-bot-pin", "sessionId": <Lex session>}.
PIN_CONTEXT_CONDITIONS: dict[str, dict[str, Any]] = {
    "StringEquals": {"kms:EncryptionContext:purpose": PURPOSE},
    "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["purpose", "sessionId"]},
    "Null": {"kms:EncryptionContext:sessionId": "false"},
}


def page_service_endpoints() -> list[str]:
    """The https origins the chat page's browser SDK calls (Lex V2 runtime, Cognito identity, KMS): its CSP."""
    return [f"https://{service}.{Aws.REGION}.{Aws.URL_SUFFIX}" for service in PAGE_SERVICE_ENDPOINTS]


def bot_locales() -> list[dict[str, Any]]:
    """``BotLocales`` from the bot file: the one definition CDK deploys and the local Lex emulator reads."""
    locales: list[dict[str, Any]] = json.loads(BOT_FILE.read_text(encoding="utf-8"))["BotLocales"]
    return locales


class OrderingBotStack(Stack):
    """The bot, its alias wired to the code hook, and what the hook and the chat page may touch."""

    def __init__(self, scope: Construct, construct_id: str, *, config: OrderingBotConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        packaging = LambdaPackaging(self, "Packaging")
        log_key = LogEncryptionKey(self, "LogEncryption").key
        store = OtpStorage(self, "OtpStorage", code_copies=False)
        directory_key = kms.Key(self, "DirectoryKey", enable_key_rotation=True,
                                description="Encrypts the phone directory (e-mail address -> mobile number)")
        directory = dynamodb.Table(
            self,
            "PhoneDirectory",
            partition_key=dynamodb.Attribute(name=DIRECTORY_TABLE.partition_key, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=directory_key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True),
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        pin_key = kms.Key(
            self,
            "PinKey",
            enable_key_rotation=True,
            description="The chat page encrypts the order code with it; only the ordering code hook decrypts",
            policy=iam.PolicyDocument(statements=[iam.PolicyStatement(
                sid="AccountAdministersButNeverUsesTheKey", principals=[iam.AccountRootPrincipal()],
                actions=list(KEY_ADMINISTRATION_ACTIONS), resources=["*"])]),
        )
        for construct, logical_id in ((directory, DIRECTORY_TABLE_ID), (directory_key, DIRECTORY_KEY_ID),
                                      (pin_key, PIN_KEY_ID)):
            pin_logical_id(construct, logical_id)

        hook = PythonFunction(
            self,
            "OrderingHook",
            packaging=packaging,
            handler="lambdas.ordering_bot.hook.handler",
            service="ordering_bot_hook",
            environment={
                **store.environment(with_code_key=False),
                **otp_policy_environment(config.otp),
                "PHONE_DIRECTORY_TABLE_NAME": directory.table_name,
                "ORDERING_PIN_KEY_ID": pin_key.key_arn,
                "ORDERING_SESSION_TTL_SECONDS": str(config.session_ttl_seconds),
                "SMS_PROVIDER": "sns",
            },
            log_key=log_key,
            description="Lex V2 code hook of the ordering bot: menu, SMS-code-gated orders",
            timeout=HOOK_TIMEOUT,
            outside_vpc_reason=OUTSIDE_VPC,
        )
        store.grant_issue_and_verify(hook.function)
        self._grant_directory_lookup(hook.function, directory, directory_key)
        self._grant_pin_key(hook.function, pin_key, "kms:Decrypt")
        self._grant_sms(hook.function)

        bot = self._bot(config, hook)
        unauthenticated = self._identity_pool(bot)
        self._grant_pin_key(unauthenticated, pin_key, "kms:Encrypt")

        CfnOutput(self, "BotId", value=bot.bot_id)
        CfnOutput(self, "BotAliasId", value=bot.alias_id)
        CfnOutput(self, "PhoneDirectoryTableName", value=directory.table_name)
        CfnOutput(self, "PinKeyArn", value=pin_key.key_arn)
        page_config = {"region": self.region, "identityPoolId": self.identity_pool.ref, "botId": bot.bot_id,
                       "botAliasId": bot.alias_id, "localeId": "en_US", "kmsKeyId": pin_key.key_arn}
        self.site = StaticSite(self, SITE_ID, source_dir=PAGE_DIR, config=page_config, log_key=log_key,
                               connect_sources=page_service_endpoints(), exclude=ORDERING_CHAT_SOURCES,
                               description="ordering chat page")
        self.page_url = f"{config.chat_origin}/" if config.chat_origin else self.site.url
        CfnOutput(self, "ChatPageUrl", value=self.page_url, description="The ordering chat page")
        CfnOutput(self, "ChatPageConfig", description="The config.json deployed with web/ordering_chat",
                  value=Stack.of(self).to_json_string(page_config))

    # -- the bot -------------------------------------------------------------------------------------

    def _bot(self, config: OrderingBotConfig, hook: PythonFunction) -> _Bot:
        """The bot (both locales from the bot file), a version of it, and the live alias calling the hook."""
        role = iam.Role(self, "BotRole", assumed_by=iam.ServicePrincipal("lexv2.amazonaws.com"),
                        description="Lex V2 runtime role of the ordering bot (speech synthesis only)")
        iam.Grant.add_to_principal(grantee=role, actions=["polly:SynthesizeSpeech"], resource_arns=["*"])
        acknowledge_for_grantee(role, "AwsSolutions-IAM5[Resource::*]",
                                "Amazon Polly has no resource-level permissions for SynthesizeSpeech (its voices "
                                "have no ARNs); Lex needs it to speak the bot's prompts in voice channels.")
        acknowledge(role, "PCI.DSS.321-IAMNoInlinePolicy",
                    "The Lex bot's own service role holds one statement (Polly speech synthesis) generated by "
                    "a grant; it is not shared with any other principal.")
        bot = lex.CfnBot(
            self, "Bot",
            name=f"{Stack.of(self).stack_name}-OrderingBot",
            role_arn=role.role_arn,
            data_privacy={"ChildDirected": False},
            idle_session_ttl_in_seconds=config.session_ttl_seconds,
            auto_build_bot_locales=True,
            description="Food ordering chat bot: the first order of a session needs an SMS code (C4)",
        )
        locales = bot_locales()
        bot.add_property_override("BotLocales", locales)
        digest = hashlib.sha256(BOT_FILE.read_bytes()).hexdigest()[:8]
        version = lex.CfnBotVersion(  # a version is immutable: a changed bot file makes a new one
            self, f"BotVersion{digest}",
            bot_id=bot.attr_id,
            bot_version_locale_specification=[
                lex.CfnBotVersion.BotVersionLocaleSpecificationProperty(
                    locale_id=locale["LocaleId"],
                    bot_version_locale_details=lex.CfnBotVersion.BotVersionLocaleDetailsProperty(
                        source_bot_version="DRAFT"))
                for locale in locales],
        )
        alias = lex.CfnBotAlias(
            self, "BotAlias",
            bot_alias_name="live",
            bot_id=bot.attr_id,
            bot_version=version.attr_bot_version,
            bot_alias_locale_settings=[
                lex.CfnBotAlias.BotAliasLocaleSettingsItemProperty(
                    locale_id=locale["LocaleId"],
                    bot_alias_locale_setting=lex.CfnBotAlias.BotAliasLocaleSettingsProperty(
                        enabled=True,
                        code_hook_specification=lex.CfnBotAlias.CodeHookSpecificationProperty(
                            lambda_code_hook=lex.CfnBotAlias.LambdaCodeHookProperty(
                                lambda_arn=hook.function.function_arn,
                                code_hook_interface_version=CODE_HOOK_INTERFACE_VERSION))))
                for locale in locales],
        )
        hook.function.add_permission("InvokedByTheLiveAlias",
                                     principal=iam.ServicePrincipal("lexv2.amazonaws.com"),
                                     source_arn=alias.attr_arn, source_account=self.account)
        return _Bot(bot_id=bot.attr_id, alias_id=alias.attr_bot_alias_id, alias_arn=alias.attr_arn)

    # -- the chat page's identities --------------------------------------------------------------

    def _identity_pool(self, bot: _Bot) -> iam.Role:
        """Unauthenticated identities only, basic (classic) flow off; their role talks to the bot's alias."""
        self.identity_pool = cognito.CfnIdentityPool(
            self, "ChatIdentityPool", allow_unauthenticated_identities=True, allow_classic_flow=False)
        pin_logical_id(self.identity_pool, IDENTITY_POOL_ID)
        acknowledge(self.identity_pool, "AwsSolutions-COG7",
                    "Guest access is the design (the source's chat page): a visitor orders before any sign-in, and "
                    "the SMS code, not the identity, authenticates. The guest role may only send text to this "
                    "bot's alias and encrypt under the order-code context with the PIN key; it cannot decrypt.")
        role = iam.Role(
            self, "ChatUnauthenticatedRole",
            description="What the ordering chat page may do with an unauthenticated identity",
            assumed_by=iam.FederatedPrincipal(
                "cognito-identity.amazonaws.com",
                conditions={
                    "StringEquals": {"cognito-identity.amazonaws.com:aud": self.identity_pool.ref},
                    "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "unauthenticated"},
                },
                assume_role_action="sts:AssumeRoleWithWebIdentity",
            ),
        )
        iam.Grant.add_to_principal(grantee=role, actions=["lex:RecognizeText"], resource_arns=[bot.alias_arn])
        acknowledge(role, "PCI.DSS.321-IAMNoInlinePolicy",
                    "The chat page's unauthenticated role holds exactly two grants (RecognizeText on this bot's "
                    "alias, Encrypt on the PIN key under the order-code context); it is not shared.")
        cognito.CfnIdentityPoolRoleAttachment(self, "ChatIdentityPoolRoles", identity_pool_id=self.identity_pool.ref,
                                              roles={"unauthenticated": role.role_arn})
        return role

    # -- grants --------------------------------------------------------------------------------------

    def _grant_pin_key(self, grantee: iam.IGrantable, pin_key: kms.Key, action: str) -> None:
        """``action`` on the PIN key only under the order-code context, in the principal's policy AND the key's."""
        iam.Grant.add_to_principal(grantee=grantee, actions=[action], resource_arns=[pin_key.key_arn],
                                   conditions=PIN_CONTEXT_CONDITIONS)
        pin_key.add_to_resource_policy(iam.PolicyStatement(
            principals=[grantee.grant_principal], actions=[action], resources=["*"],
            conditions=PIN_CONTEXT_CONDITIONS))

    def _grant_directory_lookup(self, grantee: iam.IGrantable, table: dynamodb.Table, key: kms.Key) -> None:
        """``GetItem`` on the directory, and the key decrypt DynamoDB makes for it (nothing else)."""
        table.grant(grantee, "dynamodb:GetItem")
        iam.Grant.add_to_principal(
            grantee=grantee, actions=["kms:Decrypt"], resource_arns=[key.key_arn],
            conditions={"StringEquals": {"kms:ViaService": f"dynamodb.{self.region}.amazonaws.com",
                                         "kms:EncryptionContext:aws:dynamodb:tableName": table.table_name}})

    def _grant_sms(self, grantee: iam.IGrantable) -> None:
        """``sns:Publish`` straight to phone numbers, never to a topic (SMS to a number has no ARN)."""
        iam.Grant.add_to_principal(grantee=grantee, actions=["sns:Publish"], resource_arns=["*"])
        grantee.grant_principal.add_to_principal_policy(iam.PolicyStatement(
            effect=iam.Effect.DENY, actions=["sns:Publish"], resources=[f"arn:{self.partition}:sns:*:*:*"]))
        acknowledge_for_grantee(grantee, "AwsSolutions-IAM5[Resource::*]",
                                "SNS Publish to a phone number (SMS) has no resource ARN, so it can only be granted "
                                "on *; a Deny on every topic ARN keeps the grant to direct SMS.")


class _Bot:
    """What the rest of the stack needs of the deployed bot."""

    def __init__(self, *, bot_id: str, alias_id: str, alias_arn: str) -> None:
        self.bot_id = bot_id
        self.alias_id = alias_id
        self.alias_arn = alias_arn
