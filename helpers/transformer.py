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

import torch
from torch import nn
from torch.nn import functional as F


def transformer_param_counts(vocab_size: int, d_model: int, n_layers: int, context: int) -> tuple[int, int]:
    """``(total, non_embedding)`` parameter counts."""
    total = vocab_size * d_model + context * d_model + n_layers * (12 * d_model**2 + 13 * d_model) + 2 * d_model
    return total, total - vocab_size * d_model - context * d_model


def transformer_train_flops(vocab_size: int, d_model: int, n_layers: int, context: int) -> int:
    """Matmul FLOPs per training token (forward + backward)."""
    return 6 * (n_layers * (12 * d_model**2 + 2 * context * d_model) + d_model * vocab_size)


class CausalSelfAttention(nn.Module):
    def __init__(self, d_model: int, n_heads: int, context: int) -> None:
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model={d_model} must be divisible by n_heads={n_heads}")
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.register_buffer("mask", torch.tril(torch.ones(context, context, dtype=torch.bool)), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, length, width = x.shape
        q, k, v = self.qkv(x).split(width, dim=2)  # each (batch, length, d)
        shape = (batch, length, self.n_heads, width // self.n_heads)
        q, k, v = (t.view(shape).transpose(1, 2) for t in (q, k, v))  # (batch, heads, length, head_dim)
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(k.shape[-1])  # (batch, heads, length, length)
        scores = scores.masked_fill(~self.mask[:length, :length], float("-inf"))
        y = F.softmax(scores, dim=-1) @ v  # (batch, heads, length, head_dim)
        return self.proj(y.transpose(1, 2).reshape(batch, length, width))


class Block(nn.Module):
    def __init__(self, d_model: int, n_heads: int, context: int) -> None:
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.attention = CausalSelfAttention(d_model, n_heads, context)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attention(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class CharTransformer(nn.Module):
    """Input token ids ``(batch, length <= context)``; output logits ``(batch, length, vocab_size)``."""

    def __init__(self, vocab_size: int, d_model: int, n_layers: int, n_heads: int, context: int) -> None:
        super().__init__()
        self.vocab_size, self.d_model, self.n_layers, self.context = vocab_size, d_model, n_layers, context
        self.token_embedding = nn.Embedding(vocab_size, d_model)
        self.position_embedding = nn.Embedding(context, d_model)
        self.blocks = nn.ModuleList(Block(d_model, n_heads, context) for _ in range(n_layers))
        self.final_norm = nn.LayerNorm(d_model)
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        length = tokens.shape[1]
        if length > self.context:
            raise ValueError(f"sequence of {length} tokens exceeds the context of {self.context}")
        positions = torch.arange(length, device=tokens.device)
        x = self.token_embedding(tokens) + self.position_embedding(positions)  # (batch, length, d)
        for block in self.blocks:
            x = block(x)
        return self.final_norm(x) @ self.token_embedding.weight.T  # tied output layer: (batch, length, V)

    @property
    def n_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    @property
    def n_params_non_embedding(self) -> int:
        return self.n_params - self.token_embedding.weight.numel() - self.position_embedding.weight.numel()

    @property
    def train_flops_per_token(self) -> int:
        return transformer_train_flops(self.vocab_size, self.d_model, self.n_layers, self.context)
