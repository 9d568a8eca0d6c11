"""The JSON device API the authenticator app talks to (enroll, pending, events, decisions)."""
