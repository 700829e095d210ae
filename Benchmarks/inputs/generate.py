#!/usr/bin/env python3
"""Writes the codec benchmark inputs to Benchmarks/.inputs/, the one source of the bytes that the
Swift benchmarks (Herald, swift-openapi-runtime) and the Python one (httpx-sse) all read.

Each file is about 8 MiB, and each has a chunk size the readers feed it in:
  llm-stream        OpenAI-style `data: {"choices":[{"delta":{"content":…}}]}` events, 1 KiB chunks
  multiline-data    events of 64 data lines each, 64 KiB chunks
  heartbeats        `: keep-alive` comments only (no events), 64 KiB chunks
  drip              the LLM stream fed 4 bytes at a time (1 MiB of it)
  long-line         one 256 KiB data line per event, 64 KiB chunks
"""
import json
import os

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "..", ".inputs")
os.makedirs(out, exist_ok=True)
TARGET = 8 * 1024 * 1024
TOKENS = ["Hello", ",", " world", "!", " The", " quick", " brown", " fox", " jumps", " over",
          " the", " lazy", " dog", ".", "\n\n", " Ünïcödé", " 日本語", " 😀", " 42", " tokens"]


def fill(name, make_event, target=TARGET):
    parts, size, index = [], 0, 0
    while size < target:
        event = make_event(index)
        parts.append(event)
        size += len(event)
        index += 1
    data = b"".join(parts)
    with open(os.path.join(out, name + ".txt"), "wb") as f:
        f.write(data)
    return index


def llm(i):
    payload = {"id": "chatcmpl-9x", "object": "chat.completion.chunk", "created": 1700000000 + i,
               "model": "gpt-4o", "choices": [{"index": 0, "delta": {"content": TOKENS[i % len(TOKENS)]},
                                               "finish_reason": None}]}
    return ("data: " + json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n\n").encode()


def multiline(i):
    lines = "".join("data: line %d of event %d with some ordinary text in it\n" % (n, i) for n in range(64))
    return ("event: report\nid: %d\n" % i + lines + "\n").encode()


def heartbeat(i):
    return b": keep-alive\n\n"


def long_line(i):
    return b"data: " + (b"x" * (256 * 1024)) + b"\n\n"


blocks = {
    "llm-stream": fill("llm-stream", llm),
    "multiline-data": fill("multiline-data", multiline),
    "heartbeats": fill("heartbeats", heartbeat),
    "drip": fill("drip", llm, 1024 * 1024),
    "long-line": fill("long-line", long_line),
}


print("inputs written to", os.path.normpath(out))
