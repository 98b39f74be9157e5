"""Project pages, under /projects/."""

from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create, name="create"),
    path("new/demo/", views.demo_project, name="demo"),
    # /projects/<name>/
    path("<str:name>/", views.project_overview, name="overview"),
    path("<str:name>/settings/", views.project_settings, name="settings"),
    path("<str:name>/settings/members/", views.member_set, name="member-set"),
    path(
        "<str:name>/settings/members/<int:user_id>/remove/",
        views.member_remove,
        name="member-remove",
    ),
    path("<str:name>/delete/", views.project_delete, name="delete"),
    path("<str:name>/data/", views.data_page, name="data"),
    path("<str:name>/data/distribution/", views.distribution_page, name="distribution"),
    path("<str:name>/tag/", views.tag_page, name="tag"),
]
