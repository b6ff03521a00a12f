"""Understanding text: normalising, languages, places, signals of distress, scrubbing personal data."""
