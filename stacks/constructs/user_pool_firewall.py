"""An AWS WAF web ACL in front of a Cognito user pool's API: per-IP rate limit and the IP reputation list.

Every password guess and every code request passes through Cognito's public API (InitiateAuth,
RespondToAuthChallenge), and a code request places a phone call. The web ACL caps what one source address can
send before any trigger runs, and drops addresses Amazon's threat intelligence already knows as bad. Cognito
forwards only non-confidential request data to WAF (no usernames, passwords or phone numbers: Amazon Cognito
Developer Guide, "Associate an AWS WAF web ACL with a user pool"), so the web ACL's logs hold none either.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from stacks.constructs.log_names import log_group_arn, waf_log_group_name
from stacks.constructs.python_function import LOG_RETENTION

RATE_WINDOW_SECONDS = 300  # the limit counts requests per source IP over the last 5 minutes
IP_REPUTATION_RULE_GROUP = "AWSManagedRulesAmazonIpReputationList"


def _visibility(metric_name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric_name, sampled_requests_enabled=True
    )


class UserPoolFirewall(Construct):
    """A REGIONAL web ACL associated with ``user_pool``, logging every request to an encrypted log group."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool: cognito.IUserPool,
        rate_limit: int,
        log_key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            description="Per-IP rate limit and IP reputation list for the voice-OTP user pool API",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility("VoiceOtpUserPool"),
            rules=[
                wafv2.CfnWebACL.RuleProperty(
                    name="AmazonIpReputationList",
                    priority=0,
                    statement=wafv2.CfnWebACL.StatementProperty(
                        managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                            vendor_name="AWS", name=IP_REPUTATION_RULE_GROUP
                        )
                    ),
                    override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),  # the group's own blocks
                    visibility_config=_visibility("AmazonIpReputationList"),
                ),
                wafv2.CfnWebACL.RuleProperty(
                    name="RateLimitPerSourceIp",
                    priority=1,
                    statement=wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            aggregate_key_type="IP",
                            limit=rate_limit,
                            evaluation_window_sec=RATE_WINDOW_SECONDS,
                        )
                    ),
                    action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                    visibility_config=_visibility("RateLimitPerSourceIp"),
                ),
            ],
        )
        self.association = wafv2.CfnWebACLAssociation(
            self, "UserPoolAssociation", resource_arn=user_pool.user_pool_arn, web_acl_arn=self.web_acl.attr_arn
        )
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=waf_log_group_name(stack),
            retention=LOG_RETENTION,
            encryption_key=log_key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # WAF wants the log group's ARN without the ":*" suffix LogGroup.log_group_arn carries.
        destination = log_group_arn(stack, self.log_group.log_group_name)
        wafv2.CfnLoggingConfiguration(
            self, "Logging", resource_arn=self.web_acl.attr_arn, log_destination_configs=[destination]
        )
