"""« Mes informations de sécurité »: the user's sign-in methods, sessions and recent activity."""
