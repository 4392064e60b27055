from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("session/keep-alive/", views.session_keep_alive, name="session-keep-alive"),
    path("password/", views.password_change_view, name="password-change"),
    path("password/done/", views.password_change_done_view, name="password-change-done"),
    path("two-step/", views.two_step_setup, name="two-step-setup"),
    path("two-step/off/", views.two_step_disable_view, name="two-step-disable"),
    path("two-step/code/", views.two_step_verify, name="two-step-verify"),
    path("access-log/", views.access_log, name="access-log"),
    path("users/", views.user_list, name="user-list"),
    path(
        "users/<int:user_id>/password-reset/",
        views.password_reset_issue_view,
        name="password-reset-issue",
    ),
    path("password/reset/", views.password_reset_ask, name="password-reset"),
    path("password/reset/set/", views.password_reset_set, name="password-reset-set"),
    path(
        "password/reset/<str:token>/", views.password_reset_confirm, name="password-reset-confirm"
    ),
]
