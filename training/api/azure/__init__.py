"""Azure-compatible API: authoring, deployments and runtime routes, the JSON shapes they answer
with (`shapes`) and the one list of `api-version`s (`versions`)."""
