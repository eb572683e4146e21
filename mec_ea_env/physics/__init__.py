"""Vectorised physics of one slot: channel, compute, feasibility and mobility.

Every function works on numpy arrays whose leading axes are (envs, UEs) or (envs, servers) and
contains no loop over agents.
"""
