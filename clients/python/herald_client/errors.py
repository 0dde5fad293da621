"""Errors raised by the Herald client: one type for gRPC and WebSocket failures."""

from __future__ import annotations

import grpc

__all__ = ["HeraldError", "ConnectionClosed", "RETRYABLE_CODES"]

#: Codes after which a send may or may not have been stored: retry it only with
#: the same idempotency keys (the Sender does so by default).
RETRYABLE_CODES = frozenset({"unavailable", "deadline_exceeded", "cancelled"})


class HeraldError(Exception):
    """A request Herald refused or that could not complete.

    ``code`` is the canonical gRPC code in snake_case (``"unauthenticated"``,
    ``"invalid_argument"``, ``"not_found"``, ...), the same over gRPC and over
    the WebSocket envelope; ``field`` names the offending field when Herald
    says which one (WebSocket errors only).
    """

    def __init__(self, code: str, message: str, field: str = "") -> None:
        super().__init__(f"{code}: {message}" + (f" ({field})" if field else ""))
        self.code = code
        self.message = message
        self.field = field

    @property
    def status_code(self) -> grpc.StatusCode | None:
        """The matching ``grpc.StatusCode``, or None for a code gRPC does not define."""
        return getattr(grpc.StatusCode, self.code.upper(), None)

    @classmethod
    def from_rpc_error(cls, err: grpc.RpcError) -> HeraldError:
        """Wraps a failed gRPC call (``err`` is a ``grpc.Call``, as grpcio raises them)."""
        code = err.code() if hasattr(err, "code") else grpc.StatusCode.UNKNOWN
        details = err.details() if hasattr(err, "details") else str(err)
        return cls(code.name.lower(), details or "")


class ConnectionClosed(HeraldError):
    """The WebSocket closed; ``close_code`` and ``reason`` say why.

    ``should_reconnect`` follows Herald's close-code rule (docs/protocol.md,
    "Close codes"): 3000-3499 and 4000-4499 and the standard codes mean
    reconnect with backoff and resume; 3500-3999, 4500-4999 and 1009 are
    terminal.
    """

    def __init__(self, close_code: int | None, reason: str = "") -> None:
        super().__init__("unavailable", f"connection closed ({close_code}) {reason}".rstrip())
        self.close_code = close_code
        self.reason = reason

    @property
    def should_reconnect(self) -> bool:
        code = self.close_code
        if code is None:
            return True
        if 3500 <= code <= 3999 or 4500 <= code <= 4999 or code == 1009:
            return False
        return True
