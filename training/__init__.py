"""Trained models, training jobs and deployments; the tasks, websockets and pages around them."""
