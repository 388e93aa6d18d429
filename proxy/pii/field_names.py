"""What a field's name says it holds, for names the catalog does not list word for word.

CRMs name the same data many ways: ``holder_name``, ``billingAddress``, ``recipient``,
``created_by``, ``收件人``, ``收货地址``. A name is read by its last words, as compound
names are built (the head noun comes last): ``*_name`` holds a person, a person's role
(``recipient``, ``assignee``) a party (a name, or an e-mail or phone reaching them),
``*_address`` an address, ``*_phone`` a phone number, and so on, unless the word before
says it is something else (``company_name``, ``mac_address``, ``user_agent``). Chinese names
are read by their suffix (``…人``, ``…地址``, ``…电话``).

Only a field's own name is read this way, never an enclosing object's: ``recipient:
{"id": 7}`` does not make the id a person. Masking what merely looks like personal data
is the safe mistake; the catalog and ``ignore_fields`` correct it per deployment.
"""

from __future__ import annotations

import functools
import re

# Someone in a role: a name, or an e-mail or phone reaching them (the value's format decides).
PARTY = "PARTY"

_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")

# Person roles: a field named by one of these (or ending in one) holds who plays it.
_ROLES = frozenset({
    "person", "owner", "holder", "cardholder", "recipient", "sender", "addressee", "payee",
    "payer", "beneficiary", "guardian", "spouse", "customer", "patient", "passenger",
    "traveler", "traveller", "guest", "employee", "assignee", "reporter", "requester",
    "requestor", "submitter", "responder", "author", "creator", "agent", "manager",
    "supervisor", "leader", "executive", "rep", "salesperson", "assistant", "approver",
    "reviewer", "signer", "signatory", "witness", "representative", "kin", "consignee",
    "shipper", "buyer", "receiver", "caller", "callee", "applicant", "insured",
    "policyholder", "landlord", "member", "student", "user", "contact", "collaborator",
    "follower", "watcher", "participant", "attendee", "invitee", "organizer", "cc", "bcc",
})
# The word before a head that makes it something other than personal data.
_NOT_PERSONAL = frozenset({
    "company", "business", "organization", "organisation", "org", "brand", "product",
    "item", "file", "host", "domain", "server", "service", "app", "application", "device",
    "project", "team", "group", "role", "plan", "campaign", "event", "category", "tag",
    "field", "table", "column", "key", "bucket", "queue", "topic", "branch", "repo",
    "package", "module", "class", "method", "function", "variable", "param", "street",
    "city", "country", "region", "state", "province", "district", "place", "location",
    "store", "shop", "site", "web", "url", "mac", "wallet", "memory", "contract", "network",
    "bitcoin", "bank", "vendor", "supplier", "merchant", "carrier", "airline", "order",
    "invoice", "ticket", "case", "transaction", "tracking", "shipment", "sku", "batch",
    "serial", "reference", "ref", "model", "template", "stage", "status", "type", "kind",
    "display", "source", "gateway", "deal", "channel", "pipeline", "list", "form", "page",
    "segment", "workflow", "warehouse", "department", "zone", "variant", "coupon", "survey",
    "skill", "disposition", "gift", "loyalty", "membership",
})
# ...except that a record's role is a person's: ticket_owner, case_assignee, gift_recipient.
_RECORDS = frozenset({
    "ticket", "case", "order", "project", "campaign", "event", "team", "group", "store",
    "shop", "product", "deal", "gift", "account", "lead", "task",
})
_MACHINES = frozenset({"server", "host", "gateway", "proxy", "router", "network", "dns"})
# Heads (last words, joined) and what they hold.
_HEADS = {
    "email": "EMAIL_ADDRESS", "emailaddress": "EMAIL_ADDRESS", "mail": "EMAIL_ADDRESS",
    "phone": "PHONE_NUMBER", "phonenumber": "PHONE_NUMBER", "mobile": "PHONE_NUMBER",
    "mobilenumber": "PHONE_NUMBER", "tel": "PHONE_NUMBER", "telephone": "PHONE_NUMBER",
    "telephonenumber": "PHONE_NUMBER", "cell": "PHONE_NUMBER", "cellnumber": "PHONE_NUMBER",
    "fax": "PHONE_NUMBER", "faxnumber": "PHONE_NUMBER", "contactnumber": "PHONE_NUMBER",
    "callbacknumber": "PHONE_NUMBER", "whatsappnumber": "PHONE_NUMBER", "ani": "PHONE_NUMBER",
    "address": "LOCATION", "addressline": "LOCATION", "street": "LOCATION",
    "birthdate": "DATE_OF_BIRTH", "dateofbirth": "DATE_OF_BIRTH", "dob": "DATE_OF_BIRTH",
    "birthday": "DATE_OF_BIRTH",
    "ssn": "NATIONAL_ID", "socialsecuritynumber": "NATIONAL_ID", "nationalid": "NATIONAL_ID",
    "insurancenumber": "NATIONAL_ID", "idnumber": "NATIONAL_ID", "idcard": "NATIONAL_ID",
    "idcardnumber": "NATIONAL_ID", "passport": "NATIONAL_ID", "passportnumber": "NATIONAL_ID",
    "driverlicense": "NATIONAL_ID", "driverslicense": "NATIONAL_ID",
    "driverlicensenumber": "NATIONAL_ID", "driverslicensenumber": "NATIONAL_ID",
    "taxid": "NATIONAL_ID", "iban": "IBAN_CODE", "cardnumber": "CREDIT_CARD",
    "creditcard": "CREDIT_CARD", "accountnumber": "BANK_ACCOUNT",
    "bankaccountnumber": "BANK_ACCOUNT", "ip": "IP_ADDRESS", "ipaddress": "IP_ADDRESS",
    "forwardedfor": "IP_ADDRESS", "nickname": "PERSON",
}
# The address a message or a connection names: from_address is an e-mail, remote_address an IP.
_ADDRESS_OF = {"from": "EMAIL_ADDRESS", "to": "EMAIL_ADDRESS", "cc": "EMAIL_ADDRESS",
               "bcc": "EMAIL_ADDRESS", "reply": "EMAIL_ADDRESS", "remote": "IP_ADDRESS",
               "client": "IP_ADDRESS", "source": "IP_ADDRESS"}
