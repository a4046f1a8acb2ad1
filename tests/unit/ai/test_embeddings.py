from __future__ import annotations

import numpy as np

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
