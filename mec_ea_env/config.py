"""Scenario configuration: frozen dataclasses for radio, compute, model, workload and reward.

Every physical quantity is in SI units unless its field name says otherwise (``_dbm``, ``_db``,
``_db_per_decade``). Each dataclass validates itself on construction and raises a ``ValueError``
that names the field, the value and the valid range. The reasons for the default values are in
docs/system-model.md (parameter table).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def _fail(owner: str, name: str, value: Any, expected: str) -> None:
    raise ValueError(f"{owner}.{name} = {value!r} is invalid: expected {expected}")


def _check_positive(owner: str, name: str, value: float) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        _fail(owner, name, value, "a finite number > 0")


def _check_non_negative(owner: str, name: str, value: float) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
        _fail(owner, name, value, "a finite number >= 0")


def _check_finite(owner: str, name: str, value: float) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value)):
        _fail(owner, name, value, "a finite number")


def _check_fraction(owner: str, name: str, value: float, *, open_low: bool = False) -> None:
    ok = isinstance(value, (int, float)) and math.isfinite(value) and value <= 1
    ok = ok and (value > 0 if open_low else value >= 0)
    if not ok:
        _fail(owner, name, value, "a number in (0, 1]" if open_low else "a number in [0, 1]")


def _check_int(owner: str, name: str, value: int, low: int, high: int | None = None) -> None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= low
    ok = ok and (high is None or value <= high)
    if not ok:
        _fail(owner, name, value, f"an integer in [{low}, {high if high is not None else 'inf'}]")


def _check_choice(owner: str, name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        _fail(owner, name, value, f"one of {list(choices)}")


def _check_range(owner: str, low_name: str, low: float, high_name: str, high: float) -> None:
    if low > high:
        raise ValueError(
            f"{owner}.{low_name} = {low!r} is above {owner}.{high_name} = {high!r}: "
            f"the minimum must not exceed the maximum"
        )


def db_to_linear(value_db: float) -> float:
    """Convert decibels to a linear power ratio."""
    return 10.0 ** (value_db / 10.0)


def dbm_to_watt(value_dbm: float) -> float:
    """Convert dBm to watts."""
    return 10.0 ** ((value_dbm - 30.0) / 10.0)


@dataclass(frozen=True)
class RadioConfig:
    """Uplink and downlink radio of every edge server's cell (OFDMA inside a cell, full reuse)."""

    bandwidth_hz: float = 100e6
    """Uplink band B_m of each edge server (Hz), shared by the UEs it serves."""
    downlink_bandwidth_hz: float = 100e6
    """Downlink band of each edge server (Hz), split equally among the UEs it serves."""
    noise_psd_dbm_hz: float = -174.0
    """Thermal noise power spectral density N_0 (dBm/Hz)."""
    noise_figure_db: float = 9.0
    """Receiver noise figure NF (dB), applied at the server and at the UE."""
    ue_max_power_dbm: float = 23.0
    """Maximum UE transmit power P_max (dBm); 23 dBm is the 3GPP power class 3."""
    server_power_dbm: float = 43.0
    """Edge server (base station) downlink transmit power P_es (dBm)."""
    pathloss_intercept_db: float = 128.1
    """Path loss at 1 km (dB), 3GPP TR 36.814 macro model: 128.1 + 37.6 log10(d_km)."""
    pathloss_slope_db_per_decade: float = 37.6
    """Path loss slope (dB per decade of distance)."""
    min_distance_m: float = 10.0
    """Distance floor (m) used in the path loss so a UE on top of a server has finite gain."""
    shadowing_std_db: float = 8.0
    """Log-normal shadowing standard deviation (dB), drawn once per episode; 0 turns it off."""
    fading: str = "rayleigh"
    """Small-scale fading, redrawn every slot: "rayleigh" (|h|^2 ~ Exp(1)) or "none"."""
    interference: bool = True
    """Whether UEs of other cells (uplink) and other active servers (downlink) interfere."""
    min_bandwidth_fraction: float = 0.01
    """Floor b_min on each requested bandwidth fraction, so no uplink rate is zero."""
    min_power_fraction: float = 0.01
    """Floor p_min on the transmit power fraction."""
    ue_receive_power_w: float = 0.0
    """UE power drawn while receiving on the downlink (W); 0 leaves it out of the energy."""
    backhaul_bps: float = 10e9
    """Backhaul rate (bit/s) used to load the emulator onto a server that does not host it."""

    def __post_init__(self) -> None:
        owner = "radio"
        for name in ("bandwidth_hz", "downlink_bandwidth_hz", "min_distance_m", "backhaul_bps"):
            _check_positive(owner, name, getattr(self, name))
        for name in (
            "noise_psd_dbm_hz",
            "noise_figure_db",
            "ue_max_power_dbm",
            "server_power_dbm",
            "pathloss_intercept_db",
        ):
            _check_finite(owner, name, getattr(self, name))
        _check_positive(owner, "pathloss_slope_db_per_decade", self.pathloss_slope_db_per_decade)
        _check_non_negative(owner, "shadowing_std_db", self.shadowing_std_db)
        _check_non_negative(owner, "ue_receive_power_w", self.ue_receive_power_w)
        _check_choice(owner, "fading", self.fading, ("rayleigh", "none"))
        if not isinstance(self.interference, bool):
            _fail(owner, "interference", self.interference, "True or False")
        _check_fraction(owner, "min_bandwidth_fraction", self.min_bandwidth_fraction, open_low=True)
        _check_fraction(owner, "min_power_fraction", self.min_power_fraction, open_low=True)

    @property
    def noise_power_w(self) -> float:
        """Noise power over the whole uplink band B_m, noise figure included (W)."""
        return dbm_to_watt(self.noise_psd_dbm_hz + self.noise_figure_db) * self.bandwidth_hz

    @property
    def downlink_noise_power_w(self) -> float:
        """Noise power over the whole downlink band, noise figure included (W)."""
        return (
            dbm_to_watt(self.noise_psd_dbm_hz + self.noise_figure_db) * self.downlink_bandwidth_hz
        )


