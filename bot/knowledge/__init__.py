"""Curated, sourced knowledge: schema, loading and checks, retrieval, and composing answers."""
