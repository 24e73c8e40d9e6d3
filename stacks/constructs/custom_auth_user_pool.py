"""A Cognito user pool whose second factor is the custom challenge (Define / Create / Verify triggers)."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from lambdas.voice_otp.app_client import ALLOWED_AUTH_FLOWS, auth_session_validity_minutes
from stacks.constructs.compliance import acknowledge
from stacks.constructs.stable import pin_logical_id

USER_POOL_ID = "UserPool"
APP_CLIENT_ID = "UserPoolAppClient"


class CustomAuthUserPool(Construct):
    """Admin-created users signing in by username, a phone number each, and one confidential app client."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        define_auth_challenge: lambda_.IFunction,
        create_auth_challenge: lambda_.IFunction,
        verify_auth_challenge: lambda_.IFunction,
        otp_ttl_seconds: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(username=True),
            standard_attributes=cognito.StandardAttributes(
                phone_number=cognito.StandardAttribute(required=True, mutable=True)
            ),
            mfa=cognito.Mfa.OFF,
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            # No self-service reset over SMS/e-mail (it would sidestep the voice factor): agents reset
            # passwords after verifying the caller. Threat protection audits; enforcing needs tuned actions.
            account_recovery=cognito.AccountRecovery.NONE,
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.AUDIT_ONLY,
            custom_threat_protection_mode=cognito.CustomThreatProtectionMode.AUDIT_ONLY,
            lambda_triggers=cognito.UserPoolTriggers(
                define_auth_challenge=define_auth_challenge,
                create_auth_challenge=create_auth_challenge,
                verify_auth_challenge_response=verify_auth_challenge,
            ),
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.app_client = self.user_pool.add_client(
            "AppClient",
            generate_secret=True,
            prevent_user_existence_errors=True,
            # Users must not re-point the number their OTP is called on: only admins change phone_number.
            # Cognito reads an empty list as "every standard attribute", so one harmless attribute is named.
            write_attributes=cognito.ClientAttributes().with_standard_attributes(locale=True),
            disable_o_auth=True,
            enable_token_revocation=True,
            # Each session token must outlive the code it waits for (default 3 minutes < a 5-minute code).
            auth_session_validity=Duration.minutes(auth_session_validity_minutes(otp_ttl_seconds)),
        )
        pin_logical_id(self.user_pool, USER_POOL_ID)
        client = pin_logical_id(self.app_client, APP_CLIENT_ID)
        # Custom auth (with SRP_A for the password step) and refresh only: every other flow issues tokens
        # without the voice OTP. Set on the L1 from the shared list, so CDK adds nothing of its own.
        client.add_property_override("ExplicitAuthFlows", list(ALLOWED_AUTH_FLOWS))
        acknowledge(
            self.user_pool,
            "AwsSolutions-COG2",
            "Cognito-native MFA stays off because the second factor is the custom challenge: after the "
            "SRP password step inside CUSTOM_AUTH (or at once, in passwordless mode), Define issues a "
            "voice-call OTP to the user's registered number, and Verify checks it. The app client allows "
            "no other sign-in flow (only custom auth and refresh), so no path reaches tokens without the "
            "OTP. A native SMS/TOTP step on top would be redundant and unusable on a call.",
        )
