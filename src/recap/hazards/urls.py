from django.urls import path

from . import views

app_name = "hazards"
urlpatterns = [
    path("", views.register, name="register"),
    path("add/", views.add, name="add"),
    path("<int:pk>/", views.edit, name="edit"),
    path("<int:pk>/remove/", views.remove, name="remove"),
    path("history/", views.history, name="history"),
    path("history/<int:pk>/restore/", views.restore, name="restore"),
    path("download/", views.download, name="download"),
    path("upload/", views.upload, name="upload"),
]
