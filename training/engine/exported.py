"""The encoder as an ONNX graph run by ONNX Runtime, for prediction on a CPU: the export (the
transformer with its mean pooling and L2 normalisation, fused by ONNX Runtime's optimizer for
BERT), int8 by ONNX Runtime's dynamic quantization, and the files cached beside the artifact.

An artifact gets its graphs on first load (`onnx/encoder.onnx`, `onnx/encoder-int8.onnx`),
a few seconds once, so artifacts saved before this existed load too. Each file is written
under a temporary name and renamed into place, so processes loading the same model at once
never read a partial file.

Training's own encoding with the frozen base model (`quick`, the assisted-tagging embeddings)
runs the same fp32 graph, exported once per base model into a cache folder the caller names
(`use_base_graph`), since the base model's own folder may be read-only.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import warnings
from collections.abc import Callable
from pathlib import Path

import onnx
import onnxruntime
import torch
import transformers
from onnxruntime.quantization import QuantType, quantize_dynamic
from onnxruntime.transformers import optimizer

from training.engine.encoder import Encoder, mean_pool

log = logging.getLogger(__name__)

FOLDER = "onnx"
FP32_FILE = "encoder.onnx"
INT8_FILE = "encoder-int8.onnx"
OPSET = 17
INPUTS = ("input_ids", "attention_mask")
# Under the caller's cache folder: one folder per base model (`base_graph_key`).
BASE_MODELS_FOLDER = "base-models"


class _Pooled(torch.nn.Module):
    """The encoder as `Encoder.embed` computes it: what the exported graph returns."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.model(input_ids=input_ids, attention_mask=attention_mask, return_dict=False)
        return mean_pool(hidden[0], attention_mask)


# PyTorch's exporter keeps its state in process globals, so two exports at once in one process
# (the warm-up thread and a request loading the fp32 and int8 deployments of one artifact) break
# each other: one at a time, and the second finds the first one's file.
_building = threading.Lock()


def graph_path(folder: str | Path, model: torch.nn.Module, *, int8: bool) -> Path:
    """The artifact's cached ONNX graph (fp32 or int8), exported from `model` if missing."""
    fp32 = Path(folder) / FOLDER / FP32_FILE
    quantized = fp32.with_name(INT8_FILE)
    wanted = quantized if int8 else fp32
    if wanted.is_file():
        return wanted
    with _building:
        if not fp32.is_file():
            _write_atomically(fp32, lambda path: export(model, path))
        if int8 and not quantized.is_file():
            inner = model.config.intermediate_size
            _write_atomically(quantized, lambda path: quantize(fp32, path, inner=inner))
    return wanted


def use_base_graph(encoder: Encoder, base_model: str | Path, cache_dir: str | Path | None) -> bool:
    """Make a CPU `encoder`, holding the frozen weights of the model folder `base_model`, embed
    through ONNX Runtime (the same embeddings within 1e-6, about twice as fast on two cores)
    from the fp32 graph cached under `cache_dir`, exported on first use. Never int8: training
    must get PyTorch's results. With no cache folder, or when the export or the session fails,
    the encoder stays on PyTorch with a logged warning. Returns whether it switched."""
    if encoder.device.type != "cpu":
        return False
    if cache_dir is None:
        log.warning("No cache folder for the base model's ONNX graph: encoding with PyTorch")
        return False
    try:
        folder = Path(cache_dir) / BASE_MODELS_FOLDER / base_graph_key(base_model)
        folder.mkdir(parents=True, exist_ok=True)
        encoder.session = session(graph_path(folder, encoder.model, int8=False))
    except Exception:
        log.warning(
            "Could not use the ONNX graph of %s under %s: encoding with PyTorch",
            base_model,
            cache_dir,
            exc_info=True,
        )
        return False
    return True


def base_graph_key(base_model: str | Path) -> str:
    """Names one export of one base model: its config, its weight files (name, size, time)
    and the versions of everything the export goes through. The graph leaves the length free,
    so `max_length` is not part of it."""
    folder = Path(base_model)
    digest = hashlib.sha256((folder / "config.json").read_bytes())
    for weights in sorted([*folder.glob("*.safetensors"), *folder.glob("*.bin")]):
        stat = weights.stat()
        digest.update(f"{weights.name} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    versions = (torch.__version__, transformers.__version__, onnx.__version__)
    digest.update(repr((*versions, onnxruntime.__version__, OPSET)).encode())
    return digest.hexdigest()[:16]


def export(model: torch.nn.Module, path: Path) -> None:
    """Export the pooled encoder with batch and length left free, then fuse it for BERT
    (attention, GELU, layer norms) with ONNX Runtime's transformer optimizer."""
    raw = path.with_suffix(".raw.onnx")
    example = {name: torch.ones((2, 8), dtype=torch.long) for name in INPUTS}
    free = {"input_ids": {0: "batch", 1: "length"}, "attention_mask": {0: "batch", 1: "length"}}
    # The optimizer recognises the eager attention's operators; SDPA exports as other ones.
    previous = model.config._attn_implementation
    model.set_attn_implementation("eager")
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's notes on values it records
            torch.onnx.export(
                _Pooled(model).eval(),
                tuple(example.values()),
                str(raw),
                input_names=list(INPUTS),
                output_names=["embedding"],
                dynamic_axes=free | {"embedding": {0: "batch"}},
                opset_version=OPSET,
                dynamo=False,
            )
    finally:
        model.set_attn_implementation(previous)
    config = model.config
    fused = optimizer.optimize_model(
        str(raw),
        model_type="bert",
        num_heads=config.num_attention_heads,
        hidden_size=config.hidden_size,
    )
    fused.save_model_to_file(str(path))
    raw.unlink()


def quantize(fp32: Path, path: Path, *, inner: int) -> None:
    """Dynamic int8: weights per output channel, activations per tensor at run time, for every
    matrix product but those that read the feed-forward block's `inner`-wide activations.

    After GELU those inputs carry a few outliers that no per-tensor scale serves well: keeping
    those six products in fp32 raised the worst pooled-embedding cosine to fp32 on short texts
    from 0.967 to 0.976 (docs/benchmarks.md, Prediction speed)."""
    graph = onnx.load(str(fp32)).graph
    rows = {t.name: t.dims[0] for t in graph.initializer if len(t.dims) == 2}
    keep = [
        node.name
        for node in graph.node
        if node.op_type == "MatMul" and any(rows.get(name) == inner for name in node.input)
    ]
    quantize_dynamic(
        str(fp32),
        str(path),
        per_channel=True,
        weight_type=QuantType.QInt8,
        nodes_to_exclude=keep,
        # The fused operators (com.microsoft) carry no type the shape inference can read.
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def session(path: Path) -> onnxruntime.InferenceSession:
    """A CPU session on as many threads as this process may use (what torch would use)."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    target.parent.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".building-") as tmp:
        built = Path(tmp) / target.name
        write(built)
        os.replace(built, target)
