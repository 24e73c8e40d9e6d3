"""One module per intent of the voice-login bot; each answers one Lex V2 code-hook event."""
