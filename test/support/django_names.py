"""Django's own answers for the differential test of names (test/django-names.test.ts).

Reads one JSON document on stdin: {"location": dir, "cases": [{"id", "op", "name",
"maxLength"}]} and writes {"django", "python", "unicode", "results": [...], "sweep": {...}}
on stdout. Each result is {"ok": name} or {"error": "ExceptionClass: message"}, plus
"unassigned": true when the name holds a code point this Python's Unicode tables do not
know. Operations, each in a fresh directory of its own:

  valid           Storage.get_valid_name(name)
  generate        Storage.generate_filename(name)
  available       FileSystemStorage.get_available_name(name, max_length) on a free name
  available-taken the same after save(name) stored a file under it
  save-taken      FileSystemStorage.save(name, max_length) after save(name) stored one

"sweep" classifies every code point c by get_valid_name(c + " a"): "stripped" when
str.strip() removed it ("a"), "kept" when it stays (c + "_a"); as [first, last] ranges.
"""

import json
import os
import sys
import unicodedata

import django
from django.conf import settings

settings.configure()

from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import FileSystemStorage, Storage  # noqa: E402


def answer(function):
    try:
        return {"ok": function()}
    except Exception as error:  # Django's refusal is SuspiciousFileOperation; the OS's, OSError or ValueError
        return {"error": f"{type(error).__name__}: {error}"}


def run(case, location):
    name, max_length, op = case["name"], case.get("maxLength"), case["op"]
    storage = FileSystemStorage(location=os.path.join(location, str(case["id"])))
    if op == "valid":
        return answer(lambda: Storage().get_valid_name(name))
    if op == "generate":
        return answer(lambda: Storage().generate_filename(name))
    if op == "available":
        return answer(lambda: storage.get_available_name(name, max_length=max_length))
    first = answer(lambda: storage.save(name, ContentFile(b"one")))
    if "error" in first:
        return first
    if op == "available-taken":
        return answer(lambda: storage.get_available_name(name, max_length=max_length))
    if op == "save-taken":
        return answer(lambda: storage.save(name, ContentFile(b"two"), max_length=max_length))
    raise ValueError(f"unknown operation {op}")


def unassigned(name):
    return any(unicodedata.category(c) == "Cn" for c in name)


def ranges(code_points):
    found = []
    for c in code_points:
        if found and found[-1][1] == c - 1:
            found[-1][1] = c
        else:
            found.append([c, c])
    return found


def sweep():
    stripped, kept = [], []
    storage = Storage()
    for c in range(0x110000):
        if 0xD800 <= c <= 0xDFFF:
            continue
        result = storage.get_valid_name(chr(c) + " a")
        if result == "a":
            stripped.append(c)
        elif result != "_a":
            kept.append(c)
    unknown = [c for c in range(0x110000) if unicodedata.category(chr(c)) == "Cn"]
    return {"stripped": ranges(stripped), "kept": ranges(kept), "unassigned": ranges(unknown)}


def main():
    request = json.load(sys.stdin)
    results = []
    for case in request["cases"]:
        result = run(case, request["location"])
        if unassigned(case["name"]):
            result["unassigned"] = True
        results.append(result)
    json.dump(
        {
            "django": django.get_version(),
            "python": sys.version.split()[0],
            "unicode": unicodedata.unidata_version,
            "results": results,
            "sweep": sweep(),
        },
        sys.stdout,
    )


main()
