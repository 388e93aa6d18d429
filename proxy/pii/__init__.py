"""Personal-data detection and role-based masking (English and Chinese).

Kept import-light: ``proxy.settings`` imports ``proxy.pii.settings``; the heavy parts
(Presidio, spaCy, jieba) load only with ``proxy.pii.masker``.
"""
