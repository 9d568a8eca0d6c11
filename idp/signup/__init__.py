"""Self-service account creation ("Créer un compte", seed 003)."""
