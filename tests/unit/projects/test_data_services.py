"""Class, tag, split and bulk services: the rules the pages and the API rely on."""

from __future__ import annotations

import pytest

from projects import services
from projects.models import MAX_CLASSES_PER_PROJECT, Class, Document, Tag
from projects.readiness import AUTOMATIC_SPLIT, AUTOMATIC_SPLIT_TEXT, FEW_TAGS, few_tags_message
from projects.selectors import data_distribution, document_page
from studio.errors import Conflict, NotFound, ValidationError


def doc(project, name, text="some text", **fields) -> Document:
    return services.create_document(project, name=name, text=text, **fields)


def tags_of(document: Document) -> list[str]:
    return sorted(Tag.objects.filter(document=document).values_list("category__name", flat=True))


def test_class_names_follow_azure_rules_and_are_unique_ignoring_case(project):
    services.create_class(project, "Billing")
    with pytest.raises(Conflict):
        services.create_class(project, "billing")
    with pytest.raises(ValidationError):
        services.create_class(project, "a/b")
    with pytest.raises(ValidationError):
        services.create_class(project, "Ok", colour="red")


def test_a_project_has_at_most_200_classes(project):
    Class.objects.bulk_create(
        Class(project=project, name=f"c{i}", order=i) for i in range(MAX_CLASSES_PER_PROJECT)
    )
    with pytest.raises(ValidationError, match="at most 200"):
        services.create_class(project, "one too many")


def test_rename_recolour_reorder(project):
    a = services.create_class(project, "A")
    b = services.create_class(project, "B")
    services.rename_class(a, "Alpha")
    services.recolour_class(b, "#ABCDEF")
    services.reorder_classes(project, [b.pk, a.pk])
    assert [(c.name, c.colour) for c in Class.objects.filter(project=project)] == [
        ("B", "#abcdef"),
        ("Alpha", a.colour),
    ]
    with pytest.raises(ValidationError):
        services.reorder_classes(project, [a.pk])


def test_single_label_tagging_replaces_and_set_tags_refuses_two(project, editor):
    a, b = services.create_class(project, "A"), services.create_class(project, "B")
    d = doc(project, "d.txt")
    services.tag_document(d, a, user=editor)
    services.tag_document(d, b, user=editor)
    assert tags_of(d) == ["B"]
    with pytest.raises(ValidationError):
        services.set_document_tags(d, [a, b], user=editor)
    services.set_document_tags(d, [], user=editor)
    assert tags_of(d) == []


def test_multi_label_tagging_adds_and_untags(multi_project, editor):
    a, b = services.create_class(multi_project, "A"), services.create_class(multi_project, "B")
    d = doc(multi_project, "d.txt")
    services.tag_document(d, a, user=editor)
    services.tag_document(d, b.pk, user=editor)
    assert tags_of(d) == ["A", "B"]
    assert services.untag_document(d, a) is True
    assert tags_of(d) == ["B"]


def test_a_class_of_another_project_is_not_found(project, multi_project, editor):
    other = services.create_class(multi_project, "Other")
    with pytest.raises(NotFound):
        services.tag_document(doc(project, "d.txt"), other, user=editor)


def test_merge_keeps_one_tag_per_document_and_delete_counts_tags(multi_project, editor):
    a, b = services.create_class(multi_project, "A"), services.create_class(multi_project, "B")
    both, only_a = doc(multi_project, "both.txt"), doc(multi_project, "a.txt")
    services.set_document_tags(both, [a, b], user=editor)
    services.set_document_tags(only_a, [a], user=editor)
    services.merge_classes(a, b)
    assert tags_of(both) == ["B"]
    assert tags_of(only_a) == ["B"]
    assert services.delete_class(b) == 2
    assert not Tag.objects.exists()


def test_bulk_actions_on_ids_and_on_a_filter(project, editor):
    a, b = services.create_class(project, "A"), services.create_class(project, "B")
    docs = [doc(project, f"{i}.txt", text=f"apple {i}" if i % 2 else f"pear {i}") for i in range(6)]
    assert services.bulk_documents(project, "tag", ids=[d.pk for d in docs], category=a) == 6
    n = services.bulk_documents(project, "tag", query={"search": "APPLE"}, category=b, user=editor)
    assert n == 3
    assert Tag.objects.filter(category=b).count() == 3
    assert Tag.objects.count() == 6
    assert services.bulk_documents(project, "split", query={"class": str(b.pk)}, split="test") == 3
    assert Document.objects.filter(split="test").count() == 3
    assert services.bulk_documents(project, "untag", query={"split": "test"}, category=b) == 3
    assert services.bulk_documents(project, "delete", query={"untagged": "true"}) == 3
    assert Document.objects.count() == 3
    with pytest.raises(ValidationError):
        services.bulk_documents(project, "split", ids=[docs[0].pk], split="later")


