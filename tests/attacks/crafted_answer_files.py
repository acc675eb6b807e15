# Replace the grader's probe agent with one that writes hostile answer files: a description
# nested 100,000 deep, one with a million items, a huge array table, arrays that overlap and run
# past the end. Each is refused quickly with a message, and the grading ends with a result.
# slow: the codec's refusals are checked without a kernel in tests/test_wire.py
# %%
import sys, json, struct, threading, time
def hostile(out_path, n):
    kinds = [
        b"[" * 100_000 + b"]" * 100_000,
        json.dumps({"tree": {"kind": "list", "items": [{"kind": "none"}] * 1_000_000}}).encode(),
        json.dumps({"tree": {"kind": "ndarray", "ref": 0}, "arrays": [{"dtype": "<f8", "shape": [10**9], "offset": 0}] * 100_000}).encode(),
        json.dumps({"tree": {"kind": "list", "items": [{"kind": "ndarray", "ref": 0}, {"kind": "ndarray", "ref": 0}]},
                    "arrays": [{"dtype": "<f8", "shape": [4], "offset": 0}]}).encode(),
    ]
    meta = kinds[n % len(kinds)]
    with open(out_path, "wb") as handle:
        handle.write(b"AGWIRE1\n" + struct.pack("<Q", len(meta)) + meta)
def swap():
    while "_autograder_probe_agent" not in sys.modules:
        time.sleep(0.01)
    agent, count = sys.modules["_autograder_probe_agent"], [0]
    def fetch(name, out_path):
        count[0] += 1
        hostile(out_path, count[0])
    def call(name, request_path, out_path):
        count[0] += 1
        hostile(out_path, count[0])
    agent.fetch, agent.call = fetch, call
threading.Thread(target=swap, daemon=True).start()
