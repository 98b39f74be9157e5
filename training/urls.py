"""Every route of the training app: its pages under /projects/<name>/, the studio API under
/api/ and Azure's API under /language/. The page routes keep one namespace per page group."""

from django.urls import include, path

from training import pages

_train = [
    path("<str:name>/train/", pages.train_page, name="train"),
]

_evaluation = [
    path("<str:name>/performance/", pages.performance_list, name="list"),
    # Before the model route, so "compare" is never read as a model name.
    path("<str:name>/performance/compare/", pages.compare_page, name="compare"),
    path("<str:name>/performance/<str:model_name>/", pages.model_details, name="model"),
    path(
        "<str:name>/performance/<str:model_name>/evaluation.json",
        pages.export_json,
        name="export-json",
    ),
    path(
        "<str:name>/performance/<str:model_name>/evaluation.csv",
        pages.export_csv,
        name="export-csv",
    ),
    path("<str:name>/improve/", pages.improve_page, name="improve"),
]

_deploy = [
    path("<str:name>/deploy/", pages.deploy_page, name="deploy"),
    path("<str:name>/test/", pages.test_model_page, name="test"),
]

urlpatterns = [
    path("projects/", include((_train, "train"))),
    path("projects/", include((_evaluation, "evaluation"))),
    path("projects/", include((_deploy, "deploy"))),
    path("", include("training.api.urls")),
]
