"""Policy overrides stored per aid office (Art. 24)."""
from django.conf import settings
from django.db import models


class PolicyOverride(models.Model):
    """One setting of an office's local rules that replaces the value inherited from above.

    `value` is the JSON form that `aidface.policy.limits.serialise_value` returns.
    """

    office = models.ForeignKey(
        "org.AidOffice", on_delete=models.CASCADE, related_name="policy_overrides", verbose_name="资助部门"
    )
    key = models.CharField("规则项", max_length=64)
    value = models.JSONField("取值")
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="修改人"
    )

    class Meta:
        verbose_name = "地方规则"
        ordering = ["office_id", "key"]
        constraints = [models.UniqueConstraint(fields=["office", "key"], name="policy_override_unique_key")]

    def __str__(self) -> str:
        return f"{self.office_id}:{self.key}"
