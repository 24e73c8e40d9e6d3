"""Cognito's custom-auth loop, run locally against moto's user pool and the trigger handlers."""
