"""The login form, which accepts a student's ID number as typed on a phone."""
import re
import unicodedata

from django.contrib.auth.forms import AuthenticationForm

# 17 digits and a check character: a student's login name is the ID number.
ID_NUMBER_SHAPE = re.compile(r"\d{17}[\dXx]")


class LoginForm(AuthenticationForm):
    """Authenticate as Django does, reading an ID-number-shaped user name with an upper-case X.

    Student logins store the ID number with its final X in upper case, while phone
    keyboards often give a lower-case x or full-width characters. Other user names are
    left exactly as typed.
    """

    def clean_username(self) -> str:
        username = self.cleaned_data.get("username", "")
        candidate = unicodedata.normalize("NFKC", username).strip()
        if ID_NUMBER_SHAPE.fullmatch(candidate):
            return candidate.upper()
        return username
