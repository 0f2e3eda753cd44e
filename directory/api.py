"""The directory in the API: the same entries, decided by the same selectors, as the page and the CSV."""

from typing import Any

from django.db.models import QuerySet
from rest_framework import permissions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from directory import selectors
from directory.models import DirectoryProfile, Introduction
from members.api_auth import IsPortalMember
from members.models import Member


class DirectoryEntrySerializer(serializers.Serializer[Any]):
    """A field the member does not share with you is null."""

    member = serializers.IntegerField()
    name = serializers.CharField(allow_null=True)
    organisation = serializers.CharField(allow_null=True)
    country = serializers.CharField(allow_null=True)
    sector = serializers.CharField(allow_null=True)
    expertise = serializers.ListField(child=serializers.CharField(), allow_null=True)
    jurisdictions = serializers.ListField(child=serializers.CharField(), allow_null=True)
    languages = serializers.ListField(child=serializers.CharField(), allow_null=True)
    liaison_role = serializers.CharField(allow_null=True)


class DirectoryViewSet(viewsets.GenericViewSet[DirectoryProfile]):
    """The member directory: filters `q`, `expertise` (id), `sector`, `country`, `jurisdiction`, `language`,
    `liaison_role` match only fields the member shares with you."""

    permission_classes = [permissions.IsAuthenticated, IsPortalMember]
    serializer_class = DirectoryEntrySerializer

    def get_queryset(self) -> QuerySet[DirectoryProfile]:
        params = self.request.query_params
        expertise = params.get("expertise", "")
        filters = selectors.DirectoryFilters(
            q=params.get("q", "")[:100],
            expertise=int(expertise) if expertise.isdigit() else None,
            sector=params.get("sector", ""),
            country=params.get("country", "").upper()[:2],
            jurisdiction=params.get("jurisdiction", "").upper()[:2],
            language=params.get("language", "")[:8],
            liaison_role=params.get("liaison_role", "")[:24],
        )
        return selectors.listed_profiles(viewer=selectors.viewer_for(self.request.user), filters=filters)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        viewer = selectors.viewer_for(request.user)
        return self.get_paginated_response(
            [entry.as_json() for entry in selectors.entries(profiles=list(page), viewer=viewer)]
        )


class IntroductionSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    direction = serializers.ChoiceField(choices=["asked", "received"])
    other = serializers.CharField()
    reason = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    contact = serializers.DictField(child=serializers.CharField(), allow_null=True)


class MyIntroductionViewSet(viewsets.GenericViewSet[Introduction]):
    """Your introductions, asked and received; `contact` is null until the recipient accepts."""

    permission_classes = [permissions.IsAuthenticated, IsPortalMember]
    serializer_class = IntroductionSerializer

    def get_queryset(self) -> QuerySet[Introduction]:
        if getattr(self, "swagger_fake_view", False):  # the schema's generation
            return Introduction.objects.none()
        member = Member.objects.filter(user_id=self.request.user.pk or 0).first()
        if member is None:  # staff and leadership without a member record have no introductions
            return Introduction.objects.none()
        return selectors.introductions_of(member=member)

    def list(self, request: Request) -> Response:
        member = Member.objects.filter(user_id=request.user.pk or 0).first()
        page = self.paginate_queryset(self.get_queryset()) or []
        rows = []
        for intro in page:
            if member is None:
                break
            asked = intro.requester_id == member.pk
            other = intro.recipient if asked else intro.requester
            rows.append(
                {
                    "id": intro.pk,
                    "direction": "asked" if asked else "received",
                    "other": other.user.display_name,
                    "reason": intro.reason,
                    "status": intro.status,
                    "created_at": intro.created_at,
                    "expires_at": intro.expires_at,
                    "contact": selectors.contact_details(introduction=intro, member=member),
                }
            )
        return self.get_paginated_response(IntroductionSerializer(rows, many=True).data)
