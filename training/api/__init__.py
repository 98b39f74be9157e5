"""The HTTP APIs of training: the studio's own (`studio/`) and Azure's (`azure/`)."""