@dataclass(frozen=True)
class ComputeConfig:
    """Compute, energy and memory of the UEs (drawn per episode) and of the edge servers."""

    ue_flops_min: float = 0.5e12
    """Lowest UE compute speed f_i (FLOP/s); a phone-class NPU sustains about 0.5-2 TFLOP/s."""
    ue_flops_max: float = 2.0e12
    """Highest UE compute speed f_i (FLOP/s)."""
    ue_energy_per_flop_min: float = 2.5e-12
    """Lowest UE energy per FLOP eps_i (J/FLOP)."""
    ue_energy_per_flop_max: float = 3.5e-12
    """Highest UE energy per FLOP eps_i (J/FLOP)."""
    ue_memory_min_bytes: float = 4.0e9
    """Lowest UE memory available to the tuning job (bytes)."""
    ue_memory_max_bytes: float = 12.0e9
    """Highest UE memory available to the tuning job (bytes)."""
    server_flops: float = 150e12
    """Edge server compute F_m (FLOP/s), shared by the UEs it serves."""
    server_memory_bytes: float = 16e9
    """Edge server accelerator memory (bytes): one emulator copy plus per-UE activations."""
    server_share: str = "equal"
    """Split of F_m among a server's UEs: "equal" (F_m / n_m) or "workload" (by tokens)."""

    def __post_init__(self) -> None:
        owner = "compute"
        for name in (
            "ue_flops_min",
            "ue_flops_max",
            "ue_energy_per_flop_min",
            "ue_energy_per_flop_max",
            "ue_memory_min_bytes",
            "ue_memory_max_bytes",
            "server_flops",
            "server_memory_bytes",
        ):
            _check_positive(owner, name, getattr(self, name))
        _check_range(owner, "ue_flops_min", self.ue_flops_min, "ue_flops_max", self.ue_flops_max)
        _check_range(
            owner,
            "ue_energy_per_flop_min",
            self.ue_energy_per_flop_min,
            "ue_energy_per_flop_max",
            self.ue_energy_per_flop_max,
        )
        _check_range(
            owner,
            "ue_memory_min_bytes",
            self.ue_memory_min_bytes,
            "ue_memory_max_bytes",
            self.ue_memory_max_bytes,
        )
        _check_choice(owner, "server_share", self.server_share, ("equal", "workload"))


