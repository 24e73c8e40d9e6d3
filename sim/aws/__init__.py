"""The embedded AWS: moto on loopback, made atomic where DynamoDB is, plus stand-ins for APIs moto lacks."""

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
# How often a local server's loop looks for a stop request: at the standard 0.5 s, every runtime's exit waited
# half a second per server.
POLL_SECONDS = 0.02
