"""Free text for notes, tickets, comments and call transcripts, in English and Chinese.

Templates name the subject (name, phone, email, national id, bank details, address, birth
date), other people (agents, a relative) and non-personal look-alikes (order and tracking
numbers, amounts, timestamps). Chinese templates glue values to 汉字 without spaces, as real
Chinese text does. Each rendered ``Text`` carries the values it contains as ground truth for
detector evaluation: ``pii`` (entity type, value) and ``decoys`` (kind, value).
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from functools import cache

from stdnum import luhn

# Placeholder -> entity type of the personal data it stands for. ``national_id`` and
# ``bank`` take their type from the context (e.g. CN_RESIDENT_ID, IBAN_CODE).
PII_PLACEHOLDERS = {
    "name": "PERSON", "surname": "PERSON", "agent": "PERSON", "relative": "PERSON",
    "phone": "PHONE_NUMBER", "relative_phone": "PHONE_NUMBER", "email": "EMAIL_ADDRESS",
    "address": "LOCATION", "birth_date": "DATE_OF_BIRTH", "national_id": None, "bank": None,
    "other_name": "PERSON", "other_email": "EMAIL_ADDRESS",
}
DECOY_PLACEHOLDERS = {
    "order_no": "ORDER_NUMBER", "tracking": "TRACKING_NUMBER", "amount": "AMOUNT",
    "timestamp": "TIMESTAMP", "invoice": "INVOICE_NUMBER", "ticket_ref": "TICKET_REFERENCE",
}


@dataclass(frozen=True, slots=True)
class Text:
    value: str
    pii: tuple[tuple[str, str], ...]
    decoys: tuple[tuple[str, str], ...]


@cache
def _fields(template: str) -> tuple[str, ...]:
    return tuple(name for _, name, _, _ in string.Formatter().parse(template) if name)


def render(templates: list[str], ctx: dict[str, str], joiner: str | None = None) -> Text:
    """Join the rendered templates (by a space, none for Chinese) and collect the values
    each placeholder inserted."""
    pii: list[tuple[str, str]] = []
    decoys: list[tuple[str, str]] = []
    for template in templates:
        for name in _fields(template):
            if name in PII_PLACEHOLDERS:
                pii.append((PII_PLACEHOLDERS[name] or ctx[f"{name}_type"], ctx[name]))
            elif name in DECOY_PLACEHOLDERS:
                decoys.append((DECOY_PLACEHOLDERS[name], ctx[name]))
    if joiner is None:
        joiner = "" if ctx["lang"] == "zh" else " "
    value = joiner.join(template.format_map(ctx) for template in templates)
    return Text(value, tuple(dict.fromkeys(pii)), tuple(dict.fromkeys(decoys)))


def refresh_decoys(ctx: dict[str, str], rng: random.Random, day: str) -> None:
    """New order number, tracking number, amount, ... for the next record. ``day`` is the
    record's date as YYYYMMDD so the look-alikes agree with its timestamps."""
    order = f"{day}{rng.randrange(10**7, 10**8)}"
    if luhn.is_valid(order):  # keep order numbers from passing as card numbers
        order = order[:-1] + str((int(order[-1]) + 1) % 10)
    ctx["order_no"] = order
    ctx["tracking"] = rng.choice((f"SF{rng.randrange(10**11, 10**12)}",
                                  f"JD{rng.randrange(10**12, 10**13)}",
                                  f"1Z{rng.randrange(10**5, 10**6)}A{rng.randrange(10**9, 10**10)}",
                                  ))
    whole, cents = rng.randrange(5, 3000), rng.choice(("00", "90", "99", "50"))
    ctx["amount"] = f"{ctx['currency']}{whole:,}.{cents}"
    hour, minute, second = rng.randrange(8, 20), rng.randrange(60), rng.randrange(60)
    ctx["timestamp"] = f"{day[:4]}-{day[4:6]}-{day[6:]} {hour:02d}:{minute:02d}:{second:02d}"
    ctx["invoice"] = f"INV-{day[:4]}-{rng.randrange(1, 10**6):06d}"
    ctx["ticket_ref"] = f"#{rng.randrange(10000, 99999)}"


