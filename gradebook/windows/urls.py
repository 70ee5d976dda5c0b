"""URLs of entry windows, locks and deadlines (included by gradebook/urls.py in the "gradebook" namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("windows/", views.window_list, name="windows"),
    path("windows/<int:pk>/close/", views.window_close, name="window_close"),
    path("windows/<int:pk>/reopen/", views.window_reopen, name="window_reopen"),
    path("windows/locks/<int:pk>/lift/", views.lock_lift, name="lock_lift"),
    path("windows/book-lock/<int:term_id>/", views.book_lock, name="book_lock"),
    path("windows/deadlines/", views.deadlines, name="deadlines"),
    path("windows/score-change-rules/", views.entry_settings, name="entry_settings"),
    path("<int:assignment_id>/term/<gradebook_term:term>/lock-column/", views.column_lock, name="column_lock"),
]
