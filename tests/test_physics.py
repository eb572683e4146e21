"""Physics unit tests against values computed by hand in each test's docstring.

Common numbers (the "paper" defaults): L = 24, h = 2048, a_b = a_t = 2, so P_l = 12 h^2 =
50,331,648 parameters per layer and L - a_b - a_t = 20 middle layers; W = 1024 tokens;
P_max = 23 dBm = 0.19953 W; P_es = 43 dBm = 19.953 W; noise over 100 MHz with NF 9 dB is
10^((-174 + 9 - 30) / 10) x 1e8 = 3.1623e-12 W; path loss PL(d) = 128.1 + 37.6 log10(d_km).

The scenes are placed by hand: build a Simulator with fading, shadowing and mobility off, reset
it, then overwrite its state arrays and recompute the gains with ``_update_gain``.
"""

import math

import numpy as np
import pytest

from mec_ea_env import make_config
from mec_ea_env.config import ModelConfig
from mec_ea_env.physics import channel, compute, feasibility, mobility
from mec_ea_env.simulator import LOCAL, NOT_SERVED, Simulator

TOKENS = 1024.0
P_MAX_W = 0.19952623149688797
P_ES_W = 19.952623149688797
NOISE_W = 3.1622776601683794e-12


def _scene(num_ues, server_xy, ue_xy, **overrides):
    """Return a reset simulator with UEs and servers at the given positions (m).

    Every UE computes at 0.5 TFLOP/s with 3 pJ/FLOP, runs 1024 tokens, has the memory for a
    local round and already stores the local emulator. Every server hosts the edge emulator.
    """
    settings = dict(
        num_ues=num_ues,
        num_servers=len(server_xy),
        fading="none",
        shadowing_std_db=0.0,
        mobility="static",
    )
    settings.update(overrides)
    sim = Simulator(make_config("paper", **settings))
    sim.reset(seed=0)
    sim.server_position[0] = np.asarray(server_xy, dtype=float)
    sim.position[0] = np.asarray(ue_xy, dtype=float)
    sim.ue_flops[:] = 0.5e12
    sim.ue_energy_per_flop[:] = 3e-12
    sim.tokens[:] = TOKENS
    sim.local_ok[:] = True
    sim.local_resident[:] = True
    sim.server_resident[:] = True
    sim.fading[:] = 1.0
    sim.shadowing[:] = 1.0
    sim._update_gain()
    return sim


def _play(sim, placement, bandwidth, power, priority=None):
    shape = (1, sim.num_ues)
    return sim.play(
        np.asarray(placement, dtype=np.int64).reshape(shape),
        np.asarray(bandwidth, dtype=float).reshape(shape),
        np.asarray(power, dtype=float).reshape(shape),
        None if priority is None else np.asarray(priority, dtype=float).reshape(shape),
    )


# --- Compute -------------------------------------------------------------------------------------


def test_adapter_flops():
    """F_ad = (a_b + a_t) 6 P_l W = 4 x 6 x 50,331,648 x 1024 = 1.2370e12 FLOP (~1.24 TFLOP)."""
    per_token = compute.adapter_flops_per_token(ModelConfig())
    assert sum(per_token) * TOKENS == pytest.approx(1.236950581248e12, rel=1e-12)
    bottom_forward, top, bottom_backward = per_token
    assert bottom_forward == 2 * 2 * 50_331_648  # a_b layers, forward 2 FLOP per parameter
    assert top == 2 * 6 * 50_331_648  # a_t layers, forward 2 + backward 4
    assert bottom_backward == 2 * 4 * 50_331_648


def test_edge_emulator_flops():
    """F_em(0.5) = round(0.5 x 20) x 4 P_l W = 10 x 4 x 50,331,648 x 1024 = 2.0616e12 FLOP."""
    model = ModelConfig()
    assert compute.emulator_layers(model, 0.5) == 10
    flops = compute.emulator_flops_per_token(model, 0.5) * TOKENS
    assert flops == pytest.approx(2.06158430208e12, rel=1e-12)


