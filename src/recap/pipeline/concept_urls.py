from django.urls import path

from .views import concepts as views

app_name = "concepts"
urlpatterns = [
    path("", views.concept_list, name="list"),
    path("new/", views.concept_new, name="new"),
    path("from-package/<int:pk>/", views.concept_start, name="start"),
    path("<int:pk>/", views.concept_detail, name="detail"),
    path("<int:pk>/edit/", views.concept_edit, name="edit"),
    path("<int:pk>/move/", views.concept_move, name="move"),
    path("<int:pk>/matches/", views.concept_matches, name="matches"),
    path("<int:pk>/review/", views.concept_review, name="review"),
    path("<int:pk>/revise/", views.concept_revise, name="revise"),
    path("<int:pk>/documents/", views.concept_attach, name="attach"),
    path("<int:pk>/documents/<int:doc>/", views.concept_document, name="document"),
    path("<int:pk>/documents/<int:doc>/remove/", views.concept_detach, name="detach"),
    path("<int:pk>/concept-note.pdf", views.concept_pdf_view, name="pdf"),
    path("<int:pk>/concept.xlsx", views.concept_xlsx_view, name="xlsx"),
    path("<int:pk>/share/", views.concept_share, name="share"),
    path("<int:pk>/reply/<slug:code>/", views.concept_reply, name="reply"),
]
