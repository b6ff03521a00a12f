"""Rasa custom actions, one per file; each is constructed with the service's DialogueServices."""
