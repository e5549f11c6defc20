"""One base for every lifecycle move: `POST /<things>/{id}/<move>`.

A move loads its object through the app's `<entity>_get_for` selector (which
raises NotFound / NotAllowed), checks an optional body, calls one service with
the object, the acting user and the body's fields, and answers with the object
as its output serializer shows it. Who may make the move is the service's rule
(and the view's `permission_classes` for the coarse "signed in" check), so the
API, the pages and the admin refuse the same people the same way.

A move that may need a second person (four-eyes) sets `approval_serializer`:
its service then returns an outcome with `.pending`, `.approval` and `.result`
(staff's ApprovalOutcome, duck-typed: config imports no app), and the move
answers 202 `{"approval": ...}` while pending, else the result as usual.

Documentation does not live here: each app wraps its moves in
`extend_schema_view(post=...)` with the schemas from its `api_docs.py`.
"""

from collections.abc import Callable
from typing import Any, ClassVar

from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class MoveView(APIView):
    permission_classes = [IsAuthenticated]

    # `selector(*, user, pk, lock=False) -> obj`, raising NotFound / NotAllowed.
    selector: ClassVar[Callable[..., Any]]
    # `service(*, <subject>=obj, by=user, **body) -> obj`.
    service: ClassVar[Callable[..., Any]]
    # The keyword the service takes its object by ("loan", "campaign", ...).
    subject: ClassVar[str]
    output_serializer: ClassVar[type[serializers.BaseSerializer]]
    input_serializer: ClassVar[type[serializers.BaseSerializer] | None] = None
    success_status: ClassVar[int] = status.HTTP_200_OK
    # Set for a service answering an approval outcome (see the module's docstring).
    approval_serializer: ClassVar[type[serializers.BaseSerializer] | None] = None

    def post(self, request: Request, pk, *args, **kwargs) -> Response:
        cls = type(self)
        subject = cls.selector(user=request.user, pk=pk)
        fields: dict[str, Any] = {}
        if cls.input_serializer is not None:
            data = cls.input_serializer(data=request.data)
            data.is_valid(raise_exception=True)
            fields = dict(data.validated_data)
        result = cls.service(**{cls.subject: subject}, by=request.user, **fields)
        return self.respond(result)

    def respond(self, result: Any) -> Response:
        cls = type(self)
        if cls.approval_serializer is not None:
            if result.pending:
                approval = cls.approval_serializer(
                    result.approval, context={"request": self.request}
                )
                return Response({"approval": approval.data}, status=status.HTTP_202_ACCEPTED)
            result = result.result
        body = type(self).output_serializer(result, context={"request": self.request}).data
        return Response(body, status=self.success_status)
