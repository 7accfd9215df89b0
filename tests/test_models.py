"""Parameter counts and FLOPs of the model families, checked against the modules and FlopCounterMode."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F
from torch.utils.flop_counter import FlopCounterMode

from helpers.models import (
    CNN,
    MLP,
    CharTransformer,
    CNNConfig,
    MLPConfig,
    TransformerConfig,
    stacked_mlp,
)


def counted_training_flops(
    model: torch.nn.Module, inputs: torch.Tensor, loss_fn
) -> int:
    with FlopCounterMode(display=False) as counter:
        loss_fn(model(inputs)).backward()
    return counter.get_total_flops()


@pytest.mark.parametrize("width, depth", [(16, 1), (64, 2), (100, 3)])
def test_mlp_counts_match_module_and_flop_counter(width, depth):
    config = MLPConfig(width, depth)
    model = MLP(config)
    assert (
        config.n_params
        == sum(p.numel() for p in model.parameters())
        == config.n_params_non_embedding
    )
    batch = 8
    flops = counted_training_flops(
        model, torch.randn(batch, 784), lambda out: out.square().mean()
    )
    assert flops == batch * config.train_flops_per_unit


def test_stacked_mlps_are_independent_models():
    torch.manual_seed(0)
    stacked = MLP(MLPConfig(32, 2), n_models=3)
    assert (
        sum(p.numel() for p in stacked.parameters())
        == 3 * MLPConfig(32, 2).n_params
    )
    x = torch.randn(5, 784)
    out = stacked(x)
    assert out.shape == (3, 5, 10)
    # model k alone, written as plain layers with its slice of the weights
    for k in range(3):
        w1 = stacked.first_weight[:, k * 32 : (k + 1) * 32]
        b1 = stacked.first_bias[k * 32 : (k + 1) * 32]
        h = F.relu(x @ w1 + b1)
        h = F.relu(h @ stacked.weights[0][k] + stacked.biases[0][k])
        expected = h @ stacked.weights[1][k] + stacked.biases[1][k]
        torch.testing.assert_close(out[k], expected)
    # a loss on one model leaves the gradients of the others at zero
    out[1].sum().backward()
    assert (
        stacked.weights[0].grad[0].abs().max() == 0
        and stacked.weights[0].grad[1].abs().max() > 0
    )


@pytest.mark.parametrize("width", [1, 2])
def test_cnn_counts_match_module_and_flop_counter(width):
    config = CNNConfig(width)
    model = CNN(config)
    assert (
        config.n_params
        == sum(p.numel() for p in model.parameters())
        == config.n_params_non_embedding
    )
    batch = 2
    flops = counted_training_flops(
        model, torch.randn(batch, 3, 32, 32), lambda out: out.square().mean()
    )
    assert flops == batch * config.train_flops_per_unit


@pytest.mark.parametrize(
    "d_model, n_layers, n_heads, context", [(32, 1, 2, 16), (48, 2, 4, 32)]
)
def test_transformer_counts_match_module_and_flop_counter(
    d_model, n_layers, n_heads, context
):
    config = TransformerConfig(
        65, d_model, n_layers, context, head_dim=d_model // n_heads
    )
    model = CharTransformer(config)
    embeddings = (
        model.token_embedding.weight.numel()
        + model.position_embedding.weight.numel()
    )
    assert config.n_params == sum(p.numel() for p in model.parameters())
    assert config.n_params_non_embedding == config.n_params - embeddings
    batch = 2
    tokens = torch.randint(0, 65, (batch, context))
    flops = counted_training_flops(
        model, tokens, lambda logits: logits.square().mean()
    )
    assert flops == batch * context * config.train_flops_per_unit


def test_six_n_rule_of_thumb_holds_for_wide_models():
    # per example, training FLOPs approach 6 x parameters once the input layer is a small share
    width, depth = 1024, 4
    config = MLPConfig(width, depth)
    ratio = config.train_flops_per_unit / config.n_params
    assert 5.0 < ratio < 6.0


def test_transformer_is_causal():
    torch.manual_seed(0)
    model = CharTransformer(TransformerConfig(65, 32, 2, 16)).eval()
    tokens = torch.randint(0, 65, (1, 16))
    changed = tokens.clone()
    changed[0, 10] = (changed[0, 10] + 1) % 65
    before, after = model(tokens), model(changed)
    # earlier positions never see later tokens
    torch.testing.assert_close(before[0, :10], after[0, :10])
    assert not torch.allclose(before[0, 10:], after[0, 10:])


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda: MLPConfig(0, 2),
            "width and depth must be at least 1, got width=0",
        ),
        (
            lambda: MLP(MLPConfig(8, 1), n_models=0),
            "n_models must be at least 1, got 0",
        ),
        (lambda: CNNConfig(0), "width must be at least 1, got 0"),
        (
            lambda: TransformerConfig(65, 30, 1, 8),
            "d_model=30 must be a multiple of the head size 16",
        ),
        (lambda: TransformerConfig(65, 32, 0, 8), "every size must be at least 1"),
    ],
)
def test_bad_shapes_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_stacked_mlp_models_start_as_their_seeds_would_alone():
    config = MLPConfig(8, 2)
    stack = stacked_mlp(config, (5, 7))
    torch.manual_seed(7)
    alone = MLP(config)
    x = torch.randn(3, 784)
    torch.testing.assert_close(stack(x)[1], alone(x)[0])


def test_transformer_refuses_a_sequence_longer_than_its_context():
    model = CharTransformer(TransformerConfig(10, 16, 1, 4))
    with pytest.raises(
        ValueError, match="sequence of 5 tokens exceeds the context of 4"
    ):
        model(torch.zeros(1, 5, dtype=torch.long))
