"""One-time codes shared by every capability that sends one (voice call, SMS): policy, codes, store, errors."""
