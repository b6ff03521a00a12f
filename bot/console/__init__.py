"""The advisors' console: sessions, staff language, pages."""
