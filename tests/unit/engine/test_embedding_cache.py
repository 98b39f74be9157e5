"""The base-model embedding cache: hits, misses, partial hits, a corrupt file, concurrent
writers, the size bound, and quick training through it."""

from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch

from training.engine import embedding_cache
from training.engine.encoder import default_base_model, load_encoder
from training.engine.train import train

TEXTS = [
    "the team won the football match",
    "a software update fixes a security bug",
    "bake the bread for forty minutes",
    "the striker scored twice on sunday",
    "cloud servers went offline for hours",
]
MORE = ["the chef cooked a vegetable stew", "a chip maker unveils a new processor"]
BASE = default_base_model()


@pytest.fixture(scope="module")
def encoder():
    return load_encoder(BASE, max_length=128, device=torch.device("cpu"))


@pytest.fixture
def counted(encoder, monkeypatch):
    """The texts each `encoder.encode` call gets."""
    calls: list[list[str]] = []
    real = encoder.encode

    def encode(texts, **kwargs):
        calls.append(list(texts))
        return real(texts, **kwargs)

    monkeypatch.setattr(encoder, "encode", encode)
    return calls


def _encode(encoder, texts, folder):
    return embedding_cache.encode(encoder, texts, base_model=BASE, folder=folder)


def test_a_warm_cache_returns_the_computed_embeddings_without_encoding(encoder, counted, tmp_path):
    direct = encoder.encode(TEXTS)
    cold = _encode(encoder, TEXTS, tmp_path)
    warm = _encode(encoder, TEXTS, tmp_path)
    np.testing.assert_allclose(cold, direct, atol=1e-6)
    np.testing.assert_allclose(warm, direct, atol=1e-6)
    assert counted == [TEXTS, TEXTS]  # the direct call and the cold one
    assert len(list(tmp_path.glob("*.npz"))) == 1


def test_a_partial_hit_encodes_only_the_new_texts(encoder, counted, tmp_path):
    _encode(encoder, TEXTS[:3], tmp_path)
    both = _encode(encoder, [*MORE, *TEXTS[:3]], tmp_path)
    assert counted == [TEXTS[:3], MORE]
    np.testing.assert_allclose(both, encoder.encode([*MORE, *TEXTS[:3]]), atol=1e-6)


def test_progress_counts_cached_texts_first(encoder, tmp_path):
    _encode(encoder, TEXTS, tmp_path)
    seen: list[int] = []
    embedding_cache.encode(
        encoder, [*TEXTS, *MORE], base_model=BASE, folder=tmp_path, on_batch=seen.append
    )
    assert seen[-1] == len(TEXTS) + len(MORE)
    assert min(seen) > len(TEXTS)


