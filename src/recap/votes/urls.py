from django.urls import path

from . import views

app_name = "votes"
urlpatterns = [
    path("", views.vote_list, name="list"),
    path("import/", views.vote_import, name="import"),
    path("<int:pk>/", views.vote_detail, name="detail"),
    path("<int:pk>/projects/", views.vote_project_add, name="project_add"),
    path(
        "<int:pk>/projects/<int:project>/remove/",
        views.vote_project_remove,
        name="project_remove",
    ),
    path("<int:pk>/open/", views.vote_open_view, name="open"),
    path("<int:pk>/close/", views.vote_close_view, name="close"),
    path("<int:pk>/codes/", views.vote_codes, name="codes"),
    path("<int:pk>/results/", views.vote_results, name="results"),
    path("<int:pk>/decide/", views.vote_decide_view, name="decide"),
    path("<int:pk>/file/", views.vote_file, name="file"),
]
