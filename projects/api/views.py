"""Studio API for projects and their data: classes, documents, tags, imports, exports, members.

Views stay thin: they read input with a serializer, call one service or selector, and answer.
"""

from __future__ import annotations

import json
import uuid

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from projects import access, exporters, services
from projects.api.serializers import (
    ClassCreateInput,
    ClassDeleteOutput,
    ClassMergeInput,
    ClassMergeOutput,
    ClassOutput,
    ClassReorderInput,
    ClassUpdateInput,
    DistributionOutput,
    DocumentBulkInput,
    DocumentBulkOutput,
    DocumentCreateInput,
    DocumentOutput,
    DocumentPageOutput,
    DocumentSplitInput,
    DocumentTagInput,
    DocumentTagsInput,
    DocumentTagsOutput,
    ImportJobOutput,
    ImportReportOutput,
    ImportUploadInput,
    MemberOutput,
    MemberSetInput,
    ProjectCreateInput,
    ProjectOutput,
    ProjectUpdateInput,
)
from projects.formats import Source
from projects.importers import start_import
from projects.landing import ImportOptions
from projects.models import Class, Document, ImportJob, Project
from projects.selectors import (
    DEFAULT_PAGE_SIZE,
    DEFAULT_SORT,
    FILTER_KEYS,
    SORTS,
    classes_of,
    data_distribution,
    document_page,
    members_of,
    projects_for,
)
from studio.errors import NotFound, ValidationError
from studio.parsers import JSONParser
from studio.schema import value_list


class ProjectListApi(APIView):
    @extend_schema(responses=value_list(ProjectOutput), operation_id="api_projects_list")
    def get(self, request: Request) -> Response:
        projects = projects_for(request.user).order_by("name")
        return Response({"value": ProjectOutput(projects, many=True).data})

    @extend_schema(request=ProjectCreateInput, responses={201: ProjectOutput})
    def post(self, request: Request) -> Response:
        data = ProjectCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        project = services.create_project(owner=request.user, **data.validated_data)
        return Response(ProjectOutput(project).data, status=201)


class ProjectDetailApi(APIView):
    @extend_schema(responses=ProjectOutput)
    def get(self, request: Request, project_name: str) -> Response:
        return Response(ProjectOutput(request.project).data)

    @extend_schema(request=ProjectUpdateInput, responses=ProjectOutput)
    def patch(self, request: Request, project_name: str) -> Response:
        data = ProjectUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        project = services.update_project(request.project, **data.validated_data)
        return Response(ProjectOutput(project).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, project_name: str) -> Response:
        services.delete_project(request.project)
        return Response(status=204)


# ---- Helpers shared by the data routes


def _class_in(project: Project, pk: int) -> Class:
    found = Class.objects.filter(project=project, pk=pk).first()
    if found is None:
        raise NotFound(f"The class {pk} does not exist in {project.name!r}.", target="class")
    return found


def _document_in(project: Project, pk: int) -> Document:
    found = Document.objects.filter(project=project, pk=pk).prefetch_related("tags").first()
    if found is None:
        raise NotFound(f"The document {pk} does not exist in {project.name!r}.", target="id")
    return found


# ---- Classes


class ClassListApi(APIView):
    @extend_schema(responses=value_list(ClassOutput), operation_id="api_projects_classes_list")
    def get(self, request: Request, project_name: str) -> Response:
        classes = classes_of(request.project)
        return Response({"value": ClassOutput(classes, many=True).data})

    @extend_schema(request=ClassCreateInput, responses={201: ClassOutput})
    def post(self, request: Request, project_name: str) -> Response:
        data = ClassCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        category = services.create_class(request.project, **data.validated_data)
        return Response(ClassOutput(category).data, status=201)


class ClassDetailApi(APIView):
    @extend_schema(responses=ClassOutput)
    def get(self, request: Request, project_name: str, class_id: int) -> Response:
        return Response(ClassOutput(_class_in(request.project, class_id)).data)

    @extend_schema(request=ClassUpdateInput, responses=ClassOutput)
    def patch(self, request: Request, project_name: str, class_id: int) -> Response:
        data = ClassUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        category = _class_in(request.project, class_id)
        with transaction.atomic():
            if "name" in data.validated_data:
                services.rename_class(category, data.validated_data["name"])
            if "colour" in data.validated_data:
                services.recolour_class(category, data.validated_data["colour"])
        return Response(ClassOutput(category).data)

    @extend_schema(responses=ClassDeleteOutput)
    def delete(self, request: Request, project_name: str, class_id: int) -> Response:
        deleted = services.delete_class(_class_in(request.project, class_id))
        return Response(ClassDeleteOutput({"deleted_tags": deleted}).data)


