"""The llama.cpp server for one local model (the lifecycle is `acon.servers`'s).

Killed by the kernel with SIGKILL should the harness die: a busy server finishes its
request before obeying SIGTERM.
"""

from __future__ import annotations

from pathlib import Path

from acon.errors import AconError
from acon.llm.config import ServerConfig
from acon.servers import HOST, ManagedServer, port_is_free


class LlamaServer(ManagedServer):
    """`with LlamaServer(...) as server: server.base_url` -> `http://127.0.0.1:PORT/v1`."""

    start_hint = "check llm.server settings"
    timeout_hint = "raise llm.server.startup_timeout_s"

    def __init__(
        self,
        binary: str,
        model_path: Path,
        alias: str,
        config: ServerConfig,
        log_path: Path,
        lora: Path | None = None,
    ):
        super().__init__(log_path, port=config.port, startup_timeout_s=config.startup_timeout_s)
        self.binary = binary
        self.model_path = model_path
        self.alias = alias
        self.config = config
        self.lora = lora  # a GGUF LoRA adapter applied to every request (acon.distill)
        self.name = f"llama-server for {alias}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def command(self, port: int) -> list[str]:
        cfg = self.config
        cmd = [
            self.binary,
            "--model",
            str(self.model_path),
            "--alias",
            self.alias,
            "--host",
            HOST,
            "--port",
            str(port),
            "--ctx-size",
            str(cfg.ctx_size * cfg.parallel),
            "--parallel",
            str(cfg.parallel),
            "--threads",
            str(cfg.threads),
            "--jinja",
            "--no-webui",
        ]
        if self.lora is not None:
            cmd += ["--lora", str(self.lora)]
        if cfg.flash_attn:
            cmd += ["--flash-attn", "on"]
        if not cfg.repack:
            cmd.append("--no-repack")
        return cmd + [str(a) for a in cfg.extra_args]

    def start(self) -> LlamaServer:
        if self.fixed_port and not port_is_free(self.fixed_port):
            raise AconError(
                f"Port {self.fixed_port} on {HOST} is in use: set llm.server.port to a free "
                f"port, or 0 to let the harness pick one."
            )
        super().start()
        return self
