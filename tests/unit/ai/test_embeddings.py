from __future__ import annotations

import numpy as np
import pytest

from guiders.ai.embeddings import Encoder

TEXTS = [
    "hi",
    "how long does shipping take to spain?",
    "¿cuánto tarda el envío?",
    "please " * 100,  # past MAX_TOKENS: truncated the same way on both paths
]


def test_traced_single_query_matches_the_batched_path() -> None:
    encoder = Encoder()
    batched = encoder.encode(TEXTS, batch_size=64)
    single = np.stack([encoder.encode_one(t) for t in TEXTS])
    assert np.abs(batched - single).max() < 1e-5
    assert not np.allclose(single[0], single[1])  # the trace follows each input


def test_int8_single_query_path_is_retraced_on_the_quantized_module() -> None:
    encoder = Encoder()
    fp32 = encoder.encode_one(TEXTS[1])
    encoder.quantize()
    int8 = encoder.encode_one(TEXTS[1])
    assert not np.array_equal(fp32, int8)  # a stale fp32 trace would return fp32's vector
    assert float(fp32 @ int8) > 0.9


def test_forgetting_the_trace_picks_up_changed_weights() -> None:
    import torch

    encoder = Encoder()
    before = encoder.encode_one(TEXTS[1])
    with torch.no_grad():
        encoder.transformer.encoder.layer[0].output.dense.bias.add_(0.5)
    encoder.forget_trace()
    assert not np.allclose(encoder.encode_one(TEXTS[1]), before)


def test_ffn_scope_quantizes_only_the_feed_forward_layers() -> None:
    encoder = Encoder()
    fp32 = encoder.encode_one(TEXTS[1])
    encoder.quantize("ffn")
    kinds = {
        name: type(layer).__module__
        for name, layer in encoder.transformer.named_modules()
        if type(layer).__name__ == "Linear"
    }
    int8 = {name for name, module in kinds.items() if "quantized" in module}
    blocks = len(encoder.transformer.encoder.layer)
    assert len(int8) == 2 * blocks
    assert all(name.endswith(("intermediate.dense", ".output.dense")) for name in int8)
    assert not any("attention" in name for name in int8)
    assert len(kinds) > len(int8)  # attention projections stay fp32
    assert encoder.quantize_scope == "ffn"
    partial = encoder.encode_one(TEXTS[1])
    assert not np.array_equal(fp32, partial)
    assert float(fp32 @ partial) > 0.95
    with pytest.raises(ValueError, match="scope"):
        Encoder().quantize("attention")
