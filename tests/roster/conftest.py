import pytest


@pytest.fixture
def make_xlsx(tmp_path):
    """Write rows (the first is the header) to a real .xlsx file and return its path."""
    from openpyxl import Workbook

    def make(rows, name="roster.xlsx", text_columns=()):
        workbook = Workbook()
        sheet = workbook.active
        for row in rows:
            sheet.append(list(row))
        for column in text_columns:
            for cell in sheet[column]:
                cell.number_format = "@"
        path = tmp_path / name
        workbook.save(path)
        return path

    return make


@pytest.fixture
def make_csv(tmp_path):
    """Write rows to a real .csv file in the given encoding and return its path."""
    import csv
    import io

    def make(rows, encoding="utf-8", name="roster.csv"):
        buffer = io.StringIO(newline="")
        csv.writer(buffer).writerows(rows)
        path = tmp_path / name
        path.write_bytes(buffer.getvalue().encode(encoding))
        return path

    return make
