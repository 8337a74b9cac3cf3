"""Reading .xlsx rosters written by openpyxl and by hand, as other producers write them."""
import io
import zipfile

import pytest
from openpyxl import Workbook

from aidface.roster.reading import RosterFileError, read_roster, xlsx_rows

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"


def saved(workbook: Workbook) -> bytes:
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def streamed_rows(content: bytes) -> list[tuple[int, tuple]]:
    """Return the roster reader's non-empty rows with trailing empty cells removed."""
    rows = []
    for number, values in xlsx_rows(content):
        trimmed = list(values)
        while trimmed and trimmed[-1] is None:
            trimmed.pop()
        if trimmed:
            rows.append((number, tuple(trimmed)))
    return rows


def test_number_types_kept():
    workbook = Workbook()
    workbook.active.append([2025, 4.10181200803151e17, "410181200803151234"])
    [(_, values)] = streamed_rows(saved(workbook))
    assert [type(value) for value in values] == [int, float, str]


def _package(sheet_xml: str, strings_xml: str | None, *, sheet_target: str = "worksheets/sheet1.xml") -> bytes:
    """Write a minimal SpreadsheetML package by hand, as other producers than openpyxl do."""
    relationships = [
        f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="{sheet_target}"/>',
    ]
    overrides = [
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>',
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>',
    ]
    if strings_xml is not None:
        relationships.append(f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml"/>')
        overrides.append(
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        )
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>' + "".join(overrides) + "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
            '<sheets><sheet name="名册" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
            + "".join(relationships)
            + "</Relationships>",
        )
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>{sheet_xml}</sheetData></worksheet>',
        )
        if strings_xml is not None:
            archive.writestr(
                "xl/sharedStrings.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">{strings_xml}</sst>',
            )
    return output.getvalue()


SHARED_STRINGS = (
    "<si><t>姓名</t></si>"
    "<si><t>身份证号</t></si>"
    "<si><t>资助状态</t></si>"
    # Rich text runs join into one value, and the phonetic guide (rPh) is left out.
    "<si><r><t>张</t></r><r><rPr><b/></rPr><t>三</t></r><rPh sb=\"0\" eb=\"1\"><t>zhang</t></rPh></si>"
    "<si><t xml:space=\"preserve\"> 41018120080315123x </t></si>"
    "<si><t>受助</t></si>"
)
# The second row's cells carry no references, which SpreadsheetML allows.
SHEET = (
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>'
    '<row r="2"><c t="s"><v>3</v></c><c t="s"><v>4</v></c><c t="s"><v>5</v></c></row>'
    '<row r="4"><c r="A4" t="inlineStr"><is><t>李四</t></is></c><c r="B4"><v>4.10181200803151E+17</v></c>'
    '<c r="C4" t="str"><f>"受"&amp;"助"</f><v>受助</v></c><c r="E4" t="b"><v>1</v></c></row>'
)


def test_shared_strings_values():
    content = _package(SHEET, SHARED_STRINGS)
    assert streamed_rows(content)[1] == (2, ("张三", " 41018120080315123x ", "受助"))


def test_absolute_sheet_target():
    content = _package(SHEET, SHARED_STRINGS, sheet_target="/xl/worksheets/sheet1.xml")
    assert streamed_rows(content)[0] == (1, ("姓名", "身份证号", "资助状态"))


def test_hand_built_roster_rejects_numeric_id():
    sheet = read_roster(_package(SHEET, SHARED_STRINGS), "roster.xlsx")
    assert [row.cells["id_number"].is_number for row in sheet.rows] == [False, True]


def test_missing_shared_strings_part():
    content = _package(SHEET, None)
    with pytest.raises(RosterFileError):
        read_roster(content, "roster.xlsx")


def test_malformed_sheet_xml():
    content = _package("<row><c><v>1</v></row>", None)
    with pytest.raises(RosterFileError):
        read_roster(content, "roster.xlsx")


def test_zip_without_workbook():
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("readme.txt", "不是工作簿")
    with pytest.raises(RosterFileError):
        read_roster(output.getvalue(), "roster.xlsx")
