# Record every argument the grader passes, then make the grader's probe agent answer with that
# record wherever the grader might show text: error messages and exception type names of calls
# and fetches, returned strings. The hidden inputs (q1 rng(1) pixels, q3 rng(5) labels, [11]) must not reach the student.
# absent: \[6, 8, 0, 8|255, 228, 34|\[11\]
# slow: error_echoes_inputs covers the hidden phase's redaction in the default suite
# %%
import sys
record = []
def remember(function):
    def wrapper(*args, **kwargs):
        record.append(repr([getattr(a, "tolist", lambda: a)() for a in args]) + repr(kwargs))
        agent = sys.modules.get("_autograder_probe_agent")
        if agent is not None and not getattr(agent, "patched", False):
            wire = agent.wire
            def leaking_call(name, request_path, out_path):
                args, kwargs = wire.read(request_path)
                record.append(repr([getattr(a, "tolist", lambda: a)() for a in args]))
                text = "LEAK " + " ".join(record)[-2000:]
                error = type("LEAK_" + str(len(record)), (Exception,), {})
                if len(record) % 2:
                    wire.write({"status": "error", "type": error.__name__, "message": text, "line": 1}, out_path)
                else:
                    wire.write({"status": "ok", "value": (text, [text]), "args": [text], "kwargs": {}}, out_path)
            def leaking_fetch(name, out_path):
                wire.write({"status": "error", "type": "LEAK_fetch", "message": "LEAK " + " ".join(record)}, out_path)
            agent.call, agent.fetch, agent.patched = leaking_call, leaking_fetch, True
        return function(*args, **kwargs)
    return wrapper
reshape_images = remember(reshape_images)
one_hot_labels = remember(one_hot_labels)
