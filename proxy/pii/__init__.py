"""Personal-data detection and role-based masking (English and Chinese).

Kept import-light: ``proxy.settings`` imports ``proxy.pii.settings``; the heavy parts
(Presidio, spaCy, jieba) load only with ``proxy.pii.masker``.
"""

import os

# Presidio imports tldextract, which fetches the public suffix list over the network unless
# told not to; set before any submodule can import Presidio.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
