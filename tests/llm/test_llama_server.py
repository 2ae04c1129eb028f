from __future__ import annotations

import socket
import sys

import pytest

from acon.errors import AconError
from acon.llm.config import ServerConfig
from acon.llm.llama_server import LlamaServer
from acon.llm.models import find_binary
from acon.servers import HOST


def test_a_configured_port_in_use_is_refused_with_the_fix(tmp_path):
    with socket.socket() as busy:
        busy.bind((HOST, 0))
        busy.listen()
        port = busy.getsockname()[1]
        server = LlamaServer(
            "llama-server",
            tmp_path / "m.gguf",
            "m",
            ServerConfig(port=port),
            tmp_path / "server.log",
        )
        with pytest.raises(
            AconError,
            match=rf"Port {port} on 127.0.0.1 is in use: set "
            r"llm.server.port",
        ):
            server.start()


def test_a_server_that_exits_at_once_is_reported_with_its_log(tmp_path):
    # A stand-in binary that prints a line and exits: the harness must not wait for it.
    fake = tmp_path / "fake-server"
    fake.write_text(f"#!{sys.executable}\nprint('error: cannot load model')\nraise SystemExit(1)\n")
    fake.chmod(0o755)
    server = LlamaServer(
        str(fake), tmp_path / "m.gguf", "m", ServerConfig(), tmp_path / "server.log"
    )
    with pytest.raises(AconError, match=r"did not start .*last line: error: cannot load model"):
        server.start()
    assert server.pid is None


def test_command_binds_loopback_and_sizes_context_per_slot(tmp_path):
    server = LlamaServer(
        "llama-server",
        tmp_path / "m.gguf",
        "alias",
        ServerConfig(ctx_size=4096, parallel=3),
        tmp_path / "log",
    )
    cmd = server.command(1234)
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--ctx-size") + 1] == str(4096 * 3)
    assert cmd[cmd.index("--alias") + 1] == "alias"
    assert "--no-repack" in cmd


def test_missing_binary_names_the_setup_step(monkeypatch):
    with pytest.raises(AconError, match="run `make setup`"):
        find_binary("definitely-not-a-llama-server")


def test_the_local_roles_send_as_many_requests_at_once_as_the_server_has_slots():
    from acon.composition import compose
    from acon.llm.config import resolve_role

    cfg = compose(["llm.server.parallel=3", "llm.optimizer.max_concurrency=1"])
    assert resolve_role(cfg.llm, "agent").max_concurrency == 3
    assert resolve_role(cfg.llm, "compressor").max_concurrency == 3
    assert resolve_role(cfg.llm, "optimizer").max_concurrency == 1  # a role's own wins
    assert resolve_role(compose().llm, "agent").max_concurrency == 1


def test_an_adapter_is_passed_to_the_server(tmp_path):
    server = LlamaServer(
        "llama-server",
        tmp_path / "m.gguf",
        "m",
        ServerConfig(),
        tmp_path / "server.log",
        lora=tmp_path / "student.gguf",
    )
    cmd = server.command(8080)
    assert cmd[cmd.index("--lora") + 1] == str(tmp_path / "student.gguf")
    plain = LlamaServer("llama-server", tmp_path / "m.gguf", "m", ServerConfig(), tmp_path / "l")
    assert "--lora" not in plain.command(8080)
