"""Valid ID numbers for roster tests, built independently of the application code."""

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(region: str = "410181", birth: str = "20080315", sequence: str = "123") -> str:
    """Build a valid ID number, computing the check character independently of the app."""
    first_17 = region + birth + sequence
    remainder = sum(int(digit) * weight for digit, weight in zip(first_17, WEIGHTS)) % 11
    return first_17 + "10X98765432"[remainder]


def id_with_check(check: str, **parts) -> str:
    """Build a valid ID number whose check character is `check`, trying sequence numbers."""
    for number in range(1000):
        candidate = id_number(sequence=f"{number:03d}", **parts)
        if candidate.endswith(check):
            return candidate
    raise AssertionError(f"no sequence number gives check character {check}")


def gender_text(value: str) -> str:
    """Return 男 or 女 as the 17th character of an ID number gives it."""
    return "男" if int(value[16]) % 2 else "女"
