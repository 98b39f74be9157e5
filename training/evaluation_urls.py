"""Model performance, compare, export and Improve model pages, under /projects/<name>/."""

from django.urls import path

from training import evaluation_views as views

app_name = "evaluation"

urlpatterns = [
    path("<str:name>/performance/", views.performance_list, name="list"),
    # Before the model route, so "compare" is never read as a model name.
    path("<str:name>/performance/compare/", views.compare_page, name="compare"),
    path("<str:name>/performance/<str:model_name>/", views.model_details, name="model"),
    path(
        "<str:name>/performance/<str:model_name>/evaluation.json",
        views.export_json,
        name="export-json",
    ),
    path(
        "<str:name>/performance/<str:model_name>/evaluation.csv",
        views.export_csv,
        name="export-csv",
    ),
    path("<str:name>/improve/", views.improve_page, name="improve"),
]
