"""C1 voice login: Lex fulfillment (PIN against a phone-banking pool), KMS-signed single-use links, the link's API."""
