"""The embedded AWS: moto on loopback, made atomic where DynamoDB is, plus stand-ins for APIs moto lacks."""

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
