"""The directory: accounts of a realm, their attributes and passwords."""
