from django.urls import path

from aidface.checks import account_views, fraud_views, marks_views, phone_views, review_views, terminal_views, views

app_name = "checks"

urlpatterns = [
    path("", views.check_list, name="list"),
    path("launch/routine/", views.launch_routine, name="launch_routine"),
    path("launch/targeted/", views.launch_targeted, name="launch_targeted"),
    path("semester/", views.semester_dashboard, name="dashboard"),
    path("<int:pk>/", views.check_detail, name="detail"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    # Terminal check-in, the forced-pass fallback and its review.
    path("terminal/", terminal_views.terminal, name="terminal"),
    path("forced-passes/", review_views.forced_pass_list, name="forced_pass_list"),
    path("forced-passes/<int:pk>/", review_views.forced_pass_detail, name="forced_pass_detail"),
    path("forced-passes/<int:pk>/review/", review_views.review, name="forced_pass_review"),
    path("check-in-photos/<int:pk>/", review_views.check_in_photo, name="check_in_photo"),
    # Phone check-in and student logins (restored after the file was overwritten).
    path("phone/", phone_views.phone, name="phone"),
    path("student-accounts/", account_views.student_accounts, name="student_accounts"),
    path("student-accounts/<int:pk>/", account_views.student_account, name="student_account"),
    # Month results and marks.
    path("results/", marks_views.month_results, name="month_results"),
    path("marks/", marks_views.mark_list, name="marks"),
    path("marks/new/", marks_views.mark_new, name="mark_new"),
    path("marks/<int:pk>/withdraw/", marks_views.mark_withdraw, name="mark_withdraw"),
    path("marks/<int:pk>/attachment/", marks_views.mark_attachment, name="mark_attachment"),
    # Check-in fraud signals.
    path("fraud-signals/", fraud_views.fraud_signal_list, name="fraud_signal_list"),
]
