"""Declarative connectors: search, fetch, erase and redact one subject's data in a CRM."""
