from django.urls import path

from . import views

app_name = "cities"
urlpatterns = [
    path("", views.city_list, name="list"),
    path("<slug:slug>/", views.city_profile, name="profile"),
    path("<slug:slug>/workspace/", views.workspace, name="workspace"),
    path("<slug:slug>/workspace/profile/", views.profile_edit, name="profile_edit"),
    path("<slug:slug>/workspace/team/", views.team, name="team"),
    path("<slug:slug>/workspace/team/<int:pk>/remove/", views.member_remove, name="member_remove"),
]
