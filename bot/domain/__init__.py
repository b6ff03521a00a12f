"""The domain: conversations, handoff, answering and dialogue, routing messages, delivery, privacy."""