def test_local_emulator_flops():
    """F_em(0.25) = round(0.25 x 20) x 4 P_l W = 5 x 4 x 50,331,648 x 1024 = 1.0308e12 FLOP."""
    model = ModelConfig()
    assert compute.emulator_layers(model, 0.25) == 5
    flops = compute.emulator_flops_per_token(model, 0.25) * TOKENS
    assert flops == pytest.approx(1.03079215104e12, rel=1e-12)


def test_emulator_keeps_one_layer():
    """A keep ratio of 0.01 rounds 0.2 layers to 0, and the emulator keeps at least 1 layer."""
    assert compute.emulator_layers(ModelConfig(keep_ratio_local=0.01), 0.01) == 1


def test_activation_transfer_bits():
    """S = W h bytes 8 = 1024 x 2048 x 2 x 8 = 33,554,432 bit (33.6 Mbit); compression 4 -> /4."""
    assert compute.activation_bits_per_token(ModelConfig()) * TOKENS == 33_554_432
    compressed = ModelConfig(activation_compression=4.0)
    assert compute.activation_bits_per_token(compressed) * TOKENS == 33_554_432 / 4


def test_emulator_weight_bits():
    """Edge emulator: 10 x P_l x 2 byte x 8 = 8.0531e9 bit; local (5 layers): 4.0265e9 bit."""
    model = ModelConfig()
    assert compute.emulator_weight_bits(model, 0.5) == 10 * 50_331_648 * 16
    assert compute.emulator_weight_bits(model, 0.25) == 5 * 50_331_648 * 16


def test_fidelity_values():
    """q(rho) = 1 - 0.5 (1 - rho)^2: q(0.5) = 0.875, q(0.25) = 0.71875, q(1) = 1."""
    model = ModelConfig()
    assert compute.fidelity(model, 0.5) == pytest.approx(0.875)
    assert compute.fidelity(model, 0.25) == pytest.approx(0.71875)
    assert compute.fidelity(model, 1.0) == 1.0


def test_server_capacity_paper():
    """Capacity = floor((16e9 - 1.0066e9) / 1.0695e9) = floor(14.02) = 14 UEs.

    Emulator weights 10 P_l x 2 byte = 1.0066e9 byte; per UE 10 layers x 1536 tokens x 2048 x
    34 byte = 1.0695e9 byte. With 12 GB (the "dense" preset): floor(10.28) = 10 UEs.
    """
    model = ModelConfig()
    assert compute.server_capacity(model, 16e9, 1536) == 14
    assert compute.server_capacity(model, 12e9, 1536) == 10
    assert compute.server_capacity(model, 0.5e9, 1536) == 0


def test_local_memory():
    """4 P_l x 16 + 5 P_l x 2 + (4 + 5) x 1536 x 2048 x 34 = 3.7245e9 + 0.9626e9 = 4.6871e9 B."""
    assert compute.local_memory_bytes(ModelConfig(), 1536) == pytest.approx(4.68713472e9)


# --- Channel -------------------------------------------------------------------------------------


def test_pathloss_100m():
    """PL(100 m) = 128.1 + 37.6 log10(0.1) = 128.1 - 37.6 = 90.5 dB."""
    assert channel.pathloss_db(np.array(100.0), 128.1, 37.6, 10.0) == pytest.approx(90.5)


def test_pathloss_1km():
    """PL(1 km) = 128.1 + 37.6 log10(1) = 128.1 dB."""
    assert channel.pathloss_db(np.array(1000.0), 128.1, 37.6, 10.0) == pytest.approx(128.1)


def test_pathloss_distance_floor():
    """At 0 m the distance is floored to 10 m: PL = 128.1 + 37.6 log10(0.01) = 52.9 dB."""
    assert channel.pathloss_db(np.array(0.0), 128.1, 37.6, 10.0) == pytest.approx(52.9)


def test_noise_power():
    """N = 10^((-174 + 9 - 30) / 10) W/Hz x 1e8 Hz = 3.1623e-12 W."""
    assert make_config("paper").radio.noise_power_w == pytest.approx(NOISE_W, rel=1e-12)


