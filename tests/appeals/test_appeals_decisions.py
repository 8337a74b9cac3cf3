"""Deciding, expiring and auditing appeals: approve → appeal_normal, reject and expiry keep the result."""
import pytest
from django.core.exceptions import PermissionDenied

from appeals_support import at, draft, file_appeal, month_result

NOVEMBER = "month:2026-11"
IN_WINDOW = at(2026, 12, 3, 10)
SPRING = "semester:2026-spring"
SPRING_WINDOW = at(2026, 6, 15, 10)


def actions_of(appeal) -> list[str]:
    from aidface.audit.models import AuditEntry

    entries = AuditEntry.objects.filter(target_type="appeals.appeal", target_id=str(appeal.pk)).order_by("seq")
    return list(entries.values_list("action", flat=True))


def test_approve_sets_appeal_normal(world):
    from aidface.appeals.models import AppealState, ItemDecision
    from aidface.appeals.services import decide_items
    from aidface.checks.models import MonthResult

    result = month_result(world.absent, 2026, 11, "absent")
    appeal = file_appeal(world, NOVEMBER, [world.absent], now=IN_WINDOW)
    item = appeal.items.get()

    decide_items(user=world.office, appeal=appeal, item_ids=[item.pk], approve=True, now=at(2026, 12, 12, 9))

    result.refresh_from_db()
    item.refresh_from_db()
    appeal.refresh_from_db()
    assert result.state == "appeal_normal"
    assert result.state_before_appeal == "absent"
    assert result.appeal_ref == str(appeal.pk)
    assert item.decision == ItemDecision.APPROVED
    assert appeal.state == AppealState.DECIDED
    assert MonthResult.objects.filter(state="appeal_normal").count() == 1


def test_reject_keeps_result(world):
    from aidface.appeals.errors import AppealError
    from aidface.appeals.models import ItemDecision
    from aidface.appeals.services import decide_items

    result = month_result(world.failed, 2026, 11, "failed")
    appeal = file_appeal(world, NOVEMBER, [world.failed], now=IN_WINDOW)
    item = appeal.items.get()

    with pytest.raises(AppealError) as raised:
        decide_items(user=world.office, appeal=appeal, item_ids=[item.pk], approve=False, now=IN_WINDOW)
    assert raised.value.code == "comment_missing"

    decide_items(user=world.office, appeal=appeal, item_ids=[item.pk], approve=False, comment="证明材料不全", now=IN_WINDOW)

    result.refresh_from_db()
    item.refresh_from_db()
    assert result.state == "failed"
    assert item.decision == ItemDecision.REJECTED
    assert item.comment == "证明材料不全"


def test_partial_decision_keeps_appeal_filed(world):
    from aidface.appeals.models import AppealState
    from aidface.appeals.services import decide_items

    month_result(world.absent, 2026, 11, "absent")
    month_result(world.failed, 2026, 11, "failed")
    appeal = file_appeal(world, NOVEMBER, [world.absent, world.failed], now=IN_WINDOW)
    first = appeal.items.get(student=world.absent)

    decide_items(user=world.office, appeal=appeal, item_ids=[first.pk], approve=True, now=IN_WINDOW)

    appeal.refresh_from_db()
    assert appeal.state == AppealState.FILED


def test_semester_approve_sets_every_month(world):
    from aidface.appeals.services import decide_items
    from aidface.checks.models import MonthResult

    for month, state in ((3, "absent"), (4, "forced_pass"), (5, "marked_pass")):
        month_result(world.absent, 2026, month, state)
    appeal = file_appeal(world, SPRING, [world.absent], now=SPRING_WINDOW)

    decide_items(user=world.office, appeal=appeal, item_ids=[appeal.items.get().pk], approve=True, now=SPRING_WINDOW)

    results = {row.month: row for row in MonthResult.objects.filter(student=world.absent, year=2026)}
    assert sorted(results) == [3, 4, 5]
    assert {row.state for row in results.values()} == {"appeal_normal"}
    assert results[4].state_before_appeal == "forced_pass"
    assert results[5].state_before_appeal == "marked_pass"


