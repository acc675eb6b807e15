"""The only process that talks to the student's kernel over ZeroMQ: a small relay with its own memory limit.

ZeroMQ caps the size of each frame of a message but not the number of frames, and it holds a
whole multipart message in memory before handing over its first frame: a kernel that sends one
message of a thousand 4 MB frames makes the receiving process hold 4 GB. So the grader itself
never receives anything from the kernel over ZeroMQ. This relay does, under an address-space
limit the grader sets (execute.KernelLink): it sends the grader's requests (run this code,
interrupt, kernel info), reads the kernel's replies on the shell channel, and writes back one
short JSON line per reply (status, exception type and a cut message). A kernel that floods or
bombs it only kills the relay, which the grader then treats as a kernel that stopped answering.
It subscribes to no output channel at all: nothing the notebook prints or displays is read.

Run as ``python link.py CONNECTION_FILE FRAME_BYTES QUEUED TEXT_CHARS``; requests arrive on
stdin and answers leave on stdout, one JSON object per line. It imports nothing from the
grader's package (it runs beside it, as its own program).
"""

from __future__ import annotations

import json
import os
import sys

import zmq
from jupyter_client.session import Session


def _connect(context: zmq.Context, info: dict, channel: str, frame_bytes: int, queued: int) -> zmq.Socket:
    socket = context.socket(zmq.DEALER)
    socket.setsockopt(zmq.MAXMSGSIZE, frame_bytes)
    socket.setsockopt(zmq.RCVHWM, queued)
    socket.setsockopt(zmq.LINGER, 0)
    port = info[f"{channel}_port"]
    socket.connect(f"ipc://{info['ip']}-{port}" if info["transport"] == "ipc" else f"tcp://{info['ip']}:{port}")
    return socket


def _summary(content: dict, text_chars: int) -> dict:
    """What the grader needs of a reply: its status, and for an error the exception's type and message."""
    status = content.get("status")
    summary = {"status": status if status in ("ok", "error", "aborted") else "error"}
    if summary["status"] == "error":
        summary["ename"] = str(content.get("ename", ""))[:100]
        summary["evalue"] = str(content.get("evalue", ""))[:text_chars]
    return summary


def _answer(answer: dict) -> None:
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()


def serve(connection_file: str, frame_bytes: int, queued: int, text_chars: int) -> None:
    with open(connection_file) as handle:
        info = json.load(handle)
    session = Session(key=info["key"].encode(), signature_scheme=info.get("signature_scheme", "hmac-sha256"))
    context = zmq.Context()
    shell = _connect(context, info, "shell", frame_bytes, queued)
    control = _connect(context, info, "control", frame_bytes, queued)
    pending: dict[str, int] = {}  # the kernel's msg_id -> the grader's request id
    poller = zmq.Poller()
    for source in (shell, control, sys.stdin.fileno()):
        poller.register(source, zmq.POLLIN)
    requests = os.fdopen(sys.stdin.fileno(), "rb", buffering=0)
    buffered = b""
    while True:
        for source, _ in poller.poll():
            if source == control:
                control.recv_multipart()  # interrupt replies: nobody needs them
            elif source == shell:
                try:
                    _, message = session.recv(shell, mode=zmq.NOBLOCK)
                except Exception:  # a message that does not parse or is not signed: dropped
                    continue
                if not isinstance(message, dict) or not isinstance(message.get("content"), dict):
                    continue
                request = pending.pop(message.get("parent_header", {}).get("msg_id"), None)
                if request is not None:
                    _answer({"id": request, **_summary(message["content"], text_chars)})
            else:
                chunk = requests.read(65536)
                if not chunk:
                    return  # the grader is gone
                buffered += chunk
                while b"\n" in buffered:
                    line, buffered = buffered.split(b"\n", 1)
                    _handle(json.loads(line), session, shell, control, pending)


def _handle(request: dict, session: Session, shell: zmq.Socket, control: zmq.Socket, pending: dict) -> None:
    if request["op"] == "interrupt":
        session.send(control, "interrupt_request", {})
    elif request["op"] == "info":
        pending[session.send(shell, "kernel_info_request", {})["header"]["msg_id"]] = request["id"]
    elif request["op"] == "execute":
        content = {
            "code": request["code"], "silent": False, "store_history": request["store_history"],
            "user_expressions": {}, "allow_stdin": False, "stop_on_error": False,
        }
        pending[session.send(shell, "execute_request", content)["header"]["msg_id"]] = request["id"]


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
