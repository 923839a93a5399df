"""Whose address is it? Words around an address span that say "a person lives here" or
"this is a public place or an organisation's office".

Under the Act on the Protection of Personal Information (APPI, art. 2(1)) personal
information is information about a living individual; the PPC's general guidelines
(通則編 2-1) add that information about a corporation or other body is not, only that
about its officers and staff. So `東京都港区芝浦三丁目1番1号に本社を置く` (a company's
registered office) and `…に所在する公立小学校` (a public school) are not personal
information, while `自宅は…`, `…にお住まいの方`, `お届け先：…` are. docs/pii.md has the
policy and its sources.

The decision reads a fixed window of characters on each side of the span (never the
span itself: `寺町`, `駅前`, `本町` are town names), so it gives the same answer on the
detector's windows as on the whole text:

1. a person word (自宅, 住む, お住まい, 届け先...) -> a person's address: mask;
2. else a facility or organisation word (駅, 学校, 本社, 所在, 店...) -> not personal: keep;
3. else -> unknown owner: mask (a street address alone is treated as personal).
"""

from __future__ import annotations

import re

EVIDENCE_CHARS = 32  # each side; a Japanese clause is ~20-40 characters

# a person lives (or lived, or receives post) there; checked first, so it wins over facility words
PERSON_WORDS = (
    "自宅", "住まい", "住む", "住ん", "住み", "在住", "居住", "住居", "現住所", "住民票", "本籍", "実家", "別荘",
    "転居", "引っ越", "引越", "届け先", "届先", "送付先", "送り先", "配送先", "差出人", "宛先", "様方", "様宅",
    "知人宅", "友人", "知人", "氏名", "お名前", "契約者", "申込者", "応募者", "注文者", "免許証", "被告", "容疑者",
    "宅で", "宅に", "宅へ",
)
# the address is that of a public facility, a company or another organisation
FACILITY_WORDS = (
    "駅", "学校", "中学", "高校", "大学", "幼稚園", "保育園", "館", "本社", "本店", "支社", "支店", "営業所",
    "事業所", "事務所", "事務局", "出張所", "工場", "店", "ショップ", "所在", "本部", "役所", "役場", "庁舎",
    "病院", "医院", "クリニック", "当院", "診療所", "神社", "寺", "教会", "公園", "球場", "競技場", "スタジアム",
    "ホール", "ホテル", "施設", "センター", "会社", "法人", "協会", "組合", "研究所", "空港", "城", "史跡",
    "跡", "商店街", "会場", "キャンパス", "郵便局", "団体", "機関", "拠点", "開業", "移転", "設立",
)
_PERSON = re.compile("|".join(map(re.escape, PERSON_WORDS)))
_FACILITY = re.compile("|".join(map(re.escape, FACILITY_WORDS)))


def context_around(text: str, start: int, end: int, chars: int = EVIDENCE_CHARS) -> tuple[str, str]:
    """The `chars` characters before and after [start, end), each cut at a blank line
    (a new block on a page is about something else)."""
    before = text[max(0, start - chars):start]
    after = text[end:end + chars]
    return before.rsplit("\n\n", 1)[-1], after.split("\n\n", 1)[0]


def address_owner(text: str, start: int, end: int) -> str:
    """`person`, `facility` or `unknown`, from the words around the address text[start:end]."""
    before, after = context_around(text, start, end)
    if _PERSON.search(before) or _PERSON.search(after):
        return "person"
    if _FACILITY.search(before) or _FACILITY.search(after):
        return "facility"
    return "unknown"
