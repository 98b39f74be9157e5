"""The studio's own training API: jobs, evaluation, deployments and classify."""
