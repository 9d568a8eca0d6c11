"""Push MFA: enrollment of authenticator apps and signed number-matching challenges."""
