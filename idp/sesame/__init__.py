"""The Sésame portal of a CAS realm (seed 004): home, forgotten credentials, help, rules."""
