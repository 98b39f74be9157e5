"""The project's left menu: each section's name, URL name and what its page is for."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    icon: str
    purpose: str
    url_name: str  # each page's route takes the project name only


SECTIONS = [
    Section("data", "Data", "▤", "Bring documents in, manage classes and see the data's shape.",
            "projects:data"),
    Section("tag", "Tag", "✎", "Tag documents one at a time, by keyboard.", "projects:tag"),
    Section("train", "Train", "▶", "Train a named model and watch it learn live.", "train:train"),
    Section("performance", "Model performance", "◔",
            "Precision, recall, F1 and the confusion matrix.", "evaluation:list"),
    Section("improve", "Improve model", "⟲", "Review the model's mistakes and fix the tags.",
            "evaluation:improve"),
    Section("deploy", "Deploy", "⇪", "Serve a trained model under a deployment name.",
            "deploy:deploy"),
    Section("test", "Test model", "✓", "Try a deployment on your own text.", "deploy:test"),
    Section("settings", "Settings", "⚙", "Project details and members.", "projects:settings"),
]  # fmt: skip
SECTIONS_BY_SLUG = {section.slug: section for section in SECTIONS}
