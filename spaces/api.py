"""The spaces API: spaces, their threads and posts, documents (metadata and download), sessions and action items,
with the pages' permissions: every endpoint asks `spaces.selectors` who may enter, and a space, thread or
document the caller may not see is a 404."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponseBase
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api_base import StrictModelSerializer
from core.api_limits import PageNumberPagination
from initiatives.models import Initiative, InitiativeSession
from members.api_auth import IsPortalMember
from sharing.models import Channel, Label
from sharing.services import access_record
from spaces import selectors, services
from spaces.models import POST_SPEC, ActionItem, Document, DocumentVersion, Post, Space, Thread
from spaces.selectors import Level, SpaceAccess
from spaces.views import download_response


def _raise(error: DjangoValidationError | DjangoPermissionDenied) -> None:
    if isinstance(error, DjangoPermissionDenied):
        raise PermissionDenied(str(error) or None) from error
    raise ValidationError(error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}) from error


class SpaceSerializer(StrictModelSerializer[Initiative]):
    may_read = serializers.BooleanField(read_only=True, help_text=gettext_lazy("False while you are on the waitlist."))
    active_count = serializers.IntegerField(read_only=True, help_text=gettext_lazy("Members taking part."))

    class Meta:
        model = Initiative
        fields = ["slug", "title", "may_read", "active_count"]
        read_only_fields = fields


class PostSerializer(StrictModelSerializer[Post]):
    author = serializers.CharField(source="author.user.display_name", read_only=True)
    body = serializers.SerializerMethodField(help_text=gettext_lazy("Markdown; empty when a moderator hid the post."))
    hidden = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = ["id", "author", "body", "label", "created_at", "edited_at", "hidden"]
        read_only_fields = fields

    def get_body(self, post: Post) -> str:
        return "" if post.hidden_at is not None else post.body

    def get_hidden(self, post: Post) -> bool:
        return post.hidden_at is not None


class ThreadSerializer(StrictModelSerializer[Thread]):
    author = serializers.CharField(source="author.user.display_name", read_only=True)
    space = serializers.CharField(source="space.initiative.slug", read_only=True)
    post_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Thread
        fields = ["id", "space", "title", "author", "label", "created_at", "last_post_at", "pinned", "locked"]
        fields += ["post_count"]
        read_only_fields = fields


class ThreadDetailSerializer(ThreadSerializer):
    posts = serializers.SerializerMethodField()

    class Meta(ThreadSerializer.Meta):
        fields = [*ThreadSerializer.Meta.fields, "posts"]
        read_only_fields = fields

    @extend_schema_field(PostSerializer(many=True))
    def get_posts(self, thread: Thread) -> list[dict[str, Any]]:
        return PostSerializer(self.context["posts"], many=True).data  # type: ignore[return-value]


class ThreadCreateSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=20000)
    # The field shares its name with `Field.label` (a serializer's own title), which the metaclass takes off.
    label = serializers.ChoiceField(choices=Label.choices, default=Label.AMBER)  # type: ignore[assignment]


class ReplySerializer(serializers.Serializer[Any]):
    body = serializers.CharField(max_length=20000)
    # The field shares its name with `Field.label` (a serializer's own title), which the metaclass takes off.
    label = serializers.ChoiceField(choices=Label.choices, default=Label.AMBER)  # type: ignore[assignment]


class DocumentUploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(help_text="PDF, office documents, CSV or images; checked on the bytes.")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    # The field shares its name with `Field.label` (a serializer's own title), which the metaclass takes off.
    label = serializers.ChoiceField(choices=Label.choices, default=Label.AMBER)  # type: ignore[assignment]


class VersionSerializer(StrictModelSerializer[DocumentVersion]):
    uploaded_by = serializers.CharField(source="uploaded_by.user.display_name", read_only=True)

    class Meta:
        model = DocumentVersion
        fields = ["number", "filename", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"]
        read_only_fields = fields


class DocumentSerializer(StrictModelSerializer[Document]):
    space = serializers.CharField(source="space.initiative.slug", read_only=True)
    versions = VersionSerializer(many=True, read_only=True)

    class Meta:
        model = Document
        fields = ["id", "space", "title", "label", "created_at", "updated_at", "versions"]
        read_only_fields = fields


class SessionSerializer(StrictModelSerializer[InitiativeSession]):
    attended = serializers.IntegerField(read_only=True)
    agenda = serializers.SerializerMethodField()
    notes = serializers.SerializerMethodField()
    decisions = serializers.SerializerMethodField()

    class Meta:
        model = InitiativeSession
        fields = ["id", "title", "starts_at", "attended", "agenda", "notes", "decisions"]
        read_only_fields = fields

    def _notes(self, session: InitiativeSession, field: str) -> str:
        notes = getattr(session, "visible_notes", None)
        return getattr(notes, field) if notes is not None else ""

    def get_agenda(self, session: InitiativeSession) -> str:
        return self._notes(session, "agenda")

    def get_notes(self, session: InitiativeSession) -> str:
        return self._notes(session, "notes")

    def get_decisions(self, session: InitiativeSession) -> str:
        return self._notes(session, "decisions")


class ActionItemSerializer(StrictModelSerializer[ActionItem]):
    owner = serializers.CharField(source="owner.user.display_name", read_only=True)

    class Meta:
        model = ActionItem
        fields = ["id", "title", "owner", "due_on", "state", "session"]
        read_only_fields = fields


class SpaceViewSet(viewsets.ReadOnlyModelViewSet[Initiative]):
    """The spaces I may enter (or, while on the waitlist, see the title and counts of)."""

    serializer_class = SpaceSerializer
    permission_classes = [IsPortalMember]
    lookup_field = "slug"
    filter_backends: list[Any] = []
    pagination_class = None

    def get_queryset(self) -> QuerySet[Initiative]:
        return Initiative.objects.filter(pk__in=[row.pk for row in selectors.spaces_overview(user=self.request.user)])

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(SpaceSerializer(selectors.spaces_overview(user=request.user), many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        access = self._access(level=Level.PREVIEW)
        rows = [row for row in selectors.spaces_overview(user=request.user) if row.pk == access.initiative.pk]
        if not rows:
            raise NotFound
        return Response(SpaceSerializer(rows[0]).data)

    def _access(self, *, level: Level = Level.MEMBER) -> SpaceAccess:
        try:
            return selectors.space_access(user=self.request.user, slug=self.kwargs["slug"], at_least=level)
        except Http404 as error:
            raise NotFound from error

    def _page(self, queryset: Any, serializer: type[serializers.BaseSerializer[Any]]) -> Response:
        """The lists inside a space are paged (the list of spaces is not)."""
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response(serializer(page, many=True).data)

    @extend_schema(
        methods=["GET"], responses={200: ThreadSerializer(many=True)}, description="The space's threads I may see."
    )
    @extend_schema(methods=["POST"], request=ThreadCreateSerializer, responses={201: ThreadSerializer})
    @action(detail=True, methods=["get", "post"])
    def threads(self, request: Request, slug: str | None = None) -> Response:
        access = self._access()
        if request.method == "POST":
            if access.member is None:
                raise NotFound
            incoming = ThreadCreateSerializer(data=request.data)
            incoming.is_valid(raise_exception=True)
            try:
                thread = services.thread_start(
                    initiative=access.initiative, member=access.member, **incoming.validated_data
                )
            except (DjangoValidationError, DjangoPermissionDenied) as error:
                _raise(error)
            created = selectors.threads_of(space=thread.space, user=request.user).get(pk=thread.pk)
            return Response(ThreadSerializer(created).data, status=status.HTTP_201_CREATED)
        space = services.space_opened(access=access)
        return self._page(
            selectors.threads_of(space=space, user=request.user).select_related("space__initiative"), ThreadSerializer
        )

    @extend_schema(
        methods=["GET"],
        responses={200: DocumentSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DocumentSerializer},
        description="Upload a new document (multipart): the same checks on the bytes as the page "
        "(size limit, extension allow-list matched against the file's first bytes, a plain file name).",
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, JSONParser])
    def documents(self, request: Request, slug: str | None = None) -> Response:
        access = self._access()
        if request.method == "POST":
            if access.member is None:
                raise NotFound
            incoming = DocumentUploadSerializer(data=request.data)
            incoming.is_valid(raise_exception=True)
            upload = incoming.validated_data["file"]
            try:
                version = services.document_upload(
                    initiative=access.initiative,
                    member=access.member,
                    data=upload,
                    filename=upload.name,
                    size=upload.size,
                    title=incoming.validated_data.get("title", ""),
                    label=incoming.validated_data["label"],
                )
            except (DjangoValidationError, DjangoPermissionDenied) as error:
                _raise(error)
            created = selectors.document_for(space=version.document.space, user=request.user, pk=version.document_id)
            return Response(DocumentSerializer(created).data, status=status.HTTP_201_CREATED)
        space = services.space_opened(access=access)
        return self._page(
            selectors.documents_of(space=space, user=request.user).select_related("space__initiative"),
            DocumentSerializer,
        )

    @extend_schema(responses={200: SessionSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def sessions(self, request: Request, slug: str | None = None) -> Response:
        access = self._access()
        return self._page(selectors.sessions_of(initiative=access.initiative, user=request.user), SessionSerializer)

    @extend_schema(responses={200: ActionItemSerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="action-items")
    def action_items(self, request: Request, slug: str | None = None) -> Response:
        access = self._access()
        space = services.space_opened(access=access)
        return self._page(selectors.action_items_of(space=space), ActionItemSerializer)


def _opened(*, user: Any, initiative: Initiative) -> tuple[SpaceAccess, Space]:
    """The viewer's access to the space of an object found by id, and the space opened as every page and list opens
    it (a newcomer's organisation joins the audience before the object's own label is checked)."""
    try:
        access = selectors.space_access(user=user, slug=initiative.slug)
    except Http404 as error:
        raise NotFound from error
    return access, services.space_opened(access=access)


class ThreadViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet[Thread]):
    """A thread with its posts (those I may see; hidden ones without their text), and replying to it."""

    serializer_class = ThreadDetailSerializer
    permission_classes = [IsPortalMember]
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Thread]:
        readable = selectors.readable_initiatives(user=self.request.user)
        return Thread.objects.filter(space__initiative__in=readable).select_related("space__initiative")

    def _thread(self) -> Thread:
        pk = self.kwargs["pk"]
        found = self.get_queryset().filter(pk=pk).first() if str(pk).isdigit() else None
        if found is None:
            raise NotFound
        _access, space = _opened(user=self.request.user, initiative=found.space.initiative)
        try:
            return selectors.thread_for(space=space, user=self.request.user, pk=pk, counted=True)
        except Http404 as error:
            raise NotFound from error

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        thread = self._thread()
        posts = list(selectors.posts_of(thread=thread, user=request.user))
        access_record(user=request.user, objects=[thread, *posts], spec=POST_SPEC, channel=Channel.API)
        return Response(ThreadDetailSerializer(thread, context={"posts": posts}).data)

    @extend_schema(request=ReplySerializer, responses={201: PostSerializer})
    @action(detail=True, methods=["post"])
    def replies(self, request: Request, pk: str | None = None) -> Response:
        thread = self._thread()
        member = getattr(request.user, "member", None)
        if member is None:
            raise NotFound
        incoming = ReplySerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            post = services.post_reply(thread=thread, member=member, **incoming.validated_data)
        except (DjangoValidationError, DjangoPermissionDenied) as error:
            _raise(error)
        return Response(PostSerializer(post).data, status=status.HTTP_201_CREATED)


class DocumentViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet[Document]):
    """A document's metadata and versions, and the download of one version (an attachment, never sniffed)."""

    serializer_class = DocumentSerializer
    permission_classes = [IsPortalMember]
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Document]:
        readable = selectors.readable_initiatives(user=self.request.user)
        return Document.objects.filter(space__initiative__in=readable).select_related("space__initiative")

    def _document(self) -> tuple[SpaceAccess, Document]:
        pk = self.kwargs["pk"]
        found = self.get_queryset().filter(pk=pk).first() if str(pk).isdigit() else None
        if found is None:
            raise NotFound
        access, space = _opened(user=self.request.user, initiative=found.space.initiative)
        try:
            return access, selectors.document_for(space=space, user=self.request.user, pk=pk)
        except Http404 as error:
            raise NotFound from error

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(DocumentSerializer(self._document()[1]).data)

    @extend_schema(
        parameters=[OpenApiParameter("version", OpenApiTypes.INT, description="The version; the latest without it.")],
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        access, document = self._document()
        number = request.query_params.get("version") or str(document.versions.order_by("-number").first().number)  # type: ignore[union-attr]
        try:
            return download_response(
                user=request.user, access=access, pk=str(document.pk), number=number, channel=Channel.API
            )
        except Http404 as error:
            raise NotFound from error
