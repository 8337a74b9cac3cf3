"""Resident ID numbers (居民身份证号码, GB 11643-1999).

An ID number has 18 characters. The first 6 digits are the region code (GB/T 2260),
then 8 digits of birth date and a 3-digit sequence number (odd for men, even for
women). The last character is the ISO 7064 MOD 11-2 check over the first 17 digits,
with "X" for the value 10.

Spreadsheets damage ID numbers: a cell stored as a number loses the digits after the
15th, shows them in scientific notation or drops a final X. Such values are rejected,
never repaired, because a guessed digit gives the student someone else's identity.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

# Province-level codes of GB/T 2260 (the first two digits).
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
        "65", "71", "81", "82",
    }
)
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"
_SCIENTIFIC = re.compile(r"^[0-9]+(\.[0-9]*)?[eE][+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[0-9]+\.[0-9]*$")
_CHARACTERS = re.compile(r"^[0-9]*[0-9X]$")
# Spaces that Excel, Word and web forms leave around a value. NFKC turns the
# ideographic space into a plain one but keeps the zero-width characters.
_EDGE_CHARACTERS = " \t\r\n\u00a0\u3000\u200b\ufeff"

NUMERIC_CELL_FIX = "请在原表中把该列设为文本格式，重新填写完整的 18 位身份证号后再导入"
NUMERIC_CELL_MESSAGE = f"是数字格式，会丢失第 15 位以后的数字和末位 X，无法据此还原身份证号；{NUMERIC_CELL_FIX}"


class InvalidIdNumber(ValueError):
    """An ID number that cannot be accepted, with a Chinese `message` for the operator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def normalise(text: str) -> str:
    """Trim, turn full-width characters into half-width ones and upper-case a final x."""
    text = unicodedata.normalize("NFKC", text).strip(_EDGE_CHARACTERS)
    return text.upper() if text.endswith("x") else text


def check_character(first_17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character of 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first_17, _WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[total % 11]


@dataclass(frozen=True)
class IdNumber:
    value: str

    @property
    def birth_date(self) -> date:
        return date(int(self.value[6:10]), int(self.value[10:12]), int(self.value[12:14]))

    @property
    def gender(self) -> str:
        """'male' or 'female', from the parity of the sequence number."""
        return "male" if int(self.value[16]) % 2 else "female"

    @property
    def masked(self) -> str:
        return mask(self.value)


def mask(value: str) -> str:
    """Show the region code and the last 4 characters, such as 410102********1234."""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def parse_id_number(text: str, *, today: date | None = None) -> IdNumber:
    """Normalise and validate an ID number typed or read as text.

    Raises InvalidIdNumber with the reason. The roster import rejects a value that a
    spreadsheet stored as a number before calling this, because its digits may be lost.
    """
    value = normalise(text)
    if not value:
        raise InvalidIdNumber("身份证号为空")
    if _SCIENTIFIC.match(value):
        raise InvalidIdNumber(f"身份证号“{value}”是科学计数法，第 15 位以后的数字已丢失；{NUMERIC_CELL_FIX}")
    if _DECIMAL.match(value):
        raise InvalidIdNumber(f"身份证号“{mask(value)}”带有小数点，是按数字格式导出的；{NUMERIC_CELL_FIX}")
    if not _CHARACTERS.match(value):
        raise InvalidIdNumber("身份证号只能由 17 位数字和 1 位数字或 X 组成，请删去其中的空格、字母或符号")
    if len(value) == 15 and value.isdigit():
        raise InvalidIdNumber("这是 15 位的旧身份证号，请提供 18 位的居民身份证号")
    if len(value) != 18:
        hint = "，可能丢失了末位 X" if len(value) == 17 else ""
        raise InvalidIdNumber(f"身份证号应为 18 位，这里是 {len(value)} 位{hint}")
    # NOTE: only the province code and a non-zero city part are checked. Old ID numbers
    # keep county codes that GB/T 2260 has since retired, and that history is not stored here.
    if value[:2] not in PROVINCE_CODES or value[2:4] == "00":
        raise InvalidIdNumber(f"身份证号前 6 位“{value[:6]}”不是有效的行政区划代码")

    try:
        birth_date = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidIdNumber(f"身份证号中的出生日期“{value[6:14]}”不是真实的日期") from None
    if birth_date.year < 1800 or birth_date > (today or date.today()):
        raise InvalidIdNumber(f"身份证号中的出生日期“{value[6:14]}”不合理")

    expected = check_character(value[:17])
    if value[17] != expected:
        raise InvalidIdNumber("身份证号校验位不正确，请核对每一位数字")
    return IdNumber(value)