# What people do to records: ``<verb>_by`` names who did it (not ``powered_by``, ``sort_by``);
# ``<verb>_to`` / ``_for`` whom it is done for (assigned_to, reports_to, requested_for).
_DONE_BY = frozenset({
    "created", "updated", "modified", "edited", "changed", "approved", "rejected",
    "assigned", "reviewed", "submitted", "requested", "reported", "handled", "processed",
    "closed", "opened", "resolved", "escalated", "deleted", "signed", "verified", "checked",
    "owned", "managed", "sent", "received", "accepted", "cancelled", "canceled", "booked",
    "entered", "added", "removed", "uploaded", "completed", "authorized", "authorised",
    "referred", "invited",
})
_DONE_TO = frozenset({"assigned", "reports", "reporting", "requested", "escalated",
                      "delegated"})
_FLAGS = frozenset({"is", "has", "no", "can", "should", "send", "allow", "enable"})
_NOT_A_PERSON = frozenset({("user", "agent"), ("user", "name")})  # a browser, a login
_ABBREVIATED = {"no": "number", "num": "number", "nr": "number", "nbr": "number"}
# A name written as one lowercase word (``owneremail``, ``billingaddress``, ``createdby``) is
# split into a known first word and a head, so the rules above read it; any other first
# word leaves it whole (``hotmail``, ``female`` are not ``hot`` + ``mail``, ``fe`` + ``male``).
_GLUED_HEADS = sorted({*_HEADS, *_ROLES, "name", "by", "to"}, key=len, reverse=True)
_FIRST_WORDS = frozenset({
    *_ROLES, *_NOT_PERSONAL, *_RECORDS, *_ADDRESS_OF, *_DONE_BY, *_DONE_TO, "billing",
    "shipping", "home", "work", "office", "primary", "secondary", "personal", "private",
    "alternate", "alt", "other", "main", "emergency", "mailing", "postal", "delivery", "first",
    "last", "middle", "full", "given", "family", "maiden", "legal", "nick", "sales", "support",
    "user", "mobile", "business",
})

