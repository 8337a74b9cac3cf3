"""Logging filters for the request log."""
import logging


class ForbiddenOneLine(logging.Filter):
    """Reduce django.request's 403 records to one line with the path and the user id.

    Django logs every PermissionDenied at WARNING with its traceback. A refused page is
    an expected event that the 403 page already explains, so the traceback only fills
    the server log. Records of other status codes pass unchanged.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) != 403:
            return True
        request = getattr(record, "request", None)
        user = getattr(request, "user", None)
        record.msg = "Forbidden: path=%s user_id=%s"
        record.args = (getattr(request, "path", ""), getattr(user, "pk", None))
        record.exc_info = None
        record.exc_text = None
        return True
