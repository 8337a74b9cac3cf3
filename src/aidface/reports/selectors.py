"""The schools an export or a reconciliation covers, always within the user's jurisdiction.

A school or region outside the jurisdiction raises Http404, so its existence is not disclosed.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from aidface.org import scope as jurisdiction


@dataclass(frozen=True)
class ExportScope:
    school_ids: list[int]
    # Set when the export covers one region (its GB/T 2260 code).
    region_code: str = ""
    label: str = ""


def export_scope(user, *, school_id=None, region_code: str = "") -> ExportScope:
    """Return the schools of one school, one region, or (neither given) the whole jurisdiction."""
    schools = jurisdiction.schools(user)
    if school_id:
        school = jurisdiction.get_school_or_404(user, school_id)
        return ExportScope(school_ids=[school.pk], label=f"{school.name}（{school.code}）")
    if region_code:
        region = jurisdiction.get_region_or_404(user, region_code)
        below = Q(region_id=region.code) | Q(region__parent_id=region.code) | Q(region__parent__parent_id=region.code)
        ids = list(schools.filter(below).values_list("pk", flat=True))
        return ExportScope(school_ids=ids, region_code=region.code, label=f"{region.name}（{region.code}）")
    return ExportScope(school_ids=list(schools.values_list("pk", flat=True)), label="管辖范围内全部学校")
