"""C1: voice login (customer ID + PIN through Lex in a Connect call) and a scoped, single-use SMS link to a page.

The stack holds the phone-banking user pool (separate from every other pool: its one app client has a secret
and allows only USER_PASSWORD_AUTH, called only by the fulfillment function), the accounts / grants / sessions
tables, the grant-signing KMS key (ECC_NIST_P256, SIGN_VERIFY: only the fulfillment role may Sign, only the API
role may read the public key), the Twilio credentials secret (created empty of any real value: an operator puts
the JSON in), the HTTP API the page calls, the Lex bot built from ``bots/voice_login.json`` and its alias wired to
the fulfillment function, and the inbound flow from ``contact_flows/inbound_voice_login.json``. It also hosts the
page (``web/voice_login``) with the static-site construct (private S3 + CloudFront); the texted link and the
API's CORS origin are the distribution's https URL unless ``voiceLoginPageUrl`` overrides them (custom domain).

CORS is answered by the API function (``PAGE_ORIGIN``), not by API Gateway's CORS configuration: the page's CSP
names the API's endpoint (the distribution depends on the API), so an API whose CORS named the distribution would
close a dependency cycle. Preflights therefore reach the function on ``OPTIONS`` routes and get its answer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk import Aws, CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_connect as connect_l1
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lex as lex
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from lambdas.common.core.tables import TableShape
from lambdas.voice_login import tables
from lambdas.voice_login.routes import ROUTES
from stacks.config import VoiceLoginConfig, otp_policy_environment, url_origin
from stacks.constructs.compliance import acknowledge, acknowledge_for_grantee
from stacks.constructs.connect_instance import ConnectRefs
from stacks.constructs.contact_flow import ContactFlow
from stacks.constructs.log_names import lambda_log_group_name
from stacks.constructs.otp_storage import KEY_ADMINISTRATION_ACTIONS, OtpStorage
from stacks.constructs.python_function import (
    CONNECT_LAMBDA_TIMEOUT,
    LOG_RETENTION,
    LambdaPackaging,
    LogEncryptionKey,
    PythonFunction,
)
from stacks.constructs.stable import pin_logical_id
from stacks.constructs.static_site import StaticSite

ROOT = Path(__file__).resolve().parents[1]
BOT_FILE = ROOT / "bots" / "voice_login.json"
INBOUND_FLOW = ROOT / "contact_flows" / "inbound_voice_login.json"
PAGE_DIR = ROOT / "web" / "voice_login"
SITE_ID = "VoiceLoginSite"  # prefixes the site's pinned logical IDs (bucket, key, distribution)
GRANT_AUDIENCE = "voice-login:add-authorized-user"
BOT_ALIAS_NAME = "live"
API_RATE_LIMIT = 10    # requests per second, steady (a page makes two per link)
API_BURST_LIMIT = 20
TOKEN_VALIDITY = Duration.minutes(5)  # the fulfillment discards Cognito's tokens at once; keep them short anyway

# Stateful resources keep these logical IDs whatever the construct tree looks like.
ACCOUNTS_TABLE_ID = "VoiceLoginAccountsTable"
GRANTS_TABLE_ID = "VoiceLoginGrantsTable"
SESSIONS_TABLE_ID = "VoiceLoginSessionsTable"
SIGNING_KEY_ID = "GrantSigningKey"
USER_POOL_ID = "PhoneBankingUserPool"
CLIENT_SECRET_ID = "PhoneBankingClientSecret"  # noqa: S105 - a logical ID, not a secret
TWILIO_SECRET_ID = "TwilioCredentials"  # noqa: S105 - a logical ID, not a secret
TABLE_KEY_ID = "VoiceLoginDataKey"
AGENT_QUEUE_ID = "VoiceLoginAgentQueue"
AGENT_HOURS_ID = "VoiceLoginAgentHours"
# When the agent queue is open (Connect keeps these; change them in the console or here). Out of hours, or with
# nobody staffed, the flow asks the caller to call back instead of queueing them.
AGENT_HOURS_TIME_ZONE = "UTC"
AGENT_HOURS = dict.fromkeys(("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"), (9, 17))

OUTSIDE_VPC = (
    "The function opens no listeners and reaches only AWS service APIs (DynamoDB, KMS, Secrets Manager, "
    "Cognito, SNS) and, when configured, Twilio's HTTPS API, with a least-privilege role; it handles a "
    "phone-banking PIN and signed links, not cardholder data, so it sits outside the CDE, and a VPC would add "
    "NAT and endpoints without narrowing what it can reach."
)
PIN_POLICY_REASON = (
    "The phone-banking pool's passwords are PINs keyed on a telephone keypad: digits only, at least 6, by "
    "design (issue #8). Guessing is bounded server-side instead: every attempt is counted before it is checked "
    "and the customer ID locks after the OTP policy's lockout threshold (a DynamoDB write condition), and the "
    "pool's only client is called by one Lambda, never by a browser or an app."
)


def _table(scope: Construct, construct_id: str, logical_id: str, shape: TableShape, key: kms.IKey, *,
           ttl: bool) -> dynamodb.Table:
    table = dynamodb.Table(
        scope, construct_id,
        partition_key=dynamodb.Attribute(name=shape.partition_key, type=dynamodb.AttributeType.STRING),
        time_to_live_attribute=shape.ttl_attribute if ttl else None,
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryption_key=key,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True),
        deletion_protection=True,
        removal_policy=RemovalPolicy.RETAIN,
    )
    pin_logical_id(table, logical_id)
    return table


class VoiceLoginStack(Stack):
    """The phone-banking pool, the link's key, tables and API, the bot and the inbound flow."""

    def __init__(self, scope: Construct, construct_id: str, *, config: VoiceLoginConfig, connect: ConnectRefs,
                 **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        if connect.stack is not None:
            self.add_dependency(connect.stack, "the Connect instance is imported from it")
        packaging = LambdaPackaging(self, "Packaging")
        log_key = LogEncryptionKey(self, "LogEncryption").key
        self._api_and_site(config, log_key)
        store = OtpStorage(self, "OtpStorage")
        data_key = kms.Key(self, "DataKey", enable_key_rotation=True,
                           description="Encrypts the voice-login tables and secrets")
        pin_logical_id(data_key, TABLE_KEY_ID)
        self.accounts = _table(self, "Accounts", ACCOUNTS_TABLE_ID, tables.ACCOUNTS_TABLE, data_key, ttl=False)
        self.grants = _table(self, "Grants", GRANTS_TABLE_ID, tables.GRANTS_TABLE, data_key, ttl=True)
        self.sessions = _table(self, "Sessions", SESSIONS_TABLE_ID, tables.SESSIONS_TABLE, data_key, ttl=True)
        self.signing_key = self._signing_key()
        self.user_pool, self.client = self._user_pool()
        client_secret = secretsmanager.Secret(
            self, "ClientSecret", description="The phone-banking app client's secret (for SECRET_HASH)",
            encryption_key=data_key,
            secret_object_value={"clientSecret": self.client.user_pool_client_secret},
            removal_policy=RemovalPolicy.DESTROY)
        pin_logical_id(client_secret, CLIENT_SECRET_ID)
        self._acknowledge_secret_lookup()
        twilio = secretsmanager.Secret(
            self, "Twilio",
            description='Twilio credentials: put {"accountSid","authToken","messagingServiceSid"} here '
                        "(the generated value is a placeholder; nothing real is in the template)",
            encryption_key=data_key, removal_policy=RemovalPolicy.RETAIN)
        pin_logical_id(twilio, TWILIO_SECRET_ID)
        for secret, why in ((client_secret, "It holds the app client's secret, which Cognito generates and "
                             "cannot rotate in place; rotating means a new client, a deployment change."),
                            (twilio, "It holds Twilio's credentials, which are rotated in Twilio's console and "
                             "then put here; Secrets Manager cannot rotate them itself.")):
            acknowledge(secret, "AwsSolutions-SMG4", why)

        grant_env = {"GRANT_SIGNING_KEY_ID": self.signing_key.key_arn, "GRANT_AUDIENCE": GRANT_AUDIENCE,
                     "GRANT_TTL_SECONDS": str(config.grant_ttl_seconds), "GRANTS_TABLE_NAME": self.grants.table_name}
        self.fulfillment = PythonFunction(
            self, "Fulfillment", packaging=packaging, handler="lambdas.voice_login.fulfillment.handler",
            service="voice_login_fulfillment", log_key=log_key, timeout=CONNECT_LAMBDA_TIMEOUT,
            description="Lex code hook: PIN sign-in against the phone-banking pool, texts the scoped link",
            outside_vpc_reason=OUTSIDE_VPC,
            environment={
                **grant_env, **store.environment(with_code_key=False), **otp_policy_environment(config.otp),
                "PHONE_BANKING_CLIENT_ID": self.client.user_pool_client_id,
                "PHONE_BANKING_CLIENT_SECRET_ARN": client_secret.secret_arn,
                "SESSIONS_TABLE_NAME": self.sessions.table_name,
                "ACCOUNTS_TABLE_NAME": self.accounts.table_name,
                "LINK_PAGE_URL": self.page_url,
                "SMS_PROVIDER": config.sms_provider,
                "TWILIO_SECRET_ARN": twilio.secret_arn if config.sms_provider == "twilio" else "",
            })
        self.api_function = PythonFunction(
            self, "LinkApi", packaging=packaging, handler="lambdas.voice_login.api.handler",
            service="voice_login_api", log_key=log_key, timeout=Duration.seconds(5),
            description="The link's HTTP API: verifies the grant, spends it once, adds the authorised user",
            outside_vpc_reason=OUTSIDE_VPC,
            environment={**grant_env, "ACCOUNTS_TABLE_NAME": self.accounts.table_name,
                         "PAGE_ORIGIN": self.page_origin})

        fulfillment, api = self.fulfillment.function, self.api_function.function
        store.grant_send_and_count(fulfillment)
        self.sessions.grant(fulfillment, "dynamodb:PutItem", "dynamodb:GetItem")
        self.accounts.grant(fulfillment, "dynamodb:GetItem")
        client_secret.grant_read(fulfillment)
        self._grant_key_use(fulfillment, "kms:Sign")
        if config.sms_provider == "twilio":
            twilio.grant_read(fulfillment)
        else:
            fulfillment.add_to_role_policy(iam.PolicyStatement(
                actions=["sns:Publish"], resources=["*"],
                conditions={"Null": {"sns:Protocol": "true"}}))  # direct SMS only: no topic publish
            acknowledge_for_grantee(fulfillment, "AwsSolutions-IAM5[Resource::*]",
                                    "SNS SMS to a phone number has no resource ARN: Publish must name '*'. The "
                                    "statement is limited to direct publishes (no topic protocol).")
        self.grants.grant(api, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")
        self.accounts.grant(api, "dynamodb:UpdateItem")
        self._grant_key_use(api, "kms:GetPublicKey")

        self._http_api_routes(log_key)
        bot, alias = self._bot()
        flow = ContactFlow(self, "InboundFlow", instance_arn=connect.instance_arn, flow_file=INBOUND_FLOW,
                           flow_type="CONTACT_FLOW", functions={},
                           description="Voice login: PIN through Lex, then a single-use link by text",
                           variables={"VoiceLoginBotAliasArn": alias.attr_arn,
                                      "AgentQueueArn": self._agent_queue(connect.instance_arn).attr_queue_arn})
        association = connect_l1.CfnIntegrationAssociation(
            self, "BotAssociation", instance_id=connect.instance_arn, integration_type="LEX_BOT",
            integration_arn=alias.attr_arn)
        flow.flow.add_dependency(association)

        CfnOutput(self, "LinkApiUrl", value=self.http_api.api_endpoint)
        CfnOutput(self, "VoiceLoginPageUrl", value=self.page_url,
                  description="Where the texted link opens (the grant travels in its #fragment)")
        CfnOutput(self, "VoiceLoginSiteDistributionDomain", value=self.site.distribution.distribution_domain_name)
        CfnOutput(self, "PhoneBankingUserPoolId", value=self.user_pool.user_pool_id)
        CfnOutput(self, "AccountsTableName", value=self.accounts.table_name)
        CfnOutput(self, "TwilioSecretArn", value=twilio.secret_arn)
        CfnOutput(self, "VoiceLoginBotId", value=bot.attr_id)
        CfnOutput(self, "InboundContactFlowId", value=flow.id)

    # -- pieces ------------------------------------------------------------------------------------------------

    def _api_and_site(self, config: VoiceLoginConfig, log_key: kms.IKey) -> None:
        """The HTTP API (routes come later) and the page's site, whose config.json and CSP name that API."""
        self.http_api = apigw.HttpApi(self, "LinkApiGateway", description="The voice-login page's API")
        self.site = StaticSite(self, SITE_ID, source_dir=PAGE_DIR, config={"apiBaseUrl": self.http_api.api_endpoint},
                               connect_sources=[self.http_api.api_endpoint], log_key=log_key,
                               description="voice-login page")
        self.page_url = config.page_url or self.site.url
        self.page_origin = config.page_origin or url_origin(self.site.url)

    def _signing_key(self) -> kms.Key:
        key = kms.Key(
            self, "SigningKey", key_spec=kms.KeySpec.ECC_NIST_P256, key_usage=kms.KeyUsage.SIGN_VERIFY,
            description="Signs voice-login grants (ES256); the private key never leaves KMS",
            removal_policy=RemovalPolicy.RETAIN,
            policy=iam.PolicyDocument(statements=[iam.PolicyStatement(
                sid="AccountAdministersButNeverUsesTheKey", principals=[iam.AccountRootPrincipal()],
                actions=list(KEY_ADMINISTRATION_ACTIONS), resources=["*"])]))
        pin_logical_id(key, SIGNING_KEY_ID)
        acknowledge(key, "AwsSolutions-KMS5",
                    "KMS does not rotate asymmetric keys. A grant lives 15 minutes at most, so a new key can "
                    "replace this one at any deployment: links signed by the old key simply expire.")
        return key

    def _grant_key_use(self, grantee: iam.IGrantable, action: str) -> None:
        """``action`` on the signing key, in the role's policy AND naming the role in the key policy."""
        iam.Grant.add_to_principal_and_resource(grantee=grantee, actions=[action],
                                                resource_arns=[self.signing_key.key_arn],
                                                resource=self.signing_key, resource_self_arns=["*"])

    def _user_pool(self) -> tuple[cognito.UserPool, cognito.UserPoolClient]:
        pool = cognito.UserPool(
            self, "PhoneBanking", self_sign_up_enabled=False, sign_in_aliases=cognito.SignInAliases(username=True),
            password_policy=cognito.PasswordPolicy(min_length=6, require_digits=True, require_lowercase=False,
                                                   require_uppercase=False, require_symbols=False,
                                                   temp_password_validity=Duration.days(1)),
            account_recovery=cognito.AccountRecovery.NONE, mfa=cognito.Mfa.OFF,
            deletion_protection=True, removal_policy=RemovalPolicy.RETAIN)
        pin_logical_id(pool, USER_POOL_ID)
        client = pool.add_client(
            "Fulfillment", generate_secret=True, auth_flows=cognito.AuthFlow(user_password=True), disable_o_auth=True,
            prevent_user_existence_errors=True, enable_token_revocation=True,
            access_token_validity=TOKEN_VALIDITY, id_token_validity=TOKEN_VALIDITY,
            refresh_token_validity=Duration.minutes(60), read_attributes=cognito.ClientAttributes(),
            write_attributes=cognito.ClientAttributes())
        acknowledge(pool, "AwsSolutions-COG1", PIN_POLICY_REASON)
        acknowledge(pool, "AwsSolutions-COG2",
                    "The caller's second factor is possession of the phone the link is texted to (the number on "
                    "the account); Cognito MFA cannot run inside a voice call, where only this Lambda signs in.")
        for rule in ("AwsSolutions-COG3", "AwsSolutions-COG8"):
            acknowledge(pool, rule,
                        "Cognito threat protection (the Plus plan) scores browser and app sign-ins; here every "
                        "sign-in comes from one Lambda, so its signals carry no caller information. Attempts are "
                        "limited per customer ID by the conditional failure counter instead.")
        return pool, client

    def _acknowledge_secret_lookup(self) -> None:
        """CDK reads the generated client secret at deploy time with a custom resource (one singleton
        function): it runs only during deployments, and the app never calls it."""
        lookup = self.node.try_find_child("AWS679f53fac002430cb0da5b7982bd2287")
        if lookup is None:
            raise RuntimeError("CDK's AwsCustomResource singleton moved: review these acknowledgements")
        why = ("CDK's AwsCustomResource function that reads the app client's generated secret "
               "(DescribeUserPoolClient) into Secrets Manager at deploy time; ")
        acknowledge(lookup, "PCI.DSS.321-LambdaInsideVPC",
                    why + "it reaches only the Cognito API during a deployment and handles no caller data.")
        acknowledge(lookup, "PCI.DSS.321-CloudWatchLogGroupEncrypted",
                    why + "API response data is not logged (cdk.json: logApiResponseDataPropertyTrueDefault "
                    "false), so its log holds no secret.")
        acknowledge(lookup, "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                    "AWSLambdaBasicExecutionRole]", why + "the managed policy only lets it write its own logs.")
        acknowledge(self.client, "PCI.DSS.321-IAMNoInlinePolicy",
                    why + "its inline policy allows DescribeUserPoolClient on this pool only.")

    def _http_api_routes(self, log_key: kms.IKey) -> None:
        """The two routes and their preflights to the API function; access logs; throttling."""
        api = self.http_api
        integration = integrations.HttpLambdaIntegration(
            "LinkApiIntegration", self.api_function.function,
            payload_format_version=apigw.PayloadFormatVersion.VERSION_2_0)
        for path, method in ROUTES.items():
            api.add_routes(path=path, methods=[apigw.HttpMethod(method), apigw.HttpMethod.OPTIONS],
                           integration=integration)
        # Named under the stack's Lambda log prefix: the one the log key's policy admits (LogEncryptionKey).
        access_logs = logs.LogGroup(
            self, "LinkApiAccessLogs", retention=LOG_RETENTION, encryption_key=log_key,
            log_group_name=lambda_log_group_name(self, "voice_login_api_access"),
            removal_policy=RemovalPolicy.RETAIN)
        stage = api.default_stage
        assert stage is not None
        cfn_stage = stage.node.default_child
        assert isinstance(cfn_stage, apigw.CfnStage)
        # No header, query string or body in the access log: the grant travels in Authorization (and the
        # page's URL fragment never reaches a server at all).
        cfn_stage.access_log_settings = apigw.CfnStage.AccessLogSettingsProperty(
            destination_arn=access_logs.log_group_arn,
            format=json.dumps({"requestId": "$context.requestId", "ip": "$context.identity.sourceIp",
                               "requestTime": "$context.requestTime", "method": "$context.httpMethod",
                               "routeKey": "$context.routeKey", "status": "$context.status",
                               "responseLength": "$context.responseLength",
                               "integrationError": "$context.integrationErrorMessage"}))
        cfn_stage.default_route_settings = apigw.CfnStage.RouteSettingsProperty(
            throttling_rate_limit=API_RATE_LIMIT, throttling_burst_limit=API_BURST_LIMIT)
        for route in api.node.find_all():
            if isinstance(route, apigw.CfnRoute):
                acknowledge(route, "AwsSolutions-APIG4",
                            "A CORS preflight (OPTIONS) carries no credentials by the Fetch standard; the function "
                            "answers it with CORS headers for the page's origin only and reads nothing."
                            if route.route_key.startswith("OPTIONS ") else
                            "The route's authorisation is the signed grant in the Authorization header: the "
                            "function verifies it offline (ES256, audience, scope, expiry) and spends it once "
                            "in DynamoDB, which a JWT authorizer cannot do (single use).")

    def _agent_queue(self, instance_arn: str) -> connect_l1.CfnQueue:
        """The queue callers who cannot sign in are handed to, with its hours of operation."""
        slice_ = connect_l1.CfnHoursOfOperation.HoursOfOperationTimeSliceProperty
        hours = connect_l1.CfnHoursOfOperation(
            self, "AgentHours", instance_arn=instance_arn, name=f"{self.stack_name}-agent-hours",
            time_zone=AGENT_HOURS_TIME_ZONE, description="When voice-login callers can reach an agent",
            config=[connect_l1.CfnHoursOfOperation.HoursOfOperationConfigProperty(
                day=day, start_time=slice_(hours=start, minutes=0), end_time=slice_(hours=end, minutes=0))
                for day, (start, end) in AGENT_HOURS.items()])
        queue = connect_l1.CfnQueue(
            self, "AgentQueue", instance_arn=instance_arn, name=f"{self.stack_name}-agents",
            hours_of_operation_arn=hours.attr_hours_of_operation_arn,
            description="Callers whose phone sign-in failed or is locked, for an agent to verify")
        pin_logical_id(hours, AGENT_HOURS_ID)
        pin_logical_id(queue, AGENT_QUEUE_ID)
        return queue

    def _bot(self) -> tuple[lex.CfnBot, lex.CfnBotAlias]:
        definition = json.loads(BOT_FILE.read_text(encoding="utf-8"))
        role = iam.Role(self, "BotRole", assumed_by=iam.ServicePrincipal("lexv2.amazonaws.com"),
                        description="Runtime role of the voice-login Lex bot (speech synthesis only)")
        role.add_to_policy(iam.PolicyStatement(actions=["polly:SynthesizeSpeech"], resources=["*"]))
        acknowledge(role, "AwsSolutions-IAM5[Resource::*]",
                    "Amazon Polly's SynthesizeSpeech has no resource type: it can only be granted on '*'.")
        acknowledge(role, "PCI.DSS.321-IAMNoInlinePolicy",
                    "The bot role's one inline statement (Polly speech) belongs to this role alone.")
        bot = lex.CfnBot(
            self, "Bot", name=f"{self.stack_name}-{definition['Name']}", role_arn=role.role_arn,
            data_privacy={"ChildDirected": False},
            idle_session_ttl_in_seconds=int(definition.get("IdleSessionTTLInSeconds", 300)),
            description=definition.get("Description"), auto_build_bot_locales=True)
        bot.add_property_override("BotLocales", definition["BotLocales"])  # the file the emulator also runs
        version = lex.CfnBotVersion(
            self, "BotVersion", bot_id=bot.attr_id,
            bot_version_locale_specification=[lex.CfnBotVersion.BotVersionLocaleSpecificationProperty(
                locale_id=locale["LocaleId"],
                bot_version_locale_details=lex.CfnBotVersion.BotVersionLocaleDetailsProperty(
                    source_bot_version="DRAFT"))
                for locale in definition["BotLocales"]])
        function = self.fulfillment.function
        alias = lex.CfnBotAlias(
            self, "BotAlias", bot_id=bot.attr_id, bot_alias_name=BOT_ALIAS_NAME,
            bot_version=version.attr_bot_version,
            bot_alias_locale_settings=[lex.CfnBotAlias.BotAliasLocaleSettingsItemProperty(
                locale_id=locale["LocaleId"],
                bot_alias_locale_setting=lex.CfnBotAlias.BotAliasLocaleSettingsProperty(
                    enabled=True,
                    code_hook_specification=lex.CfnBotAlias.CodeHookSpecificationProperty(
                        lambda_code_hook=lex.CfnBotAlias.LambdaCodeHookProperty(
                            code_hook_interface_version="1.0", lambda_arn=function.function_arn))))
                for locale in definition["BotLocales"]])
        function.add_permission("InvokedByLex", principal=iam.ServicePrincipal("lexv2.amazonaws.com"),
                                source_arn=alias.attr_arn, source_account=Aws.ACCOUNT_ID)
        return bot, alias
