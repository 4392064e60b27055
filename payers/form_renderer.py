"""A form renderer that writes plain inputs and selects in Python, for forms drawn on busy pages.

Django renders each widget through templates: a select with 30 options is 60 template
renders (each option includes the attributes template), a few milliseconds a form. The
claim queue draws its filter form on every request, so ``QuickRenderer`` writes the same
HTML as Django's own widget templates (``django/forms/widgets/input.html``, ``select.html``,
``select_option.html`` and ``attrs.html``) for text-like inputs and single selects, and hands
every other widget to those templates. ``tests/test_form_renderer.py`` holds it to Django's
output, so an upgrade that changes the templates fails there first.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe

# Widget templates that are ``input.html`` and nothing else.
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input",
        "text",
        "hidden",
        "date",
        "number",
        "email",
        "url",
        "search",
        "tel",
        "time",
        "datetime",
    )
)
SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _text(value: Any) -> str:
    """``{{ value|stringformat:'s' }}``: str() of the value, escaped unless already safe."""
    return str(conditional_escape(value if isinstance(value, SafeData) else str(value)))


def _attrs(attrs: dict[str, Any]) -> str:
    """``attrs.html``: ` name="value"` for each attribute, the name alone for True, none
    for False."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {conditional_escape(name)}")
        if value is not True:
            out.append(f'="{_text(value)}"')
    return "".join(out)


def _input(widget: dict[str, Any]) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{_text(value)}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'
    )


def _select(widget: dict[str, Any]) -> str | None:
    out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{conditional_escape(localize(group_name))}">')
        for option in group_choices:
            if option["template_name"] != OPTION_TEMPLATE:
                return None  # an option of its own: the templates draw the whole select
            out.append(
                f'\n  <option value="{_text(option["value"])}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(localize(option['label']))}</option>\n"
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


class QuickRenderer(DjangoTemplates):
    """Django's default form renderer, with inputs and selects written in Python."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        widget = context.get("widget")
        if widget is not None and template_name == widget.get("template_name"):
            if template_name in INPUT_TEMPLATES:
                return mark_safe(_input(widget))  # noqa: S308 - every part escaped above
            if template_name == SELECT_TEMPLATE:
                html = _select(widget)
                if html is not None:
                    return mark_safe(html)  # noqa: S308 - every part escaped above
        return super().render(template_name, context, request=request)


# One for the process: the fallback's template engine is built once.
QUICK_RENDERER = QuickRenderer()
