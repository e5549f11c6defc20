"""`{% form_token %}`: the one-time token of a money-moving page form (config/formtokens.py)."""

from django import template
from django.utils.html import format_html

from config.formtokens import FIELD, new_form_token

register = template.Library()


@register.simple_tag
def form_token() -> str:
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_form_token())
