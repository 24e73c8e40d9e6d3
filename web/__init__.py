"""The web pages the SMS link and the chat open, and the security headers every page is served with."""
