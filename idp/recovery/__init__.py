"""Self-service password recovery: a flow engine running each realm's declared steps."""
