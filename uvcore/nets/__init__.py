"""Real networks: fully connected nets, exact Hessian/NTK sharpness, GD runs and
the paper's real-network experiments (spec §6).  See :mod:`uvcore.nets.model`
for the representation and parameterizations."""
