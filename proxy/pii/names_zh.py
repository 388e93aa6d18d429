"""Chinese person names in free text: jieba's dictionary part of speech (``nr``) checked
against a surname list, plus context cues (客户 / 您好，我是 … before, 先生 / 女士 … after).

Words come from jieba's dictionary-only segmentation; their part of speech is looked up in
the few tags the rules below read, taken from jieba's own dictionary. This is what
``jieba.posseg.cut(text, HMM=False)`` answers for them, without importing ``jieba.posseg``:
its HMM tables and its table of every word's tag would cost each worker ~50 MB."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import jieba

_SINGLE_SURNAMES = (
    "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛"
    "奚范彭郎鲁韦昌马苗凤花方俞任袁柳酆鲍史唐费廉岑薛雷贺倪汤滕殷罗毕郝邬安常乐于时傅皮卞齐康"
    "伍余元卜顾孟平黄和穆萧尹姚邵湛汪祁毛禹狄米贝明臧计伏成戴谈宋茅庞熊纪舒屈项祝董梁杜阮蓝闵"
    "席季麻强贾路娄危江童颜郭梅盛林刁钟徐邱骆高夏蔡田樊胡凌霍虞万支柯昝管卢莫经房裘缪干解应宗"
    "丁宣贲邓郁单杭洪包诸左石崔吉钮龚程嵇邢滑裴陆荣翁荀羊於惠甄曲家封芮羿储靳汲邴糜松井段富巫"
    "乌焦巴弓牧隗山谷车侯宓蓬全郗班仰秋仲伊宫宁仇栾暴甘钭厉戎祖武符刘景詹束龙叶幸司韶郜黎蓟薄"
    "印宿白怀蒲邰从鄂索咸籍赖卓蔺屠蒙池乔阴郁胥能苍双闻莘党翟谭贡劳逄姬申扶堵冉宰郦雍却璩桑桂"
    "濮牛寿通边扈燕冀郏浦尚农温别庄晏柴瞿阎充慕连茹习宦艾鱼容向古易慎戈廖庾终暨居衡步都耿满弘"
    "匡国文寇广禄阙东欧殳沃利蔚越夔隆师巩厍聂晁勾敖融冷訾辛阚那简饶空曾毋沙乜养鞠须丰巢关蒯相"
    "查后荆红游竺权逯盖益桓公付闫代覃涂佘朴练邸揭粟"
)
_COMPOUND_SURNAMES = (
    "欧阳", "司马", "上官", "夏侯", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐",
    "宇文", "长孙", "司徒", "司空", "澹台", "公冶", "宗政", "濮阳", "淳于", "单于", "轩辕",
    "钟离", "闾丘", "万俟", "赫连", "申屠", "太叔", "鲜于",
)
SURNAME = "(?:" + "|".join(_COMPOUND_SURNAMES) + f"|[{_SINGLE_SURNAMES}])"
_HAN = r"[\u4e00-\u9fff]"
_CUE_BEFORE = (r"(?:客户|顾客|用户|联系人|姓名|名字|户名|持卡人|收件人|寄件人|患者|来电人|"
               r"我是|我叫|叫做|您好|你好|尊敬的|致电|转给|交给|同事|经理|主管|坐席|客服|"
               r"专员|爱人|家人|家属|女儿|儿子|丈夫|妻子|老公|老婆|母亲|父亲|代收人|核验|核实)"
               r"[：:，, ]?")
_TITLE_AFTER = (r"(?:先生|女士|小姐|老师|经理|主任|同学|师傅|总监|医生|阿姨|叔叔|"
                r"敬上|负责|跟进|代收|代为|为您服务)")
_SURNAME_TITLE = r"(?:先生|女士|小姐)"  # 黄女士: a surname and a title name a person too
# A given name never runs into these (罗想来电 -> 罗想, not 罗想来).
_STOP_CHARS = set("来说的了在是要想打电已和与对给把被从向也都就还又请问表称反投咨致帮会到将让叫您")
_NOT_NAMES = {"谢谢", "高兴", "周末", "万一", "方便", "明白", "金额", "余额", "常用", "安全",
              "时间", "司机", "东西", "黄金", "张开", "单位", "包括", "高达", "成功", "平安",
              "关于", "申请", "和平", "宁可", "于是", "应该", "华为", "石油", "文件",
              "麻烦", "请问", "好的", "马上", "刚才", "常常", "明天", "万元", "元旦", "都方",
              "祝您", "余下", "于此"}
_NAME_TAGS = {"nr", "nrfg", "nrt"}
_GIVEN_NAME_TAGS = _NAME_TAGS | {"nz", "ns", "a", "j"}  # what may follow a lone surname
_CUED = re.compile(rf"{_CUE_BEFORE}({SURNAME}{_HAN}{{1,2}})"
                   rf"|({SURNAME}{_HAN}{{1,2}}?){_TITLE_AFTER}")
_ADDRESSED = re.compile(rf"(?<![\u4e00-\u9fff]){SURNAME}{_SURNAME_TITLE}")
_LATIN_TITLE = re.compile(rf"(?:Mr|Mrs|Ms|Miss|Dr|this is|I'm|I am|name is)\.? "
                          rf"({SURNAME}{_HAN}{{0,2}})")
_OPENING = re.compile(rf"(?:^|(?<=[。！？\n]))({SURNAME}{_HAN}{{1,2}}?)"
                      rf"(?:来电|修改|咨询|反馈|表示|投诉|申请|要求|说)")
_SURNAME_AT = re.compile(SURNAME)

_init_lock = threading.Lock()
_tags: dict[str, str] = {}  # dictionary word -> its tag, for the tags read here only


def init_jieba() -> None:
    """Load jieba's dictionary and the tags the rules read, once, quietly."""
    with _init_lock:
        if not _tags:
            jieba.setLogLevel(60)
            jieba.initialize()
            _tags.update(_dictionary_tags(_GIVEN_NAME_TAGS))


