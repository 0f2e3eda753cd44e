"""The OpenAPI schema documents the one error shape on every operation, so clients and fuzzers expect it."""

from typing import Any

from drf_spectacular.openapi import AutoSchema

ERROR_STATUSES = {
    "400": "The input is not valid; `fields` names each problem.",
    "401": "No valid credentials: send `Authorization: Bearer <token>`.",
    "403": "Your role does not allow this.",
    "404": "Not found, or not visible to you.",
    "405": "This method is not allowed here.",
    "409": "The change conflicts with the current data; nothing was changed.",
    "429": "Too many requests: wait and retry (see Retry-After).",
}


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message", "fields"],
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": True,
                    "description": "Field name → messages, for invalid input; empty otherwise.",
                },
            },
        }
    },
}


class KnobleAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for code, description in ERROR_STATUSES.items():
            if code not in responses:
                body = self._get_response_for_code(ERROR_SCHEMA, code, direction=direction)
                responses[code] = {**body, "description": description}
        return responses