# Chinese field names by suffix, longest first; a name ending in one of _ZH_NOT is none.
_ZH_SUFFIXES = (
    ("身份证号码", "NATIONAL_ID"), ("身份证号", "NATIONAL_ID"), ("证件号码", "NATIONAL_ID"),
    ("证件号", "NATIONAL_ID"), ("身份证", "NATIONAL_ID"), ("护照号", "NATIONAL_ID"),
    ("手机号码", "PHONE_NUMBER"), ("电话号码", "PHONE_NUMBER"), ("来电号码", "PHONE_NUMBER"),
    ("主叫号码", "PHONE_NUMBER"), ("被叫号码", "PHONE_NUMBER"), ("手机号", "PHONE_NUMBER"),
    ("电话", "PHONE_NUMBER"), ("手机", "PHONE_NUMBER"), ("座机", "PHONE_NUMBER"),
    ("传真", "PHONE_NUMBER"), ("银行卡号", "CREDIT_CARD"), ("卡号", "CREDIT_CARD"),
    ("出生日期", "DATE_OF_BIRTH"), ("生日", "DATE_OF_BIRTH"), ("邮箱地址", "EMAIL_ADDRESS"),
    ("邮箱", "EMAIL_ADDRESS"), ("IP地址", "IP_ADDRESS"), ("IP", "IP_ADDRESS"),
    ("地址", "LOCATION"), ("住址", "LOCATION"), ("街道", "LOCATION"), ("联系方式", PARTY),
    ("姓名", "PERSON"), ("名字", "PERSON"), ("客户名", "PERSON"), ("户名", "PERSON"),
    ("昵称", "PERSON"), ("经理", "PERSON"), ("客服", "PERSON"), ("员", "PERSON"),
    ("人", "PERSON"),
)
_ZH_NOT = ("机器人", "个人", "网址", "名称", "人数", "人民币", "用户名", "公司地址", "公司电话",
           "网络地址", "链接地址", "图片地址", "录音地址", "文件地址", "下载地址", "头像地址",
           "回调地址", "视频地址", "服务器地址", "服务器IP")


@functools.lru_cache(4096)
def inferred_entity(name: str) -> str | None:
    """The entity type a field named ``name`` holds by its words, or None."""
    name = name.lstrip("@").rsplit(":", 1)[-1]
    if re.search(r"[\u4e00-\u9fff]", name):
        return _chinese(name)
    words = [w.lower() for w in _WORDS.findall(name)]
    if len(words) == 1:
        words = _unglued(words[0])
    numbered = False
    while len(words) > 1 and (words[-1].isdigit() or words[-1] == "formatted"):
        numbered = words.pop().isdigit() or numbered  # address_2, phone2, to_formatted
    if not words or words[0] in _FLAGS or words[:2] in (["number", "of"], ["no", "of"]):
        return None  # is_customer, has_email, number_of_employees
    if len(words) > 1:
        words[-1] = _ABBREVIATED.get(words[-1], words[-1])  # passport_no, phone_num
    if numbered and words[-1] == "line":  # line1, address_line_2
        return "LOCATION"
    return _by_head(words) or _by_role(words)


def _unglued(word: str) -> list[str]:
    for head in _GLUED_HEADS:
        if word.endswith(head) and word[:-len(head)] in _FIRST_WORDS:
            return [word[:-len(head)], head]
    return [word]


def _by_head(words: list[str]) -> str | None:
    for size in (3, 2, 1):  # the longest head first: date_of_birth before a lone "birth"
        if len(words) < size:
            continue
        joined = "".join(words[-size:])
        entity = _HEADS.get(joined) or _HEADS.get(joined.removesuffix("es")) or _HEADS.get(
            joined.removesuffix("s"))  # emails, addresses
        if entity:
            modifier = _modifier(words, size)
            if entity == "LOCATION" and modifier in _ADDRESS_OF:
                return _ADDRESS_OF[modifier]
            blocked = _MACHINES if entity == "IP_ADDRESS" else _NOT_PERSONAL
            return None if modifier in blocked else entity
    return None


def _by_role(words: list[str]) -> str | None:
    head, modifier = words[-1], _modifier(words, 1)
    if tuple(words[-2:]) in _NOT_A_PERSON:
        return None
    if head in ("to", "for"):
        return PARTY if modifier in _DONE_TO else None
    if head == "by":
        return PARTY if modifier in _DONE_BY else None
    if head in _ROLES or (head.endswith("s") and head[:-1] in _ROLES):
        return PARTY if modifier not in _NOT_PERSONAL or modifier in _RECORDS else None
    if head in ("name", "names") and modifier is not None and modifier not in _NOT_PERSONAL:
        return "PERSON"
    return None


def _modifier(words: list[str], head_size: int) -> str | None:
    """The word just before a head of ``head_size`` words."""
    return words[-head_size - 1] if len(words) > head_size else None


def _chinese(name: str) -> str | None:
    if name.endswith(_ZH_NOT):
        return None
    return next((entity for suffix, entity in _ZH_SUFFIXES if name.endswith(suffix)), None)
