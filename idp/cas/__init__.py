"""A CAS 3.0 protocol surface for a realm's services.

Seed 004's "Service Central d'Authentification".
"""