class ClassReorderApi(APIView):
    @extend_schema(request=ClassReorderInput, responses=value_list(ClassOutput))
    def post(self, request: Request, project_name: str) -> Response:
        data = ClassReorderInput(data=request.data)
        data.is_valid(raise_exception=True)
        classes = services.reorder_classes(request.project, data.validated_data["ids"])
        return Response({"value": ClassOutput(classes, many=True).data})


class ClassMergeApi(APIView):
    @extend_schema(request=ClassMergeInput, responses=ClassMergeOutput)
    def post(self, request: Request, project_name: str) -> Response:
        data = ClassMergeInput(data=request.data)
        data.is_valid(raise_exception=True)
        source = _class_in(request.project, data.validated_data["source"])
        target = _class_in(request.project, data.validated_data["target"])
        moved = services.merge_classes(source, target)
        return Response(ClassMergeOutput({"moved_tags": moved, "target": target}).data)


# ---- Documents and tags


class DocumentListApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(name, str, required=False)
            for name in ("search", "class", "tagged", "untagged", "split", "cursor")
        ]
        + [
            OpenApiParameter("sort", str, required=False, enum=list(SORTS)),
            OpenApiParameter("limit", int, required=False),
        ],
        responses=DocumentPageOutput,
        operation_id="api_projects_documents_list",
    )
    def get(self, request: Request, project_name: str) -> Response:
        params = request.query_params
        limit = params.get("limit", "")
        page = document_page(
            request.project,
            {key: params[key] for key in FILTER_KEYS if key in params},
            sort=params.get("sort") or DEFAULT_SORT,
            cursor=params.get("cursor") or None,
            limit=int(limit) if limit.isdigit() else DEFAULT_PAGE_SIZE,
        )
        return Response(
            DocumentPageOutput({"value": page.documents, "next": page.next_cursor}).data
        )

    @extend_schema(request=DocumentCreateInput, responses={201: DocumentOutput})
    def post(self, request: Request, project_name: str) -> Response:
        data = DocumentCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        document = services.create_document(
            request.project, user=request.user, **data.validated_data
        )
        return Response(DocumentOutput(_document_in(request.project, document.pk)).data, 201)


class DocumentDetailApi(APIView):
    @extend_schema(responses=DocumentOutput)
    def get(self, request: Request, project_name: str, document_id: int) -> Response:
        return Response(DocumentOutput(_document_in(request.project, document_id)).data)

    @extend_schema(request=DocumentSplitInput, responses=DocumentOutput)
    def patch(self, request: Request, project_name: str, document_id: int) -> Response:
        data = DocumentSplitInput(data=request.data)
        data.is_valid(raise_exception=True)
        document = _document_in(request.project, document_id)
        services.set_split(document, data.validated_data["split"])
        return Response(DocumentOutput(document).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, project_name: str, document_id: int) -> Response:
        services.delete_document(_document_in(request.project, document_id))
        return Response(status=204)


def _tags_answer(document: Document) -> Response:
    classes = list(document.tags.order_by("category_id").values_list("category_id", flat=True))
    return Response(DocumentTagsOutput({"id": document.pk, "classes": classes}).data)


class DocumentTagsApi(APIView):
    @extend_schema(responses=DocumentTagsOutput)
    def get(self, request: Request, project_name: str, document_id: int) -> Response:
        return _tags_answer(_document_in(request.project, document_id))

    @extend_schema(request=DocumentTagsInput, responses=DocumentTagsOutput)
    def put(self, request: Request, project_name: str, document_id: int) -> Response:
        data = DocumentTagsInput(data=request.data)
        data.is_valid(raise_exception=True)
        document = _document_in(request.project, document_id)
        services.set_document_tags(document, data.validated_data["classes"], user=request.user)
        return _tags_answer(document)

    @extend_schema(request=DocumentTagInput, responses=DocumentTagsOutput)
    def post(self, request: Request, project_name: str, document_id: int) -> Response:
        data = DocumentTagInput(data=request.data)
        data.is_valid(raise_exception=True)
        document = _document_in(request.project, document_id)
        services.tag_document(document, data.validated_data["category"], user=request.user)
        return _tags_answer(document)

    @extend_schema(
        parameters=[OpenApiParameter("class", int, required=False)],
        request=DocumentTagInput,
        responses=DocumentTagsOutput,
    )
    def delete(self, request: Request, project_name: str, document_id: int) -> Response:
        data = DocumentTagInput(data=request.data or request.query_params)
        data.is_valid(raise_exception=True)
        document = _document_in(request.project, document_id)
        services.untag_document(document, data.validated_data["category"])
        return _tags_answer(document)


