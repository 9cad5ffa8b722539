"""USE multilingual v3's forward pass in bfloat16 on the CPU's matrix units, for a first build's bulk embedding.

The default model (``models.UseMultilingual``) computes in float32 numpy: ~3.4 MFLOP a token, 22M tokens for a
10,000-note vault, most of a first build. A CPU with bfloat16 matrix instructions (Intel AMX or AVX-512 BF16)
multiplies bfloat16 matrices ~8x faster than float32 ones (torch's oneDNN kernels); ``BF16Use`` runs the
same weights, the same layers and the same tokens there. Only the matrix products take bfloat16 inputs (with
float32 sums); embeddings, layer norms, residuals and the sentence head stay float32, so a vector agrees with
the numpy one to a cosine of 0.9999 or better (``tests/test_embedding_workers.py``), and the model is the
same: the index records the same ``model_id`` and a question, embedded by numpy, lands where it did.

torch is optional (``pip install 'vaultgraph[fast]'``). ``bulk_embedder`` returns ``None`` where it is not
installed or the CPU has no bfloat16 matrix instructions (there bfloat16 would be slower than float32), and
the caller keeps the numpy model. Only the worker processes of a large first build import it
(``index/embedding.py``): torch takes ~1 s to import, which a question or a small edit must not pay.

Layout: sentences sorted by length, a batch padded to its longest rounded up to ``_ROUND`` positions (so that
batch shapes recur: oneDNN builds a kernel per new shape) and to at most ``_TOKEN_BUDGET`` padded tokens; each
n-gram layer a 2-d convolution over the channels-last (sentence, position, channel) array: no gather, and a
padded position is zeroed before every convolution, which is the numpy backend's per-sentence zero padding. The
last layer norm is folded into each sentence's sum of its tokens (``_normed_sum``): no 1,280-wide join.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .embedders import Embedder

_TOKEN_BUDGET = 1536  # padded tokens a batch: its 768-wide activations (4.7 MB) stay near the core's 2 MiB L2;
# at 4,096 the element-wise steps streamed 12.6 MB each and 4,000 texts took 3.5 s instead of 2.5 (1,024-2,048 alike)
_ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram order, left context) of the three convolution branches
_CNN = 256
_ROUND = 8


def matrix_bf16_supported() -> bool:
    """Whether torch is installed and this CPU multiplies bfloat16 matrices natively."""
    try:
        import torch
    except Exception:  # noqa: BLE001 - not installed, or installed but broken (a missing library): numpy then
        return False
    cpu = getattr(torch, "cpu", None)
    probes = [getattr(cpu, name, None) for name in ("_is_amx_tile_supported", "_is_avx512_bf16_supported")]
    try:
        return any(probe() for probe in probes if probe is not None)
    except Exception:  # noqa: BLE001 - a probe that fails means "not known to be supported"
        return False


def bulk_embedder(model) -> Embedder | None:
    """``model`` (a ``UseMultilingual``) computing in bfloat16, or ``None`` where that would not be faster."""
    if not matrix_bf16_supported():
        return None
    try:
        return BF16Use(model)
    except Exception:  # noqa: BLE001 - a torch that cannot take the weights: the numpy model embeds as before
        return None


class BF16Use(Embedder):
    """The weights of a loaded ``UseMultilingual``, computed with bfloat16 matrix products (one thread)."""

    multilingual = True

    def __init__(self, model):
        import torch

        torch.set_num_threads(1)  # one process a core, as the numpy workers
        self.model_id, self.dim, self._sp = model.model_id, model.dim, model._use._sp
        w = model._use._model
        bf16, f32 = torch.bfloat16, torch.float32

        def t(array, dtype=f32):
            return torch.from_numpy(np.ascontiguousarray(array)).to(dtype)

        def conv_weight(w, order):  # rows j*256..: window offset j -> (out, in, 1, order), channels last
            blocks = np.asarray(w).reshape(order, _CNN, _CNN).transpose(2, 1, 0)[:, :, None, :]
            return t(blocks, bf16).contiguous(memory_format=torch.channels_last)

        self._table, self._scale, self._lo = torch.from_numpy(w.table), t(w.scale), t(w.lo)
        self._proj, self._proj_b = t(np.asarray(w.proj_W).T, bf16), t(w.proj_b)
        self._ln_all = (t(w.ln_g_all), t(w.ln_b_all))
        self._ln = (t(w.ln_g), t(w.ln_b))
        self._w1 = [conv_weight(x, n) for x, (n, _) in zip(w.w1, _ORDERS)]
        self._w2 = [conv_weight(x, n) for x, (n, _) in zip(w.w2, _ORDERS)]
        self._b1, self._b2 = [t(b) for b in w.b1], [t(b) for b in w.b2]
        self._cnn, self._cnn_b = t(w.cnn_W), t(w.cnn_b)
        self._head = [t(x) for x in (w.d0, w.d1, w.d2, w.d3, w.p1, w.p3)]
        self._eps = float(w.eps)

    def embed_passages(self, texts: Sequence[str], batch_size: int = 0, progress=None) -> np.ndarray:
        """All ``texts`` in one call: ``_batches`` groups them by length under ``_TOKEN_BUDGET`` itself (cut into
        64 texts first, as ``Embedder.embed_passages`` does, most batches were a third full)."""
        out = self.embed_batch([self.passage_prefix + text for text in texts])
        if progress:
            progress("embed", len(texts), len(texts))
        return out

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        tokens = [self._sp.encode(text, out_type=int, add_bos=True, add_eos=True) for text in texts]
        with torch.inference_mode():
            for rows in _batches(tokens):
                out[rows] = self._encode([tokens[i] for i in rows])
        return out

    def _encode(self, group: list[list[int]]) -> np.ndarray:
        import torch
        import torch.nn.functional as F

        width = _width(max(map(len, group)))
        lens = torch.tensor([len(g) for g in group])
        ids = torch.zeros(len(group), width, dtype=torch.long)
        for i, g in enumerate(group):
            ids[i, :len(g)] = torch.tensor(g)
        mask = (torch.arange(width)[None, :] < lens[:, None]).unsqueeze(2).float()

        chunk = ids % len(self._scale)  # the table is quantized in chunks of interleaved rows
        emb = self._table[ids].float().mul_(self._scale[chunk].unsqueeze(2)).add_(self._lo[chunk].unsqueeze(2))
        x = F.linear(emb.to(torch.bfloat16), self._proj).float().add_(self._proj_b)
        x = F.layer_norm(x, (x.shape[-1],), *self._ln_all, self._eps).mul_(mask)
        parts = [emb]
        for i, (order, left) in enumerate(_ORDERS):
            xs = x[..., i * _CNN:(i + 1) * _CNN]
            h = _conv(xs, self._w1[i], self._b1[i], order, left).clamp_(min=0).add_(xs).mul_(mask)
            parts.append(_conv(h, self._w2[i], self._b2[i], order, left).clamp_(min=0).add_(h))
        flens = lens.float()
        summed = self._normed_sum(parts, mask.squeeze(2), flens)
        mean = (summed @ self._cnn).add_(flens[:, None] * self._cnn_b).mul_(torch.rsqrt(flens)[:, None])
        d0, d1, d2, d3, p1, p3 = self._head
        y1 = torch.relu(mean @ p1 + torch.relu(mean @ d0) @ d1)
        z = torch.tanh(y1 @ p3 + torch.relu(y1 @ d2) @ d3)
        return F.normalize(z, dim=1, eps=float(np.sqrt(self._eps))).numpy()

    def _normed_sum(self, parts, mask, flens):
        """Each sentence's sum over its tokens of the layer-normed features ``parts`` joined, without joining
        them: sum_t LN(f_t) = g * (sum_t w_t f_t - sum_t w_t mu_t) + len * b, with w_t = mask_t / sigma_t."""
        import torch

        width = sum(p.shape[-1] for p in parts)
        mu = sum(p.sum(-1) for p in parts) / width
        var = sum(torch.linalg.vector_norm(p, dim=-1).square_() for p in parts).div_(width).sub_(mu * mu)
        w = mask * torch.rsqrt(var.clamp_(min=0).add_(self._eps))
        weighted = torch.cat([torch.bmm(w.unsqueeze(1), p).squeeze(1) for p in parts], 1)
        gamma, beta = self._ln
        return weighted.sub_((w * mu).sum(1, keepdim=True)).mul_(gamma).add_(flens[:, None] * beta)


def _conv(x, weight, bias, order: int, left: int):
    """One n-gram layer: ``x`` (sentences, positions, 256) float32 with zeros past each sentence -> float32."""
    import torch
    import torch.nn.functional as F

    padded = F.pad(x.to(torch.bfloat16), (0, 0, left, order - 1 - left))
    out = F.conv2d(padded.permute(0, 2, 1).unsqueeze(2), weight)  # (sentences, 256, 1, positions)
    return out.squeeze(2).permute(0, 2, 1).float().add_(bias)


def _width(longest: int) -> int:
    """A batch's padded width: a multiple of ``_ROUND``, so that its shape recurs (oneDNN builds a kernel for
    every new shape, ~15 ms, and keeps the last 1,024)."""
    return -(-longest // _ROUND) * _ROUND


def _batches(tokens: list[list[int]]):
    """Row indices of ``tokens`` in batches of similar length, each padded to at most ``_TOKEN_BUDGET``."""
    order = sorted(range(len(tokens)), key=lambda i: len(tokens[i]))
    batch: list[int] = []
    for i in order:  # ascending: the newest row is the batch's longest
        if batch and _width(len(tokens[i])) * (len(batch) + 1) > _TOKEN_BUDGET:
            yield batch
            batch = []
        batch.append(i)
    if batch:
        yield batch


__all__ = ["BF16Use", "bulk_embedder", "matrix_bf16_supported"]