def test_sinr_rate_no_interference():
    """One UE 200 m from its server, b = 0.25 (25 MHz), full power, nothing else on the air.

    g = 10^(-101.8187 / 10) = 6.5785e-11; SINR = 0.19953 x 6.5785e-11 / (0.25 x 3.1623e-12)
    = 16.603; r = 25e6 log2(17.603) = 103.44 Mbit/s.
    """
    sim = _scene(1, [[0.0, 0.0]], [[200.0, 0.0]])
    assert sim.gain[0, 0, 0] == pytest.approx(6.578505e-11, rel=1e-6)
    sinr = channel.uplink_sinr(P_MAX_W, sim.gain[0, 0, 0], 0.25, NOISE_W, 0.0)
    assert sinr == pytest.approx(16.603, rel=1e-4)
    result = _play(sim, [1], [0.25], [1.0])
    assert result.bandwidth[0, 0] == 0.25
    assert result.uplink_rate_bps[0, 0] == pytest.approx(103.44e6, rel=1e-4)


def test_sinr_rate_with_interference():
    """UE A 200 m from server 1; UE B on server 2 is 300 m from server 1, both at full power.

    I_1 = 0.19953 x 10^(-108.4398 / 10) = 0.19953 x 1.4323e-11 = 2.8577e-12 W.
    SINR_A = 0.19953 x 6.5785e-11 / (0.25 x (3.1623e-12 + 2.8577e-12)) = 8.7215;
    r_A = 25e6 log2(9.7215) = 82.03 Mbit/s. With interference off, A gets 103.44 Mbit/s.
    """
    servers = [[0.0, 0.0], [500.0, 0.0]]
    ues = [[0.0, 200.0], [300.0, 0.0]]
    sim = _scene(2, servers, ues)
    result = _play(sim, [1, 2], [0.25, 0.25], [1.0, 1.0])
    assert result.uplink_rate_bps[0, 0] == pytest.approx(82.03e6, rel=1e-4)

    interference = channel.uplink_interference(
        np.array([[P_MAX_W, P_MAX_W]]), sim.gain, np.array([[[True, False], [False, True]]])
    )
    assert interference[0, 0] == pytest.approx(2.8577e-12, rel=1e-4)

    quiet = _scene(2, servers, ues, interference=False)
    result = _play(quiet, [1, 2], [0.25, 0.25], [1.0, 1.0])
    assert result.uplink_rate_bps[0, 0] == pytest.approx(103.44e6, rel=1e-4)


def test_interference_scales_with_power():
    """Halving B's power halves I_1: SINR_A = 1.3123e-11 / (0.25 (3.1623e-12 + 1.4289e-12)).

    = 11.436, r_A = 25e6 log2(12.436) = 90.911 Mbit/s.
    """
    sim = _scene(2, [[0.0, 0.0], [500.0, 0.0]], [[0.0, 200.0], [300.0, 0.0]])
    result = _play(sim, [1, 2], [0.25, 0.25], [1.0, 0.5])
    assert result.uplink_rate_bps[0, 0] == pytest.approx(90.911e6, rel=1e-4)


def test_downlink_rate_shared():
    """Downlink of a UE 100 m from its server, shared by 4 UEs, one active server.

    SINR = 19.953 x 8.9125e-10 / 3.1623e-12 = 5623.4; r = (1e8 / 4) log2(5624.4) = 311.44 Mbit/s.
    """
    ues = [[100.0, 0.0], [-100.0, 0.0], [0.0, 100.0], [0.0, -100.0]]
    sim = _scene(4, [[0.0, 0.0]], ues, area_m=1000.0)
    result = _play(sim, [1] * 4, [0.25] * 4, [1.0] * 4)
    np.testing.assert_allclose(result.downlink_rate_bps[0], 311.437e6, rtol=1e-5)


