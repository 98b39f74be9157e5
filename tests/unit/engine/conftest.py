"""Engine fixtures: tiny made-up projects, separable by topic, for the real packaged MiniLM."""

from __future__ import annotations

import pytest

from training.engine.config import TrainConfig
from training.engine.data import TrainingData

SPORTS = [
    "the team won the football match",
    "a late goal decided the final",
    "the striker scored twice on sunday",
    "basketball playoffs begin tonight",
    "the tennis star won the open",
    "the coach praised his players after the game",
    "an olympic sprinter broke the record",
    "the league title race heats up",
    "the cricket side lost the test match",
    "the golfer leads after the first round",
    "the goalkeeper saved a penalty",
    "the cyclist won the mountain stage",
]
TECH = [
    "the new smartphone has a faster chip",
    "a software update fixes a security bug",
    "the startup released a new ai model",
    "laptop battery life keeps improving",
    "cloud servers went offline for hours",
    "the browser adds privacy features",
    "a chip maker unveils a new processor",
    "the app store changes its rules for developers",
    "a quantum computer reaches a milestone",
    "the database engine got much faster",
    "engineers patched the operating system",
    "the programming language gets a new compiler",
]
FOOD = [
    "this pasta recipe needs fresh basil",
    "bake the bread for forty minutes",
    "the restaurant serves spicy noodles",
    "a chocolate cake with cream frosting",
    "grill the salmon with lemon and garlic",
    "the soup tastes better with pepper",
    "slice the tomatoes for the salad",
    "the bakery sells warm croissants",
    "roast the vegetables in olive oil",
    "a bowl of rice with curry sauce",
    "the chef cooked a vegetable stew",
    "whisk the eggs and sugar together",
]

HELD_OUT = {
    "sports": ["the match ended in a draw", "the boxer won the title fight"],
    "tech": ["the new graphics card is fast", "hackers broke into the network"],
    "food": ["fry the onions in butter", "the pizza has too much cheese"],
}


def single_label_data() -> TrainingData:
    texts = SPORTS + TECH + FOOD
    labels = [["sports"]] * 12 + [["tech"]] * 12 + [["food"]] * 12
    return TrainingData(
        texts, labels, ["sports", "tech", "food"], False, [f"doc-{i}" for i in range(36)]
    )


def multi_label_data() -> TrainingData:
    """Sports, tech and food documents, plus pairs joined into documents with two tags."""
    texts = SPORTS + TECH + FOOD
    labels = [["sports"]] * 12 + [["tech"]] * 12 + [["food"]] * 12
    for i in range(12):
        texts.append(f"{SPORTS[i]} and {TECH[(i + 3) % 12]}")
        labels.append(["sports", "tech"])
        texts.append(f"{TECH[i]} while {FOOD[(i + 5) % 12]}")
        labels.append(["tech", "food"])
    return TrainingData(
        texts, labels, ["sports", "tech", "food"], True, [f"doc-{i}" for i in range(len(texts))]
    )


@pytest.fixture
def single_label() -> TrainingData:
    return single_label_data()


@pytest.fixture
def multi_label() -> TrainingData:
    return multi_label_data()


@pytest.fixture
def quick_config() -> TrainConfig:
    return TrainConfig(mode="quick", batch_size=16, threads=2)


@pytest.fixture
def standard_config() -> TrainConfig:
    return TrainConfig(mode="standard", epochs=2, batch_size=16, threads=2)
