"""Azure-compatible authoring API: the only code that speaks Azure's camelCase."""