EN = {
    "note": [
        "Prefers contact by email ({email}).",
        "Verified identity on {timestamp} with {national_id_label} {national_id}.",
        "Customer since {invoice}; birthday {birth_date}.",
        "Relative {relative} may call on their behalf from {relative_phone}.",
        "Refund for order {order_no} paid to {bank_label} {bank}.",
        "Moved to {address}, confirmed by phone {phone}.",
        "VIP handling agreed with {agent}.",
        "Do not call before 10:00; mobile {phone}.",
    ],
    "subject": [
        "Refund for order {order_no}",
        "Parcel {tracking} not delivered",
        "Cannot log in",
        "Change of address for {name}",
        "Invoice {invoice} shows wrong amount",
        "Card payment of {amount} declined",
        "Request to delete my account",
        "Complaint about agent {agent}",
    ],
    "description": [
        "Hello, my name is {name} and I ordered on {timestamp} (order {order_no}).",
        "The parcel with tracking number {tracking} has not arrived at {address}.",
        "I was charged {amount} twice, please refund to {bank_label} {bank}.",
        "You can reach me at {phone} or {email}.",
        "My {national_id_label} is {national_id} if you need to verify me.",
        "My husband {relative} placed the order for me, his number is {relative_phone}.",
        "This is the third time I write about invoice {invoice}.",
        "Please call me back, I am available after 17:00.",
    ],
    "agent_comment": [
        "Hi {title} {surname}, thanks for reaching out. I have escalated ticket {ticket_ref}.",
        "Called the customer on {phone}, no answer. Left a voicemail.",
        "Refund of {amount} issued for order {order_no}.",
        "Verified {name} with date of birth {birth_date} and {national_id_label} {national_id}.",
        "Carrier confirms {tracking} was delivered on {timestamp}.",
        "Handed over to {agent} from billing.",
        "Updated email to {email} as requested.",
    ],
    "customer_comment": [
        "Thanks, but I still have not received {amount}.",
        "Please use my new address: {address}.",
        "My phone number changed to {phone}.",
        "Any update on order {order_no}? It has been a week.",
        "My daughter {relative} will pick up the parcel.",
        "Best regards, {name}",
    ],
    "mention": [
        "Note: {other_name} ({other_email}) lives at the same address and also has an account.",
        "Customer says the order was placed by {other_name}, {other_email}.",
    ],
    "greeting": [
        "Agent: Thank you for calling, my name is {agent}, how can I help you today?",
        "Agent: Good morning, you are speaking with {agent}. Who am I talking to?",
    ],
    "identify": [
        "Customer: Hi, this is {name}, I am calling about my order.",
        "Customer: Hello, {name} here, my number is {phone}.",
    ],
    "verify": [
        "Agent: For security, can you confirm your date of birth? "
        "Customer: Sure, it is {birth_date}.",
        "Agent: Could you give me your {national_id_label}? Customer: Yes, it is {national_id}.",
        "Agent: And the email on the account? Customer: {email}.",
        "Agent: Can you confirm the address we have on file? Customer: {address}.",
    ],
    "issue": [
        "Customer: I ordered on {timestamp}, order number {order_no}, and nothing arrived.",
        "Customer: The tracking number {tracking} has shown no movement for days.",
        "Customer: I was charged {amount} but the invoice {invoice} says something else.",
        "Customer: My card ending in {card_last4} was charged twice.",
        "Customer: I need to change my phone number to {phone}.",
        "Customer: Please send the refund to {bank_label} {bank}.",
        "Customer: My partner {relative} called last week about this, from {relative_phone}.",
    ],
    "resolve": [
        "Agent: I see the order {order_no}, it left the warehouse on {timestamp}.",
        "Agent: I have issued a refund of {amount}; it takes three to five days.",
        "Agent: I have noted ticket {ticket_ref} and my colleague {agent} will follow up.",
        "Agent: I have updated your email to {email}.",
        "Agent: Let me confirm, I will call you back at {phone}.",
        "Agent: I can see a previous ticket {ticket_ref} about this, handled by {agent}.",
        "Agent: The carrier has the parcel {tracking} at the depot and will deliver tomorrow.",
    ],
    "smalltalk": [
        "Agent: Let me pull that up for you, one moment please.",
        "Customer: Sure, no problem, I have been on hold for a while already.",
        "Agent: Sorry about the wait, we have a lot of calls today because of the sale.",
        "Customer: I understand. The app kept showing an error page yesterday evening.",
        "Agent: I will add a note so the technical team can look into that as well.",
        "Customer: Great, that would help. I use the website most of the time anyway.",
        "Agent: Thanks for your patience, the system is a bit slow this morning.",
        "Customer: Could you also tell me when the winter collection will be back in stock?",
    ],
    "closing": [
        "Agent: Is there anything else I can help with?\nCustomer: No, thanks.\n"
        "Agent: Thank you {title} {surname}, have a nice day. Customer: Bye.",
        "Agent: Thanks for calling, {name}. Goodbye.",
    ],
    "summary": [
        "{name} called about order {order_no}; refund of {amount} issued.",
        "Customer asked to update contact details; call back on {phone}.",
        "Delivery {tracking} delayed; escalated as {ticket_ref}.",
        "Identity verified; billing question about invoice {invoice}.",
    ],
}

