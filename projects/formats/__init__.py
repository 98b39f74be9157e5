"""The import formats, parsed without Django: bytes in, plain rows out.

One module per format (`txt`, `csvfile`, `jsonl`, `azure`, `zips`); `parse_sources` reads a
whole upload, whatever mix of formats it holds. Nothing here touches the database, the settings
or the container: what the Azure format needs of the project comes in as `ProjectFacts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath

from projects.formats.azure import ProjectFacts, is_project_json, parse_azure_json
from projects.formats.csvfile import parse_csv
from projects.formats.jsonl import parse_jsonl
from projects.formats.rows import Parsed, Row, Source
from projects.formats.txt import parse_txt
from projects.formats.zips import ZipLimits, ZipRoom, ZipTooLarge, zip_entries

__all__ = [
    "Parsed",
    "ProjectFacts",
    "Row",
    "Source",
    "ZipLimits",
    "ZipTooLarge",
    "parse_sources",
]


def parse_sources(sources: Sequence[Source], *, project: ProjectFacts, limits: ZipLimits) -> Parsed:
    """Every row of every file, and every file or row that cannot be imported and why.

    A zip whose root holds an Azure project JSON (our own zip export) imports as that project with
    the zip's files as its texts; a zip uploaded beside a JSON supplies the JSON's texts. Raises
    ZipTooLarge when the upload's zips together inflate past `limits`.
    """
    parsed = Parsed()
    texts: dict[str, bytes] = {}
    jsons: list[Source] = []
    zips: list[tuple[Source, dict[str, bytes]]] = []
    room = ZipRoom(limits)
    for source in sources:
        suffix = PurePosixPath(source.name.lower()).suffix
        if suffix == ".zip":
            entries = zip_entries(source, parsed, room)
            if entries is not None:
                zips.append((source, entries))
        elif suffix == ".json":
            jsons.append(source)
        elif suffix == ".txt":
            parse_txt(source, parsed)
        elif suffix == ".csv":
            parse_csv(source, parsed)
        elif suffix in (".jsonl", ".ndjson"):
            parse_jsonl(source, parsed)
        else:
            parsed.reject(
                "Unsupported file type: upload .txt, .zip, .csv, .jsonl or .json files.",
                file=source.name,
            )
    for source, entries in zips:
        inner = [n for n in entries if "/" not in n and n.lower().endswith(".json")]
        project_json = next((n for n in inner if is_project_json(entries[n])), None)
        if project_json or jsons:
            texts.update({n: data for n, data in entries.items() if n != project_json})
            if project_json:
                jsons.append(Source(f"{source.name}/{project_json}", entries[project_json]))
            continue
        for name, data in entries.items():
            if name.lower().endswith(".txt"):
                parse_txt(Source(name, data), parsed)
            else:
                parsed.reject(
                    "Only .txt files are imported from a zip.", file=f"{source.name}/{name}"
                )
    for source in jsons:
        parse_azure_json(source, parsed, project=project, texts=texts)
    return parsed