def test_downlink_interference_from_active_server():
    """UE A 100 m from server 1, 400 m from server 2; server 2 serves B, so it interferes.

    SINR_A = 19.953 x 8.9125e-10 / (3.1623e-12 + 19.953 x 10^(-113.137 / 10))
    = 1.7783e-8 / (3.1623e-12 + 9.6885e-11) = 177.74; r_A = 1e8 log2(178.74) = 748.18 Mbit/s.
    """
    sim = _scene(2, [[0.0, 0.0], [500.0, 0.0]], [[100.0, 0.0], [600.0, 0.0]])
    result = _play(sim, [1, 2], [0.5, 0.5], [1.0, 1.0])
    assert result.downlink_rate_bps[0, 0] == pytest.approx(748.18e6, rel=1e-5)

    alone = _play(sim, [1, 0], [0.5, 0.5], [1.0, 1.0])
    sinr = P_ES_W * 8.912509e-10 / NOISE_W
    assert alone.downlink_rate_bps[0, 0] == pytest.approx(1e8 * math.log2(1 + sinr), rel=1e-6)


# --- Latency and energy --------------------------------------------------------------------------


def test_local_latency_energy():
    """Local round at 0.5 TFLOP/s, 3 pJ/FLOP, emulator already on the UE.

    T = (1.2370e12 + 1.0308e12) / 0.5e12 = 4.5355 s (~4.5 s); E = 3e-12 x 2.2677e12 = 6.8032 J.
    Cost = 4.5355 / 5 + 6.8032 / 5 - q(0.25) = 0.90710 + 1.36065 - 0.71875 = 1.54900.
    """
    sim = _scene(1, [[0.0, 0.0]], [[300.0, 0.0]])
    result = _play(sim, [LOCAL], [0.0], [0.0])
    assert result.latency_s[0, 0] == pytest.approx(4.535485, rel=1e-6)
    assert result.energy_j[0, 0] == pytest.approx(6.803228, rel=1e-6)
    assert result.quality[0, 0] == pytest.approx(0.71875)
    assert not result.deadline_miss[0, 0]
    assert result.server[0, 0] == LOCAL
    assert result.cost[0, 0] == pytest.approx(1.549003, rel=1e-5)
    assert result.uplink_rate_bps[0, 0] == 0.0
    assert result.bandwidth[0, 0] == 0.0
    assert result.power[0, 0] == 0.0


def test_edge_latency_energy_100m_4_ues():
    """Four UEs 100 m from one server, each b = 0.25, full power, emulator hosted.

    UE compute: F_ad / f = 1.2370e12 / 0.5e12 = 2.4739 s.
    Server: two passes of F_em / 2 at F_m / 4: 2.0616e12 x 4 / 150e12 = 0.05498 s.
    Uplink: SINR = 0.19953 x 8.9125e-10 / (0.25 x 3.1623e-12) = 224.94,
    r = 25e6 log2(225.94) = 195.49 Mbit/s, 2 S / r = 2 x 33.554e6 / 195.49e6 = 0.34328 s.
    Downlink: r = 311.44 Mbit/s (see the shared downlink test), 2 S / r = 0.21548 s.
    T = 2.4739 + 0.05498 + 0.34328 + 0.21548 = 3.0876 s (~3.1 s).
    E = 3e-12 x 1.2370e12 + 0.19953 x 0.34328 = 3.7109 + 0.06849 = 3.7793 J.
    """
    ues = [[100.0, 0.0], [-100.0, 0.0], [0.0, 100.0], [0.0, -100.0]]
    sim = _scene(4, [[0.0, 0.0]], ues)
    result = _play(sim, [1] * 4, [0.25] * 4, [1.0] * 4)
    np.testing.assert_allclose(result.uplink_rate_bps[0], 195.494e6, rtol=1e-5)
    np.testing.assert_allclose(result.latency_s[0], 3.087636, rtol=1e-6)
    np.testing.assert_allclose(result.energy_j[0], 3.779345, rtol=1e-6)
    np.testing.assert_allclose(result.quality[0], 0.875)
    assert not result.deadline_miss.any()
    assert (result.server[0] == 1).all()


