"""Errors of internship services, each with the Chinese text shown to the operator."""


class InternshipError(Exception):
    """A step that cannot be done now, with the Chinese sentence shown to people in `message`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class InternshipValidationError(InternshipError):
    """Invalid fields of a record: `errors` maps each field name to its own message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("invalid", "；".join(errors.values()))
        self.errors = errors
