"""Infrastructure: settings, database, events, limits, locks, logs, metrics, the engine client."""
