"""Mainland Chinese addresses: province / city / district chain down to road and number
(北京市朝阳区建国路88号, 江西省宜都县秀英昆明路V座)."""

from __future__ import annotations

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from proxy.pii.recognizers.base import ValidatedRecognizer

_PROVINCES = ("北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|"
              "河南|湖北|湖南|广东|海南|四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|"
              "宁夏|新疆|香港|澳门")
_HAN = r"[\u4e00-\u9fff]"
_ADMIN = rf"{_HAN}{{1,6}}?(?:市|自治州|地区|盟|县|区|旗|镇|乡)"
_STREET = r"[\u4e00-\u9fffA-Za-z0-9]{1,10}?(?:路|街|大道|道|巷|胡同|弄|里)"
_NUMBER = r"(?:[0-9A-Za-z一二三四五六七八九十-]{1,6}(?:号|座|栋|幢|楼|单元|室|层))*"
# Leading words of a sentence that the lazy admin pattern would otherwise swallow.
_LEAD = re.compile(r"^.*?(?:地址是|地址为|地址|住在|住址|位于|寄到|送到|搬到|在|是|到|于)")


class CnAddressRecognizer(ValidatedRecognizer):
    ENTITY = "LOCATION"
    PATTERNS = (
        ("cn_full", rf"(?:(?:{_PROVINCES})(?:省|市|自治区|壮族自治区|回族自治区|维吾尔自治区)?)"
                    rf"(?:{_ADMIN}){{0,3}}(?:{_STREET})?{_NUMBER}(?: ?\d{{6}})?", 0.9),
        ("cn_street", rf"(?:{_ADMIN}){{1,3}}{_STREET}{_NUMBER}", 0.9),
    )
    TRIGGER = r"[省市区县]|[路街巷][0-9一二三四五六七八九十]"

    def is_valid(self, candidate: str) -> bool:
        return len(candidate) >= 6 and bool(re.search(r"[市县区路街号座]", candidate[2:]))

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        for result in results:
            span = text[result.start:result.end]
            lead = _LEAD.match(span)
            if lead and len(span) - lead.end() >= 6 and not re.match(_PROVINCES, span):
                result.start += lead.end()
        return results
