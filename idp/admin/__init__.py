"""Realm administration: the operations shared by the admin console, the CLI and the API."""
