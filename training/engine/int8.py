"""int8 prediction: dynamic quantization of the encoder's linear layers, after moving the
activations' outlier channels into the weights (SmoothQuant, Xiao et al. 2023).

Dynamic int8 gives each input row (one token) a single scale. A few hidden channels of BERT-like
encoders carry values tens of times larger than the rest, so that scale is coarse for every
other channel. Dividing each input channel by s_j = a_j**ALPHA / w_j**(1 - ALPHA) (a_j its
largest value on the project's own documents, w_j the largest weight reading it) and
multiplying the weight columns by s_j leaves the fp32 product unchanged and spreads the range
between activations and weights, which are quantized per output channel. On NLU++ high-data it
cut the mean change of a probability under int8 by two thirds (docs/benchmarks.md,
Prediction speed, "Why this recipe").
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterable

import torch

# How far the range moves from activations to weights (0: none, 1: all of it); chosen on NLU++
# development folds among 0.5, 0.65 and 0.8.
ALPHA = 0.8
# The ranges are read on at most this many of the project's documents and word pieces: about
# two seconds of a 2-core CPU, once per training run.
CALIBRATION_DOCUMENTS = 256
CALIBRATION_TOKENS = 8192
SMALLEST = 1e-5


class SmoothedLinear(torch.nn.Module):
    """`linear(x)` computed as `scaled(x / scale)`, where `scaled` has its weight columns
    multiplied by `scale`: equal in exact arithmetic, easier on int8 when `scaled` is quantized."""

    def __init__(self, linear: torch.nn.Linear, scale: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("inverse", (1.0 / scale).to(linear.weight.dtype))
        self.linear = torch.nn.Linear(
            linear.in_features, linear.out_features, bias=linear.bias is not None
        )
        with torch.no_grad():
            self.linear.weight.copy_(linear.weight * scale.to(linear.weight.dtype)[None, :])
            if linear.bias is not None:
                self.linear.bias.copy_(linear.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x * self.inverse)


def int8_layers(model: torch.nn.Module) -> list[str]:
    """Names of the linear layers to quantize: all but those that read the feed-forward block's
    inner activations (in BERT-like encoders `layer.N.output.dense`, 1,536 -> 384 in MiniLM).

    After GELU those activations carry outliers that no per-row scale serves well. Keeping those
    six matrices in fp32 cut the decisions int8 changes from 4.4% to 2.5% (quick, AG News
    development sample, 4 seeds) and from 7.0% to 4.4% (standard, NLU++ low-data, 2 seeds), for
    5-10% of int8 throughput (docs/benchmarks.md, Prediction speed); smoothing them too and
    quantizing all layers did worse than leaving them out.
    """
    inner = getattr(getattr(model, "config", None), "intermediate_size", None)
    return [
        name
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and module.in_features != inner
    ]


def input_ranges(
    model: torch.nn.Module, batches: Iterable[dict[str, torch.Tensor]]
) -> dict[str, torch.Tensor]:
    """The largest absolute input value per input channel of each layer `int8_layers` names,
    over the given tokenized batches (padding included: its states are real inputs too)."""
    names = set(int8_layers(model))
    ranges: dict[str, torch.Tensor] = {}
    hooks = []
    for name, module in model.named_modules():
        if name not in names:
            continue

        def record(_module: torch.nn.Module, inputs: tuple, name: str = name) -> None:
            x = inputs[0].detach()
            peak = x.abs().reshape(-1, x.shape[-1]).amax(dim=0).float().cpu()
            ranges[name] = torch.maximum(ranges[name], peak) if name in ranges else peak

        hooks.append(module.register_forward_pre_hook(record))
    try:
        with torch.inference_mode():
            for batch in batches:
                model(**batch)
    finally:
        for hook in hooks:
            hook.remove()
    return ranges


def quantize(
    model: torch.nn.Module, ranges: dict[str, torch.Tensor] | None = None
) -> torch.nn.Module:
    """An int8 CPU copy of `model`: per-output-channel dynamic quantization of `int8_layers`,
    each smoothed first where `ranges` has its input range (artifacts saved without
    calibration.safetensors have none and are quantized unsmoothed)."""
    model = copy.deepcopy(model).cpu()
    chosen = []
    for name in int8_layers(model):
        if ranges is not None and name in ranges:
            parent, _, child = name.rpartition(".")
            linear = model.get_submodule(name)
            setattr(
                model.get_submodule(parent),
                child,
                SmoothedLinear(linear, smoothing_scale(ranges[name], linear.weight.detach())),
            )
            name = f"{name}.linear"
        chosen.append(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization announces its successor
        return torch.ao.quantization.quantize_dynamic(
            model,
            dict.fromkeys(chosen, torch.ao.quantization.per_channel_dynamic_qconfig),
            dtype=torch.qint8,
        )


def smoothing_scale(activation_range: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """s_j = a_j**ALPHA / w_j**(1 - ALPHA) per input channel j, kept away from zero."""
    a = activation_range.float().clamp(min=SMALLEST)
    w = weight.abs().amax(dim=0).float().cpu().clamp(min=SMALLEST)
    return (a**ALPHA / w ** (1 - ALPHA)).clamp(min=SMALLEST)
