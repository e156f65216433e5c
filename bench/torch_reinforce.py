"""PyTorch's side of bench_rl: REINFORCE on CartPole-v1 in the shape of pytorch/examples'
reinforcement_learning/reinforce.py (issue 11's reference), with a Python CartPole written from
Gym's equations (no gym needed).

Policy 4-128-2 with ReLU (no dropout, as the issue's reference), Adam(lr 1e-2), gamma 0.99,
returns normalised by mean and std + float32 eps, one update per episode (the sum of -log_prob *
R over the episode, each step's log_prob kept from its own forward, as reinforce.py does), actions
sampled from the softmax with torch.distributions.Categorical.

Usage: torch_reinforce.py [--episodes N] [--seed S] [--threads T] [--solve]
Prints one JSON line: episodes, steps, seconds, us_per_step, solved_at (or null), torch version.
--solve runs until the mean length of the last 100 episodes >= 475 (at most --episodes).
"""
import argparse
import json
import math
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.distributions import Categorical


class CartPole:
    """gymnasium/envs/classic_control/cartpole.py: Euler, 12 degrees / 2.4, 500-step limit."""
    gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    total_mass = masspole + masscart
    polemass_length = masspole * length
    theta_threshold = 12 * 2 * math.pi / 360
    x_threshold = 2.4

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.state = None
        self.t = 0

    def reset(self):
        self.state = self.rng.uniform(low=-0.05, high=0.05, size=(4,))
        self.t = 0
        return np.array(self.state, dtype=np.float32)

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = self.force_mag if action == 1 else -self.force_mag
        costheta, sintheta = math.cos(theta), math.sin(theta)
        temp = (force + self.polemass_length * theta_dot ** 2 * sintheta) / self.total_mass
        thetaacc = (self.gravity * sintheta - costheta * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * costheta ** 2 / self.total_mass))
        xacc = temp - self.polemass_length * thetaacc * costheta / self.total_mass
        x = x + self.tau * x_dot
        x_dot = x_dot + self.tau * xacc
        theta = theta + self.tau * theta_dot
        theta_dot = theta_dot + self.tau * thetaacc
        self.state = (x, x_dot, theta, theta_dot)
        self.t += 1
        terminated = bool(x < -self.x_threshold or x > self.x_threshold or
                          theta < -self.theta_threshold or theta > self.theta_threshold)
        truncated = self.t >= 500
        return np.array(self.state, dtype=np.float32), 1.0, terminated, truncated


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.affine1 = nn.Linear(4, 128)
        self.affine2 = nn.Linear(128, 2)

    def forward(self, x):
        return F.softmax(self.affine2(F.relu(self.affine1(x))), dim=1)


def run(episodes, seed, solve):
    torch.manual_seed(seed)
    env = CartPole(seed)
    policy = Policy()
    optimizer = optim.Adam(policy.parameters(), lr=1e-2)
    eps = np.finfo(np.float32).eps.item()
    gamma = 0.99
    lengths, steps, solved_at = [], 0, None
    start = time.perf_counter()
    for ep in range(episodes):
        state = env.reset()
        log_probs, rewards = [], []
        while True:
            probs = policy(torch.from_numpy(state).float().unsqueeze(0))
            m = Categorical(probs)
            action = m.sample()
            log_probs.append(m.log_prob(action))
            state, reward, terminated, truncated = env.step(action.item())
            rewards.append(reward)
            if terminated or truncated:
                break
        R, returns = 0.0, []
        for r in rewards[::-1]:
            R = r + gamma * R
            returns.insert(0, R)
        returns = torch.tensor(returns)
        returns = (returns - returns.mean()) / (returns.std() + eps)
        policy_loss = torch.cat([-lp * Ret for lp, Ret in zip(log_probs, returns)]).sum()
        optimizer.zero_grad()
        policy_loss.backward()
        optimizer.step()
        lengths.append(len(rewards))
        steps += len(rewards)
        if solve and len(lengths) >= 100 and sum(lengths[-100:]) / 100 >= 475:
            solved_at = ep + 1
            break
    seconds = time.perf_counter() - start
    return {"episodes": len(lengths), "steps": steps, "seconds": seconds,
            "us_per_step": 1e6 * seconds / steps, "solved_at": solved_at,
            "torch": torch.__version__}


def serve():
    """The coprocess of bench_rl (bench/torch_serve.py's protocol): "round E SEED" runs E episodes
    from a fresh policy -> {"s": microseconds per environment step, ...run()'s fields}."""
    from torch_serve import serve as serve_units

    def round_unit(episodes, seed):
        r = run(int(episodes), int(seed), False)
        return dict(r, s=r["us_per_step"])

    serve_units({"round": round_unit})


def main():
    if "--serve" in sys.argv[1:]:
        serve()
        return
    p = argparse.ArgumentParser()
    p.add_argument("--episodes", type=int, default=200)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--solve", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    print(json.dumps(run(a.episodes, a.seed, a.solve)), flush=True)


if __name__ == "__main__":
    main()