def _dictionary_tags(wanted: set[str]) -> dict[str, str]:
    """Lines of jieba's dictionary are ``word frequency tag``."""
    tags = {tag: tag for tag in wanted}  # one string per tag, not one per word
    found = {}
    with jieba.dt.get_dict_file() as lines:
        for line in lines:
            word, _, tag = line.decode("utf-8").split()
            if tag in tags:
                found[word] = tags[tag]
    return found


def _trim(name: str) -> str:
    surname = _SURNAME_AT.match(name)
    cut = surname.end() if surname else 1
    if len(name) - cut == 2 and name[-1] in _STOP_CHARS:
        return name[:-1]
    return name


def _plausible(name: str) -> bool:
    surname = _SURNAME_AT.match(name)
    return (surname is not None and 1 <= len(name) - surname.end() <= 2
            and name[:2] not in _NOT_NAMES and not any(ch in _STOP_CHARS for ch in name[1:]))


def _tagged(text: str) -> Iterator[tuple[int, int]]:
    # Dictionary-only (HMM off) is ~10x faster; unknown names are left to the cues.
    spans = [(start, word, _tags.get(word, "x"))
             for word, start, _ in jieba.dt.tokenize(text, HMM=False)]
    for i, (start, word, flag) in enumerate(spans):
        if flag in _NAME_TAGS and _plausible(word):
            yield start, start + len(word)
        elif _SURNAME_AT.fullmatch(word) and i + 1 < len(spans):
            _, following, next_flag = spans[i + 1]
            joined = word + following
            if next_flag in _GIVEN_NAME_TAGS and _plausible(
                    joined) and re.fullmatch(f"{_HAN}+", following):
                yield start, start + len(joined)


def find_chinese_names(text: str) -> list[tuple[int, int]]:
    """Character spans of likely Chinese person names in ``text``."""
    if not re.search(_HAN, text):
        return []
    init_jieba()
    spans = set(_tagged(text))
    for match in _CUED.finditer(text):
        group = 1 if match.group(1) else 2
        name = _trim(match.group(group))
        start = match.start(group)
        if _plausible(name):
            spans.add((start, start + len(name)))
    spans.update(match.span() for match in _ADDRESSED.finditer(text))
    spans.update(match.span(1) for match in _LATIN_TITLE.finditer(text))
    spans.update(match.span(1) for match in _OPENING.finditer(text) if _plausible(match.group(1)))
    return _without_overlaps(sorted(spans))


def _without_overlaps(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    kept: list[tuple[int, int]] = []
    for start, end in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end))
    return kept