ZH = {
    "note": [
        "客户偏好邮件联系，邮箱{email}。",
        "{timestamp}已核验身份，{national_id_label}{national_id}无误。",
        "{surname}{title}生日{birth_date}，老客户。",
        "家属{relative}可代为办理，电话{relative_phone}。",
        "订单{order_no}退款已打到{bank_label}{bank}。",
        "新地址{address}，已电话{phone}确认。",
        "VIP客户，由{agent}负责跟进。",
        "上午10点前勿扰，手机{phone}。",
    ],
    "subject": [
        "订单{order_no}申请退款",
        "快递{tracking}未送达",
        "无法登录账户",
        "{name}修改收货地址",
        "发票{invoice}金额有误",
        "支付{amount}失败",
        "申请注销账户",
        "投诉客服{agent}",
    ],
    "description": [
        "您好，我是{name}，{timestamp}下的订单，订单号{order_no}。",
        "快递单号{tracking}一直没有送到{address}。",
        "被重复扣款{amount}，请退回到{bank_label}{bank}。",
        "我的手机号{phone}，邮箱{email}谢谢。",
        "需要核验的话我的{national_id_label}是{national_id}。",
        "订单是我爱人{relative}帮我下的，他的电话{relative_phone}。",
        "发票{invoice}的问题我已经反映三次了。",
        "请尽快回电，下午5点以后都方便。",
    ],
    "agent_comment": [
        "您好{surname}{title}，已为您升级工单{ticket_ref}。",
        "已致电客户{phone}，无人接听，已留言。",
        "订单{order_no}已退款{amount}。",
        "已核验{name}身份，出生日期{birth_date}，{national_id_label}{national_id}。",
        "快递公司确认{tracking}已于{timestamp}签收。",
        "已转交财务同事{agent}处理。",
        "已按要求将邮箱更新为{email}。",
    ],
    "customer_comment": [
        "谢谢，但是{amount}还没有到账。",
        "请寄到新地址{address}。",
        "我的手机号换成{phone}了。",
        "订单{order_no}有进展吗？已经一周了。",
        "包裹由我女儿{relative}代收。",
        "{name}敬上",
    ],
    "mention": [
        "备注：{other_name}（{other_email}）是同住家人，也有账户。",
        "客户说订单是{other_name}下的，邮箱{other_email}。",
    ],
    "greeting": [
        "坐席：您好，很高兴为您服务，我是{agent}，请问有什么可以帮您？",
        "坐席：您好，这里是客服中心，工号{ticket_ref}的{agent}为您服务。",
    ],
    "identify": [
        "客户：你好，我是{name}，想问一下我的订单。",
        "客户：您好，我叫{name}，手机号{phone}。",
    ],
    "verify": [
        "坐席：为了核实身份，请提供您的出生日期。客户：{birth_date}。",
        "坐席：请问您的{national_id_label}是多少？客户：{national_id}。",
        "坐席：账户绑定的邮箱是？客户：{email}。",
        "坐席：请核对一下地址，是{address}吗？客户：对的。",
    ],
    "issue": [
        "客户：我{timestamp}下的单，订单号{order_no}，到现在还没收到。",
        "客户：快递单号{tracking}好几天没有更新了。",
        "客户：扣了我{amount}，可是发票{invoice}上的金额不一样。",
        "客户：尾号{card_last4}的卡被扣了两次。",
        "客户：我要把手机号改成{phone}。",
        "客户：退款请打到我的{bank_label}{bank}。",
        "客户：上周我家人{relative}用{relative_phone}打过电话说过这个事。",
    ],
    "resolve": [
        "坐席：查到订单{order_no}了，{timestamp}已经出库。",
        "坐席：已为您退款{amount}，三到五个工作日到账。",
        "坐席：已记录工单{ticket_ref}，我的同事{agent}会跟进。",
        "坐席：已将您的邮箱更新为{email}。",
        "坐席：稍后我回拨您的号码{phone}确认。",
        "坐席：看到之前有个工单{ticket_ref}，是{agent}处理的。",
        "坐席：快递{tracking}已经到网点了，明天派送。",
    ],
    "smalltalk": [
        "坐席：好的，我帮您查询一下，请稍等。",
        "客户：好的，刚才已经等了很久了。",
        "坐席：抱歉让您久等了，今天活动期间来电比较多。",
        "客户：理解，昨天晚上APP一直打不开。",
        "坐席：这个问题我也帮您记录下来反馈给技术部门。",
        "客户：好的，谢谢，我平时主要用小程序下单。",
        "坐席：感谢您的耐心等待，系统今天有点慢。",
        "客户：顺便问一下，冬季新品什么时候补货？",
    ],
    "closing": [
        "坐席：请问还有其他问题吗？\n客户：没有了，谢谢。\n"
        "坐席：感谢{surname}{title}的来电，再见。\n客户：再见。",
        "坐席：{name}您好，感谢来电，祝您生活愉快。",
    ],
    "summary": [
        "{name}来电咨询订单{order_no}，已退款{amount}。",
        "客户要求更新联系方式，回拨{phone}。",
        "快递{tracking}延误，已升级为{ticket_ref}。",
        "身份已核验，咨询发票{invoice}。",
    ],
}

