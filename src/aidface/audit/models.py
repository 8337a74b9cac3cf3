"""Audit entries and the chain head.

Entries are append-only: the model and its queryset reject changes and deletions,
and database triggers (created in migration 0002) reject UPDATE and DELETE on
SQLite and PostgreSQL. Each entry stores the previous entry's hash, so
`aidface verify_audit` detects a changed, removed or reordered entry even when
someone bypasses the triggers.
"""
import re

from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit entry."""


class Outcome(models.TextChoices):
    SUCCESS = "success", "成功"
    FAILURE = "failure", "失败"
    DENIED = "denied", "拒绝"


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit entries cannot be updated")

    def delete(self):
        raise AppendOnlyError("audit entries cannot be deleted")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("audit entries cannot be updated")


class AuditEntry(models.Model):
    """One recorded action: who (user, role, office or school), what, on which object, when, from where, outcome.

    `username`, `role` and `unit_name` are copies taken when the entry was written, so
    the entry still reads correctly after the user or their school is renamed.
    `office` and `school` place the entry in a jurisdiction: the actor's unit, or for
    a failed login the unit of the account that was tried.
    """

    seq = models.PositiveBigIntegerField("序号", unique=True)
    created_at = models.DateTimeField("时间")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="用户"
    )
    username = models.CharField("用户名", max_length=150, blank=True)
    role = models.CharField("角色", max_length=32, blank=True)
    office = models.ForeignKey(
        "org.AidOffice", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="资助部门"
    )
    school = models.ForeignKey(
        "org.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="学校"
    )
    unit_name = models.CharField("单位", max_length=128, blank=True)
    action = models.CharField("操作", max_length=64)
    target_type = models.CharField("对象类型", max_length=64, blank=True)
    target_id = models.CharField("对象编号", max_length=64, blank=True)
    target_repr = models.CharField("对象", max_length=255, blank=True)
    outcome = models.CharField("结果", max_length=16, choices=Outcome.choices)
    detail = models.JSONField("详情", default=dict, blank=True)
    client_ip = models.CharField("客户端 IP", max_length=45, blank=True)
    path = models.CharField("请求路径", max_length=255, blank=True)
    prev_hash = models.CharField("前一条哈希", max_length=64)
    hash = models.CharField("哈希", max_length=64)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = "审计日志"
        indexes = [
            models.Index(fields=["office", "-seq"]),
            models.Index(fields=["school", "-seq"]),
            models.Index(fields=["action", "-seq"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.username}"

    @property
    def role_label(self) -> str:
        """The role as the UI shows it: 省级/市级/县级资助部门 for office staff, 系统管理员 for superusers without a role.

        The office level is not part of the hashed entry, so it is read from the user's
        current office. `entry.office` cannot stand in for it, because an entry about a new
        lower office is placed in that office.
        """
        from aidface.org.models import Role

        if self.role == "superuser":
            return "系统管理员"
        if self.role == Role.OFFICE_STAFF and self.user is not None and self.user.office_id is not None:
            return f"{self.user.office.get_level_display()}资助部门"
        return Role(self.role).label if self.role in Role.values else self.role

    @property
    def action_label(self) -> str:
        from aidface.audit.labels import action_label

        return action_label(self.action)

    @property
    def masked_username(self) -> str:
        """The user name for the log page, with an ID number (a student's user name) masked."""
        return mask_id_numbers(self.username)

    @property
    def masked_target_repr(self) -> str:
        return mask_id_numbers(self.target_repr)

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"audit entry #{self.seq} cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"audit entry #{self.seq} cannot be deleted")


# An 18-character mainland ID number standing alone in a text.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def mask_id_numbers(text: str) -> str:
    """Mask every ID number in `text` as the roster pages do (region code and last 4 characters)."""
    from aidface.roster.idnumber import mask

    return _ID_NUMBER.sub(lambda match: mask(match.group(0)), text or "")


class AuditHead(models.Model):
    """The single row holding the last sequence number and hash of the chain.

    Appends update this row first, which takes its row lock on PostgreSQL and the
    write lock on SQLite, so two concurrent writers cannot both extend the same entry.
    It also lets `verify_audit` notice entries removed from the end of the chain.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "审计链头"