def test_edge_latency_energy_400m_8_ues():
    """Eight UEs 400 m from one server, each b = 1/8, full power; deadline raised to 100 s.

    PL(400 m) = 128.1 + 37.6 log10(0.4) = 113.137 dB, g = 4.8557e-12.
    Uplink: SINR = 0.19953 x 4.8557e-12 / (0.125 x 3.1623e-12) = 2.4510,
    r = 12.5e6 log2(3.4510) = 22.338 Mbit/s, 2 S / r = 3.0043 s.
    Downlink: SINR = 19.953 x 4.8557e-12 / 3.1623e-12 = 30.638, r = 12.5e6 log2(31.638)
    = 62.295 Mbit/s, 2 S / r = 1.0773 s. Server: 2.0616e12 x 8 / 150e12 = 0.10995 s.
    T = 2.4739 + 0.10995 + 3.0043 + 1.0773 = 6.6654 s; E = 3.7109 + 0.19953 x 3.0043 = 4.3103 J.
    At the default 5 s deadline the same round is a miss.
    """
    angle = np.linspace(0.0, 2.0 * np.pi, 8, endpoint=False)
    ues = np.stack([400.0 * np.cos(angle), 400.0 * np.sin(angle)], axis=1)
    sim = _scene(8, [[0.0, 0.0]], ues, deadline_s=100.0)
    result = _play(sim, [1] * 8, [0.125] * 8, [1.0] * 8)
    np.testing.assert_allclose(result.uplink_rate_bps[0], 22.3377e6, rtol=1e-5)
    np.testing.assert_allclose(result.downlink_rate_bps[0], 62.2946e6, rtol=1e-5)
    np.testing.assert_allclose(result.latency_s[0], 6.665420, rtol=1e-6)
    np.testing.assert_allclose(result.energy_j[0], 4.310285, rtol=1e-6)

    tight = _scene(8, [[0.0, 0.0]], ues)
    assert _play(tight, [1] * 8, [0.125] * 8, [1.0] * 8).deadline_miss.all()


def test_workload_share_of_server():
    """Two UEs of 1024 and 3072 tokens on one server, 100 m away, b = 0.5 each.

    UE 1 computes at 2 TFLOP/s so that its round of 3072 tokens ends before the deadline.

    Equal share (F_m / 2 each), both passes: 2.0132e9 FLOP/token x W x 2 / 150e12 = 0.027488 s
    for W = 1024 and 0.082463 s for W = 3072. Workload share (F_m W_i / 4096): both take
    2.0132e9 x 4096 / 150e12 = 0.054976 s. So switching to "workload" adds 0.027488 s to the
    latency of UE 0 and removes 0.027488 s from UE 1; nothing else changes.
    """
    ues = [[100.0, 0.0], [-100.0, 0.0]]
    latency = {}
    for share in ("equal", "workload"):
        sim = _scene(2, [[0.0, 0.0]], ues, server_share=share)
        sim.tokens[0] = [1024.0, 3072.0]
        sim.ue_flops[0, 1] = 2e12
        latency[share] = _play(sim, [1, 1], [0.5, 0.5], [1.0, 1.0]).latency_s[0]
    delta = latency["workload"] - latency["equal"]
    np.testing.assert_allclose(delta, [0.02748779, -0.02748779], rtol=1e-6)


def test_receive_power_counts_downlink_time():
    """With a 0.1 W receive power the edge UE also spends 0.1 x 2 S / r_down.

    One UE 100 m from its server alone: r_down = 1e8 log2(5624.4) = 1.24575e9 bit/s, so
    2 S / r_down = 0.053870 s and the extra energy is 0.0053870 J.
    """
    ues = [[100.0, 0.0]]
    base = _play(_scene(1, [[0.0, 0.0]], ues), [1], [1.0], [1.0])
    sim = _scene(1, [[0.0, 0.0]], ues, ue_receive_power_w=0.1)
    result = _play(sim, [1], [1.0], [1.0])
    extra = result.energy_j[0, 0] - base.energy_j[0, 0]
    assert extra == pytest.approx(0.1 * 2 * 33_554_432 / 1.245749e9, rel=1e-5)


# --- Switching cost ------------------------------------------------------------------------------


