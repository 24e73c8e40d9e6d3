"""Where OTP state lives: the DynamoDB table, the HMAC secret, and the keys that protect them."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from lambdas.common.tables import OTP_TABLE
from stacks.constructs.compliance import acknowledge, acknowledge_for_grantee
from stacks.constructs.stable import pin_logical_id

# Stateful resources keep these logical IDs whatever the construct tree looks like (renaming one replaces it).
TABLE_ID = "OtpTable"
HASH_SECRET_ID = "OtpHashSecret"  # noqa: S105 - a logical ID, not a secret
DATA_KEY_ID = "OtpDataKey"
CODE_KEY_ID = "OtpCodeKey"

_KMS_WILDCARD_REASON = (
    "The DynamoDB table grant adds the kms:{action} family for the table's key: it is scoped to the one "
    "OtpDataKey ARN and is what DynamoDB's envelope encryption under a customer-managed key needs."
)


def _acknowledge_data_key_families(grantee: iam.IGrantable) -> None:
    for action in ("ReEncrypt*", "GenerateDataKey*"):
        acknowledge_for_grantee(
            grantee, f"AwsSolutions-IAM5[Action::kms:{action}]", _KMS_WILDCARD_REASON.format(action=action)
        )


class OtpStore(Construct):
    """OTP table (shape from ``lambdas.common.tables.OTP_TABLE``), HMAC key secret, data key and code key."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.data_key = kms.Key(
            self,
            "DataKey",
            enable_key_rotation=True,
            description="Encrypts the OTP table and the OTP HMAC key secret",
        )
        self.code_key = kms.Key(
            self,
            "CodeKey",
            enable_key_rotation=True,
            description="Encrypts the short-lived copy of an OTP that the outbound call reads out",
        )
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(name=OTP_TABLE.partition_key, type=dynamodb.AttributeType.STRING),
            time_to_live_attribute=OTP_TABLE.ttl_attribute,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.data_key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.hash_secret = secretsmanager.Secret(
            self,
            "HashSecret",
            description="HMAC key for OTP hashes (the codes themselves are never stored)",
            encryption_key=self.data_key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True, include_space=False
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )
        for construct, logical_id in (
            (self.table, TABLE_ID),
            (self.hash_secret, HASH_SECRET_ID),
            (self.data_key, DATA_KEY_ID),
            (self.code_key, CODE_KEY_ID),
        ):
            pin_logical_id(construct, logical_id)
        acknowledge(
            self.hash_secret,
            "AwsSolutions-SMG4",
            "This is the HMAC key under which live OTPs are stored as keyed hashes; an automatic "
            "rotation would make every in-flight code (up to the 10-minute TTL) unverifiable and fail "
            "sign-ins mid-call. It never leaves Secrets Manager and the functions' memory; rotate it "
            "by hand in a quiet window if it is ever exposed.",
        )

    def grant_otp_state(self, grantee: iam.IGrantable) -> None:
        """Read/write the OTP table and read the HMAC key (with the data-key use both imply)."""
        self.table.grant_read_write_data(grantee)
        self.hash_secret.grant_read(grantee)
        _acknowledge_data_key_families(grantee)

    def grant_encrypt_code(self, grantee: iam.IGrantable) -> iam.Grant:
        """Encrypt OTP copies with the code key (the Create trigger only).

        Only ``kms:Encrypt``: ``grant_encrypt`` would add ``kms:ReEncrypt*``, and ReEncryptFrom on this key
        plus the data-key decrypt the same role holds would let it turn code ciphertexts into readable ones.
        """
        return self.code_key.grant(grantee, "kms:Encrypt")

    def grant_decrypt_code(self, grantee: iam.IGrantable) -> iam.Grant:
        """Decrypt OTP copies with the code key (the voice prompt only)."""
        return self.code_key.grant_decrypt(grantee)

    def environment(self, *, with_code_key: bool) -> dict[str, str]:
        """``OTP_TABLE_NAME``, ``OTP_HASH_SECRET_ARN`` and, for functions that use it, ``OTP_CODE_KEY_ID``."""
        env = {"OTP_TABLE_NAME": self.table.table_name, "OTP_HASH_SECRET_ARN": self.hash_secret.secret_arn}
        if with_code_key:
            env["OTP_CODE_KEY_ID"] = self.code_key.key_arn  # KMS accepts the ARN as KeyId
        return env
