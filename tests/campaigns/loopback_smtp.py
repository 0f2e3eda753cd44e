"""A loopback SMTP server (aiosmtpd) that behaves like real mail servers towards chosen recipients.

    with LoopbackSMTP() as server:
        server.refuse("full@bank.example", "452 4.2.2 Mailbox full")              # at RCPT TO, every time
        server.refuse("grey@bank.example", "451 4.7.1 Greylisted", times=1)       # once, then accepted
        server.refuse("spam@bank.example", "550 5.7.1 Rejected", at="DATA")      # after the message is sent
        server.drop("cut@bank.example", times=1)                                  # closes the connection at RCPT
        ... send to 127.0.0.1:server.port ...
        server.offers["grey@bank.example"]  # RCPT TO commands received for the address
        server.received  # (recipient, Message-ID) of every message accepted, in order

Every message is accepted unless a rule says otherwise. Thread-safe enough for tests: the counters are only
appended to by the server's thread and read by the test.
"""

import re
import socket
from collections import Counter
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, Self

from aiosmtpd.controller import Controller

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)
Stage = Literal["RCPT", "DATA"]


@dataclass
class Rule:
    reply: str  # "" closes the connection instead of replying
    at: Stage
    times: int | None  # None: every time


class LoopbackSMTP:
    def __init__(self) -> None:
        self.rules: dict[str, Rule] = {}
        self.offers: Counter[str] = Counter()
        self.received: list[tuple[str, str]] = []
        self.refused: list[tuple[str, str]] = []
        self.dropped = 0
        with socket.socket() as probe:  # aiosmtpd needs a concrete port to check that it started
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    def refuse(self, address: str, reply: str, *, at: Stage = "RCPT", times: int | None = None) -> None:
        self.rules[address] = Rule(reply, at, times)

    def drop(self, address: str, *, at: Stage = "RCPT", times: int | None = 1) -> None:
        self.rules[address] = Rule("", at, times)

    def received_by(self) -> Counter[str]:
        return Counter(address for address, _ in self.received)

    def __enter__(self) -> Self:
        self._controller.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._controller.stop()

    def _applies(self, address: str, stage: Stage) -> Rule | None:
        rule = self.rules.get(address)
        if rule is None or rule.at != stage or rule.times == 0:
            return None
        if rule.times is not None:
            rule.times -= 1
        return rule

    def _answer(self, server: Any, address: str, rule: Rule) -> str:
        if not rule.reply:
            self.dropped += 1
            server.transport.close()
            return "421 4.4.2 Connection dropped"  # never reaches the client: the socket is closed
        self.refused.append((address, rule.reply))
        return rule.reply

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        self.offers[address] += 1
        rule = self._applies(address, "RCPT")
        if rule is not None:
            return self._answer(server, address, rule)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        [address] = envelope.rcpt_tos  # the engine sends one message per recipient
        rule = self._applies(address, "DATA")
        if rule is not None:
            return self._answer(server, address, rule)
        found = MESSAGE_ID.search(envelope.original_content or envelope.content)
        self.received.append((address, found.group(1).decode() if found else ""))
        return "250 Message accepted"
