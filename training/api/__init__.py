"""The HTTP APIs of training: the studio's own (`studio_*`) and Azure's (`azure/`, `runtime/`)."""
