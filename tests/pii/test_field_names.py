"""Fields the catalog does not list word for word are typed by the words of their names, so
personal data under a CRM's own field names (``holder_name``, ``billingAddress``, ``收件人``)
is masked like the catalogued kind."""

from __future__ import annotations

import json

import pytest

from proxy.pii.field_names import inferred_entity
from proxy.pii.masker import Masker
from tests.pii.conftest import policy


@pytest.mark.parametrize(("name", "entity"), [
    ("holder_name", "PERSON"), ("contactPerson", "PARTY"), ("recipients", "PARTY"),
    ("bank_account_holder", "PARTY"), ("next_of_kin", "PARTY"), ("created_by", "PARTY"),
    ("assignee", "PARTY"), ("emergency_contact", "PARTY"), ("CustomerName", "PERSON"),
    ("billingAddress", "LOCATION"), ("shipping-address", "LOCATION"),
    ("customerEmail", "EMAIL_ADDRESS"), ("HomePhone", "PHONE_NUMBER"),
    ("emergency_contact_phone", "PHONE_NUMBER"), ("phone_num", "PHONE_NUMBER"),
    ("passport_no", "NATIONAL_ID"), ("spouse_dob", "DATE_OF_BIRTH"),
    ("date_of_birth", "DATE_OF_BIRTH"), ("client_ip", "IP_ADDRESS"),
    ("ns1:RecipientName", "PERSON"), ("@holder", "PARTY"),
    ("收件人", "PERSON"), ("紧急联系人", "PERSON"), ("患者姓名", "PERSON"),
    ("收货地址", "LOCATION"), ("联系人电话", "PHONE_NUMBER"), ("法人身份证号", "NATIONAL_ID"),
    ("MailingStreet", "LOCATION"), ("address_2", "LOCATION"), ("line1", "LOCATION"),
    ("cc_emails", "EMAIL_ADDRESS"), ("FromAddress", "EMAIL_ADDRESS"),
    ("remote_address", "IP_ADDRESS"), ("source_ip", "IP_ADDRESS"), ("phone2", "PHONE_NUMBER"),
    ("drivers_license_number", "NATIONAL_ID"), ("id_card_number", "NATIONAL_ID"),
    ("ticket_owner", "PARTY"), ("assigned_to", "PARTY"), ("ReportsTo", "PARTY"),
    ("座机", "PHONE_NUMBER"), ("客户经理", "PERSON"), ("联系方式", "PARTY"),
    # Written as one word: a known first word and a head.
    ("owneremail", "EMAIL_ADDRESS"), ("billingaddress", "LOCATION"), ("createdby", "PARTY"),
    ("homephone", "PHONE_NUMBER"), ("ownername", "PERSON"), ("ticketowner", "PARTY"),
    ("CommunityNickname", "PERSON"), ("contactemail", "EMAIL_ADDRESS"),
])
def test_names_that_say_what_they_hold(name: str, entity: str) -> None:
    assert inferred_entity(name) == entity


@pytest.mark.parametrize("name", [
    "company_name", "product_name", "file_name", "bank_name", "street_name", "user_agent",
    "user_name", "sort_by", "x-powered-by", "order_id_no", "server_ip", "mac_address",
    "wallet_address", "status", "tenant", "id", "name", "created_at", "total", "机器人",
    "公司名称", "人数", "is_customer", "has_email", "NumberOfEmployees", "gift_card_number",
    "deal_name", "package_manager", "用户名", "录音地址",
    # ...and one-word names that are no such compound.
    "filename", "hostname", "username", "hotmail", "female", "domainname", "companyname",
    "cancelto", "serverip", "macaddress",
])
def test_names_that_do_not(name: str) -> None:
    assert inferred_entity(name) is None


def test_a_crm_record_under_its_own_field_names_is_masked(masker: Masker) -> None:
    record = {"account_holder": "John Smith", "recipient": "Maria Rossi",
              "requester": "maria.rossi@example.it", "owner": 42,
              "billingAddress": "12 Baker Street, London", "createdBy": "Ella Rose",
              "收件人": "张伟", "收货地址": "北京市朝阳区建国路88号", "company_name": "ACME GmbH",
              "holder": {"id": 7, "country": "DE"}}
    body = json.dumps({"results": [record]}, ensure_ascii=False).encode()
    out = json.loads(masker.mask_body(body, "application/json", policy("analyst"))[0])
    masked = out["results"][0]
    for key in ("account_holder", "recipient", "billingAddress", "createdBy", "收件人",
                "收货地址"):
        assert masked[key] != record[key], key
    # Neither what names a company nor what sits inside a person's object becomes a person.
    assert masked["company_name"] == "ACME GmbH"
    # A role reached by e-mail is masked as the e-mail; a bare number names no one.
    assert masked["requester"] == masker.mask_json({"email": record["requester"]},
                                                   policy("analyst")).document["email"]
    assert masked["owner"] == 42
    assert masked["holder"] == {"id": 7, "country": "DE"}
    dpo, _ = masker.mask_body(body, "application/json", policy("dpo"))
    assert json.loads(dpo)["results"][0] == record


def test_the_catalog_and_ignore_fields_still_decide_first() -> None:
    from proxy.pii.catalog import Catalog
    from proxy.pii.settings import FieldSettings
    catalog = Catalog(FieldSettings(catalog={"holder_name": "CUSTOMER_ID"},
                                    ignore_fields=["recipient"]))
    assert catalog.rule(("holder_name",)).entity == "CUSTOMER_ID"
    assert catalog.rule(("recipient",)).kind == "ignore"
    assert catalog.rule(("contact", "owner")).entity == "PARTY"
    assert catalog.rule(("address", "street_name")).entity == "LOCATION"  # the enclosing key
