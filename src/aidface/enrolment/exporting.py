"""The 采集状态 column of the roster export, with late enrolments marked (Art. 6)."""
from aidface.roster.exporting import EXTRA_COLUMNS, ExportColumn

HEADER = "采集状态"


def register_export_columns() -> None:
    """Add the column once, even when Django calls ready() more than once in tests."""
    if any(column.header == HEADER for column in EXTRA_COLUMNS):
        return
    from aidface.enrolment.selectors import state_labels_by_student

    EXTRA_COLUMNS.append(ExportColumn(header=HEADER, values=state_labels_by_student))
