"""Each worker process's engines get their share of the machine's cores, not all of them."""

import os
import types

import torch

from config import celery


def test_a_workers_processes_share_the_cores_and_an_explicit_setting_wins(monkeypatch):
    before = torch.get_num_threads()
    monkeypatch.delenv("ENGINE_THREADS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    try:
        celery.share_cores(instance=types.SimpleNamespace(concurrency=4))
        assert os.environ["ENGINE_THREADS"] == "2"
        celery.engine_threads()
        assert torch.get_num_threads() == 2
        monkeypatch.setenv("ENGINE_THREADS", "3")
        celery.share_cores(instance=types.SimpleNamespace(concurrency=4))
        celery.engine_threads()
        assert os.environ["ENGINE_THREADS"] == "3" and torch.get_num_threads() == 3
        monkeypatch.delenv("ENGINE_THREADS")
        celery.share_cores(
            instance=types.SimpleNamespace(concurrency=16)
        )  # more processes than cores: one each
        assert os.environ["ENGINE_THREADS"] == "1"
    finally:
        torch.set_num_threads(before)