TEMPLATES = {"en": EN, "zh": ZH}


def pick(rng: random.Random, ctx: dict[str, str], kind: str, count: int) -> Text:
    """``count`` distinct templates of one kind rendered as one text."""
    pool = TEMPLATES[ctx["lang"]][kind]
    return render(rng.sample(pool, min(count, len(pool))), ctx)


def transcript(rng: random.Random, ctx: dict[str, str]) -> Text:
    """A multi-turn call of roughly 1-3 KB: greeting, identification, verification, a few
    issue/resolution exchanges and a closing line."""
    lines = TEMPLATES[ctx["lang"]]
    turns = [rng.choice(lines["greeting"]), rng.choice(lines["identify"])]
    turns += rng.sample(lines["verify"], 2)
    target = rng.randrange(900, 2700) // (2 if ctx["lang"] == "zh" else 1)  # 汉字: 3 bytes
    size = sum(map(len, turns))
    exchanges = zip(rng.sample(lines["issue"], 7), rng.sample(lines["resolve"], 7),
                    rng.sample(lines["smalltalk"], 7), strict=False)
    for exchange in exchanges:
        if size >= target:
            break
        turns += exchange
        size += sum(map(len, exchange)) + 60  # placeholders expand by roughly this much
    turns.append(rng.choice(lines["closing"]))
    return render(turns, ctx, joiner="\n")