def test_semester_candidates_exclude_normal_month(world):
    from aidface.appeals.errors import AppealError
    from aidface.appeals.selectors import candidates
    from aidface.appeals.windows import parse_target
    from aidface.policy.values import PROVINCE_DEFAULTS

    month_result(world.absent, 2026, 3, "absent")
    month_result(world.absent, 2026, 4, "failed")
    month_result(world.normal, 2026, 3, "absent")
    month_result(world.normal, 2026, 4, "normal")

    found = candidates(world.tree.county_school, parse_target(PROVINCE_DEFAULTS, SPRING))

    assert [candidate.student for candidate in found] == [world.absent]
    with pytest.raises(AppealError) as raised:
        draft(world, SPRING, [world.normal], now=SPRING_WINDOW)
    assert raised.value.code == "not_appealable"


def test_monthly_normal_student_refused(world):
    from aidface.appeals.errors import AppealError

    month_result(world.normal, 2026, 11, "normal")

    with pytest.raises(AppealError) as raised:
        draft(world, NOVEMBER, [world.normal], now=IN_WINDOW)

    assert raised.value.code == "not_appealable"


def test_second_appeal_same_student_refused(world):
    from aidface.appeals.errors import AppealError

    month_result(world.absent, 2026, 11, "absent")
    draft(world, NOVEMBER, [world.absent], now=IN_WINDOW)

    with pytest.raises(AppealError) as raised:
        draft(world, NOVEMBER, [world.absent], now=IN_WINDOW)

    assert raised.value.code == "already_appealed"


def test_reason_required_per_student(world):
    from aidface.appeals.errors import AppealError
    from aidface.appeals.services import draft_appeal

    month_result(world.absent, 2026, 11, "absent")
    month_result(world.failed, 2026, 11, "failed")

    with pytest.raises(AppealError) as raised:
        draft_appeal(
            user=world.operator,
            target_key=NOVEMBER,
            reasons={world.absent.pk: "住院", world.failed.pk: "  "},
            document=b"%PDF-1.4\n%%EOF\n",
            document_name="a.pdf",
            now=IN_WINDOW,
        )

    assert raised.value.code == "reason_missing"
    assert "李小红" in raised.value.message


def test_other_school_student_refused(world):
    from aidface.appeals.errors import AppealError

    month_result(world.other_school_student, 2026, 11, "absent")

    with pytest.raises(AppealError) as raised:
        draft(world, NOVEMBER, [world.other_school_student], now=IN_WINDOW)

    assert raised.value.code == "not_appealable"


def test_office_above_cannot_decide(world):
    from aidface.appeals.services import decide_items

    month_result(world.absent, 2026, 11, "absent")
    appeal = file_appeal(world, NOVEMBER, [world.absent], now=IN_WINDOW)
    item = appeal.items.get()

    for key in ("city", "province"):
        with pytest.raises(PermissionDenied):
            decide_items(user=world.tree.users[key], appeal=appeal, item_ids=[item.pk], approve=True, now=IN_WINDOW)


def test_outside_office_gets_404(world):
    from django.http import Http404

    from aidface.appeals.services import decide_items

    month_result(world.absent, 2026, 11, "absent")
    appeal = file_appeal(world, NOVEMBER, [world.absent], now=IN_WINDOW)

    with pytest.raises(Http404):
        decide_items(
            user=world.tree.users["other_county"], appeal=appeal, item_ids=[appeal.items.get().pk], approve=True, now=IN_WINDOW
        )


def test_operator_cannot_sign(world):
    from aidface.appeals.services import sign_appeal

    month_result(world.absent, 2026, 11, "absent")
    appeal = draft(world, NOVEMBER, [world.absent], now=IN_WINDOW)

    with pytest.raises(PermissionDenied):
        sign_appeal(user=world.operator, appeal=appeal, now=IN_WINDOW)


