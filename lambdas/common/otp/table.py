"""The OTP table's shape and key prefixes: the one definition the store, CDK, the local runtime and tests use."""

from __future__ import annotations

from lambdas.common.core.tables import TableShape

# OTP challenges, per-user failure/send state, per-destination send state, the deployment-wide send budget
# and the per-call code copies share one table, distinguished by key prefix. TTL is clean-up only; expiry
# is checked in code.
OTP_TABLE = TableShape(partition_key="pk", ttl_attribute="expires_at")

# The OTP table's partition-key prefixes. IAM scopes each function to the prefixes it touches
# (dynamodb:LeadingKeys), so a key with a new prefix needs its grant in stacks/constructs/otp_store.py.
CHALLENGE_PREFIX = "CHALLENGE#"
USER_PREFIX = "USER#"
DEST_PREFIX = "DEST#"
BUDGET_PREFIX = "BUDGET#"
CONTACT_PREFIX = "CONTACT#"
AUDIT_PREFIX = "AUDIT#"
