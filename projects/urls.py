"""Every route of the projects app: its pages under /projects/ (namespace `projects`), the
staff's Users page under /users/ (namespace `users`) and the studio API for projects and their
data under /api/projects."""

from django.urls import include, path

from projects import views
from projects.api import views as api

_pages = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create, name="create"),
    path("new/demo/", views.demo_project, name="demo"),
    # /projects/<name>/
    path("<str:name>/", views.project_overview, name="overview"),
    path("<str:name>/settings/", views.project_settings, name="settings"),
    path("<str:name>/settings/members/", views.member_set, name="member-set"),
    path("<str:name>/settings/members/new/", views.member_create, name="member-create"),
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

# /users/: every account, for staff
_users = [
    path("", views.user_list, name="list"),
    path("<int:user_id>/active/", views.user_set_active, name="set-active"),
    path("<int:user_id>/password-link/", views.user_password_link, name="password-link"),
]

P = "projects/<str:project_name>"

_api = [
    path("projects", api.ProjectListApi.as_view(), name="api-project-list"),
    path(P, api.ProjectDetailApi.as_view(), name="api-project"),
    path(f"{P}/classes", api.ClassListApi.as_view(), name="api-class-list"),
    path(f"{P}/classes/reorder", api.ClassReorderApi.as_view(), name="api-class-reorder"),
    path(f"{P}/classes/merge", api.ClassMergeApi.as_view(), name="api-class-merge"),
    path(f"{P}/classes/<int:class_id>", api.ClassDetailApi.as_view(), name="api-class"),
    path(f"{P}/documents", api.DocumentListApi.as_view(), name="api-document-list"),
    path(f"{P}/documents/bulk", api.DocumentBulkApi.as_view(), name="api-document-bulk"),
    path(f"{P}/documents/<int:document_id>", api.DocumentDetailApi.as_view(), name="api-document"),
    path(
        f"{P}/documents/<int:document_id>/tags",
        api.DocumentTagsApi.as_view(),
        name="api-document-tags",
    ),
    path(f"{P}/imports", api.ImportListApi.as_view(), name="api-import-list"),
    path(f"{P}/imports/<uuid:job_id>", api.ImportDetailApi.as_view(), name="api-import"),
    path(f"{P}/export", api.ExportApi.as_view(), name="api-export"),
    path(f"{P}/distribution", api.DistributionApi.as_view(), name="api-distribution"),
    path(f"{P}/members", api.MemberListApi.as_view(), name="api-member-list"),
    path(f"{P}/members/<str:username>", api.MemberDetailApi.as_view(), name="api-member"),
]

urlpatterns = [
    path("projects/", include((_pages, "projects"))),
    path("users/", include((_users, "users"))),
    path("api/", include(_api)),
]
