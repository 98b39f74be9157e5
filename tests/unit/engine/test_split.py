"""The split: sizes, stratification, seeds, the manual split and the small-data rule."""

from __future__ import annotations

from collections import Counter

from training.engine.split import split_documents


def _balanced(n_per_class: int, classes: str = "abcd") -> list[list[str]]:
    return [[c] for c in classes for _ in range(n_per_class)]


def test_automatic_split_is_80_10_10_and_covers_every_document_once():
    split = split_documents(_balanced(25), seed=1)
    assert split.counts() == {"train": 80, "validation": 10, "test": 10}
    assert sorted(split.train + split.validation + split.test) == list(range(100))
    assert split.reason is None


def test_automatic_split_puts_every_class_with_three_documents_in_every_part():
    labels = _balanced(20, "ab") + _balanced(3, "c") + _balanced(2, "d") + _balanced(1, "e")
    split = split_documents(labels, seed=3)
    classes_in = {
        part: {labels[i][0] for i in indices}
        for part, indices in (
            ("train", split.train),
            ("val", split.validation),
            ("test", split.test),
        )
    }
    assert classes_in["train"] == set("abcde")
    assert {"a", "b", "c"} <= classes_in["val"]
    assert {"a", "b", "c", "d"} <= classes_in["test"]


def test_automatic_split_keeps_class_proportions():
    labels = _balanced(60, "a") + _balanced(20, "b") + _balanced(20, "c")
    split = split_documents(labels, seed=0)
    test_counts = Counter(labels[i][0] for i in split.test)
    assert test_counts == {"a": 6, "b": 2, "c": 2}


def test_same_seed_gives_same_split_and_another_seed_another():
    labels = _balanced(25)
    assert split_documents(labels, seed=7) == split_documents(labels, seed=7)
    assert split_documents(labels, seed=7).test != split_documents(labels, seed=8).test


def test_manual_split_keeps_test_documents_and_carves_validation_from_train():
    labels = _balanced(10)
    manual = ["test" if i % 5 == 0 else "train" for i in range(40)]
    split = split_documents(labels, seed=0, manual=manual)
    assert split.test == [i for i in range(40) if manual[i] == "test"]
    assert set(split.validation) <= {i for i in range(40) if manual[i] == "train"}
    assert len(split.validation) == 4  # a ninth of the 32 training documents, one per class
    assert {labels[i][0] for i in split.validation} == set("abcd")


def test_manual_split_without_test_documents_says_why_there_is_no_evaluation():
    split = split_documents(_balanced(5), seed=0, manual=["train"] * 20)
    assert split.test == []
    assert "no test documents" in split.reason


def test_fewer_than_ten_documents_train_on_everything_without_evaluation():
    split = split_documents(_balanced(2), seed=0)
    assert split.train == list(range(8))
    assert split.validation == split.test == []
    assert "at least 10" in split.reason


def test_multi_label_split_spreads_a_rare_class_over_the_parts():
    labels = [["common"]] * 40 + [["common", "rare"]] * 4 + [[]] * 6
    split = split_documents(labels, seed=2)
    for part in (split.train, split.validation, split.test):
        assert any("rare" in labels[i] for i in part)
