"""Compute and memory of one training round with the Emulator-Adapter split.

Units: FLOPs, bytes and bits. The FLOP counts follow the usual transformer rule of 2 FLOPs per
parameter per token for a forward pass and 4 for a full backward pass (Kaplan et al., 2020,
"Scaling Laws for Neural Language Models", section 2.1). The frozen emulator needs only the
gradient with respect to its input, which costs about one forward pass, so 2 + 2 = 4.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mec_ea_env.config import ModelConfig, ScenarioConfig

FORWARD_FLOPS_PER_PARAM = 2.0
"""FLOPs per parameter per token of a forward pass."""
BACKWARD_FLOPS_PER_PARAM = 4.0
"""FLOPs per parameter per token of a backward pass with weight gradients."""
ACTIVATION_BACKWARD_FLOPS_PER_PARAM = 2.0
"""FLOPs per parameter per token of a backward pass for activation gradients only."""


def emulator_layers(model: ModelConfig, keep_ratio: float) -> int:
    """Return the layers round(rho (L - a_b - a_t)) kept by layer drop, at least 1."""
    return max(1, int(round(keep_ratio * model.middle_layers)))


def adapter_flops_per_token(model: ModelConfig) -> tuple[float, float, float]:
    """Return the FLOPs per token of the three UE compute phases of a round.

    The phases are the bottom adapter forward, the top adapter forward plus backward, and the
    bottom adapter backward. Their sum is F_ad / W = (a_b + a_t) 6 P_l.
    """
    p = model.params_per_layer
    bottom_forward = model.bottom_adapter_layers * FORWARD_FLOPS_PER_PARAM * p
    top = model.top_adapter_layers * (FORWARD_FLOPS_PER_PARAM + BACKWARD_FLOPS_PER_PARAM) * p
    bottom_backward = model.bottom_adapter_layers * BACKWARD_FLOPS_PER_PARAM * p
    return bottom_forward, top, bottom_backward


def emulator_flops_per_token(model: ModelConfig, keep_ratio: float) -> float:
    """Return F_em(rho) / W = round(rho (L - a_b - a_t)) 4 P_l, forward plus activation backward."""
    per_param = FORWARD_FLOPS_PER_PARAM + ACTIVATION_BACKWARD_FLOPS_PER_PARAM
    return emulator_layers(model, keep_ratio) * per_param * model.params_per_layer


def activation_bits_per_token(model: ModelConfig) -> float:
    """Return S_i / W = h x bytes_per_value x 8 / compression, bits per token of one transfer."""
    return model.hidden_size * model.bytes_per_value * 8.0 / model.activation_compression


def emulator_weight_bits(model: ModelConfig, keep_ratio: float) -> float:
    """Return the size of an emulator's weights (bits), sent when it is loaded somewhere new."""
    layers = emulator_layers(model, keep_ratio)
    return layers * model.params_per_layer * model.bytes_per_value * 8.0


def fidelity(model: ModelConfig, keep_ratio: float) -> float:
    """Return the emulator fidelity q(rho) = 1 - c (1 - rho)^gamma, in [0, 1].

    A concave-up loss of fidelity as layers are dropped: keeping every layer gives q = 1, and
    dropping the first layers costs less than dropping the last ones.
    NOTE: the shape and constants are a modelling choice, not fitted to measured fine-tuning
    accuracy; change ``fidelity_scale`` and ``fidelity_exponent`` to match a measured curve.
    """
    return 1.0 - model.fidelity_scale * (1.0 - keep_ratio) ** model.fidelity_exponent


def local_memory_bytes(model: ModelConfig, tokens: float) -> float:
    """Return the UE memory (bytes) a local round needs: adapter training state plus emulator.

    The adapter keeps ``adapter_train_bytes_per_param`` per trainable parameter, the local
    emulator its weights, and every layer its activations for the backward pass.
    """
    p = model.params_per_layer
    adapter_layers = model.bottom_adapter_layers + model.top_adapter_layers
    emulator = emulator_layers(model, model.keep_ratio_local)
    weights = adapter_layers * p * model.adapter_train_bytes_per_param
    weights += emulator * p * model.bytes_per_value
    activations = (adapter_layers + emulator) * tokens * model.hidden_size
    return weights + activations * model.activation_bytes_per_token_layer


def server_capacity(model: ModelConfig, server_memory_bytes: float, tokens: float) -> int:
    """Return how many UEs a server's memory fits next to one shared edge emulator copy.

    Each UE needs the activations of every emulator layer for ``tokens`` tokens kept for the
    backward pass. The capacity is at least 0 and counts whole UEs.
    """
    layers = emulator_layers(model, model.keep_ratio_edge)
    weights = emulator_weight_bits(model, model.keep_ratio_edge) / 8.0
    per_ue = layers * tokens * model.hidden_size * model.activation_bytes_per_token_layer
    return int(max(0.0, np.floor((server_memory_bytes - weights) / per_ue)))


@dataclass(frozen=True)
class RoundConstants:
    """Per-token FLOPs, transfer sizes, fidelities and memory limits of one scenario's rounds.

    The simulator and the planners that estimate a round's cost (greedy) share these values, so
    both always follow the same equations.
    """

    flops_bottom_forward: float
    flops_top: float
    flops_bottom_backward: float
    flops_adapter: float
    flops_local_emulator: float
    flops_edge_emulator: float
    activation_bits: float
    local_emulator_bits: float
    edge_emulator_bits: float
    fidelity_local: float
    fidelity_edge: float
    local_memory_bytes: float
    server_capacity: int

    @classmethod
    def from_config(cls, config: ScenarioConfig) -> RoundConstants:
        """Derive the constants of ``config``; memory limits use the largest workload."""
        model = config.model
        bottom_forward, top, bottom_backward = adapter_flops_per_token(model)
        tokens_max = config.workload.tokens_max
        return cls(
            flops_bottom_forward=bottom_forward,
            flops_top=top,
            flops_bottom_backward=bottom_backward,
            flops_adapter=bottom_forward + top + bottom_backward,
            flops_local_emulator=emulator_flops_per_token(model, model.keep_ratio_local),
            flops_edge_emulator=emulator_flops_per_token(model, model.keep_ratio_edge),
            activation_bits=activation_bits_per_token(model),
            local_emulator_bits=emulator_weight_bits(model, model.keep_ratio_local),
            edge_emulator_bits=emulator_weight_bits(model, model.keep_ratio_edge),
            fidelity_local=fidelity(model, model.keep_ratio_local),
            fidelity_edge=fidelity(model, model.keep_ratio_edge),
            local_memory_bytes=local_memory_bytes(model, tokens_max),
            server_capacity=server_capacity(model, config.compute.server_memory_bytes, tokens_max),
        )
