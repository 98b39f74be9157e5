"""Routes of the training API: the studio's own under /api/, Azure's under /language/."""

from django.urls import include, path

urlpatterns = [
    path("api/", include("training.api.studio.urls")),
    path("language/", include("training.api.azure.urls")),
]
