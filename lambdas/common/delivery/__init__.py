"""Delivery channels for codes and links: a Protocol per channel kind, one module per provider."""
