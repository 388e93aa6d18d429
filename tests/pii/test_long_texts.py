"""Long texts of one shape (a run of letters, digit groups, one name again and again) cost
time in proportion to their length. They used to take minutes at this size (a regex trying
every position of a letter run, each repeat covered one by one), so one body could stall the
scan of a write or the masking of a response."""

from __future__ import annotations

import subprocess
import sys

# 100,000 characters each: the old code took over two minutes on each, this one seconds.
SCRIPT = """
from proxy.pii.masker import Masker
from proxy.pii.profiles import Operator, Profile
from proxy.pii.settings import PiiSettings
from proxy.pii.tokens import InMemoryKeyStore
from proxy.residency import body_identifiers
masker = Masker.from_settings(PiiSettings(), InMemoryKeyStore())
for shape, text in [("letters", "y" * 100_000), ("digit groups", "12 " * 33_000),
                    ("one name again and again", "张伟先生" * 25_000)]:
    body_identifiers(masker, text, "crm")
    masker.mask_text(text, Profile(default=Operator.REDACT))
    print(shape, flush=True)
"""


def test_long_texts_of_one_shape_are_scanned_and_masked_promptly() -> None:
    # In a child process, so that a regression fails at the timeout instead of hanging the
    # suite; the timeout leaves room for loading the models on a busy machine.
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.split("\n")[:3] == ["letters", "digit groups",
                                           "one name again and again"], done.stderr[-2000:]