def test_unsigned_appeal_cannot_be_decided(world):
    from django.http import Http404

    from aidface.appeals.services import decide_items

    month_result(world.absent, 2026, 11, "absent")
    appeal = draft(world, NOVEMBER, [world.absent], now=IN_WINDOW)

    # The office does not see a draft until the principal signs it.
    with pytest.raises(Http404):
        decide_items(user=world.office, appeal=appeal, item_ids=[appeal.items.get().pk], approve=True, now=IN_WINDOW)


@pytest.mark.parametrize(
    ("target_key", "filed_at", "expires_at", "months"),
    [
        (NOVEMBER, IN_WINDOW, at(2027, 1, 1), [(2026, 11)]),
        ("month:2026-12", at(2026, 12, 18, 9), at(2027, 1, 1), [(2026, 12)]),
        (SPRING, SPRING_WINDOW, at(2026, 7, 1), [(2026, 3), (2026, 4), (2026, 5)]),
        ("semester:2026-autumn", at(2026, 12, 22, 9), at(2027, 1, 1), [(2026, 10), (2026, 11), (2026, 12)]),
    ],
)
def test_undecided_appeal_expires(world, target_key, filed_at, expires_at, months):
    from datetime import timedelta

    from aidface.appeals.errors import AppealError
    from aidface.appeals.models import AppealState, ItemDecision
    from aidface.appeals.services import decide_items, expire_due_appeals
    from aidface.checks.models import MonthResult

    for year, month in months:
        month_result(world.absent, year, month, "absent")
    appeal = file_appeal(world, target_key, [world.absent], now=filed_at)
    assert appeal.expires_at == expires_at

    assert expire_due_appeals(now=expires_at - timedelta(seconds=1)) == 0
    assert appeal.effective_state(expires_at - timedelta(seconds=1)) == AppealState.FILED
    assert appeal.effective_state(expires_at) == AppealState.EXPIRED

    with pytest.raises(AppealError) as raised:
        decide_items(user=world.office, appeal=appeal, item_ids=[appeal.items.get().pk], approve=True, now=expires_at)
    assert raised.value.code == "expired"

    assert expire_due_appeals(now=expires_at) == 1
    assert expire_due_appeals(now=expires_at + timedelta(days=3)) == 0

    appeal.refresh_from_db()
    assert appeal.state == AppealState.EXPIRED
    assert appeal.expired_at == expires_at
    assert appeal.items.get().decision == ItemDecision.EXPIRED
    assert set(MonthResult.objects.filter(student=world.absent).values_list("state", flat=True)) == {"absent"}
    assert actions_of(appeal).count("appeal.expire") == 1


def test_expiry_keeps_decided_students(world):
    from aidface.appeals.models import ItemDecision
    from aidface.appeals.services import decide_items, expire_due_appeals

    month_result(world.absent, 2026, 11, "absent")
    month_result(world.failed, 2026, 11, "failed")
    appeal = file_appeal(world, NOVEMBER, [world.absent, world.failed], now=IN_WINDOW)
    approved = appeal.items.get(student=world.absent)
    decide_items(user=world.office, appeal=appeal, item_ids=[approved.pk], approve=True, now=IN_WINDOW)

    expire_due_appeals(now=at(2027, 1, 1))

    decisions = dict(appeal.items.values_list("student_id", "decision"))
    assert decisions[world.absent.pk] == ItemDecision.APPROVED
    assert decisions[world.failed.pk] == ItemDecision.EXPIRED


def test_unsigned_draft_lapses(world):
    from aidface.appeals.models import AppealState
    from aidface.appeals.services import expire_due_appeals

    month_result(world.absent, 2026, 11, "absent")
    appeal = draft(world, NOVEMBER, [world.absent], now=IN_WINDOW)

    assert expire_due_appeals(now=at(2026, 12, 10, 23, 59, 59)) == 0
    assert expire_due_appeals(now=at(2026, 12, 11)) == 1

    appeal.refresh_from_db()
    assert appeal.state == AppealState.LAPSED
    assert actions_of(appeal)[-1] == "appeal.lapse"


