"""A realm's support contact form ("J'ai besoin de support", seed 001)."""
