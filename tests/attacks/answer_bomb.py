# Replace numpy.savez (used by the grader's probes in the kernel) to write a tiny file whose
# tree names one array thousands of times: decoding it naively would copy that array each time.
# slow: the codec's budgets are checked without a kernel in tests/test_wire.py
# %%
import json
_real_savez = np.savez
def crafted(handle, *args, **arrays):
    tree = {"kind": "dict", "items": [
        ["status", {"kind": "str", "value": "ok"}],
        ["callable", {"kind": "bool", "value": False}],
        ["value", {"kind": "list", "items": [{"kind": "ndarray", "ref": "a0"}] * 5000}],
    ]}
    _real_savez(handle, __meta__=np.frombuffer(json.dumps(tree).encode(), dtype=np.uint8),
                a0=np.zeros(1024**2 // 8))
np.savez = crafted
