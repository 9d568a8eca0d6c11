"""Browser side of push MFA: enroll the app, list and remove devices, wait for approval."""
