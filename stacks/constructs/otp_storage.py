"""Where OTP state lives: the DynamoDB table, the HMAC secret, and the keys that protect them."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from lambdas.common.otp import table as otp_table
from stacks.constructs.compliance import acknowledge
from stacks.constructs.stable import pin_logical_id

# Stateful resources keep these logical IDs whatever the construct tree looks like (renaming one replaces it).
TABLE_ID = "OtpTable"
HASH_SECRET_ID = "OtpHashSecret"  # noqa: S105 - a logical ID, not a secret
DATA_KEY_ID = "OtpDataKey"
CODE_KEY_ID = "OtpCodeKey"

# What each function does to the table (IAM actions: TransactGetItems is authorised as GetItem per item,
# TransactWriteItems as PutItem / UpdateItem / ConditionCheckItem per item; "Using IAM with DynamoDB
# transactions", Amazon DynamoDB Developer Guide), and the partition-key prefixes it may touch.
CREATE_ITEM_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem")
CREATE_KEY_PREFIXES = (otp_table.CHALLENGE_PREFIX, otp_table.USER_PREFIX, otp_table.DEST_PREFIX,
                       otp_table.BUDGET_PREFIX, otp_table.CONTACT_PREFIX)
VERIFY_ITEM_ACTIONS = ("dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem")
VERIFY_KEY_PREFIXES = (otp_table.CHALLENGE_PREFIX, otp_table.USER_PREFIX)
PROMPT_ITEM_ACTIONS = ("dynamodb:UpdateItem",)  # one conditional update on the call's item, returning it
PROMPT_KEY_PREFIXES = (otp_table.CONTACT_PREFIX,)
# A function that issues sends (and so obeys the send limits) and counts attempts at a secret it checks
# elsewhere (the voice-login PIN): the Create trigger's rights without the per-call code copy.
SENDER_ITEM_ACTIONS = CREATE_ITEM_ACTIONS
SENDER_KEY_PREFIXES = (otp_table.CHALLENGE_PREFIX, otp_table.USER_PREFIX, otp_table.DEST_PREFIX,
                       otp_table.BUDGET_PREFIX)
ADMIN_ITEM_ACTIONS = ("dynamodb:GetItem", "dynamodb:UpdateItem")  # read and clear one user's failure count
ADMIN_KEY_PREFIXES = (otp_table.USER_PREFIX,)
AUDIT_ITEM_ACTIONS = ("dynamodb:PutItem",)  # append-only: conditional puts, no update or delete
AUDIT_KEY_PREFIXES = (otp_table.AUDIT_PREFIX,)

# The account may administer the code key (CloudFormation updates it through this delegation) but never
# use it: Encrypt and Decrypt are granted in the key policy to the one role each that needs them.
KEY_ADMINISTRATION_ACTIONS = (
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
)


# A function that issues codes and checks them itself, keeping no per-call copy (the SMS ordering bot).
ISSUE_VERIFY_KEY_PREFIXES = (otp_table.CHALLENGE_PREFIX, otp_table.USER_PREFIX, otp_table.DEST_PREFIX,
                             otp_table.BUDGET_PREFIX)


class OtpStorage(Construct):
    """OTP table (shape from ``lambdas.common.otp.table.OTP_TABLE``), HMAC key secret, data key and code key.

    ``code_copies=False`` (a channel that hands the code over at once, like SMS) creates no code key.
    """

    def __init__(self, scope: Construct, construct_id: str, *, code_copies: bool = True) -> None:
        super().__init__(scope, construct_id)
        self.data_key = kms.Key(
            self,
            "DataKey",
            enable_key_rotation=True,
            description="Encrypts the OTP table and the OTP HMAC key secret",
        )
        self.code_key = None if not code_copies else kms.Key(
            self,
            "CodeKey",
            enable_key_rotation=True,
            description="Encrypts the short-lived copy of an OTP that the outbound call reads out",
            # A policy of our own: CDK's default gives the account root kms:*, so any principal with an IAM
            # kms:Decrypt on * could read codes. Use is granted per role below (grant_create, grant_prompt).
            policy=iam.PolicyDocument(
                statements=[
                    iam.PolicyStatement(
                        sid="AccountAdministersButNeverUsesTheKey",
                        principals=[iam.AccountRootPrincipal()],
                        actions=list(KEY_ADMINISTRATION_ACTIONS),
                        resources=["*"],
                    )
                ]
            ),
        )
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(name=otp_table.OTP_TABLE.partition_key,
                                             type=dynamodb.AttributeType.STRING),
            time_to_live_attribute=otp_table.OTP_TABLE.ttl_attribute,
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
        pinned: list[tuple[Construct, str]] = [
            (self.table, TABLE_ID), (self.hash_secret, HASH_SECRET_ID), (self.data_key, DATA_KEY_ID),
        ]
        if self.code_key is not None:
            pinned.append((self.code_key, CODE_KEY_ID))
        for construct, logical_id in pinned:
            pin_logical_id(construct, logical_id)
        acknowledge(
            self.hash_secret,
            "AwsSolutions-SMG4",
            "This is the HMAC key under which live OTPs are stored as keyed hashes; an automatic "
            "rotation would make every in-flight code (up to the 10-minute TTL) unverifiable and fail "
            "sign-ins mid-call. It never leaves Secrets Manager and the functions' memory; rotate it "
            "by hand in a quiet window if it is ever exposed.",
        )

    # -- one grant per function ----------------------------------------------------------------

    def grant_create(self, grantee: iam.IGrantable) -> None:
        """The Create trigger: read and transactionally write its items, hash with the HMAC key, and
        encrypt the code copy for the call (``kms:Encrypt`` only: no ``ReEncrypt*``, which with the data-key
        use would let it turn code ciphertexts into readable ones)."""
        self._grant_items(grantee, CREATE_ITEM_ACTIONS, CREATE_KEY_PREFIXES)
        self._grant_hash_secret(grantee)
        self._grant_code_key(grantee, "kms:Encrypt")

    def grant_send_and_count(self, grantee: iam.IGrantable) -> None:
        """A function that issues sends under the send limits and counts attempts at a secret checked
        elsewhere (``count_attempt`` / ``reset_failures``): no code key, no ``CONTACT#`` items."""
        self._grant_items(grantee, SENDER_ITEM_ACTIONS, SENDER_KEY_PREFIXES)
        self._grant_hash_secret(grantee)

    def grant_verify(self, grantee: iam.IGrantable) -> None:
        """The Verify trigger: read the challenge and user, settle them in one transaction, hash the answer."""
        self._grant_items(grantee, VERIFY_ITEM_ACTIONS, VERIFY_KEY_PREFIXES)
        self._grant_hash_secret(grantee)

    def grant_issue_and_verify(self, grantee: iam.IGrantable) -> None:
        """A function that issues, refunds and verifies codes it delivers itself (SMS): the Create trigger's item
        actions without the ``CONTACT#`` copies, the HMAC key, and no use of the code key."""
        self._grant_items(grantee, CREATE_ITEM_ACTIONS, ISSUE_VERIFY_KEY_PREFIXES)
        self._grant_hash_secret(grantee)

    def grant_prompt(self, grantee: iam.IGrantable) -> None:
        """The voice prompt: one conditional update on its call's ``CONTACT#`` item, and decrypt that code
        copy. No HMAC key, no reads of any other item."""
        self._grant_items(grantee, PROMPT_ITEM_ACTIONS, PROMPT_KEY_PREFIXES)
        self._grant_code_key(grantee, "kms:Decrypt")

    def grant_admin(self, grantee: iam.IGrantable) -> None:
        """The administrator function: read and clear ``USER#`` failure state, append ``AUDIT#`` records. No
        other function may write ``AUDIT#`` items, and this one cannot change or delete them."""
        self._grant_items(grantee, ADMIN_ITEM_ACTIONS, ADMIN_KEY_PREFIXES)
        self._grant_items(grantee, AUDIT_ITEM_ACTIONS, AUDIT_KEY_PREFIXES)

    # -- the pieces ------------------------------------------------------------------------------

    def _grant_items(self, grantee: iam.IGrantable, actions: Sequence[str], prefixes: Sequence[str]) -> None:
        """``actions`` on the table, for items whose partition key starts with one of ``prefixes``."""
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=list(actions),
            resource_arns=[self.table.table_arn],
            conditions={
                "ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{prefix}*" for prefix in prefixes]}
            },
        )
        # Every item access makes DynamoDB call kms:Decrypt on the table's key on the caller's behalf (to
        # unwrap the table key; the caller makes no other KMS call: GenerateDataKey and CreateGrant come
        # from DynamoDB itself or the table's creator). Source: AWS KMS Developer Guide, "How Amazon
        # DynamoDB uses AWS KMS", Monitoring > Decrypt; its encryption context names the table.
        self._grant_data_key_via(grantee, "dynamodb", "aws:dynamodb:tableName", self.table.table_name)

    def _grant_hash_secret(self, grantee: iam.IGrantable) -> None:
        """``GetSecretValue`` on the HMAC key, and the data-key decrypt Secrets Manager makes for it."""
        iam.Grant.add_to_principal(
            grantee=grantee, actions=["secretsmanager:GetSecretValue"], resource_arns=[self.hash_secret.secret_arn]
        )
        # GetSecretValue makes Secrets Manager call kms:Decrypt on the secret's key on the caller's behalf,
        # with the secret's ARN as encryption context (AWS Secrets Manager User Guide, "Secret encryption
        # and decryption": Permissions for the KMS key; the managed policy
        # AWSSecretsManagerClientReadOnlyAccess uses these same two conditions).
        self._grant_data_key_via(grantee, "secretsmanager", "SecretARN", self.hash_secret.secret_arn)

    def _grant_data_key_via(self, grantee: iam.IGrantable, service: str, context_key: str, context_value: str) -> None:
        """``kms:Decrypt`` on the data key, only when ``service`` calls it for this one table or secret."""
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["kms:Decrypt"],
            resource_arns=[self.data_key.key_arn],
            conditions={
                "StringEquals": {
                    "kms:ViaService": f"{service}.{Stack.of(self).region}.amazonaws.com",
                    f"kms:EncryptionContext:{context_key}": context_value,
                }
            },
        )

    def _grant_code_key(self, grantee: iam.IGrantable, action: str) -> iam.Grant:
        """``action`` on the code key, in the role's policy AND naming the role in the key policy (the account
        statement delegates no use of this key to IAM)."""
        if self.code_key is None:
            raise ValueError("this OTP storage keeps no code copies (code_copies=False)")
        return iam.Grant.add_to_principal_and_resource(
            grantee=grantee,
            actions=[action],
            resource_arns=[self.code_key.key_arn],
            resource=self.code_key,
            resource_self_arns=["*"],
        )

    def environment(self, *, with_code_key: bool, with_hash_key: bool = True) -> dict[str, str]:
        """``OTP_TABLE_NAME`` and, for the functions that use them, ``OTP_HASH_SECRET_ARN`` and ``OTP_CODE_KEY_ID``."""
        env = {"OTP_TABLE_NAME": self.table.table_name}
        if with_hash_key:
            env["OTP_HASH_SECRET_ARN"] = self.hash_secret.secret_arn
        if with_code_key:
            if self.code_key is None:
                raise ValueError("this OTP storage keeps no code copies (code_copies=False)")
            env["OTP_CODE_KEY_ID"] = self.code_key.key_arn  # KMS accepts the ARN as KeyId
        return env
