"""Admin views of projects and their data, for operators."""

from django.contrib import admin

from projects.models import Class, Document, Membership, Project, Tag


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "language", "multilingual", "created_at"]
    list_filter = ["kind", "language"]
    search_fields = ["name", "description"]
    inlines = [MembershipInline]


@admin.register(Class)
class ClassAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "colour", "order"]
    search_fields = ["name", "project__name"]


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "split", "language", "created_at"]
    list_filter = ["split"]
    search_fields = ["name", "project__name"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["document", "category", "created_by", "created_at"]
    raw_id_fields = ["document"]
