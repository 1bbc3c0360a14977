from django.urls import path

from . import views

app_name = "ballot"
urlpatterns = [
    path("<int:pk>/", views.ballot_page, name="vote"),
    path("<int:pk>/thanks/", views.ballot_thanks, name="thanks"),
]