def test_local_emulator_download():
    """A local UE without the emulator downloads 4.0265e9 bit from its strongest server.

    100 m from the only server, nothing else served: r = 1e8 log2(1 + 5623.4) = 1.24575e9 bit/s,
    download 4.0265e9 / 1.24575e9 = 3.2322 s. T = 3.2322 + 4.5355 = 7.7677 s (deadline 20 s);
    receiving at 0.1 W adds 0.32322 J to the 6.8032 J of compute: E = 7.1264 J.
    """
    sim = _scene(1, [[0.0, 0.0]], [[100.0, 0.0]], deadline_s=20.0, ue_receive_power_w=0.1)
    sim.local_resident[:] = False
    result = _play(sim, [LOCAL], [0.0], [0.0])
    assert result.latency_s[0, 0] == pytest.approx(7.767704, rel=1e-6)
    assert result.energy_j[0, 0] == pytest.approx(7.126450, rel=1e-6)
    assert not result.deadline_miss[0, 0]


def test_download_shares_downlink_with_served_ues():
    """A downloading UE shares its server's downlink with the 1 UE the server serves: rate / 2.

    Download time doubles from 3.2322 s to 6.4644 s, so T = 6.4644 + 4.5355 = 10.9999 s.
    """
    sim = _scene(2, [[0.0, 0.0]], [[100.0, 0.0], [0.0, 100.0]], deadline_s=20.0)
    sim.local_resident[0, 0] = False
    result = _play(sim, [LOCAL, 1], [0.0, 0.5], [0.0, 1.0])
    assert result.latency_s[0, 0] == pytest.approx(10.99992, rel=1e-5)


def test_server_backhaul_load():
    """A server without the edge emulator loads 8.0531e9 bit over 10 Gbit/s: +0.80531 s.

    The UE's energy does not change, because the UE idles while the server loads.
    """
    ues = [[100.0, 0.0]]
    hosted = _play(_scene(1, [[0.0, 0.0]], ues), [1], [1.0], [1.0])
    sim = _scene(1, [[0.0, 0.0]], ues)
    sim.server_resident[:] = False
    loading = _play(sim, [1], [1.0], [1.0])
    delta = loading.latency_s[0, 0] - hosted.latency_s[0, 0]
    assert delta == pytest.approx(0.8053064, rel=1e-6)
    assert loading.energy_j[0, 0] == pytest.approx(hosted.energy_j[0, 0], rel=1e-12)


def test_residency_after_step():
    """After a slot the local emulator is on the UE that ran locally, the edge one on the server."""
    sim = _scene(2, [[0.0, 0.0], [500.0, 0.0]], [[100.0, 0.0], [400.0, 0.0]])
    sim.local_resident[:] = False
    sim.server_resident[:] = False
    placement = np.array([[LOCAL, 2]])
    sim.step(placement, np.array([[0.0, 0.5]]), np.array([[0.0, 1.0]]))
    assert sim.local_resident[0].tolist() == [True, False]
    assert sim.server_resident[0].tolist() == [False, True]


# --- Feasibility ---------------------------------------------------------------------------------


def test_bandwidth_projection_above_one():
    """Requests 0.6, 0.6, 0 on server 1 are floored to 0.6, 0.6, 0.01 (sum 1.21), then / 1.21.

    Effective: 0.49587, 0.49587, 0.0082645 (sum 1). Server 2 gets 0.3 and 0.2 (sum 0.5):
    unchanged. The UE not served gets 0.
    """
    requested = np.array([[0.6, 0.6, 0.0, 0.3, 0.2, 0.9]])
    server = np.array([0, 0, 0, 1, 1, -1])
    serving = (server[:, None] == np.arange(2))[None]
    effective, per_server = feasibility.project_bandwidth(requested, serving, 0.01)
    np.testing.assert_allclose(per_server[0], [1.21, 0.5])
    expected = [0.6 / 1.21, 0.6 / 1.21, 0.01 / 1.21, 0.3, 0.2, 0.0]
    np.testing.assert_allclose(effective[0], expected, rtol=1e-12)
    assert effective[0, :3].sum() == pytest.approx(1.0)


def test_bandwidth_projection_in_play():
    """Through the simulator: two UEs asking 0.8 each on one server get 0.5 each."""
    sim = _scene(2, [[0.0, 0.0]], [[100.0, 0.0], [0.0, 100.0]])
    result = _play(sim, [1, 1], [0.8, 0.8], [1.0, 1.0])
    np.testing.assert_allclose(result.bandwidth[0], [0.5, 0.5])


