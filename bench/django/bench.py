"""django-minio-backend on the same MinIO and workloads as bench/run.ts.

Run by bench/django.ts with the virtualenv from install.sh; one JSON document on stdout.

    python bench.py small      '{"endpoint": ..., "count": 2000, "concurrencies": [1, 16], ...}'
    python bench.py contention '{..., "writers": 200}'
    python bench.py large      '{..., "bytes": 1073741824, "direction": "save" | "read"}'
    python bench.py count      '{..., "count": 10}'      (through the counting proxy)

Django is configured in-process (settings.configure) with MinioBackend as the default
storage, and the code calls `default_storage` as a Django app does: save() (which asks
exists() for a free name, then PUTs: Django's get_available_name), open().read(),
exists(), delete(). Concurrency is a thread pool over one storage object.
"""

import io
import json
import os
import resource
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

SMALL_SIZE = 4 * 1024
STREAM_CHUNK = 64 * 1024


def configure(spec):
    import django
    from django.conf import settings

    endpoint = spec["endpoint"].split("://", 1)[1]
    options = {
        "MINIO_ENDPOINT": endpoint,
        "MINIO_ACCESS_KEY": spec["accessKey"],
        "MINIO_SECRET_KEY": spec["secretKey"],
        "MINIO_USE_HTTPS": False,
        "MINIO_REGION": spec["region"],
        "MINIO_PRIVATE_BUCKETS": [spec["bucket"]],
        "MINIO_DEFAULT_BUCKET": spec["bucket"],
        # The default (False): _save reads the whole file into memory, then minio-py uploads
        # it with its length known. True streams with length=-1, which minio 7.2.19 (the
        # version django-minio-backend 4.4.4 pins) breaks: read_part_data hashes the
        # look-ahead byte into part 1's CRC32C, and MinIO refuses the part with
        # XAmzContentChecksumMismatch (seen against RELEASE.2025-09-07).
        "MINIO_MULTIPART_UPLOAD": False,
    }
    settings.configure(
        INSTALLED_APPS=["django_minio_backend"],
        STORAGES={
            "default": {"BACKEND": "django_minio_backend.models.MinioBackend", "OPTIONS": options},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        USE_TZ=True,
        LOGGING_CONFIG=None,
    )
    django.setup()
    from django.core.files.storage import default_storage

    return default_storage


def timed(count, concurrency, task):
    started = time.perf_counter()
    if concurrency == 1:
        for i in range(count):
            task(i)
    else:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            for _ in pool.map(task, range(count)):
                pass
    return (time.perf_counter() - started) * 1000


def small(storage, spec):
    from django.core.files.base import ContentFile

    body = os.urandom(SMALL_SIZE)
    results = []
    for concurrency in spec["concurrencies"]:
        names = [f"{spec['prefix']}small/django/c{concurrency}/{i}.bin" for i in range(spec["count"])]
        warm = [f"{spec['prefix']}small/django/c{concurrency}/warm/{i}.bin" for i in range(40)]
        run_phases(storage, warm, body, concurrency, ContentFile)
        ms, cpu = run_phases(storage, names, body, concurrency, ContentFile)
        results.append(
            {
                "contender": "django-minio-backend",
                "concurrency": concurrency,
                "count": spec["count"],
                "opsPerSecond": {phase: round(spec["count"] * 1000 / value) for phase, value in ms.items()},
                "ms": {phase: round(value, 1) for phase, value in ms.items()},
                "cpuMicrosPerOp": {phase: round(value / spec["count"]) for phase, value in cpu.items()},
            }
        )
    return results


def run_phases(storage, names, body, concurrency, ContentFile):
    def save(i):
        stored = storage.save(names[i], ContentFile(body))
        if stored != names[i]:
            raise RuntimeError(f"stored {stored} instead of {names[i]}")

    def read(i):
        with storage.open(names[i]) as f:
            if len(f.read()) != len(body):
                raise RuntimeError("short read")

    def exists(i):
        if not storage.exists(names[i]):
            raise RuntimeError("exists said False")

    def delete(i):
        storage.delete(names[i])

    ms, cpu = {}, {}
    for phase, task in (("save", save), ("read", read), ("exists", exists), ("delete", delete)):
        before = time.process_time()
        ms[phase] = timed(len(names), concurrency, task)
        cpu[phase] = (time.process_time() - before) * 1e6
    return ms, cpu


def count(storage, spec):
    """Runs `count` operations of one kind (`phase`); the caller reads the counting proxy around it."""
    from django.core.files.base import ContentFile

    body = os.urandom(SMALL_SIZE)
    operations = {
        "save": lambda name: storage.save(name, ContentFile(body)),
        "read": lambda name: storage.open(name).read(),
        "exists": lambda name: storage.exists(name),
        "delete": lambda name: storage.delete(name),
    }
    for i in range(spec["count"]):
        operations[spec["phase"]](f"{spec['prefix']}count/django/{i}.bin")
    return {"done": spec["phase"]}


def contention(storage, spec):
    from django.core.files.base import ContentFile

    writers = spec["writers"]
    name = f"{spec['prefix']}contention/django.bin"
    bodies = [os.urandom(1024) for _ in range(writers)]
    barrier = threading.Barrier(writers)
    stored = [None] * writers
    errors = []

    def write(i):
        barrier.wait()
        try:
            stored[i] = storage.save(name, ContentFile(bodies[i]))
        except Exception as error:  # noqa: BLE001 - the count of failures is the result
            errors.append(repr(error))

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ms = (time.perf_counter() - started) * 1000
    survivors = 0
    for i, stowed in enumerate(stored):
        if stowed is not None:
            with storage.open(stowed) as f:
                if f.read() == bodies[i]:
                    survivors += 1
    for stowed in {s for s in stored if s is not None}:
        storage.delete(stowed)
    return {
        "subject": "django-minio-backend",
        "writers": writers,
        "ms": round(ms, 1),
        "distinctNames": len({s for s in stored if s is not None}),
        "survivors": survivors,
        "failures": len(errors),
        "firstError": errors[0][:300] if errors else None,
    }


class GeneratedFile(io.RawIOBase):
    """`length` bytes cut from one random block, seekable to its end (MinioBackend asks the size by seeking)."""

    def __init__(self, length):
        self.length = length
        self.position = 0
        self.block = os.urandom(4 * 1024 * 1024)

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=io.SEEK_SET):
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.length}[whence]
        self.position = base + offset
        return self.position

    def tell(self):
        return self.position

    def readinto(self, target):
        size = min(len(target), STREAM_CHUNK, self.length - self.position)
        if size <= 0:
            return 0
        offset = self.position % (len(self.block) - STREAM_CHUNK)
        target[:size] = self.block[offset : offset + size]
        self.position += size
        return size


def rss():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def large(storage, spec):
    from django.core.files import File

    name = spec["name"]
    baseline = rss()
    peak = [baseline]
    done = threading.Event()

    def sample():
        while not done.wait(0.005):
            peak[0] = max(peak[0], rss())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    if spec["direction"] == "save":
        stored = storage.save(name, File(io.BufferedReader(GeneratedFile(spec["bytes"])), name=name))
        if stored != name:
            raise RuntimeError(f"stored {stored} instead of {name}")
    else:
        # MinioBackend._open reads the whole object into a BytesIO; read it from there in chunks.
        with storage.open(name) as f:
            total = 0
            while chunk := f.read(STREAM_CHUNK):
                total += len(chunk)
        if total != spec["bytes"]:
            raise RuntimeError(f"read {total} of {spec['bytes']} bytes")
    ms = (time.perf_counter() - started) * 1000
    done.set()
    sampler.join()
    peak[0] = max(peak[0], rss())
    return {
        "ms": ms,
        "baselineRss": baseline,
        "peakRss": peak[0],
        "maxRss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def main():
    mode, spec = sys.argv[1], json.loads(sys.argv[2])
    storage = configure(spec)
    result = {"small": small, "contention": contention, "large": large, "count": count}[mode](storage, spec)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
