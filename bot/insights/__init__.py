"""Anonymous insights for the regional partners: what people ask, what stays unanswered, where handoffs go."""