def test_expire_command_idempotent(world):
    import time_machine
    from django.core.management import call_command

    from aidface.appeals.models import AppealState

    month_result(world.absent, 2026, 11, "absent")
    appeal = file_appeal(world, NOVEMBER, [world.absent], now=IN_WINDOW)

    with time_machine.travel(at(2027, 1, 2, 3), tick=False):
        call_command("expire_appeals")
        call_command("expire_appeals")

    appeal.refresh_from_db()
    assert appeal.state == AppealState.EXPIRED
    assert actions_of(appeal).count("appeal.expire") == 1


def test_withdraw_before_decision(world):
    from aidface.appeals.errors import AppealError
    from aidface.appeals.models import AppealState
    from aidface.appeals.services import decide_items, withdraw_appeal

    month_result(world.absent, 2026, 11, "absent")
    month_result(world.failed, 2026, 11, "failed")
    withdrawn = file_appeal(world, NOVEMBER, [world.absent], now=IN_WINDOW)
    decided = file_appeal(world, NOVEMBER, [world.failed], now=IN_WINDOW)
    decide_items(user=world.office, appeal=decided, item_ids=[decided.items.get().pk], approve=True, now=IN_WINDOW)

    withdraw_appeal(user=world.operator, appeal=withdrawn, now=IN_WINDOW)
    with pytest.raises(AppealError) as raised:
        withdraw_appeal(user=world.operator, appeal=decided, now=IN_WINDOW)

    withdrawn.refresh_from_db()
    assert withdrawn.state == AppealState.WITHDRAWN
    assert raised.value.code == "not_open"


def test_every_step_audited(world):
    from aidface.appeals.services import decide_items
    from aidface.audit.labels import ACTION_LABELS

    month_result(world.absent, 2026, 11, "absent")
    month_result(world.failed, 2026, 11, "failed")
    appeal = file_appeal(world, NOVEMBER, [world.absent, world.failed], now=IN_WINDOW)
    items = {item.student_id: item for item in appeal.items.all()}

    decide_items(user=world.office, appeal=appeal, item_ids=[items[world.absent.pk].pk], approve=True, now=IN_WINDOW)
    decide_items(
        user=world.office, appeal=appeal, item_ids=[items[world.failed.pk].pk], approve=False, comment="材料不实", now=IN_WINDOW
    )

    actions = actions_of(appeal)
    assert actions == ["appeal.draft", "appeal.sign", "appeal.approve", "appeal.reject"]
    assert all(action in ACTION_LABELS for action in actions)


def test_principal_draft_is_signed(world):
    from aidface.appeals.models import AppealState

    month_result(world.absent, 2026, 11, "absent")

    appeal = draft(world, NOVEMBER, [world.absent], now=IN_WINDOW, user=world.principal)

    assert appeal.state == AppealState.FILED
    assert appeal.signed_by == world.principal


def test_timeline_lists_every_step(world):
    from aidface.appeals.selectors import timeline
    from aidface.appeals.services import decide_items, expire_due_appeals, sign_appeal

    month_result(world.absent, 2026, 11, "absent")
    month_result(world.failed, 2026, 11, "failed")
    appeal = draft(world, NOVEMBER, [world.absent, world.failed], now=at(2026, 12, 2, 9))
    sign_appeal(user=world.principal, appeal=appeal, now=at(2026, 12, 3, 9))
    approved = appeal.items.get(student=world.absent)
    decide_items(user=world.office, appeal=appeal, item_ids=[approved.pk], approve=True, now=at(2026, 12, 8, 9))
    expire_due_appeals(now=at(2027, 1, 1))
    appeal.refresh_from_db()

    labels = [step.label for step in timeline(appeal)]

    assert labels == ["学校起草申诉", "校长签署并提交至巩义市学生资助管理中心", "通过：王小明", "审核期限已过"]
