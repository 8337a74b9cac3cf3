"""The error raised by the appeal services when input or state does not allow the change."""


class AppealError(Exception):
    """A rejected appeal operation; `message` is the Chinese sentence shown to the user.

    `code` is a stable English identifier for tests, for example "outside_window".
    """

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")
