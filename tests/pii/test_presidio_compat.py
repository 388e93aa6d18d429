"""Our recognizer classes must not shadow Presidio's: its registry finds predefined recognizers
by class name among all subclasses, so a clash would break Presidio's default analyzer."""

from __future__ import annotations

from presidio_analyzer.recognizer_registry.recognizers_loader_utils import RecognizerListLoader

import proxy.pii.recognizers as ours


def test_no_class_name_clashes_with_presidio() -> None:
    classes = RecognizerListLoader.get_all_existing_recognizers()
    names = [c.__name__ for c in classes]
    clashes = {n for n in names if names.count(n) > 1}
    ours_names = {c.__name__ for c in classes if c.__module__.startswith(ours.__name__)}
    assert ours_names and not clashes & ours_names
