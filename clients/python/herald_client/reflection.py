"""``ReflectionClient``: Herald's gRPC server reflection (``grpc.reflection.v1``) from Python.

Lists the services a server offers and builds message classes for any of
its methods from the descriptors reflection returns, so that a tool can call
a method it has no generated code for (as ``grpcurl`` does).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

from ._gen.grpc.reflection.v1 import reflection_pb2 as rpb
from .errors import HeraldError

__all__ = ["ReflectionClient"]

_INFO = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"


def _message_class(pool: descriptor_pool.DescriptorPool, descriptor: Any) -> Any:
    """The message class of a descriptor (``GetMessageClass`` from protobuf 4.22, ``GetPrototype`` before)."""
    get_class = getattr(message_factory, "GetMessageClass", None)
    return get_class(descriptor) if get_class else message_factory.MessageFactory(pool).GetPrototype(descriptor)


class ReflectionClient:
    """Reflection over ``channel``; Herald needs the API key for it (``api_key``)."""

    def __init__(self, channel: grpc.Channel, api_key: str = "", *, timeout: float = 10.0) -> None:
        self._channel = channel
        self._metadata = (("authorization", f"Bearer {api_key}"),) if api_key else ()
        self._timeout = timeout
        self._info = channel.stream_stream(
            _INFO,
            request_serializer=rpb.ServerReflectionRequest.SerializeToString,
            response_deserializer=rpb.ServerReflectionResponse.FromString,
        )
        self._files: dict[str, descriptor_pb2.FileDescriptorProto] = {}

    def _ask(self, **request: Any) -> rpb.ServerReflectionResponse:
        """One request on its own stream; an error response raises HeraldError."""
        try:
            responses = list(self._info(iter([rpb.ServerReflectionRequest(**request)]), timeout=self._timeout, metadata=self._metadata))
        except grpc.RpcError as err:
            raise HeraldError.from_rpc_error(err) from err
        if not responses:
            raise HeraldError("internal", "reflection answered nothing")
        response = responses[0]
        if response.WhichOneof("message_response") == "error_response":
            err = response.error_response
            code = grpc.StatusCode.UNKNOWN
            for status in grpc.StatusCode:
                if status.value[0] == err.error_code:
                    code = status
            raise HeraldError(code.name.lower(), err.error_message)
        return response

    def list_services(self) -> list[str]:
        """Fully qualified names of the services the server offers."""
        return [service.name for service in self._ask(list_services="").list_services_response.service]

    def _load(self, response: rpb.ServerReflectionResponse) -> list[str]:
        names = []
        for blob in response.file_descriptor_response.file_descriptor_proto:
            file = descriptor_pb2.FileDescriptorProto.FromString(blob)
            self._files.setdefault(file.name, file)
            names.append(file.name)
        return names

    def pool_for(self, symbol: str) -> descriptor_pool.DescriptorPool:
        """A fresh pool holding the file that defines ``symbol`` and every file it imports."""
        roots = self._load(self._ask(file_containing_symbol=symbol))
        pool = descriptor_pool.DescriptorPool()
        added: set[str] = set()

        def add(name: str) -> None:
            if name in added:
                return
            if name not in self._files:
                self._load(self._ask(file_by_filename=name))
            file = self._files[name]
            for dependency in file.dependency:
                add(dependency)
            pool.Add(file)
            added.add(name)

        for name in roots:
            add(name)
        return pool

    def call(self, method: str, request: Mapping[str, Any], *, metadata: tuple[tuple[str, str], ...] = ()) -> dict[str, Any]:
        """Calls a unary ``method`` (``"herald.v1.NotificationService/GetUnreadCount"``) with a
        JSON-like request, using only descriptors from reflection; returns the reply as a dict
        (proto3 JSON mapping, lowerCamelCase)."""
        service_name, method_name = method.split("/")
        pool = self.pool_for(service_name)
        descriptor = pool.FindServiceByName(service_name).FindMethodByName(method_name)
        request_class = _message_class(pool, descriptor.input_type)
        response_class = _message_class(pool, descriptor.output_type)
        stub = self._channel.unary_unary(
            f"/{service_name}/{method_name}",
            request_serializer=request_class.SerializeToString,
            response_deserializer=response_class.FromString,
        )
        message = json_format.ParseDict(dict(request), request_class())
        try:
            reply = stub(message, timeout=self._timeout, metadata=metadata or self._metadata)
        except grpc.RpcError as err:
            raise HeraldError.from_rpc_error(err) from err
        return json_format.MessageToDict(reply, descriptor_pool=pool)
