"""Forms for the project pages; they check shape only, the services check the rules."""

from __future__ import annotations

from django import forms

from projects.models import ProjectKind, Role
from projects.names import RESOURCE_NAME_HELP

LANGUAGES = [
    ("en", "English"),
    ("de", "German"),
    ("es", "Spanish"),
    ("fr", "French"),
    ("it", "Italian"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("nl", "Dutch"),
    ("pt", "Portuguese"),
    ("tr", "Turkish"),
    ("zh", "Chinese"),
    ("hi", "Hindi"),
]


class ProjectCreateForm(forms.Form):
    name = forms.CharField(max_length=50, help_text=RESOURCE_NAME_HELP)
    kind = forms.ChoiceField(
        choices=ProjectKind.choices,
        widget=forms.RadioSelect,
        initial=ProjectKind.SINGLE_LABEL,
        help_text="Single-label: each document gets one class. Multi-label: any number of "
        "classes. This cannot be changed later.",
    )
    language = forms.ChoiceField(choices=LANGUAGES, initial="en")
    multilingual = forms.BooleanField(
        required=False,
        help_text="Documents may be in several languages; the model can be asked in any of them.",
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ProjectSettingsForm(forms.Form):
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    language = forms.ChoiceField(choices=LANGUAGES)
    multilingual = forms.BooleanField(required=False)
    auto_retrain_every = forms.IntegerField(
        min_value=0,
        max_value=100_000,
        initial=0,
        label="Retrain automatically after this many new tags (0: never)",
    )


class MemberForm(forms.Form):
    who = forms.CharField(max_length=254, label="Username or email")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.EDITOR)


class NewAccountForm(forms.Form):
    username = forms.CharField(max_length=150)
    email = forms.EmailField(max_length=254)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.EDITOR)


class UserActiveForm(forms.Form):
    active = forms.BooleanField(required=False)
