"""C3, encrypted caller input: a Lex V2 code hook that validates a card number and ZIP code and encrypts them
(one KMS call per contact), and an operator-only, audited decrypt function."""
