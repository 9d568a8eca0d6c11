"""Realm-less pages: the realm list, language switch, themes, errors."""
