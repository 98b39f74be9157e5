"""Projects, their classes, documents and tags; membership; import/export; the tagging pages."""
