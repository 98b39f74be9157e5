"""`python -m projects.bench_import`: rows per second for a generated 10,000-row CSV import.

It imports into a throw-away project in the configured database and deletes it afterwards.
"""

from __future__ import annotations

import os
import time

import django


def main(rows: int = 10_000) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
    django.setup()
    from django.contrib.auth import get_user_model

    from projects.importers import Source, import_documents
    from projects.services import create_project, delete_project

    user, _ = get_user_model().objects.get_or_create(username="bench-import")
    project = create_project(owner=user, name=f"bench-{int(time.time())}", kind="single_label")
    labels = ["Billing", "Shipping", "Technical issue", "Account", "Feedback"]
    lines = ["name,text,label,split"] + [
        f'doc-{i}.txt,"Ticket {i}: the customer writes about order {i * 7} again.",'
        f"{labels[i % len(labels)]},{('train', 'test', 'auto')[i % 3]}"
        for i in range(rows)
    ]
    data = ("\n".join(lines) + "\n").encode()
    try:
        started = time.perf_counter()
        report = import_documents(project, [Source("bench.csv", data)], user=user)
        seconds = time.perf_counter() - started
    finally:
        delete_project(project)
    print(f"{report.imported} rows in {seconds:.2f} s: {report.imported / seconds:,.0f} rows/s")


if __name__ == "__main__":
    main()