def test_power_floor():
    """Power 0 on an edge placement is raised to p_min = 0.01; a local UE reports power 0."""
    sim = _scene(2, [[0.0, 0.0]], [[100.0, 0.0], [0.0, 100.0]])
    result = _play(sim, [1, 0], [0.0, 0.0], [0.0, 0.7])
    assert result.power[0].tolist() == [0.01, 0.0]
    assert result.bandwidth[0, 0] == 0.01


def test_admission_full_server():
    """A server with 3.5 GB fits floor((3.5e9 - 1.0066e9) / 1.0695e9) = 2 UEs.

    Four UEs ask for it with priorities 0.3, 0.1, 0.4, 0.2: UEs 1 and 3 (lowest keys) are
    admitted; UEs 0 and 2 are rejected: latency = deadline 5 s, miss, quality 0, energy 0.
    """
    ues = [[100.0, 0.0], [-100.0, 0.0], [0.0, 100.0], [0.0, -100.0]]
    sim = _scene(4, [[0.0, 0.0]], ues, server_memory_bytes=3.5e9)
    assert sim.server_capacity.tolist() == [2]
    result = _play(sim, [1] * 4, [0.25] * 4, [1.0] * 4, priority=[0.3, 0.1, 0.4, 0.2])
    assert result.rejected[0].tolist() == [True, False, True, False]
    assert result.server[0].tolist() == [NOT_SERVED, 1, NOT_SERVED, 1]
    assert result.latency_s[0, [0, 2]].tolist() == [5.0, 5.0]
    assert result.deadline_miss[0].tolist() == [True, False, True, False]
    assert result.quality[0, [0, 2]].tolist() == [0.0, 0.0]
    assert result.energy_j[0, [0, 2]].tolist() == [0.0, 0.0]
    np.testing.assert_allclose(result.bandwidth[0], [0.0, 0.25, 0.0, 0.25])


def test_admission_default_priority_is_ue_order():
    """Without priorities the lowest UE indices are admitted first."""
    ues = [[100.0, 0.0], [-100.0, 0.0], [0.0, 100.0]]
    sim = _scene(3, [[0.0, 0.0]], ues, server_memory_bytes=3.5e9)
    result = _play(sim, [1] * 3, [0.3] * 3, [1.0] * 3)
    assert result.rejected[0].tolist() == [False, False, True]


def test_local_infeasible_rejected():
    """A UE whose memory cannot fit the local round is rejected when it requests local."""
    sim = _scene(1, [[0.0, 0.0]], [[100.0, 0.0]])
    sim.local_ok[:] = False
    result = _play(sim, [LOCAL], [0.0], [0.0])
    assert result.rejected[0, 0]
    assert result.deadline_miss[0, 0]
    assert result.latency_s[0, 0] == 5.0
    assert result.server[0, 0] == NOT_SERVED
    assert not sim.placement_mask()[0, 0, LOCAL]


def test_deadline_caps_local_compute():
    """At 0.2 TFLOP/s a local round needs 2.2677e12 / 0.2e12 = 11.339 s > 5 s.

    Latency counted: 5 s; energy only until the deadline: 3e-12 x 0.2e12 W x 5 s = 3.0 J.
    Cost = 5/5 + 3/5 - 0 + 1 = 2.6.
    """
    sim = _scene(1, [[0.0, 0.0]], [[100.0, 0.0]])
    sim.ue_flops[:] = 0.2e12
    result = _play(sim, [LOCAL], [0.0], [0.0])
    assert result.latency_s[0, 0] == 5.0
    assert result.energy_j[0, 0] == pytest.approx(3.0, rel=1e-12)
    assert result.deadline_miss[0, 0]
    assert result.quality[0, 0] == 0.0
    assert result.cost[0, 0] == pytest.approx(2.6)


