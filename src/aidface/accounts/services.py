"""Account changes, each written with its audit entry."""
from django.db import transaction

from aidface.audit.services import record


def change_password(*, user, new_password: str) -> None:
    """Set a new password (already checked by the validators) and lift a forced change."""
    with transaction.atomic():
        user.set_password(new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])

        record(user=user, action="auth.password_change", target=user)