@dataclass(frozen=True)
class ModelConfig:
    """The foundation model, its adapter (trainable, on the UE) and its emulators (frozen)."""

    num_layers: int = 24
    """Transformer layers L of the full model."""
    hidden_size: int = 2048
    """Hidden size h; each layer has P_l = 12 h^2 parameters."""
    bottom_adapter_layers: int = 2
    """Trainable layers a_b at the bottom of the model (always on the UE)."""
    top_adapter_layers: int = 2
    """Trainable layers a_t at the top of the model (always on the UE)."""
    keep_ratio_local: float = 0.25
    """Keep ratio rho_local of the small emulator a UE runs itself (layer drop)."""
    keep_ratio_edge: float = 0.5
    """Keep ratio rho_edge of the larger emulator an edge server runs."""
    bytes_per_value: int = 2
    """Bytes per activation value and per emulator weight (2 for fp16)."""
    activation_compression: float = 1.0
    """Compression ratio applied to every activation transfer (1 = none, 4 = a quarter the bits)."""
    adapter_train_bytes_per_param: float = 16.0
    """UE memory per trainable adapter parameter (bytes): fp16 weight and gradient, fp32 Adam."""
    activation_bytes_per_token_layer: float = 34.0
    """Activation memory per token, per hidden unit and per emulator layer kept for backward."""
    fidelity_scale: float = 0.5
    """c in the fidelity q(rho) = 1 - c (1 - rho)^gamma of an emulator with keep ratio rho."""
    fidelity_exponent: float = 2.0
    """gamma in q(rho) = 1 - c (1 - rho)^gamma."""

    def __post_init__(self) -> None:
        owner = "model"
        _check_int(owner, "num_layers", self.num_layers, 3)
        _check_int(owner, "hidden_size", self.hidden_size, 1)
        _check_int(owner, "bottom_adapter_layers", self.bottom_adapter_layers, 1)
        _check_int(owner, "top_adapter_layers", self.top_adapter_layers, 1)
        middle = self.num_layers - self.bottom_adapter_layers - self.top_adapter_layers
        if middle < 1:
            raise ValueError(
                f"model.num_layers = {self.num_layers} leaves {middle} middle layers after "
                f"{self.bottom_adapter_layers} bottom and {self.top_adapter_layers} top adapter "
                "layers: expected at least 1 middle layer for the emulator"
            )
        _check_fraction(owner, "keep_ratio_local", self.keep_ratio_local, open_low=True)
        _check_fraction(owner, "keep_ratio_edge", self.keep_ratio_edge, open_low=True)
        _check_int(owner, "bytes_per_value", self.bytes_per_value, 1, 8)
        if not (math.isfinite(self.activation_compression) and self.activation_compression >= 1):
            _fail(owner, "activation_compression", self.activation_compression, "a number >= 1")
        _check_positive(owner, "adapter_train_bytes_per_param", self.adapter_train_bytes_per_param)
        _check_positive(
            owner, "activation_bytes_per_token_layer", self.activation_bytes_per_token_layer
        )
        _check_fraction(owner, "fidelity_scale", self.fidelity_scale)
        _check_positive(owner, "fidelity_exponent", self.fidelity_exponent)

    @property
    def middle_layers(self) -> int:
        """Middle layers L - a_b - a_t that the emulator replaces."""
        return self.num_layers - self.bottom_adapter_layers - self.top_adapter_layers

    @property
    def params_per_layer(self) -> float:
        """Parameters per transformer layer, P_l = 12 h^2 (attention 4 h^2 plus MLP 8 h^2)."""
        return 12.0 * self.hidden_size**2


@dataclass(frozen=True)
class WorkloadConfig:
    """Per-round workload W_i(t) of each UE (tokens = batch x sequence length), drawn each slot."""

    tokens_min: float = 512.0
    """Minimum tokens in one UE's training round."""
    tokens_max: float = 1536.0
    """Maximum tokens in one UE's training round."""

    def __post_init__(self) -> None:
        _check_positive("workload", "tokens_min", self.tokens_min)
        _check_positive("workload", "tokens_max", self.tokens_max)
        _check_range("workload", "tokens_min", self.tokens_min, "tokens_max", self.tokens_max)


REWARD_MODES = ("shared", "individual", "mixed")
"""Values of RewardConfig.mode."""


