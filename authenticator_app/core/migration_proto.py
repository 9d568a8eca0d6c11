"""Google Authenticator's ``MigrationPayload`` protobuf, built from its descriptor at run time.

The message (from the Google Authenticator export format, as published by the projects that read
it, e.g. Aegis and ``extract_otp_secrets``)::

    syntax = "proto3";
    message MigrationPayload {
      enum Algorithm { ALGORITHM_UNSPECIFIED = 0; SHA1 = 1; SHA256 = 2; SHA512 = 3; MD5 = 4; }
      enum DigitCount { DIGIT_COUNT_UNSPECIFIED = 0; SIX = 1; EIGHT = 2; }
      enum OtpType { OTP_TYPE_UNSPECIFIED = 0; HOTP = 1; TOTP = 2; }
      message OtpParameters {
        bytes secret = 1; string name = 2; string issuer = 3; Algorithm algorithm = 4;
        DigitCount digits = 5; OtpType type = 6; int64 counter = 7;
      }
      repeated OtpParameters otp_parameters = 1;
      int32 version = 2; int32 batch_size = 3; int32 batch_index = 4; int32 batch_id = 5;
    }

``protobuf`` is imported here only, and this module lazily by
:mod:`authenticator_app.core.transfer`: the Android staging leaves this file out
(``scripts/android_stage.py``) and does not ship protobuf (docs/decisions.md, "Import and
export").
"""

from __future__ import annotations

from functools import cache
from typing import Any

from authenticator_app.core.errors import ImportMalformed, UriUnsupported

__all__ = ["decode_payload", "encode_payload", "payload_class"]

_ENUMS = {
    "Algorithm": ["ALGORITHM_UNSPECIFIED", "SHA1", "SHA256", "SHA512", "MD5"],
    "DigitCount": ["DIGIT_COUNT_UNSPECIFIED", "SIX", "EIGHT"],
    "OtpType": ["OTP_TYPE_UNSPECIFIED", "HOTP", "TOTP"],
}


@cache
def payload_class() -> Any:
    """The ``MigrationPayload`` message class."""
    try:
        from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    except ImportError:  # pragma: no cover - the Android build
        raise UriUnsupported("otpauth-migration:// needs the protobuf package") from None
    field = descriptor_pb2.FieldDescriptorProto
    proto = descriptor_pb2.FileDescriptorProto(
        name="authenticator_app/google_migration.proto",
        package="authenticator_app.googlemigration",
        syntax="proto3",
    )
    payload = proto.message_type.add(name="MigrationPayload")
    for enum_name, values in _ENUMS.items():
        enum = payload.enum_type.add(name=enum_name)
        for number, value in enumerate(values):
            enum.value.add(name=value, number=number)
    otp = payload.nested_type.add(name="OtpParameters")
    prefix = ".authenticator_app.googlemigration.MigrationPayload."
    for number, (name, kind, type_name) in enumerate(
        [
            ("secret", field.TYPE_BYTES, ""),
            ("name", field.TYPE_STRING, ""),
            ("issuer", field.TYPE_STRING, ""),
            ("algorithm", field.TYPE_ENUM, "Algorithm"),
            ("digits", field.TYPE_ENUM, "DigitCount"),
            ("type", field.TYPE_ENUM, "OtpType"),
            ("counter", field.TYPE_INT64, ""),
        ],
        start=1,
    ):
        added = otp.field.add(name=name, number=number, type=kind, label=field.LABEL_OPTIONAL)
        if type_name:
            added.type_name = prefix + type_name
    payload.field.add(
        name="otp_parameters",
        number=1,
        type=field.TYPE_MESSAGE,
        label=field.LABEL_REPEATED,
        type_name=prefix + "OtpParameters",
    )
    for number, name in enumerate(["version", "batch_size", "batch_index", "batch_id"], start=2):
        payload.field.add(
            name=name, number=number, type=field.TYPE_INT32, label=field.LABEL_OPTIONAL
        )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    descriptor = pool.FindMessageTypeByName("authenticator_app.googlemigration.MigrationPayload")
    return message_factory.GetMessageClass(descriptor)


def decode_payload(data: bytes) -> Any:
    """A parsed ``MigrationPayload``; :class:`ImportMalformed` if ``data`` is not one."""
    from google.protobuf.message import DecodeError

    message = payload_class()()
    try:
        message.ParseFromString(data)
    except DecodeError as exc:
        raise ImportMalformed(f"the migration payload does not decode: {exc}") from None
    return message


def encode_payload(**fields: Any) -> bytes:
    """A serialized ``MigrationPayload`` (tests, and anyone who wants to hand accounts to
    Google Authenticator)."""
    data: bytes = payload_class()(**fields).SerializeToString()
    return data
