"""The error raised by the check services when input or state does not allow the change."""


class CheckError(Exception):
    """A rejected check operation; `message` is the Chinese sentence shown to the user.

    `code` is a stable English identifier for tests and the JSON API, for example
    "outside_window" or "not_in_scope".
    """

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")
