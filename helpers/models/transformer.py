"""A small decoder-only transformer for character-level language modelling (Chapter 3).

Pre-LayerNorm blocks of causal self-attention and a GELU MLP of width ``4 d``, learned position
embeddings, and an output layer tied to the token embedding (as in GPT-2). Attention is written out with
explicit matrix products, minGPT-style, so every FLOP is visible.

Parameter counts, with ``d = d_model``, ``L = n_layers``, vocabulary ``V`` and context ``T``::

    per block: attention 4 d^2 + 4 d, MLP 8 d^2 + 5 d, two LayerNorms 4 d   ->  12 d^2 + 13 d
    total     = V d + T d + L (12 d^2 + 13 d) + 2 d     (final LayerNorm; tied output adds nothing)
    non-embedding (Kaplan et al.'s N) = total - V d - T d

Training FLOPs per token (matrix products, forward + backward = 3 x forward)::

    6 [ L (12 d^2 + 2 T d) + d V ]

where ``2 T d`` is the attention itself (scores and weighted values over a full ``T x T`` matrix).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

HEAD_DIM = 16
"""Dimensions per attention head: a model of ``d_model`` has ``d_model / 16`` heads."""


@dataclass(frozen=True)
class TransformerConfig:
    """The shape of one :class:`CharTransformer` (Chapter 3), in nanoGPT's ``GPTConfig`` manner."""

    vocab_size: int
    d_model: int
    n_layers: int
    context: int
    head_dim: int = HEAD_DIM

    def __post_init__(self) -> None:
        if (
            min(
                self.vocab_size,
                self.d_model,
                self.n_layers,
                self.context,
                self.head_dim,
            )
            < 1
        ):
            raise ValueError(f"every size must be at least 1, got {self}")
        if self.d_model % self.head_dim:
            raise ValueError(
                f"d_model={self.d_model} must be a multiple of the head size {self.head_dim}"
            )

    @property
    def n_heads(self) -> int:
        """``d_model / head_dim``."""
        return self.d_model // self.head_dim

    @property
    def n_params(self) -> int:
        """All parameters: ``V d + T d + L (12 d^2 + 13 d) + 2 d``."""
        d = self.d_model
        return (
            self.vocab_size * d
            + self.context * d
            + self.n_layers * (12 * d**2 + 13 * d)
            + 2 * d
        )

    @property
    def n_params_non_embedding(self) -> int:
        """Kaplan et al.'s ``N``: the parameters less the token and position embeddings."""
        return (
            self.n_params
            - self.vocab_size * self.d_model
            - self.context * self.d_model
        )

    @property
    def train_flops_per_unit(self) -> int:
        """Matmul FLOPs per training token (forward + backward): ``6 [L (12 d^2 + 2 T d) + d V]``."""
        d = self.d_model
        return 6 * (
            self.n_layers * (12 * d**2 + 2 * self.context * d) + d * self.vocab_size
        )


class CausalSelfAttention(nn.Module):
    """Causal multi-head self-attention with explicit matrix products (Chapter 3)."""

    def __init__(self, config: TransformerConfig) -> None:
        super().__init__()
        self.n_heads = config.n_heads
        self.qkv = nn.Linear(config.d_model, 3 * config.d_model)
        self.proj = nn.Linear(config.d_model, config.d_model)
        causal = torch.tril(
            torch.ones(config.context, config.context, dtype=torch.bool)
        )
        self.register_buffer("mask", causal, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, length, width = x.shape
        q, k, v = self.qkv(x).split(width, dim=2)  # each (batch, length, d)
        shape = (batch, length, self.n_heads, width // self.n_heads)
        # (batch, heads, length, head_dim)
        q, k, v = (t.view(shape).transpose(1, 2) for t in (q, k, v))
        # (batch, heads, length, length)
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(k.shape[-1])
        scores = scores.masked_fill(~self.mask[:length, :length], float("-inf"))
        y = F.softmax(scores, dim=-1) @ v  # (batch, heads, length, head_dim)
        return self.proj(y.transpose(1, 2).reshape(batch, length, width))


class Block(nn.Module):
    """A pre-LayerNorm transformer block: attention, then a GELU MLP of 4x width (Chapter 3)."""

    def __init__(self, config: TransformerConfig) -> None:
        super().__init__()
        d = config.d_model
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attention = CausalSelfAttention(config)
        self.mlp = nn.Sequential(
            nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attention(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class CharTransformer(nn.Module):
    """Input token ids ``(batch, length <= context)``; output logits ``(batch, length, vocab_size)`` (Chapter 3)."""

    def __init__(self, config: TransformerConfig) -> None:
        super().__init__()
        self.config = config
        self.token_embedding = nn.Embedding(config.vocab_size, config.d_model)
        self.position_embedding = nn.Embedding(config.context, config.d_model)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layers))
        self.final_norm = nn.LayerNorm(config.d_model)
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        length = tokens.shape[1]
        if length > self.config.context:
            raise ValueError(
                f"sequence of {length} tokens exceeds the context of {self.config.context}; "
                "cut it into windows (helpers.data.splits.windows)"
            )
        positions = torch.arange(length, device=tokens.device)
        # (batch, length, d)
        x = self.token_embedding(tokens) + self.position_embedding(positions)
        for block in self.blocks:
            x = block(x)
        # tied output layer: (batch, length, V)
        return self.final_norm(x) @ self.token_embedding.weight.T
