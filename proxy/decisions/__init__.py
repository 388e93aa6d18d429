"""Policy decisions: Rego policies evaluated by an embedded engine (regopy) or an OPA server,
failing closed, with a decision log, a cache, shadow evaluation and hot reload.

Kept import-free: proxy.settings imports proxy.decisions.settings."""
