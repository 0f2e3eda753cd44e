from django.shortcuts import get_object_or_404
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import permissions, serializers
from rest_framework.generics import RetrieveAPIView
from rest_framework.request import Request
from rest_framework.views import APIView

from members.models import Member
from members.roles import PORTAL_PERMISSION


class HasPortalAccess(permissions.BasePermission):
    message = "Your membership has not been approved yet."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.has_perm(PORTAL_PERMISSION))


class MeSerializer(serializers.ModelSerializer[Member]):
    email = serializers.EmailField(source="user.email", read_only=True)
    name = serializers.CharField(source="user.display_name", read_only=True)
    organisation = serializers.StringRelatedField[Member]()

    class Meta:
        model = Member
        fields = ["email", "name", "organisation", "job_title", "status", "consent_email", "timezone"]
        read_only_fields = fields


class MeView(RetrieveAPIView[Member]):
    """The caller's own member profile."""

    serializer_class = MeSerializer
    permission_classes = [permissions.IsAuthenticated, HasPortalAccess]

    def get_object(self) -> Member:
        return get_object_or_404(Member.objects.select_related("user", "organisation"), user=self.request.user)


# Lives here, not beside the authentication class: importing drf-spectacular there would be circular.
class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "members.api_auth.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "A personal API token from your profile."}
