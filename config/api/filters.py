"""Query-string filters that hold to the schema they publish."""

import django_filters


class StrictFilterSet(django_filters.FilterSet):
    """A blank choice, id or number is an error, not "no filter".

    django-filter drops an empty value silently, so `?status=` lists everything
    although the schema only allows the enum values; a typo in a client would
    show every row instead of failing. Free-text filters may still be blank."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, field in self.filters.items():
            if isinstance(field, django_filters.CharFilter):
                continue
            if name in self.data and not str(self.data.get(name, "")).strip():
                self.form.add_error(name, "This value may not be blank.")
                valid = False
        return valid
