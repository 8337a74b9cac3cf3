from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy

from aidface.accounts import services
from aidface.accounts.forms import LoginForm
from aidface.accounts.roles import duties_for
from aidface.checks.notices import notify_open_checks
from aidface.navigation import links_for


class LoginView(auth_views.LoginView):
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        services.change_password(user=self.request.user, new_password=form.cleaned_data["new_password1"])
        # Keeps this session logged in; the user's other sessions end with the old password.
        update_session_auth_hash(self.request, self.request.user)
        messages.success(self.request, "密码已修改。")
        return redirect(self.get_success_url())


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Show the landing page of the user's role: what the role does and where to start."""
    links = [link for link in links_for(request.user, request.path) if link.url != request.path]
    # Schools learn of a check only when it starts (Art. 10, 16): the notice shows while it is open.
    check_notices = notify_open_checks(request.user)
    return render(
        request,
        "accounts/home.html",
        {"duties": duties_for(request.user), "start_links": links, "check_notices": check_notices},
    )
