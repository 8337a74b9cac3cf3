"""The effective policy of an office or a school.

The province's defaults apply first, then the overrides of each office from the
province down to the office itself. An override that is no longer within the
policy above it (because an office above tightened its own value later) is
skipped, so the stricter value above stays in force.
"""
from __future__ import annotations

import logging

from aidface.org.models import AidOffice, Level, School
from aidface.policy.calendar import SemesterCalendar, Term, semester_calendar
from aidface.policy.limits import SETTINGS, PolicyValueError, check_policy, check_value, parse_value
from aidface.policy.models import PolicyOverride
from aidface.policy.values import PROVINCE_DEFAULTS, Policy

logger = logging.getLogger(__name__)


def office_chain(office: AidOffice) -> list[AidOffice]:
    """Return the offices from the province down to `office`."""
    chain = [office]
    while chain[-1].parent_id is not None:
        chain.append(chain[-1].parent)
    chain.reverse()
    return chain


def resolve(office: AidOffice) -> tuple[Policy, dict[str, AidOffice]]:
    """Return the office's effective policy and, per overridden key, the office whose value applies."""
    chain = office_chain(office)
    overrides: dict[int, list[PolicyOverride]] = {item.pk: [] for item in chain}
    for override in PolicyOverride.objects.filter(office__in=chain).order_by("key"):
        overrides[override.office_id].append(override)

    policy = PROVINCE_DEFAULTS
    sources: dict[str, AidOffice] = {}
    for item in chain:
        below = apply_overrides(policy, item, overrides[item.pk])
        for key in SETTINGS:
            if getattr(below, key) != getattr(policy, key):
                sources[key] = item
        policy = below
    return policy, sources


def effective_policy_for_office(office: AidOffice) -> Policy:
    return resolve(office)[0]


def effective_policy_for_school(school: School) -> Policy:
    """Return the policy of the school's supervising office."""
    return effective_policy_for_office(school.supervising_office)


def effective_policy(target: AidOffice | School | None) -> Policy:
    """Return the policy in force for an office or a school, or the province's defaults for None."""
    if target is None:
        return PROVINCE_DEFAULTS
    if isinstance(target, School):
        return effective_policy_for_school(target)
    return effective_policy_for_office(target)


def semester_calendar_for_school(school: School, year: int, term: Term) -> SemesterCalendar:
    """Return every date of a semester as the school's supervising office's policy sets them."""
    return semester_calendar(effective_policy_for_school(school), year, term)


def apply_overrides(parent: Policy, office: AidOffice, overrides: list[PolicyOverride]) -> Policy:
    """Return `parent` with the office's valid overrides applied."""
    is_province = office.level == Level.PROVINCE
    changes: dict[str, object] = {}
    for override in overrides:
        try:
            value = parse_value(override.key, override.value)
            check_value(override.key, value, parent=parent, is_province=is_province)
        except PolicyValueError as error:
            logger.warning("policy override skipped office=%s key=%s: %s", office.pk, override.key, error)
            continue
        changes[override.key] = value

    policy = parent.replace(**changes)
    try:
        check_policy(policy)
    except PolicyValueError as error:
        logger.warning("policy overrides of office=%s skipped as a whole: %s", office.pk, error)
        return parent
    return policy


def overrides_of(office: AidOffice) -> dict[str, PolicyOverride]:
    return {override.key: override for override in PolicyOverride.objects.filter(office=office)}
