"""N one-process uvicorn servers on one port, each accepting on its own socket (SO_REUSEPORT).

    python -m bench.spread --workers 2 --port 8000 [--factory] api.main:create_app

`uvicorn --workers N` shares one listening socket: whichever worker wakes first takes the next
connection, so wrk's 64 connections landed unevenly (42/22, 38/26, 35/29, 40/24 counted with `ss`)
and the clients of the busier worker waited longer. Production runs one process per pod behind a
Service that spreads connections (deploy/k8s/api-deployment.yaml); here the kernel spreads them
over the workers' sockets by address hash. bench/servers.py starts the app and the bare ceiling
alike this way, so their ratio compares the same arrangement.
"""

import argparse
import signal
import socket
import subprocess
import sys
import time


def serve(target: str, factory: bool, host: str, port: int) -> None:
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    config = uvicorn.Config(target, factory=factory, host=host, port=port, access_log=False, log_level="warning")
    uvicorn.Server(config).run(sockets=[sock])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target")
    parser.add_argument("--factory", action="store_true")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--one", action="store_true", help="be one of the workers (the launcher starts them so)")
    args = parser.parse_args()
    if args.one:
        serve(args.target, args.factory, args.host, args.port)
        return
    # Plain child processes, each a fresh interpreter as uvicorn's workers are (and no multiprocessing
    # helper process beside them for the benches to mistake for a worker).
    one = [sys.executable, "-m", "bench.spread", *sys.argv[1:], "--one"]
    workers = [subprocess.Popen(one) for _ in range(args.workers)]

    asked: list[int] = []  # the signal that asked the server to stop, if one did

    def stop(signum: int | None = None, _frame: object = None) -> None:
        if signum is not None:
            asked.append(signum)
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()  # SIGTERM: uvicorn finishes what it is answering, then exits

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # The first worker to exit ends the server: a bench must not go on with one worker fewer.
    while all(worker.poll() is None for worker in workers):
        time.sleep(0.2)
    stop()
    codes = [worker.wait() for worker in workers]
    # uvicorn exits by the signal it was stopped with: that is a clean stop when one was asked for.
    sys.exit(0 if asked and all(code in (0, -signal.SIGTERM) for code in codes) else max(map(abs, codes)))


if __name__ == "__main__":
    main()
