"""The import benchmark: `python -m tests.benchmarks.imports [--rows N] [--json]`.

Imports a generated CSV of support tickets (10,000 rows by default, five classes, mixed splits)
with the import service, against a naive baseline measured in the same run: the same rows created
one document at a time through the single-document service (`create_document` with its tag),
the way a loop over the API would. Target: a 10,000-document CSV in under 30 seconds.

It runs on a temporary data folder (SQLite, or `--database-url` for PostgreSQL), so it never
touches the studio's own data. The baseline imports a sample (`--naive-rows`) and reports its
rate; its full-size time is that rate extrapolated, and the table says so.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from typing import Any

LABELS = ["Billing", "Shipping", "Technical issue", "Account", "Feedback"]
SPLITS = ("train", "test", "auto")
TARGET_S = 30.0


def generated_csv(rows: int) -> bytes:
    lines = ["name,text,label,split"] + [
        f'doc-{i}.txt,"Ticket {i}: the customer writes about order {i * 7} again.",'
        f"{LABELS[i % len(LABELS)]},{SPLITS[i % 3]}"
        for i in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def run(rows: int, naive_rows: int) -> list[dict[str, Any]]:
    from django.contrib.auth import get_user_model

    from projects.formats import Source
    from projects.importers import import_documents
    from projects.models import Document, Tag
    from projects.services import create_class, create_document, create_project

    user = get_user_model().objects.create_user(username="bench", password="bench-password-42")

    ours = create_project(owner=user, name="Bench-Import", kind="single_label")
    started = time.perf_counter()
    report = import_documents(ours, [Source("bench.csv", generated_csv(rows))], user=user)
    ours_s = time.perf_counter() - started
    landed = Tag.objects.filter(document__project=ours).count()
    if report.imported != rows or report.errors or landed != rows:
        raise RuntimeError(f"The import did not land every row: {report.as_dict()}")

    naive = create_project(owner=user, name="Bench-Naive", kind="single_label")
    classes = {label: create_class(naive, name=label) for label in LABELS}
    started = time.perf_counter()
    for i in range(naive_rows):
        create_document(
            naive,
            name=f"doc-{i}.txt",
            text=f"Ticket {i}: the customer writes about order {i * 7} again.",
            split=SPLITS[i % 3],
            classes=[classes[LABELS[i % len(LABELS)]]],
            user=user,
        )
    naive_s = time.perf_counter() - started
    if Document.objects.filter(project=naive).count() != naive_rows:
        raise RuntimeError("The baseline did not create every document.")

    return [
        {"method": "import service (CSV, batched)", "rows": rows, "seconds": ours_s,
         "rows_per_s": rows / ours_s, "seconds_for_all": ours_s, "extrapolated": False},
        {"method": "one document at a time (baseline)", "rows": naive_rows, "seconds": naive_s,
         "rows_per_s": naive_rows / naive_s, "seconds_for_all": naive_s * rows / naive_rows,
         "extrapolated": naive_rows != rows},
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="Rows in the generated CSV.")
    parser.add_argument("--naive-rows", type=int, default=1_000, help="Rows the baseline creates.")
    parser.add_argument("--database-url", help="Run on this (empty) database instead of SQLite.")
    parser.add_argument("--json", action="store_true", help="Print the results as JSON.")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="studio-bench-import-") as tmp:
        os.environ.pop("DEBUG", None)
        os.environ |= {"STUDIO_DATA_DIR": tmp, "STUDIO_LOG_LEVEL": "WARNING"}
        if args.database_url:
            os.environ["DATABASE_URL"] = args.database_url
        else:
            os.environ.pop("DATABASE_URL", None)
        os.environ["DJANGO_SETTINGS_MODULE"] = "studio.settings"
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        results = run(args.rows, min(args.naive_rows, args.rows))
        vendor = connection.vendor

    if args.json:
        json.dump({"database": vendor, "results": results}, sys.stdout, indent=2)
        print()
        return 0
    print(f"Import of a {args.rows:,}-row CSV ({vendor}); target: under {TARGET_S:.0f} s\n")
    print("| method | rows timed | seconds | rows/s | seconds for all rows |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for row in results:
        total = f"{row['seconds_for_all']:.1f}" + (" (extrapolated)" if row["extrapolated"] else "")
        print(f"| {row['method']} | {row['rows']:,} | {row['seconds']:.2f} | "
              f"{row['rows_per_s']:,.0f} | {total} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
