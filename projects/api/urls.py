"""Studio API routes for projects and their data, under /api/projects."""

from django.urls import path

from projects.api import views

P = "projects/<str:project_name>"

urlpatterns = [
    path("projects", views.ProjectListApi.as_view(), name="api-project-list"),
    path(P, views.ProjectDetailApi.as_view(), name="api-project"),
    path(f"{P}/classes", views.ClassListApi.as_view(), name="api-class-list"),
    path(f"{P}/classes/reorder", views.ClassReorderApi.as_view(), name="api-class-reorder"),
    path(f"{P}/classes/merge", views.ClassMergeApi.as_view(), name="api-class-merge"),
    path(f"{P}/classes/<int:class_id>", views.ClassDetailApi.as_view(), name="api-class"),
    path(f"{P}/documents", views.DocumentListApi.as_view(), name="api-document-list"),
    path(f"{P}/documents/bulk", views.DocumentBulkApi.as_view(), name="api-document-bulk"),
    path(
        f"{P}/documents/<int:document_id>", views.DocumentDetailApi.as_view(), name="api-document"
    ),
    path(
        f"{P}/documents/<int:document_id>/tags",
        views.DocumentTagsApi.as_view(),
        name="api-document-tags",
    ),
    path(f"{P}/imports", views.ImportListApi.as_view(), name="api-import-list"),
    path(f"{P}/imports/<uuid:job_id>", views.ImportDetailApi.as_view(), name="api-import"),
    path(f"{P}/export", views.ExportApi.as_view(), name="api-export"),
    path(f"{P}/distribution", views.DistributionApi.as_view(), name="api-distribution"),
    path(f"{P}/members", views.MemberListApi.as_view(), name="api-member-list"),
    path(f"{P}/members/<str:username>", views.MemberDetailApi.as_view(), name="api-member"),
]
