from django.urls import path

from .views import programme as views

app_name = "board"
urlpatterns = [
    path("", views.board, name="board"),
    path("shared/", views.shared_list, name="shared"),
    path("shared/<int:pk>/", views.shared_detail, name="shared_detail"),
    path("shared/<int:pk>/concept-note.pdf", views.shared_pdf, name="shared_pdf"),
    path("shared/<int:pk>/documents/<int:doc>/", views.shared_document, name="shared_document"),
]
