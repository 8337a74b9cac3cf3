"""Reading the GB/T 2260 region list shipped in `data/regions_henan.tsv`."""
from dataclasses import dataclass
from pathlib import Path

REGIONS_FILE = Path(__file__).resolve().parent / "data" / "regions_henan.tsv"
PROVINCE_CODE = "410000"
LEVEL_ORDER = {"province": 0, "city": 1, "county": 2}


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    level: str
    parent_code: str | None


def read_region_rows(path: Path = REGIONS_FILE) -> list[RegionRow]:
    """Return the rows of the region file, parents before children; `#` lines are comments."""
    rows = []
    for line_number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 4:
            raise ValueError(f"{path.name} line {line_number}: expected 4 tab-separated fields, got {len(fields)}")
        code, name, level, parent_code = fields
        rows.append(RegionRow(code=code, name=name, level=level, parent_code=parent_code or None))
    return sorted(rows, key=lambda row: (LEVEL_ORDER[row.level], row.code))

# 济源示范区 has no county-level divisions below it, so schools there are placed at this code.
JIYUAN_CODE = "419001"
