from django.urls import path

from . import views

app_name = "lessons"
urlpatterns = [
    path("lessons/", views.public_list, name="list"),
    path("lessons/<int:pk>/", views.detail, name="detail"),
    path("programme/lessons/", views.programme_list, name="programme"),
    path("programme/lessons/<int:pk>/decide/", views.decide, name="decide"),
    path("cities/<slug:slug>/workspace/lessons/", views.city_lessons, name="city"),
    path("cities/<slug:slug>/workspace/lessons/<int:pk>/", views.city_edit, name="city_edit"),
]