class DocumentBulkApi(APIView):
    @extend_schema(request=DocumentBulkInput, responses=DocumentBulkOutput)
    def post(self, request: Request, project_name: str) -> Response:
        data = DocumentBulkInput(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        if given["action"] == "delete":
            access.require(request, "POST:delete", project_name)
        count = services.bulk_documents(
            request.project,
            given["action"],
            ids=given.get("ids"),
            query=given.get("filter"),
            category=given.get("class"),
            split=given.get("split"),
            user=request.user,
        )
        return Response(DocumentBulkOutput({"count": count}).data)


# ---- Imports, exports, distribution


def _json_sources(payload: object) -> list[Source]:
    """A JSON body: an Azure project or tags file, or {"documents": [records]} as JSON Lines."""
    records = payload.get("documents") if isinstance(payload, dict) else None
    if isinstance(records, list) and not {"assets", "classifiers"} & set(payload):
        lines = "".join(json.dumps(item) + "\n" for item in records)
        return [Source("request.jsonl", lines.encode())]
    return [Source("request.json", json.dumps(payload).encode())]


def _import_option(request: Request, name: str) -> object:
    """An import option from the query string, or from the form beside uploaded files."""
    return request.query_params.get(name) or (request.data.get(name) if request.FILES else None)


class ImportListApi(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        parameters=[
            OpenApiParameter("duplicates", str, enum=["skip", "replace"]),
            OpenApiParameter("repair_class_names", bool),
        ],
        request={"multipart/form-data": ImportUploadInput, "application/json": dict},
        responses={200: ImportReportOutput, 202: ImportJobOutput},
    )
    def post(self, request: Request, project_name: str) -> Response:
        options = ImportOptions(
            on_duplicate=str(_import_option(request, "duplicates") or "skip"),
            repair_class_names=str(_import_option(request, "repair_class_names")).lower()
            in ("true", "1", "on"),
        )
        if request.FILES:
            sources: list = request.FILES.getlist("files") or list(request.FILES.values())
        elif request.data:
            sources = _json_sources(request.data)
        else:
            raise ValidationError("Upload files (multipart 'files') or send JSON.", target="files")
        result = start_import(request.project, sources, user=request.user, options=options)
        if isinstance(result, ImportJob):
            url = reverse("api-import", args=[request.project.name, result.pk])
            headers = {"Location": url, "Operation-Location": url}
            return Response(ImportJobOutput(result).data, status=202, headers=headers)
        return Response(ImportReportOutput({"status": "succeeded", **result.as_dict()}).data)


class ImportDetailApi(APIView):
    @extend_schema(responses=ImportJobOutput)
    def get(self, request: Request, project_name: str, job_id: uuid.UUID) -> Response:
        job = ImportJob.objects.filter(project=request.project, pk=job_id).first()
        if job is None:
            raise NotFound(f"No import job {job_id} in {project_name!r}.", code="OperationNotFound")
        return Response(ImportJobOutput(job).data)


class ExportNegotiation(BaseContentNegotiation):
    """`?format=` names the export format here, not DRF's renderer override."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


EXPORT_FORMATS = ("azure", "zip", "csv", "jsonl")


class ExportApi(APIView):
    content_negotiation_class = ExportNegotiation

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=EXPORT_FORMATS)],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "application/zip"): OpenApiTypes.BINARY,
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/jsonl"): OpenApiTypes.STR,
        },
    )
    def get(self, request: Request, project_name: str) -> HttpResponse:
        project = request.project
        kind = request.query_params.get("format", "azure")
        if kind == "azure":
            body: bytes | str = json.dumps(exporters.azure_project(project), indent=2)
            content_type, suffix = "application/json", "json"
        elif kind == "zip":
            body, content_type, suffix = exporters.azure_zip(project), "application/zip", "zip"
        elif kind == "csv":
            body, content_type, suffix = exporters.csv_export(project), "text/csv", "csv"
        elif kind == "jsonl":
            body = exporters.jsonl_export(project)
            content_type, suffix = "application/jsonl", "jsonl"
        else:
            raise ValidationError(
                f"The export format is one of {', '.join(EXPORT_FORMATS)}.", target="format"
            )
        response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{project.name}.{suffix}"'
        return response


class DistributionApi(APIView):
    @extend_schema(responses=DistributionOutput)
    def get(self, request: Request, project_name: str) -> Response:
        return Response(DistributionOutput(data_distribution(request.project)).data)


# ---- Members


class MemberListApi(APIView):
    @extend_schema(responses=value_list(MemberOutput), operation_id="api_projects_members_list")
    def get(self, request: Request, project_name: str) -> Response:
        return Response({"value": MemberOutput(members_of(request.project), many=True).data})


class MemberDetailApi(APIView):
    def _user(self, username: str):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise NotFound(f"No user named {username!r}.", target="username")
        return user

    @extend_schema(request=MemberSetInput, responses=MemberOutput)
    def put(self, request: Request, project_name: str, username: str) -> Response:
        data = MemberSetInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.set_member(
            project=request.project, user=self._user(username), role=data.validated_data["role"]
        )
        return Response(MemberOutput(membership).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, project_name: str, username: str) -> Response:
        services.remove_member(project=request.project, user=self._user(username))
        return Response(status=204)
