"""Tamper-evident audit and evidence log: hash-chained entries, Ed25519-signed checkpoints,
encrypted evidence items, case evidence packs and retention with tombstones.

Import from the modules (``proxy.audit.writer.AuditLog``, ``proxy.audit.entry.decision_entry``):
this package is imported by proxy.settings for its settings section, so it stays empty.
"""
