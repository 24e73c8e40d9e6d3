"""C2: voice-call OTP as the custom-auth second factor of a Cognito user pool, delivered by Amazon Connect."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from stacks.config import VoiceOtpConfig, otp_policy_environment
from stacks.constructs.connect_instance import ConnectRefs
from stacks.constructs.connect_outbound import ConnectOutbound
from stacks.constructs.custom_auth_user_pool import CustomAuthUserPool
from stacks.constructs.otp_storage import OtpStorage
from stacks.constructs.python_function import (
    COGNITO_TRIGGER_TIMEOUT,
    CONNECT_LAMBDA_TIMEOUT,
    LambdaPackaging,
    LogEncryptionKey,
    PythonFunction,
)
from stacks.constructs.user_pool_firewall import UserPoolFirewall

OUTBOUND_FLOW = Path(__file__).resolve().parents[1] / "contact_flows" / "outbound_voice_otp.json"
# The layer holds only what the voice-OTP functions import: no Twilio, Encryption SDK or JOSE (other capabilities).
VOICE_OTP_DISTRIBUTIONS = ("aws-lambda-powertools",)
OUTSIDE_VPC = (
    "The function opens no listeners and reaches only AWS service APIs (DynamoDB, KMS, Secrets Manager, "
    "Connect) over TLS with SigV4 and a least-privilege role; it handles one-time codes and Cognito "
    "events, not cardholder data, so it sits outside the CDE, and a VPC would add NAT/endpoints without "
    "narrowing what it can reach."
)


class VoiceOtpStack(Stack):
    """User pool + Define/Create/Verify triggers, the OTP store, and the Connect call that reads the code."""

    def __init__(self, scope: Construct, construct_id: str, *, config: VoiceOtpConfig, connect: ConnectRefs,
                 **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        if connect.stack is not None:
            self.add_dependency(connect.stack, "the Connect instance and number are imported from it")
        packaging = LambdaPackaging(self, "Packaging", distributions=VOICE_OTP_DISTRIBUTIONS)
        log_key = LogEncryptionKey(self, "LogEncryption").key
        store = OtpStorage(self, "OtpStorage")
        policy = otp_policy_environment(config.otp)

        def function(construct_id: str, module: str, service: str, description: str,
                     environment: dict[str, str], *, timeout: Duration = COGNITO_TRIGGER_TIMEOUT) -> PythonFunction:
            return PythonFunction(
                self,
                construct_id,
                packaging=packaging,
                handler=f"lambdas.voice_otp.{module}.handler",
                service=service,
                environment=environment,
                log_key=log_key,
                description=description,
                timeout=timeout,
                outside_vpc_reason=OUTSIDE_VPC,
            )

        prompt = function(
            "VoiceOtpPrompt",
            "prompt",
            "voice_otp_prompt",
            "Connect flow step: the OTP digits to read aloud",
            {**store.environment(with_code_key=True, with_hash_key=False), **policy},
            timeout=Duration.seconds(3),  # the flow's InvocationTimeLimitSeconds
        )
        outbound = ConnectOutbound(
            self,
            "ConnectOutbound",
            connect=connect,
            flow_file=OUTBOUND_FLOW,
            prompt_function=prompt.function,
        )
        define = function(
            "DefineAuthChallenge",
            "define",
            "define_auth_challenge",
            "Cognito trigger: sequences the challenges",
            {
                "AUTH_PASSWORDLESS": str(config.passwordless).lower(),
                "OTP_MAX_ATTEMPTS": policy["OTP_MAX_ATTEMPTS"],
            },
        )
        create = function(
            "CreateAuthChallenge",
            "create",
            "create_auth_challenge",
            "Cognito trigger: issues an OTP and places the outbound call",
            {**store.environment(with_code_key=True), **outbound.environment(), **policy},
        )
        verify = function(
            "VerifyAuthChallenge",
            "verify",
            "verify_auth_challenge",
            "Cognito trigger: checks the OTP answer",
            {**store.environment(with_code_key=False), **policy},
        )
        admin = function(
            "VoiceOtpAdmin",
            "admin",
            "voice_otp_admin",
            "Operators only: read or clear a user's OTP failure state (audited)",
            {**store.environment(with_code_key=False, with_hash_key=False), **policy},
            timeout=CONNECT_LAMBDA_TIMEOUT,
        )
        administrators = iam.ManagedPolicy(
            self,
            "Administrators",
            description="Attach to operators who may read or clear voice-OTP lockouts (tools.voice_otp_admin)",
            statements=[iam.PolicyStatement(actions=["lambda:InvokeFunction"],
                                            resources=[admin.function.function_arn])],
        )

        store.grant_create(create.function)
        store.grant_admin(admin.function)
        store.grant_verify(verify.function)
        store.grant_prompt(prompt.function)
        outbound.grant_start_outbound_voice(create.function)

        users = CustomAuthUserPool(
            self,
            "Users",
            define_auth_challenge=define.function,
            create_auth_challenge=create.function,
            verify_auth_challenge=verify.function,
            otp_ttl_seconds=config.otp.ttl_seconds,
        )
        UserPoolFirewall(self, "Firewall", user_pool=users.user_pool, rate_limit=config.waf_rate_limit, log_key=log_key)

        CfnOutput(self, "UserPoolId", value=users.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=users.app_client.user_pool_client_id)
        CfnOutput(self, "OtpTableName", value=store.table.table_name)
        CfnOutput(self, "ConnectContactFlowId", value=outbound.contact_flow_id)
        if connect.stack is None:  # a created number is already exported by the ContactCentre stack
            CfnOutput(self, "ConnectSourcePhoneNumber", value=outbound.source_phone_number)
        CfnOutput(self, "VoiceOtpAdminFunctionName", value=admin.function.function_name)
        CfnOutput(self, "VoiceOtpAdministratorsPolicyArn", value=administrators.managed_policy_arn)
