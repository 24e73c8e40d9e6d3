"""A Python Lambda function with its own role and an encrypted, retained log group, from shared packaging."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.constructs.bundling import LAMBDAS_DIR, LAYER_CACHE, REQUIREMENTS, WHEEL_CACHE, code_asset, layer_asset
from stacks.constructs.compliance import acknowledge
from stacks.constructs.log_names import (
    LAMBDA_LOG_PREFIX,
    WAF_LOG_PREFIX,
    lambda_log_group_name,
    log_group_arn,
    stack_prefix,
)
from stacks.constructs.stable import pin_logical_id

RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.ARM_64
MEMORY_MB = 256
LOG_RETENTION = logs.RetentionDays.ONE_YEAR
LOG_LEVEL = "INFO"
LOG_KEY_ID = "LogEncryptionKey"


class LambdaPackaging(Construct):
    """The code asset (the ``lambdas`` package) and the one dependency layer a stack's functions share.

    ``distributions`` names the pinned distributions of ``requirements`` this stack's functions use (default:
    all of them), so a capability ships only its own: the voice OTP needs Powertools, not Twilio or the
    Encryption SDK.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        package_dir: Path = LAMBDAS_DIR,
        requirements: Path = REQUIREMENTS,
        wheel_cache: Path = WHEEL_CACHE,
        distributions: Sequence[str] | None = None,
        layer_cache: Path | None = LAYER_CACHE,
    ) -> None:
        super().__init__(scope, construct_id)
        self.code = code_asset(package_dir)
        self.layer = lambda_.LayerVersion(
            self,
            "Dependencies",
            code=layer_asset(requirements, wheel_cache, distributions=distributions, package_dir=package_dir,
                             layer_cache=layer_cache),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description=f"Third-party dependencies ({requirements.name}) of the {package_dir.name} functions",
        )


class LogEncryptionKey(Construct):
    """A rotating KMS key CloudWatch Logs may use for this stack's log groups, and nothing else.

    CloudWatch Logs calls KMS with the log group's ARN as encryption context; the key policy admits only
    the ARNs under this stack's prefix (``log_names``): its functions' groups and its web ACL's group.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.key = kms.Key(
            self, "Key", enable_key_rotation=True, description="Encrypts the Lambda log groups of this stack"
        )
        pin_logical_id(self.key, LOG_KEY_ID)  # retained log groups stay encrypted under it
        prefix = stack_prefix(stack)
        log_groups = [
            log_group_arn(stack, f"{LAMBDA_LOG_PREFIX}{prefix}-*"),
            log_group_arn(stack, f"{WAF_LOG_PREFIX}{prefix}"),
        ]
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchLogsForThisStacksLogGroups",
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=[
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                resources=["*"],
                conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_groups}},
            )
        )


COGNITO_TRIGGER_TIMEOUT = Duration.seconds(5)  # Cognito waits 5 s for a trigger, then fails the sign-in
CONNECT_LAMBDA_TIMEOUT = Duration.seconds(8)   # a flow's InvokeLambdaFunction waits at most 8 s


class PythonFunction(Construct):
    """One handler of the shared package: Python 3.12, ARM64, 256 MB, own role, 1-year encrypted logs.

    ``handler`` is ``lambdas.<capability>.<module>.handler``; ``service`` names the function in its logs,
    role and log group; ``timeout`` is what its caller waits (Cognito 5 s, a Connect flow at most 8 s);
    ``outside_vpc_reason`` says why this function needs no VPC (PCI DSS's LambdaInsideVPC): what it
    handles and what it reaches, which differs per function and must be true for it.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        packaging: LambdaPackaging,
        handler: str,
        service: str,
        environment: Mapping[str, str],
        log_key: kms.IKey,
        description: str,
        timeout: Duration,
        outside_vpc_reason: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Execution role of the {service} function",
        )
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=lambda_log_group_name(Stack.of(self), service),  # under the log key's prefix
            retention=LOG_RETENTION,
            encryption_key=log_key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=handler,
            code=packaging.code,
            layers=[packaging.layer],
            timeout=timeout,
            memory_size=MEMORY_MB,
            role=self.role,
            log_group=self.log_group,
            description=description,
            environment={
                "POWERTOOLS_SERVICE_NAME": service,
                "POWERTOOLS_LOG_LEVEL": LOG_LEVEL,
                **environment,
            },
        )
        self.log_group.grant_write(self.role)
        self._acknowledge_platform_choices(outside_vpc_reason)

    def _acknowledge_platform_choices(self, outside_vpc_reason: str) -> None:
        acknowledge(
            self,
            "AwsSolutions-L1",
            "Python 3.12 is deliberate: the dependency layer is built with pip --python-version 3.12 "
            "for manylinux2014_aarch64 (stacks/constructs/bundling.py), so the runtime and the layer "
            "are upgraded together, never the runtime alone.",
        )
        acknowledge(
            self,
            "PCI.DSS.321-LambdaInsideVPC",
            outside_vpc_reason,
        )
        acknowledge(
            self,
            "PCI.DSS.321-IAMNoInlinePolicy",
            "The inline policy is the one the constructs' grant_* methods generate for this function's own "
            "role: each statement names a resource of this stack that the function's code uses (its log "
            "group first), and the role is not shared with any other function.",
        )
