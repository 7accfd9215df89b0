"""Parameter counts and FLOPs of the model families, checked against the modules and FlopCounterMode."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F
from torch.utils.flop_counter import FlopCounterMode

from helpers.models import CNN, MLP, cnn_param_count, cnn_train_flops, mlp_param_count, mlp_train_flops
from helpers.transformer import CharTransformer, transformer_param_counts, transformer_train_flops


def counted_training_flops(model: torch.nn.Module, inputs: torch.Tensor, loss_fn) -> int:
    with FlopCounterMode(display=False) as counter:
        loss_fn(model(inputs)).backward()
    return counter.get_total_flops()


@pytest.mark.parametrize("width, depth", [(16, 1), (64, 2), (100, 3)])
def test_mlp_counts_match_module_and_flop_counter(width, depth):
    model = MLP(width, depth)
    assert mlp_param_count(width, depth) == sum(p.numel() for p in model.parameters()) == model.n_params
    batch = 8
    flops = counted_training_flops(model, torch.randn(batch, 784), lambda out: out.square().mean())
    assert flops == batch * mlp_train_flops(width, depth) == batch * model.train_flops_per_example


def test_stacked_mlps_are_independent_models():
    torch.manual_seed(0)
    stacked = MLP(32, 2, n_models=3)
    assert stacked.n_params == mlp_param_count(32, 2)
    x = torch.randn(5, 784)
    out = stacked(x)
    assert out.shape == (3, 5, 10)
    for k in range(3):  # model k alone, written as plain layers with its slice of the weights
        w1 = stacked.first_weight[:, k * 32:(k + 1) * 32]
        b1 = stacked.first_bias[k * 32:(k + 1) * 32]
        h = F.relu(x @ w1 + b1)
        h = F.relu(h @ stacked.weights[0][k] + stacked.biases[0][k])
        expected = h @ stacked.weights[1][k] + stacked.biases[1][k]
        torch.testing.assert_close(out[k], expected)
    # a loss on one model leaves the gradients of the others at zero
    out[1].sum().backward()
    assert stacked.weights[0].grad[0].abs().max() == 0 and stacked.weights[0].grad[1].abs().max() > 0


@pytest.mark.parametrize("width", [1, 2])
def test_cnn_counts_match_module_and_flop_counter(width):
    model = CNN(width)
    assert cnn_param_count(width) == model.n_params
    batch = 2
    flops = counted_training_flops(model, torch.randn(batch, 3, 32, 32), lambda out: out.square().mean())
    assert flops == batch * cnn_train_flops(width) == batch * model.train_flops_per_example


@pytest.mark.parametrize("d_model, n_layers, n_heads, context", [(32, 1, 2, 16), (48, 2, 4, 32)])
def test_transformer_counts_match_module_and_flop_counter(d_model, n_layers, n_heads, context):
    model = CharTransformer(65, d_model, n_layers, n_heads, context)
    total, non_embedding = transformer_param_counts(65, d_model, n_layers, context)
    assert model.n_params == total and model.n_params_non_embedding == non_embedding
    batch = 2
    tokens = torch.randint(0, 65, (batch, context))
    flops = counted_training_flops(model, tokens, lambda logits: logits.square().mean())
    assert flops == batch * context * transformer_train_flops(65, d_model, n_layers, context)


def test_six_n_rule_of_thumb_holds_for_wide_models():
    # per example, training FLOPs approach 6 x parameters once the input layer is a small share
    width, depth = 1024, 4
    ratio = mlp_train_flops(width, depth) / mlp_param_count(width, depth)
    assert 5.0 < ratio < 6.0


def test_transformer_is_causal():
    torch.manual_seed(0)
    model = CharTransformer(65, 32, 2, 4, 16).eval()
    tokens = torch.randint(0, 65, (1, 16))
    changed = tokens.clone()
    changed[0, 10] = (changed[0, 10] + 1) % 65
    before, after = model(tokens), model(changed)
    torch.testing.assert_close(before[0, :10], after[0, :10])  # earlier positions never see later tokens
    assert not torch.allclose(before[0, 10:], after[0, 10:])


@pytest.mark.parametrize("make, message", [
    (lambda: MLP(0, 2), "width and depth must be at least 1"),
    (lambda: MLP(8, 1, n_models=0), "n_models must be at least 1"),
    (lambda: CNN(0), "width must be at least 1"),
    (lambda: CharTransformer(65, 30, 1, 4, 8), "divisible by n_heads"),
])
def test_bad_shapes_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()
