"""Studio API shapes for projects; input and output serializers kept apart."""

from __future__ import annotations

from rest_framework import serializers

from projects.models import ProjectKind


class ProjectCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    kind = serializers.ChoiceField(choices=ProjectKind.choices)
    language = serializers.CharField(max_length=10, default="en")
    multilingual = serializers.BooleanField(default=False)
    description = serializers.CharField(allow_blank=True, default="")


class ProjectUpdateInput(serializers.Serializer):
    description = serializers.CharField(allow_blank=True, required=False)
    language = serializers.CharField(max_length=10, required=False)
    multilingual = serializers.BooleanField(required=False)
    confidence_threshold = serializers.FloatField(required=False, min_value=0, max_value=1)
    auto_retrain_every = serializers.IntegerField(required=False, min_value=0, max_value=100_000)


class ProjectOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    language = serializers.CharField()
    multilingual = serializers.BooleanField()
    description = serializers.CharField()
    storage_container = serializers.CharField()
    confidence_threshold = serializers.FloatField()
    auto_retrain_every = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ClassCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=50, trim_whitespace=False)
    colour = serializers.CharField(max_length=7, required=False)


class ClassUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=50, required=False, trim_whitespace=False)
    colour = serializers.CharField(max_length=7, required=False)


class ClassReorderInput(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField())


class ClassMergeInput(serializers.Serializer):
    source = serializers.IntegerField()
    target = serializers.IntegerField()


class ClassOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    colour = serializers.CharField()
    order = serializers.IntegerField()


class ClassDeleteOutput(serializers.Serializer):
    deleted_tags = serializers.IntegerField()


class ClassMergeOutput(serializers.Serializer):
    moved_tags = serializers.IntegerField()
    target = ClassOutput()


class DocumentSummaryOutput(serializers.Serializer):
    """A row of the documents list: the text is left out, the tagging view fetches it."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    split = serializers.CharField()
    language = serializers.CharField()
    classes = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_classes(self, document) -> list[int]:
        return [tag.category_id for tag in document.tags.all()]


class DocumentOutput(DocumentSummaryOutput):
    text = serializers.CharField()


class DocumentPageOutput(serializers.Serializer):
    value = DocumentSummaryOutput(many=True)
    next = serializers.CharField(allow_null=True)


class DocumentCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=500)
    text = serializers.CharField(trim_whitespace=False)
    split = serializers.CharField(default="auto")
    language = serializers.CharField(max_length=10, default="", allow_blank=True)
    classes = serializers.ListField(child=serializers.IntegerField(), default=list)


class DocumentSplitInput(serializers.Serializer):
    split = serializers.CharField()


class DocumentTagsInput(serializers.Serializer):
    classes = serializers.ListField(child=serializers.IntegerField())


class DocumentTagInput(serializers.Serializer):
    # POST adds one class; DELETE removes one (body or ?class=).
    class_ = serializers.IntegerField(source="category")

    def get_fields(self):
        fields = super().get_fields()
        fields["class"] = fields.pop("class_")
        return fields


class DocumentTagsOutput(serializers.Serializer):
    id = serializers.IntegerField()
    classes = serializers.ListField(child=serializers.IntegerField())


class DocumentFilterInput(serializers.Serializer):
    search = serializers.CharField(required=False, allow_blank=True)
    class_ = serializers.CharField(required=False, allow_blank=True)
    tagged = serializers.CharField(required=False, allow_blank=True)
    untagged = serializers.CharField(required=False, allow_blank=True)
    split = serializers.CharField(required=False, allow_blank=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["class"] = fields.pop("class_")
        return fields


class DocumentBulkInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=["tag", "untag", "split", "delete"])
    ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    filter = DocumentFilterInput(required=False)
    class_ = serializers.IntegerField(required=False)
    split = serializers.CharField(required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["class"] = fields.pop("class_")
        return fields


class DocumentBulkOutput(serializers.Serializer):
    count = serializers.IntegerField()


class ImportReportOutput(serializers.Serializer):
    status = serializers.CharField()
    imported = serializers.IntegerField()
    replaced = serializers.IntegerField()
    skipped = serializers.IntegerField()
    created_classes = serializers.ListField(child=serializers.CharField())
    errors = serializers.ListField(child=serializers.DictField())
    warnings = serializers.ListField(child=serializers.DictField())
    class_repairs = serializers.DictField(
        child=serializers.CharField(),
        help_text="Each class name Azure forbids, with the name the class-name repair gives it.",
    )


class ImportJobOutput(serializers.Serializer):
    job_id = serializers.UUIDField(source="id")
    status = serializers.CharField()
    percent = serializers.IntegerField()
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    report = serializers.DictField(allow_null=True)
    error = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class DistributionOutput(serializers.Serializer):
    classes = serializers.ListField(child=serializers.DictField())
    untagged = serializers.DictField()
    splits = serializers.DictField()
    documents = serializers.IntegerField()
    tagged = serializers.IntegerField()
    warnings = serializers.ListField(child=serializers.CharField())


class MemberOutput(serializers.Serializer):
    username = serializers.CharField(source="user.username")
    role = serializers.CharField()


class MemberSetInput(serializers.Serializer):
    role = serializers.CharField()


class ImportUploadInput(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField())
    duplicates = serializers.ChoiceField(choices=["skip", "replace"], default="skip")
    repair_class_names = serializers.BooleanField(
        default=False,
        help_text="Import a class whose name Azure forbids under its repaired name (each "
        "forbidden character replaced by _) instead of refusing its documents.",
    )
