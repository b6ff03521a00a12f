"""Channel adapters: they turn a channel's updates into stored messages and deliver replies back."""
