#!/usr/bin/env python3
"""Writes seed corpora for the fuzz targets from Fixtures/ (the golden Jazz vectors, BIP39 vectors and
shell history samples).

    Fuzz/make-corpus.py OUT_DIR            # every seed, one directory per target (scripts/fuzz.sh uses it)
    Fuzz/make-corpus.py --small Fuzz/Corpus  # the few small seeds committed in Fuzz/Corpus

Seeds larger than 64 KiB are left out (libFuzzer mutates small inputs far faster).
"""
import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIMIT = 64 * 1024


def fixture(*path):
    with open(os.path.join(ROOT, "Fixtures", *path), encoding="utf-8") as f:
        return json.load(f)


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def frames(document):
    """Every WebSocket frame recorded in a transcript-shaped vector file."""
    phases = document.get("phases", {})
    for phase in phases.values() if isinstance(phases, dict) else []:
        for frame in phase.get("frames", []):
            if isinstance(frame.get("frame"), str):
                yield frame["frame"]


def content_messages(document):
    for phase in document.get("phases", {}).values():
        for entry in phase.get("messages", []):
            message = entry.get("msg")
            if isinstance(message, dict) and message.get("action") == "content":
                yield message


def seeds():
    transcript = fixture("jazz", "sync-transcript.json")
    encodings = fixture("jazz", "encodings.json")
    bip39 = fixture("bip39", "vectors.json")

    # JSON: the stableStringify inputs, then every recorded sync message.
    json_seeds = [case["inputJSON"] for case in encodings["stableStringify"]]
    json_seeds += [compact(entry["msg"]) for phase in transcript["phases"].values() for entry in phase["messages"]]
    yield "json", [s.encode() for s in json_seeds]

    # Sync frames: the recorded frames (batched lines included) of every transcript.
    frame_seeds = list(frames(transcript))
    for name in ("streaming.json", "concurrency.json"):
        frame_seeds += list(frames(fixture("jazz", name)))
    frame_seeds += ["\n".join(compact(m) for m in fixture("jazz", "permissions.json")["content"][:3])]
    yield "sync-frame", [s.encode() for s in frame_seeds]

    # Ingestion: flags byte (bit 0: re-sign the account's sessions), then a frame of content messages
    # of the transcript's account (each message alone, then the whole creation frame).
    messages = list(content_messages(transcript))
    ingest = []
    for flags in (b"\x00", b"\x01"):
        ingest += [flags + compact(m).encode() for m in messages]
        ingest += [flags + f.encode() for f in frames(transcript)]
    yield "ingest", ingest

    # BIP39: the vectors' phrases, the bad-checksum ones, a typo and the raw entropies.
    phrases = [v["phrase"] for v in bip39["vectors"]] + [v["phrase"] for v in bip39["badChecksum"]]
    phrases += [transcript["account"]["passphrase"], transcript["account"]["passphrase"].replace("hurdle", "hurdel")]
    phrases += ["  " + phrases[0].upper().replace(" ", "\t\n ") + "  "]
    yield "bip39", [p.encode() for p in phrases] + [bytes.fromhex(v["entropyHex"]) for v in bip39["vectors"]]

    urls = [
        "ws://127.0.0.1:4200", "wss://cloud.jazz.tools/?key=you@example.com", "ws://[::1]:4200/sync?x=1#frag",
        "WSS://Relay.Example.org:443/", "ws://localhost", "ws://host:65535?", "wss://[fe80::1%25eth0]",
        "ws://user@host", "http://example.com", "ws://host:0", "ws://:80", "ws://h\u00e9.example/\u00e9",
    ]
    yield "websocket-url", [u.encode() for u in urls]

    history = []
    for name in sorted(os.listdir(os.path.join(ROOT, "Fixtures", "history"))):
        with open(os.path.join(ROOT, "Fixtures", "history", name), "rb") as f:
            history.append(f.read())
    yield "history-import", history

    # Search: flags byte, then text, since, until, exit, cwd, under, host, shell (one per line).
    queries = [
        "git", "git status\n2h\nnow\n0", "\"a phrase\" OR kube*\n2026-12-05\n2026-12-05T14:30:00Z\nnonzero\n/tmp",
        "-la /etc/hosts\nyesterday\ntoday\n127\n\n/home/u", "NEAR(a b)\n1w\n\n\n.\n..\nlaptop\nzsh",
        "é 日本語\n90s\n30m\nfailure\n~/src\n\nserver\nfish", "rm -rf\n3d\n\n-1", "AND\n\n\nnon-zero",
    ]
    yield "search-query", [bytes([flags]) + q.encode() for flags, q in zip(range(0, 256, 37), queries)]


def main():
    args = sys.argv[1:]
    small = "--small" in args
    args = [a for a in args if a != "--small"]
    if len(args) != 1:
        sys.exit(__doc__)
    for target, items in seeds():
        items = [i for i in items if len(i) <= (4096 if small else LIMIT)]
        if small:
            items = items[:: max(1, len(items) // 6)][:6]
        directory = os.path.join(args[0], target)
        os.makedirs(directory, exist_ok=True)
        for item in items:
            with open(os.path.join(directory, hashlib.sha1(item).hexdigest()), "wb") as f:
                f.write(item)
        print(f"{target}: {len(items)} seeds in {directory}")


if __name__ == "__main__":
    main()
