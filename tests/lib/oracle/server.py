# SPDX-License-Identifier: GPL-2.0
"""The command table (COMMANDS, dispatch) and the server: "serve DIR"
imports scapy once and forks a child per request written to the FIFO
DIR/req (tests/lib/esporacle.sh is the client)."""

import os
import select
import signal
import sys
import time
import traceback

from . import ah_bad  # noqa: F401 (its cases join bad.BAD_CASES)
from .bad import cmd_bad
from .common import load_scapy, out
from .roundtrip import cmd_ivcapture, cmd_ivcheck, cmd_roundtrip, cmd_stats
from .selftest import cmd_selftest


COMMANDS = {
    'roundtrip': cmd_roundtrip,
    'bad': cmd_bad,
    'ivcapture': cmd_ivcapture,
    'ivcheck': cmd_ivcheck,
    'stats': cmd_stats,
    'selftest': cmd_selftest,
}


def dispatch(argv):
    if not argv or argv[0] not in COMMANDS:
        out('FAIL: esporacle: unknown command %r (have %s)' %
            (argv[:1], ', '.join(COMMANDS)))
        return 2
    return COMMANDS[argv[0]](argv[1:])


class CaseTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise CaseTimeout()


def serve_one(d, rid, done):
    """In a forked child: runs request @rid (files d/q.RID.*), output to
    q.RID.out, its status to q.RID.rc (complete when it appears), then
    "RID STATUS" written to the FIFO @done to wake the client."""
    rc = 1
    q = os.path.join(d, 'q.' + rid)
    argv = []
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        fd = os.open(q + '.out', os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
        sys.stdout = os.fdopen(1, 'w', buffering=1)
        sys.stderr = sys.stdout
        with open(q + '.argv', 'rb') as f:
            argv = [x.decode() for x in f.read().split(b'\0')[:-1]]
        env = {}
        for k in ('cwd', 'path', 'timeout', 'debug', 't0'):
            with open(q + '.' + k) as f:
                env[k] = f.read().strip()
        os.chdir(env['cwd'])
        os.environ['PATH'] = env['path']
        if env['debug']:
            os.environ['ORACLE_DEBUG'] = env['debug']
            out('debug: child started %.2fs after the request' %
                (time.time() - float(env['t0'])))
        signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(max(30, int(env['timeout'])))
        rc = dispatch(argv)
        if env['debug']:
            out('debug: child done %.2fs after the request' %
                (time.time() - float(env['t0'])))
    except CaseTimeout:
        out('FAIL: esporacle: %s timed out' % ' '.join(argv[:2]))
        rc = 124
    except SystemExit as e:
        rc = e.code if isinstance(e.code, int) else 1
    except BaseException:
        out('FAIL: esporacle: %s' % traceback.format_exc().strip().splitlines()[-1])
        traceback.print_exc(file=sys.stdout)
        rc = 1
    finally:
        signal.alarm(0)
        try:
            sys.stdout.flush()
            with open(q + '.rc.tmp', 'w') as f:
                f.write('%d\n' % rc)
            os.rename(q + '.rc.tmp', q + '.rc')
        except OSError:
            pass
        try:
            os.write(done, b'%s %d\n' % (rid.encode(), rc))
        except OSError:
            pass
        os._exit(0)


def serve(d, idle):
    """Serves requests (see tests/lib/esporacle.sh) until idle for @idle s."""
    import gc
    load_scapy()
    # Children must not copy-on-write the whole heap by collecting it.
    gc.collect()
    gc.freeze()
    for name in ('req', 'done'):
        if not os.path.exists(os.path.join(d, name)):
            os.mkfifo(os.path.join(d, name))
    req = os.open(os.path.join(d, 'req'), os.O_RDWR)
    done = os.open(os.path.join(d, 'done'), os.O_RDWR)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    with open(os.path.join(d, 'ready.tmp'), 'w') as f:
        f.write('%d\n' % os.getpid())
    os.rename(os.path.join(d, 'ready.tmp'), os.path.join(d, 'ready'))
    buf, last = b'', None
    while True:
        r, _, _ = select.select([req], [], [], idle)
        if not r:
            break
        buf += os.read(req, 4096)
        while b'\n' in buf:
            line, buf = buf.split(b'\n', 1)
            rid = line.decode().strip()
            if not rid:
                continue
            # Requests come one at a time: the previous one's files go.
            if last:
                for f in os.listdir(d):
                    if f.startswith('q.%s.' % last):
                        os.unlink(os.path.join(d, f))
            last = rid
            if os.fork() == 0:
                os.close(req)
                serve_one(d, rid, done)
    os.unlink(os.path.join(d, 'ready'))
    return 0
