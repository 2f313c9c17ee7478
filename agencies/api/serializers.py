"""What every input serializer of the API shares: a field it does not know is refused, not ignored.

DRF drops keys a serializer does not declare. A client that misspells ``destination_district`` or
sends a field the API never takes would then believe it was saved; so each one is a 400 with its
own path (``members.0.nickname``) and the code ``unknown_field``, reported with every other problem
of the request. Read-only fields count as unknown: they cannot be written either.
"""

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict


class UnknownFieldsRefusedMixin:
    """Put first in the bases of an input serializer (and of the serializers nested in it)."""

    unknown_field_code = "unknown_field"
    unknown_field_message = _("This field is unknown here: remove it, or check its spelling.")

    def to_internal_value(self, data):
        unknown = self.unknown_fields(data)
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as invalid:
            if unknown and isinstance(invalid.detail, dict):
                raise serializers.ValidationError({**invalid.detail, **self.unknown_field_errors(unknown)}) from None
            raise
        if unknown:
            raise serializers.ValidationError(self.unknown_field_errors(unknown))
        return value

    def unknown_fields(self, data) -> list[str]:
        if not isinstance(data, Mapping):
            return []  # DRF refuses a body that is not an object
        writable = {name for name, field in self.fields.items() if not field.read_only}
        return sorted(str(name) for name in data if name not in writable)

    def unknown_field_errors(self, unknown: list[str]) -> dict:
        return {
            name: [serializers.ErrorDetail(str(self.unknown_field_message), code=self.unknown_field_code)]
            for name in unknown
        }


class FieldsBuiltOnceMixin:
    """For an input serializer read on every request whose fields depend on nothing but its class (no
    context read, never ``partial``): its fields, nested serializers' included, are copied from the
    declared ones and bound once per process, not for every instance as DRF does.

    Validating fields keeps no state on them (the errors and values are the serializer instance's),
    so instances and threads share them. A household of five with documents copied about 150 fields
    on each registration: a tenth of the request's Python (``make bench``, part b).
    """

    @property
    def fields(self):
        built = type(self).__dict__.get("_fields_built")
        if built is None:
            built = BindingDict(self)
            for name, field in self.get_fields().items():
                built[name] = field
            type(self)._fields_built = built
        return built
