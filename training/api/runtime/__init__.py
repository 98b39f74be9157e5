"""Prediction APIs: the studio's classify and deployment routes, and Azure's analyze-text jobs."""
