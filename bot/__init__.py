"""Glückauf service: FastAPI gateway, rasa-sdk action server, conversations, handoff and channels."""
