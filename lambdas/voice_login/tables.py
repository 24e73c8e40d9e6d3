"""The voice-login tables' shapes: the one definition the stores, CDK, the local runtime and tests use."""

from __future__ import annotations

from lambdas.common.core.tables import TableShape

# The bank's customer records: the phone number links are texted to, and the authorised users added.
# (TTL is never enabled on this table: an account does not expire.)
ACCOUNTS_TABLE = TableShape(partition_key="customer_id", ttl_attribute="expires_at")

# Spent grant ids (single use) and per-grant request counters; TTL removes them after the grant expires.
GRANTS_TABLE = TableShape(partition_key="pk", ttl_attribute="expires_at")
SPENT_PREFIX = "SPENT#"
REQUESTS_PREFIX = "REQUESTS#"

# Signed-in phone sessions, keyed by a hash of the opaque marker held in the Lex session.
SESSIONS_TABLE = TableShape(partition_key="pk", ttl_attribute="expires_at")
