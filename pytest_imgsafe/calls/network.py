"""``--imgsafe-block-network``: in a replay run, a test reaches no host but this machine.

Replay answers from cassettes, so a connection leaving the machine is a call nobody recorded: a
forgotten client, a library that phones home. While a test runs, every socket connection to
another host fails at once, and the attempt is kept so that the test fails with one message that
names it, even when the code under test caught the error. Loopback stays open (the sandbox, a
local test server), as in pytest-recording's ``--block-network`` with its default allowed hosts.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any


class NetworkBlocked(OSError):
    """A connection to another host during a replay run with the network blocked."""


def _is_local(address: Any) -> bool:
    if not isinstance(address, tuple) or not address:
        return True  # a Unix socket path: not the network
    host = str(address[0]).split("%")[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: resolving it already asks the network


@dataclass
class NetworkBlock:
    """While entered, connections to other hosts raise :class:`NetworkBlocked`; ``attempts`` lists them."""

    option: str
    attempts: list[str] = field(default_factory=list)
    _saved: tuple[Any, Any] | None = None

    def __enter__(self) -> NetworkBlock:
        connect, connect_ex = socket.socket.connect, socket.socket.connect_ex
        self._saved = (connect, connect_ex)
        block = self

        def guarded(original: Any) -> Any:
            def call(sock: socket.socket, address: Any) -> Any:
                if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
                    shown = f"{address[0]}:{address[1]}" if len(address) > 1 else str(address[0])
                    block.attempts.append(shown)
                    raise NetworkBlocked(f"{block.option}: a connection to {shown} in a replay run")
                return original(sock, address)

            return call

        socket.socket.connect = guarded(connect)  # type: ignore[method-assign]
        socket.socket.connect_ex = guarded(connect_ex)  # type: ignore[method-assign]
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        assert self._saved is not None
        socket.socket.connect, socket.socket.connect_ex = self._saved  # type: ignore[method-assign]

    def message(self, nodeid: str) -> str | None:
        """Why the test fails, naming each host it tried; None when it tried none."""
        if not self.attempts:
            return None
        hosts = ", ".join(dict.fromkeys(self.attempts))
        return (
            f"test {nodeid} connected to {hosts} in a replay run with {self.option}: only recorded answers may "
            "be used. Make the call through imgsafe_client and record it, or run without the option"
        )
