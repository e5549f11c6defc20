"""One base for every list endpoint: rows come from the app's selector.

`queryset` is `Model.objects.none()` and only tells the schema generator which
model the list is of (it calls `get_queryset` with no real request); `select()`
is where the rows come from, scoped to the caller by the selector. Pagination,
filtering (`filterset_class`) and the output serializer are DRF's.
"""

from django.db.models import QuerySet
from rest_framework import generics


class SelectorListView(generics.ListAPIView):
    def select(self) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return self.queryset
        return self.select()
