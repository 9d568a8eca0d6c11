"""The signed-in account: profile, password change, devices."""
