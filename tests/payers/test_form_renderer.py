"""The quick form renderer writes what Django's widget templates write, character for
character: the claim queue's filter form, and inputs and selects of every kind it handles."""

from __future__ import annotations

import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.http import QueryDict
from django.utils.safestring import mark_safe

from claims.forms import QueueFilterForm
from payers.form_renderer import QUICK_RENDERER, QuickRenderer

DJANGO = DjangoTemplates()
ODD = 'a "quoted" <b>&amp; it\'s'


class EveryWidget(forms.Form):
    text = forms.CharField(widget=forms.TextInput(attrs={"placeholder": ODD, "maxlength": 5}))
    hidden = forms.CharField(widget=forms.HiddenInput)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    number = forms.IntegerField(widget=forms.NumberInput(attrs={"step": 1, "min": 0}))
    email = forms.EmailField()
    url = forms.URLField(assume_scheme="https")
    when = forms.TimeField(widget=forms.TimeInput(attrs={"readonly": True, "disabled": False}))
    choice = forms.ChoiceField(
        choices=[("", "Any"), ("a&b", ODD), (3, "three"), ("x", mark_safe("<i>safe</i>"))]
    )
    grouped = forms.ChoiceField(
        choices=[("", "None"), ("Fruit <1>", [("apple", "Apple"), ("pear", "Pear")])]
    )
    many = forms.MultipleChoiceField(choices=[("1", "One"), ("2", "Two"), ("3", "Three")])
    maybe = forms.NullBooleanField()
    flag = forms.BooleanField()  # a checkbox: Django's templates draw it
    radio = forms.ChoiceField(choices=[("1", "One")], widget=forms.RadioSelect)
    notes = forms.CharField(widget=forms.Textarea)


def _both(form_class: type[forms.Form], **kwargs: object) -> tuple[list[str], list[str]]:
    quick = form_class(renderer=QuickRenderer(), **kwargs)  # type: ignore[arg-type]
    django = form_class(renderer=DJANGO, **kwargs)  # type: ignore[arg-type]
    return [str(f) for f in quick], [str(f) for f in django]


@pytest.mark.parametrize(
    "data",
    [
        None,
        {
            "text": ODD,
            "hidden": "",
            "day": "2026-02-30",
            "number": "12",
            "email": "x@example.com",
            "url": "not a url",
            "when": "09:30",
            "choice": "a&b",
            "grouped": "pear",
            "many": ["1", "3"],
            "maybe": "true",
            "flag": "on",
            "radio": "1",
            "notes": ODD,
        },
        {"choice": "3", "many": "2", "maybe": "false", "text": "", "day": ""},
    ],
)
def test_every_widget_reads_as_djangos_own_templates_write_it(data):
    initial = {"day": datetime.date(2026, 1, 5), "number": 7, "choice": 3}
    quick, django = _both(EveryWidget, data=data, initial=initial)
    assert quick == django


@pytest.mark.parametrize(
    "query",
    [
        "",
        "state=queued",
        "state=&payer=2&clinician=1&date_from=2026-01-01&date_to=bad&scrub=flagged"
        "&q=O%27Brien+%3Cx%3E&sort=-dos&figure=ar-31-60&carc=co45&no_payer=1",
        "payer=abc&clinician=&sort=nonsense",
    ],
)
def test_the_claim_queues_filter_form_reads_as_djangos_templates_write_it(query):
    class Payer:
        def __init__(self, pk: int, name: str) -> None:
            self.pk, self.name = pk, name

    def drawn(renderer: DjangoTemplates) -> str:
        form = QueueFilterForm(QueryDict(query), renderer=renderer)
        form.filters()
        form.set_choices(
            payers=[Payer(1, "Medicare Part B"), Payer(2, "Smith & <Sons>")],
            clinicians=[],
        )
        form.fields["clinician"].widget.choices = [("", "All clinicians"), (1, 'Lee, "MD"')]
        return "".join(str(field) for field in form)

    assert QueueFilterForm().renderer is QUICK_RENDERER
    assert drawn(QUICK_RENDERER) == drawn(DJANGO)


def test_the_queue_form_draws_its_inputs_and_selects_without_a_template(monkeypatch):
    def no_template(self: object, template_name: str) -> None:
        raise AssertionError(f"{template_name} was rendered through a template")

    monkeypatch.setattr(QuickRenderer, "get_template", no_template)
    form = QueueFilterForm(QueryDict("state=paid&q=x"), renderer=QuickRenderer())
    form.filters()
    form.set_choices(payers=[], clinicians=[])
    assert '<option value="paid" selected>Paid</option>' in "".join(str(f) for f in form)
