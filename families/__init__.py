"""Families: parent accounts linked to their children, and what the school publishes for them."""
