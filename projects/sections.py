"""The project's left menu: each section's name, URL name and what its page is for."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    icon: str
    purpose: str


SECTIONS = [
    Section("data", "Data", "▤", "Bring documents in, manage classes and see the data's shape."),
    Section("tag", "Tag", "✎", "Tag documents one at a time, by keyboard."),
    Section("train", "Train", "▶", "Train a named model and watch it learn live."),
    Section(
        "performance", "Model performance", "◔", "Precision, recall, F1 and the confusion matrix."
    ),
    Section("improve", "Improve model", "⟲", "Review the model's mistakes and fix the tags."),
    Section("deploy", "Deploy", "⇪", "Serve a trained model under a deployment name."),
    Section("test", "Test model", "✓", "Try a deployment on your own text."),
    Section("settings", "Settings", "⚙", "Project details and members."),
]
SECTIONS_BY_SLUG = {section.slug: section for section in SECTIONS}