def test_a_cancel_while_encoding_goes_through(encoder, tmp_path):
    def stop(done: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        embedding_cache.encode(encoder, TEXTS, base_model=BASE, folder=tmp_path, on_batch=stop)


def test_a_corrupt_file_is_computed_and_replaced(encoder, counted, tmp_path, caplog):
    _encode(encoder, TEXTS, tmp_path)
    (path,) = tmp_path.glob("*.npz")
    path.write_bytes(b"not a zip file")
    with caplog.at_level(logging.WARNING):
        again = _encode(encoder, TEXTS, tmp_path)
    assert "Could not read the embedding cache" in caplog.text
    np.testing.assert_allclose(again, encoder.encode(TEXTS), atol=1e-6)
    counted.clear()
    _encode(encoder, TEXTS, tmp_path)
    assert counted == []  # the file was written again by the fallback


def test_an_unwritable_folder_still_returns_the_embeddings(encoder, tmp_path, caplog):
    folder = tmp_path / "file"
    folder.write_text("a file where the folder should be")
    with caplog.at_level(logging.WARNING):
        embeddings = _encode(encoder, TEXTS, folder)
    np.testing.assert_allclose(embeddings, encoder.encode(TEXTS), atol=1e-6)
    assert "embedding cache" in caplog.text


def test_the_key_names_the_truncation_length(encoder):
    short = load_encoder(BASE, max_length=16, device=torch.device("cpu"))
    assert embedding_cache.cache_key(short, BASE) != embedding_cache.cache_key(encoder, BASE)


def test_the_oldest_rows_go_past_the_bound(encoder, counted, tmp_path, monkeypatch):
    monkeypatch.setattr(embedding_cache, "MAX_ROWS", 4)
    _encode(encoder, TEXTS[:3], tmp_path)
    _encode(encoder, MORE, tmp_path)  # 5 rows: the first text goes
    counted.clear()
    _encode(encoder, [*TEXTS[1:3], *MORE], tmp_path)
    _encode(encoder, TEXTS[:1], tmp_path)
    assert counted == [TEXTS[:1]]


def test_a_folder_keeps_at_most_two_keys(encoder, tmp_path):
    for length in (16, 32, 64):
        short = load_encoder(BASE, max_length=length, device=torch.device("cpu"))
        _encode(short, TEXTS[:1], tmp_path)
    names = sorted(path.name for path in tmp_path.glob("*.npz"))
    assert [name.split("-")[1] for name in names] == ["32", "64"]


class _Hashing:
    """An encoder stand-in for the concurrency tests: a fixed vector per text, no model."""

    dimension = 384
    max_length = 128
    device = torch.device("cpu")

    def encode(self, texts, **kwargs):
        return np.stack([_vector(text) for text in texts])


def _vector(text: str) -> np.ndarray:
    seed = int.from_bytes(text.encode()[-8:].rjust(8, b"0"), "little") + len(text)
    return np.random.default_rng(seed).standard_normal(384).astype(np.float32)


def _write_rounds(args) -> int:
    """One writer: rounds of new texts and texts the others write too."""
    folder, n = args
    for round_ in range(20):
        texts = [f"{text} {n} {round_}" for text in TEXTS] + [f"shared {round_}"]
        embeddings = _encode(_Hashing(), texts, folder)
        np.testing.assert_array_equal(embeddings, _Hashing().encode(texts))
    return n


def _assert_readable_and_right(folder) -> None:
    (path,) = folder.glob("*.npz")
    digests, embeddings = embedding_cache._read(path)
    assert len(digests) == len(embeddings) > 0
    assert not list(folder.glob(".writing-*"))
    texts = [f"{text} {n} {round_}" for n in range(4) for round_ in range(20) for text in TEXTS]
    np.testing.assert_array_equal(_encode(_Hashing(), texts, folder), _Hashing().encode(texts))


def test_threads_writing_at_once_leave_a_readable_file(tmp_path):
    with ThreadPoolExecutor(4) as pool:
        assert sorted(pool.map(_write_rounds, [(tmp_path, n) for n in range(4)])) == [0, 1, 2, 3]
    _assert_readable_and_right(tmp_path)


def test_processes_writing_at_once_never_corrupt_the_file(tmp_path):
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        assert sorted(pool.map(_write_rounds, [(tmp_path, n) for n in range(4)])) == [0, 1, 2, 3]
    _assert_readable_and_right(tmp_path)


def test_quick_training_twice_gives_the_same_model_from_the_cache(
    single_label, quick_config, tmp_path, monkeypatch
):
    """The second run embeds nothing and predicts as the first."""
    cold = train(single_label, quick_config, tmp_path / "cold", embeddings_dir=tmp_path / "cache")
    calls = []
    monkeypatch.setattr(
        "training.engine.encoder.Encoder.encode",
        lambda self, texts, **kwargs: calls.append(texts) or pytest.fail("encoded"),
    )
    warm = train(single_label, quick_config, tmp_path / "warm", embeddings_dir=tmp_path / "cache")
    assert calls == []
    for cold_row, warm_row in zip(cold.test_predictions, warm.test_predictions, strict=True):
        assert warm_row["predicted"] == cold_row["predicted"]
        for name, confidence in cold_row["confidences"].items():
            assert warm_row["confidences"][name] == pytest.approx(confidence, abs=1e-6)