def test_a_bulk_filter_naming_another_projects_class_deletes_nothing(project, multi_project):
    other = services.create_class(multi_project, "Other")
    doc(project, "a.txt")
    with pytest.raises(ValidationError, match="does not exist"):
        services.bulk_documents(project, "delete", query={"class": str(other.pk)})
    assert Document.objects.filter(project=project).count() == 1


def test_keyset_pages_cover_every_document_once_in_each_sort(project):
    for i in range(7):
        doc(project, f"doc-{(i * 3) % 7}.txt")
    for sort in ("created", "-created", "name", "-name"):
        seen, cursor = [], None
        while True:
            page = document_page(project, {}, sort=sort, cursor=cursor, limit=3)
            seen += [d.name for d in page.documents]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert len(seen) == 7 == len(set(seen))
        if sort == "name":
            assert seen == sorted(seen)
    with pytest.raises(ValidationError):
        document_page(project, {}, cursor="not-a-cursor")


def test_distribution_counts_and_warns_in_plain_words(project, editor):
    big, small = services.create_class(project, "Big"), services.create_class(project, "Small")
    docs = [doc(project, f"{i}.txt", split="train" if i < 20 else "auto") for i in range(25)]
    services.bulk_documents(project, "tag", ids=[d.pk for d in docs[:22]], category=big)
    services.tag_document(docs[22], small, user=editor)
    result = data_distribution(project)
    assert result["classes"][0] | {} == {
        "id": big.pk, "name": "Big", "colour": big.colour,
        "train": 20, "test": 0, "auto": 2, "total": 22,
    }  # fmt: skip
    assert result["untagged"] == {"train": 0, "test": 0, "auto": 2, "total": 2}
    assert result["documents"] == 25
    assert result["tagged"] == 23
    words = " ".join(result["warnings"])
    assert "Small has only 1 tagged document" in words
    assert "very unbalanced" in words
    assert "2 documents have no class yet" in words


def test_every_page_judges_readiness_by_the_same_rule(project, editor):
    """The Distribution page, the Train page's readiness and the training warnings agree on
    which classes have too few tags, and say it in the same words."""
    from training.selectors import few_tags_warnings, tagged_class_counts, training_readiness

    few, enough = services.create_class(project, "Few"), services.create_class(project, "Enough")
    docs = [doc(project, f"{i}.txt") for i in range(FEW_TAGS + FEW_TAGS - 1)]
    services.bulk_documents(project, "tag", ids=[d.pk for d in docs[:FEW_TAGS]], category=enough)
    services.bulk_documents(project, "tag", ids=[d.pk for d in docs[FEW_TAGS:]], category=few)
    distribution_says = [w for w in data_distribution(project)["warnings"] if "tag at least" in w]
    readiness = training_readiness(project)
    warnings = few_tags_warnings(tagged_class_counts(project))
    assert distribution_says == [few_tags_message("Few", FEW_TAGS - 1)]
    assert [row["name"] for row in readiness["classes"] if row["few"]] == ["Few"]
    assert [w["message"] for w in warnings] == distribution_says


def test_the_automatic_split_is_described_as_the_engine_splits():
    from training.engine.split import split_documents

    split = split_documents([["a"] if i % 2 else ["b"] for i in range(200)], seed=1)
    shares = {part: round(100 * n / 200) for part, n in split.counts().items()}
    assert shares == AUTOMATIC_SPLIT
    assert ", ".join(f"{n} % {part}" for part, n in shares.items()) == AUTOMATIC_SPLIT_TEXT


def test_deleting_a_project_drops_its_embedding_cache(project, settings, tmp_path):
    settings.STUDIO_CACHE_DIR = tmp_path
    cache = services.embeddings_cache_dir(project.pk)
    cache.mkdir(parents=True)
    (cache / "key.npz").write_bytes(b"rows")
    services.delete_project(project)
    assert not cache.exists()
    assert tmp_path.is_dir()