@dataclass(frozen=True)
class RewardConfig:
    """Weights of the per-agent cost c_i = w_T T/T_ref + w_E E/E_ref - w_Q q + penalty miss."""

    latency_weight: float = 1.0
    """w_T, weight of the normalised latency."""
    energy_weight: float = 1.0
    """w_E, weight of the normalised UE energy."""
    quality_weight: float = 1.0
    """w_Q, weight of the emulator fidelity q of a completed round."""
    miss_penalty: float = 1.0
    """Penalty added for a deadline miss, a rejected round or an infeasible placement."""
    latency_ref_s: float | None = None
    """T_ref (s); None uses the deadline."""
    energy_ref_j: float = 5.0
    """E_ref (J), close to the energy of one typical round so the energy term is O(1)."""
    mode: str = "shared"
    """"shared" (every agent gets minus the mean cost), "individual", or "mixed"."""
    mix_alpha: float = 0.5
    """In "mixed" mode: reward = -(alpha own cost + (1 - alpha) mean cost)."""

    def __post_init__(self) -> None:
        owner = "reward"
        for name in ("latency_weight", "energy_weight", "quality_weight", "miss_penalty"):
            _check_non_negative(owner, name, getattr(self, name))
        if self.latency_ref_s is not None:
            _check_positive(owner, "latency_ref_s", self.latency_ref_s)
        _check_positive(owner, "energy_ref_j", self.energy_ref_j)
        _check_choice(owner, "mode", self.mode, REWARD_MODES)
        _check_fraction(owner, "mix_alpha", self.mix_alpha)


MAX_AREA_M = 1e7
"""Largest accepted side of the square area (m): 10,000 km."""

_SECTIONS = {
    "radio": RadioConfig,
    "compute": ComputeConfig,
    "model": ModelConfig,
    "workload": WorkloadConfig,
    "reward": RewardConfig,
}


