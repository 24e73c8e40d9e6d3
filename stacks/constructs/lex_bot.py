"""A Lex V2 bot from a ``bots/`` file (its ``BotLocales`` as the CloudFormation property, verbatim), a version,
and a ``live`` alias whose locales call one Lambda code hook."""

from __future__ import annotations

import json
from pathlib import Path

from aws_cdk import Aws, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lex as lex
from constructs import Construct

from stacks.constructs.compliance import acknowledge

CODE_HOOK_INTERFACE_VERSION = "1.0"
ALIAS_NAME = "live"


class LexBot(Construct):
    """``bot_file`` deployed as ``<stack>-<Name>``; ``alias_arn`` is what a flow's ``LexV2Bot.AliasArn`` needs.

    No conversation logs are configured: text logs would hold what callers say (obfuscated slots excepted)
    and audio logs everything, so a bot taking secrets keeps none.
    """

    def __init__(self, scope: Construct, construct_id: str, *, bot_file: Path,
                 code_hook: lambda_.IFunction) -> None:
        super().__init__(scope, construct_id)
        definition = json.loads(bot_file.read_text(encoding="utf-8"))
        stack = Stack.of(self)
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lexv2.amazonaws.com"),
                             description=f"Runtime role of the {definition['Name']} Lex bot (speech synthesis)")
        self.role.add_to_policy(iam.PolicyStatement(actions=["polly:SynthesizeSpeech"], resources=["*"]))
        acknowledge(self.role, "AwsSolutions-IAM5[Resource::*]",
                    "polly:SynthesizeSpeech has no resource-level permissions (Polly voices are not resources); "
                    "Lex V2 uses it to speak the bot's prompts and nothing else.")
        acknowledge(self.role, "PCI.DSS.321-IAMNoInlinePolicy",
                    "The bot's own runtime role holds one statement (polly:SynthesizeSpeech) the service needs; "
                    "the role is not shared and no user can assume it.")
        self.bot = lex.CfnBot(
            self, "Bot",
            name=f"{stack.stack_name}-{definition['Name']}",
            description=definition.get("Description"),
            role_arn=self.role.role_arn,
            data_privacy={"ChildDirected": False},
            idle_session_ttl_in_seconds=int(definition.get("IdleSessionTTLInSeconds", 300)),
            auto_build_bot_locales=True,
        )
        self.bot.add_property_override("BotLocales", definition["BotLocales"])
        locales = [locale["LocaleId"] for locale in definition["BotLocales"]]
        version = lex.CfnBotVersion(
            self, "Version", bot_id=self.bot.attr_id,
            bot_version_locale_specification=[
                lex.CfnBotVersion.BotVersionLocaleSpecificationProperty(
                    locale_id=locale,
                    bot_version_locale_details=lex.CfnBotVersion.BotVersionLocaleDetailsProperty(
                        source_bot_version="DRAFT"))
                for locale in locales],
        )
        self.alias = lex.CfnBotAlias(
            self, "Alias", bot_id=self.bot.attr_id, bot_alias_name=ALIAS_NAME, bot_version=version.attr_bot_version,
            bot_alias_locale_settings=[
                lex.CfnBotAlias.BotAliasLocaleSettingsItemProperty(
                    locale_id=locale,
                    bot_alias_locale_setting=lex.CfnBotAlias.BotAliasLocaleSettingsProperty(
                        enabled=True,
                        code_hook_specification=lex.CfnBotAlias.CodeHookSpecificationProperty(
                            lambda_code_hook=lex.CfnBotAlias.LambdaCodeHookProperty(
                                code_hook_interface_version=CODE_HOOK_INTERFACE_VERSION,
                                lambda_arn=code_hook.function_arn))))
                for locale in locales],
        )
        self.alias_arn = self.alias.attr_arn
        code_hook.add_permission(
            "InvokedByLexAlias", principal=iam.ServicePrincipal("lexv2.amazonaws.com"),
            source_arn=self.alias_arn, source_account=Aws.ACCOUNT_ID,
        )
