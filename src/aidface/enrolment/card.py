"""ID-card data as the terminal's reader service sends it, validated again on the server.

The terminal page reads the card from an HTTP JSON service on the terminal itself (or
from the simulator, which serves the same JSON) and forwards it unchanged. Nothing in it
is trusted: the ID number is validated again, the birth date must agree with the ID
number, an expired card is rejected and the chip photo must decode as BMP or JPEG.

Reader JSON fields: name, id_number, sex, ethnicity, birth_date (YYYY-MM-DD), address,
issuing_authority, valid_from (YYYY-MM-DD), valid_until (YYYY-MM-DD or "长期" for a card
without expiry), photo (base64 of the chip photo, BMP or JPEG).
"""
import base64
import binascii
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from aidface.face.decode import decode_image
from aidface.face.errors import FaceError
from aidface.roster.idnumber import InvalidIdNumber, parse_id_number

# Cards of people aged 46 and over never expire; readers write this instead of a date.
NO_EXPIRY = "长期"
CHIP_PHOTO_FORMATS = frozenset({"BMP", "JPEG"})
# A chip photo is 102x126 px, about 38 KB as BMP; anything far larger is not a chip photo.
MAX_CHIP_PHOTO_BYTES = 200 * 1024


class CardError(Exception):
    """Card data that cannot be accepted; `message` is the Chinese sentence for the terminal screen."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class IdCard:
    name: str
    id_number: str
    birth_date: date
    valid_until: date | None
    issuing_authority: str
    chip_photo: bytes = field(repr=False)
    chip_photo_format: str

    def age_on(self, day: date) -> int:
        """Return the age in whole years on `day`."""
        had_birthday = (day.month, day.day) >= (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - (0 if had_birthday else 1)


def normalise_name(name: str) -> str:
    """Return a name as compared with the roster: NFKC, without spaces and with one kind of middle dot."""
    text = unicodedata.normalize("NFKC", name)
    text = "".join(text.split())
    return text.replace("•", "·").replace("・", "·").replace(".", "·")


def parse_card(data: dict, *, today: date) -> IdCard:
    """Validate the reader's JSON. Raises CardError."""
    if not isinstance(data, dict):
        raise CardError("card_unreadable", "读卡数据格式不正确，请重新放置身份证后读卡")

    name = normalise_name(str(data.get("name") or ""))
    if not name:
        raise CardError("card_unreadable", "未读到姓名，请重新放置身份证后读卡")

    try:
        id_number = parse_id_number(str(data.get("id_number") or ""), today=today)
    except InvalidIdNumber as error:
        raise CardError("invalid_id_number", f"身份证号无效：{error.message}。请核对证件后重新读卡") from None

    birth_date = _parse_date(data.get("birth_date"), "出生日期")
    if birth_date != id_number.birth_date:
        raise CardError("card_inconsistent", "证件上的出生日期与身份证号不一致，证件可能已损坏，请更换证件后重试")

    valid_until = _parse_valid_until(data.get("valid_until"))
    if valid_until is not None and valid_until < today:
        raise CardError(
            "card_expired", f"身份证已于 {valid_until:%Y-%m-%d} 过期，请携带有效身份证（或临时身份证）重新采集"
        )

    chip_photo, chip_format = _decode_chip_photo(data.get("photo"))
    return IdCard(
        name=name,
        id_number=id_number.value,
        birth_date=birth_date,
        valid_until=valid_until,
        issuing_authority=str(data.get("issuing_authority") or "")[:64],
        chip_photo=chip_photo,
        chip_photo_format=chip_format,
    )


def _parse_date(raw: object, label: str) -> date:
    try:
        return date.fromisoformat(str(raw or "").strip())
    except ValueError:
        raise CardError("card_unreadable", f"读到的{label}“{raw}”不是有效日期，请重新读卡") from None


def _parse_valid_until(raw: object) -> date | None:
    if str(raw or "").strip() == NO_EXPIRY:
        return None
    return _parse_date(raw, "有效期截止日期")


def _decode_chip_photo(raw: object) -> tuple[bytes, str]:
    unreadable = CardError("chip_photo_unreadable", "身份证芯片照片无法读取，请重新读卡；仍失败请更换证件")
    if not isinstance(raw, str) or not raw:
        raise unreadable
    try:
        photo = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise unreadable from None
    if len(photo) > MAX_CHIP_PHOTO_BYTES:
        raise unreadable
    try:
        image = decode_image(photo)
    except FaceError:
        raise unreadable from None
    if image.format not in CHIP_PHOTO_FORMATS:
        raise unreadable
    return photo, image.format
