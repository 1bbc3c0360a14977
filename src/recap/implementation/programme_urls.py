"""The programme's view of every city's plan, side by side (`views.programme`)."""

from django.urls import path

from .views import programme

app_name = "plans"

urlpatterns = [
    path("", programme.overview, name="overview"),
]