def test_deadline_caps_uplink_energy():
    """Edge UE 1 km from its server with b = 0.01 (1 MHz): the first uplink outlasts the deadline.

    Bottom forward: 2 x 2 P_l x 1024 / 0.5e12 = 0.41232 s at 3e-12 x 0.5e12 = 1.5 W -> 0.61847 J.
    Uplink: SINR = 0.19953 x 1.5488e-13 / (0.01 x 3.1623e-12) = 0.97724, r = 1e6 log2(1.97724)
    = 0.98349 Mbit/s, S / r = 34.118 s. Only 5 - 0.41232 = 4.58768 s of it count at 0.19953 W
    -> 0.91537 J. E = 1.53384 J, T = 5 s, miss.
    """
    sim = _scene(1, [[0.0, 0.0]], [[1000.0, 0.0]])
    result = _play(sim, [1], [0.01], [1.0])
    assert result.uplink_rate_bps[0, 0] == pytest.approx(0.983486e6, rel=1e-5)
    assert result.latency_s[0, 0] == 5.0
    assert result.energy_j[0, 0] == pytest.approx(1.533838, rel=1e-6)
    assert result.deadline_miss[0, 0]


def test_inactive_ue_costs_nothing():
    """An inactive UE (battery empty) has zero latency, energy and cost, and no served server."""
    sim = _scene(2, [[0.0, 0.0]], [[100.0, 0.0], [0.0, 100.0]])
    sim.active[0, 1] = False
    result = _play(sim, [1, 1], [0.8, 0.8], [1.0, 1.0])
    assert result.server[0, 1] == NOT_SERVED
    assert result.cost[0, 1] == 0.0
    assert result.reward[0, 1] == 0.0
    assert result.bandwidth[0].tolist() == [0.8, 0.0]


# --- Reward --------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["shared", "individual", "mixed"])
def test_reward_modes(mode):
    """Costs c_0 (local, 1.54900) and c_1 (too slow, 2.6): shared -(c_0 + c_1) / 2 = -2.07450,
    individual -c_i, mixed with alpha 0.5: -(0.5 c_i + 0.5 x 2.07450).
    """
    sim = _scene(2, [[0.0, 0.0]], [[300.0, 0.0], [0.0, 300.0]], mode=mode)
    sim.ue_flops[0, 1] = 0.2e12
    result = _play(sim, [LOCAL, LOCAL], [0.0, 0.0], [0.0, 0.0])
    cost = np.array([1.549003, 2.6])
    np.testing.assert_allclose(result.cost[0], cost, rtol=1e-5)
    expected = {
        "shared": -np.full(2, cost.mean()),
        "individual": -cost,
        "mixed": -(0.5 * cost + 0.5 * cost.mean()),
    }[mode]
    np.testing.assert_allclose(result.reward[0], expected, rtol=1e-5)


# --- Mobility ------------------------------------------------------------------------------------


def test_random_waypoint_step():
    """A UE 100 m from its waypoint moves 1.4 m/s x 5 s = 7 m towards it; one 5 m away lands."""
    rng = np.random.default_rng(0)
    position = np.array([[[0.0, 0.0], [10.0, 10.0]]])
    waypoint = np.array([[[100.0, 0.0], [13.0, 14.0]]])
    new_position, new_waypoint = mobility.random_waypoint(position, waypoint, 1.4, 5.0, 500, rng)
    np.testing.assert_allclose(new_position[0, 0], [7.0, 0.0])
    np.testing.assert_allclose(new_position[0, 1], [13.0, 14.0])
    np.testing.assert_array_equal(new_waypoint[0, 0], [100.0, 0.0])
    assert not np.array_equal(new_waypoint[0, 1], [13.0, 14.0])


def test_gauss_markov_stays_in_area():
    """Positions stay inside [0, area] and the velocity reverses across a border."""
    rng = np.random.default_rng(0)
    position = np.array([[[0.5, 999.5]]])
    velocity = np.array([[[-10.0, 10.0]]])
    new_position, new_velocity = mobility.gauss_markov(
        position, velocity, 1.4, 0.99, 5.0, 1000, rng
    )
    assert ((new_position >= 0) & (new_position <= 1000)).all()
    assert new_velocity[0, 0, 0] > 0
    assert new_velocity[0, 0, 1] < 0
