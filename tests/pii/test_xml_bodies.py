"""XML bodies (SOAP, Atom, XML APIs) are masked like JSON: elements and attributes by their
local names, text in free-text elements analyzed; what XML could hide (entities, comments)
is refused or left out."""

from __future__ import annotations

import pytest

from proxy.pii.masker import Masker, MaskingError
from tests.pii.conftest import MASKING_PROFILES, masking_profile, policy

RAW = ["zhangwei@example.com", "13812345678", "11010519491231002X", "张伟", "John Smith",
       "m.garcia@example.es", "Maria Garcia"]
SOAP = """<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:c="urn:crm">
 <soap:Body><c:contacts>
  <c:contact id="17" email="zhangwei@example.com">
    <c:Name lang="zh">张伟</c:Name><c:Mobile>13812345678</c:Mobile>
    <c:IdCard>11010519491231002X</c:IdCard>
    <c:Notes>客户张伟来电，邮箱zhangwei@example.com谢谢。Also spoke with John Smith.</c:Notes>
    <!-- called back on 13812345678 -->
  </c:contact>
  <c:contact id="18"><c:Name>Maria Garcia</c:Name><c:Email>m.garcia@example.es</c:Email>
  </c:contact>
 </c:contacts></soap:Body></soap:Envelope>""".encode()


def mask(masker: Masker, profile, body: bytes = SOAP, content_type: str = "text/xml") -> str:
    return masker.mask_body(body, content_type, profile, system="crm")[0].decode()


def test_agent_gets_partials_by_local_names_and_attributes(masker: Masker) -> None:
    out = mask(masker, policy("agent"))
    assert 'email="z***@example.com"' in out and "<c:Mobile>138****5678</c:Mobile>" in out
    assert "<c:IdCard>110105********002X</c:IdCard>" in out
    assert '<c:Name lang="zh">张伟</c:Name>' in out  # the agent's profile keeps names
    assert "13812345678" not in out  # in a comment: comments are left out
    assert out.startswith('<?xml version="1.0" encoding="utf-8"?>\n<soap:Envelope')


@pytest.mark.parametrize("name", MASKING_PROFILES)
def test_masking_roles_leak_no_raw_value(masker: Masker, name: str) -> None:
    out = mask(masker, masking_profile(name))
    assert [v for v in RAW if v in out] == []
    assert 'lang="zh"' in out or name == "unknown role"  # an attribute describes, it is no name


def test_the_dpo_gets_the_body_byte_for_byte(masker: Masker) -> None:
    assert masker.mask_body(SOAP, "application/soap+xml", policy("dpo"))[0] == SOAP


def test_entities_and_malformed_xml_are_refused(masker: Masker) -> None:
    laughs = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;">]>' \
             b"<l>&b;</l>"
    external = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' \
               b"<x>&e;</x>"
    for body in (laughs, external, b"<a><b>unclosed</a>", b"not xml"):
        with pytest.raises(MaskingError, match="XML body is malformed or declares entities"):
            mask(masker, policy("agent"), body)


def test_the_charset_of_the_content_type_is_kept(masker: Masker) -> None:
    body = '<?xml version="1.0" encoding="ISO-8859-1"?><c><name>Zoë Müller</name>' \
           '<email>zoe@example.de</email></c>'.encode("latin-1")
    out = masker.mask_body(body, "application/xml; charset=ISO-8859-1", policy("agent"))[0]
    assert out.decode("latin-1").endswith("<c><name>Zoë Müller</name>"
                                          "<email>z***@example.de</email></c>")
