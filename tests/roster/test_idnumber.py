"""ID number normalisation and validation (GB 11643, ISO 7064 MOD 11-2)."""
from datetime import date

import pytest
from roster_helpers import id_number, id_with_check

from aidface.roster.idnumber import InvalidIdNumber, check_character, mask, parse_id_number

TODAY = date(2026, 12, 4)


def reason(text: str) -> str:
    with pytest.raises(InvalidIdNumber) as raised:
        parse_id_number(text, today=TODAY)
    return raised.value.message


# Example numbers printed in GB 11643-1999 itself.
@pytest.mark.parametrize("value", ["11010519491231002X", "440524188001010014"])
def test_standard_examples_valid(value):
    assert parse_id_number(value, today=TODAY).value == value


def test_check_character_x():
    assert check_character("11010519491231002") == "X"


def test_lowercase_x_upper_cased():
    assert parse_id_number("11010519491231002x", today=TODAY).value == "11010519491231002X"


def test_full_width_normalised():
    full_width = "１１０１０５１９４９１２３１００２ｘ"
    assert parse_id_number(full_width, today=TODAY).value == "11010519491231002X"


def test_spaces_trimmed():
    assert parse_id_number("\u3000 440524188001010014\t\u00a0", today=TODAY).value == "440524188001010014"


def test_inner_space_rejected():
    assert "17 位数字" in reason("440524 188001010014")


def test_fifteen_digits_asks_for_eighteen():
    assert "请提供 18 位" in reason("410181080315123")


def test_seventeen_digits_lost_x():
    value = id_with_check("X")
    assert "丢失了末位 X" in reason(value[:17])


def test_wrong_length():
    assert "这里是 19 位" in reason(id_with_check("5") + "1")


def test_wrong_check_character():
    value = id_number()
    wrong = "0" if value[-1] != "0" else "1"
    assert "校验位" in reason(value[:17] + wrong)


def test_lost_digits_fail_check():
    # Excel keeps 15 significant digits: the last three become zeros.
    value = id_with_check("5")
    assert "校验位" in reason(value[:15] + "000")


def test_scientific_notation():
    assert "科学计数法" in reason("4.10181E+17")


def test_decimal_point():
    assert "小数点" in reason(id_number()[:17] + ".0")


def test_impossible_birth_date():
    assert "不是真实的日期" in reason(id_number(birth="20070230"))


def test_leap_day_birth_valid():
    value = id_number(birth="20080229")
    assert parse_id_number(value, today=TODAY).birth_date == date(2008, 2, 29)


def test_common_year_feb_29_invalid():
    assert "不是真实的日期" in reason(id_number(birth="20090229"))


def test_future_birth_date():
    assert "不合理" in reason(id_number(birth="20270101"))


def test_unknown_province_code():
    assert "行政区划代码" in reason(id_number(region="990101"))


def test_city_part_zero():
    assert "行政区划代码" in reason(id_number(region="410001"))


def test_letters_rejected():
    assert "17 位数字" in reason("41018120080315A123")


def test_empty_rejected():
    assert "为空" in reason("   ")


def test_gender_from_sequence():
    assert parse_id_number(id_number(sequence="123"), today=TODAY).gender == "male"


def test_gender_female():
    assert parse_id_number(id_number(sequence="124"), today=TODAY).gender == "female"


def test_mask():
    assert mask("410181200803151234") == "410181********1234"
