"""Security primitives: password hashing, response headers."""