@dataclass(frozen=True)
class ScenarioConfig:
    """A whole scenario: geometry, episode, mobility, residency and the five sections above."""

    name: str = "custom"
    """Name shown in reports."""
    num_ues: int = 20
    """Number of UEs N, each one agent."""
    num_servers: int = 4
    """Number of edge servers M."""
    area_m: float = 1000.0
    """Side of the square area (m)."""
    server_layout: str = "grid"
    """"grid" (servers at the centres of a regular grid of cells) or "random" (per episode)."""
    slot_s: float = 5.0
    """Length of one time slot (s): one training round per UE per slot."""
    deadline_s: float | None = None
    """Deadline tau of a round (s); None uses the slot length."""
    max_cycles: int = 50
    """Slots per episode before truncation."""
    mobility: str = "random_waypoint"
    """UE mobility: "static", "random_waypoint" or "gauss_markov"."""
    speed_mps: float = 1.4
    """Mean UE speed (m/s); 1.4 m/s is walking pace."""
    gauss_markov_memory: float = 0.8
    """Memory alpha in [0, 1) of the Gauss-Markov velocity process (per slot)."""
    local_resident_prob: float = 0.5
    """Probability that a UE already stores the local emulator at the start of an episode."""
    server_resident_prob: float = 0.5
    """Probability that a server already hosts the edge emulator at the start of an episode."""
    battery_j: float | None = None
    """UE battery budget per episode (J); None means no budget and no battery termination."""
    radio: RadioConfig = field(default_factory=RadioConfig)
    compute: ComputeConfig = field(default_factory=ComputeConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    workload: WorkloadConfig = field(default_factory=WorkloadConfig)
    reward: RewardConfig = field(default_factory=RewardConfig)

    def __post_init__(self) -> None:
        owner = "scenario"
        _check_int(owner, "num_ues", self.num_ues, 1, 100_000)
        _check_int(owner, "num_servers", self.num_servers, 1, 1_000)
        _check_positive(owner, "area_m", self.area_m)
        # Far above any cell layout, and low enough that squared distances stay finite.
        if self.area_m > MAX_AREA_M:
            _fail(owner, "area_m", self.area_m, f"a side of at most {MAX_AREA_M:g} m")
        _check_choice(owner, "server_layout", self.server_layout, ("grid", "random"))
        _check_positive(owner, "slot_s", self.slot_s)
        if self.deadline_s is not None:
            _check_positive(owner, "deadline_s", self.deadline_s)
        _check_int(owner, "max_cycles", self.max_cycles, 1)
        _check_choice(
            owner, "mobility", self.mobility, ("static", "random_waypoint", "gauss_markov")
        )
        _check_non_negative(owner, "speed_mps", self.speed_mps)
        if not (0 <= self.gauss_markov_memory < 1):
            _fail(owner, "gauss_markov_memory", self.gauss_markov_memory, "a number in [0, 1)")
        _check_fraction(owner, "local_resident_prob", self.local_resident_prob)
        _check_fraction(owner, "server_resident_prob", self.server_resident_prob)
        if self.battery_j is not None:
            _check_positive(owner, "battery_j", self.battery_j)
        for section, cls in _SECTIONS.items():
            if not isinstance(getattr(self, section), cls):
                _fail(owner, section, getattr(self, section), f"a {cls.__name__}")

    @property
    def deadline(self) -> float:
        """Deadline tau of every round (s)."""
        return self.deadline_s if self.deadline_s is not None else self.slot_s

    @property
    def latency_ref(self) -> float:
        """T_ref of the reward (s)."""
        ref = self.reward.latency_ref_s
        return ref if ref is not None else self.deadline

    def replace(self, **overrides: Any) -> ScenarioConfig:
        """Return a copy with overrides applied (see :func:`apply_overrides` for the forms)."""
        return apply_overrides(self, overrides)

    def to_dict(self) -> dict[str, Any]:
        """Return the configuration as nested plain dicts (JSON-serialisable)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScenarioConfig:
        """Rebuild a configuration from :meth:`to_dict` output, validating every field."""
        values = dict(data)
        for section, section_cls in _SECTIONS.items():
            values[section] = section_cls(**values[section])
        return cls(**values)


def _field_names(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def valid_override_names() -> list[str]:
    """List every name accepted by :func:`apply_overrides`."""
    names = [n for n in _field_names(ScenarioConfig) if n not in _SECTIONS]
    for section, cls in _SECTIONS.items():
        names.append(section)
        names.extend(f"{section}.{n}" for n in _field_names(cls))
    return names


def _unique_section_of(name: str) -> str | None:
    owners = [s for s, cls in _SECTIONS.items() if name in _field_names(cls)]
    return owners[0] if len(owners) == 1 else None


def apply_overrides(config: ScenarioConfig, overrides: Mapping[str, Any]) -> ScenarioConfig:
    """Return ``config`` with overrides applied; unknown names raise with the valid names.

    Accepted forms, which can be mixed:

    - a scenario field: ``num_ues=30``;
    - a dotted section field: ``{"radio.bandwidth_hz": 20e6}``;
    - a section given as a mapping or a section dataclass: ``radio={"interference": False}``;
    - a section field whose name is unique across sections: ``interference=False``.
    """
    top: dict[str, Any] = {}
    sections: dict[str, dict[str, Any]] = {s: {} for s in _SECTIONS}
    scenario_fields = set(_field_names(ScenarioConfig)) - set(_SECTIONS)

    for key, value in overrides.items():
        if key in _SECTIONS:
            if isinstance(value, _SECTIONS[key]):
                top[key] = value
            elif isinstance(value, Mapping):
                for sub_key, sub_value in value.items():
                    _check_section_field(key, sub_key)
                    sections[key][sub_key] = sub_value
            else:
                _fail("scenario", key, value, f"a mapping or a {_SECTIONS[key].__name__}")
        elif "." in key:
            section, _, sub_key = key.partition(".")
            if section not in _SECTIONS:
                raise ValueError(
                    f"unknown configuration section {section!r} in {key!r}; "
                    f"valid sections: {sorted(_SECTIONS)}"
                )
            _check_section_field(section, sub_key)
            sections[section][sub_key] = value
        elif key in scenario_fields:
            top[key] = value
        else:
            section = _unique_section_of(key)
            if section is None:
                names = valid_override_names()
                close = difflib.get_close_matches(key, names, n=3)
                hint = f" (did you mean {', '.join(close)}?)" if close else ""
                raise ValueError(
                    f"unknown configuration name {key!r}{hint}; valid names: {', '.join(names)}"
                )
            sections[section][key] = value

    for section, changes in sections.items():
        if changes:
            base = top.get(section, getattr(config, section))
            top[section] = dataclasses.replace(base, **changes)
    return dataclasses.replace(config, **top)


def _check_section_field(section: str, name: str) -> None:
    names = _field_names(_SECTIONS[section])
    if name not in names:
        raise ValueError(
            f"unknown field {section}.{name}; valid fields of {section}: {', '.join(names)}"
        )
