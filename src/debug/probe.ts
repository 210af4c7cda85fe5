// One exec into the container tells us what we need to attach: the processes (from /proc), which
// Python each scoring process runs, and which TCP ports listen. (Whether that Python has debugpy shows
// when its adapter starts: checking here would cost a second interpreter start.)
// Plain Python 3 with the standard library only; reads /proc, changes nothing.
import * as l10n from '../common/l10n';

export const PROBE_SOURCE = String.raw`
import json, os
KEYS = ("AML_APP_ROOT", "AZUREML_ENTRY_SCRIPT", "AZUREML_MODEL_DIR", "AML_DOCTOR_DEBUGPY", "AML_DOCTOR_DEBUGPY_PORT")
procs = []
me = os.getpid()
for d in os.listdir("/proc"):
    if not d.isdigit() or int(d) == me:
        continue
    try:
        with open("/proc/%s/cmdline" % d, "rb") as f:
            cmd = [a.decode("utf-8", "replace") for a in f.read().split(b"\0") if a]
        with open("/proc/%s/stat" % d) as f:
            ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        try:
            exe = os.readlink("/proc/%s/exe" % d)
        except OSError:
            exe = ""
        env = {}
        try:
            with open("/proc/%s/environ" % d, "rb") as f:
                for kv in f.read().split(b"\0"):
                    k, _, v = kv.decode("utf-8", "replace").partition("=")
                    if k in KEYS:
                        env[k] = v
        except OSError:
            pass
        try:
            cwd = os.readlink("/proc/%s/cwd" % d)
        except OSError:
            cwd = ""
        procs.append({"pid": int(d), "ppid": ppid, "exe": exe, "cmdline": cmd, "env": env, "cwd": cwd})
    except (OSError, IndexError, ValueError):
        continue
listening = set()
for name in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        with open(name) as f:
            for line in f.readlines()[1:]:
                parts = line.split()
                if len(parts) > 3 and parts[3] == "0A":
                    listening.add(int(parts[1].rsplit(":", 1)[1], 16))
    except OSError:
        pass
print(json.dumps({"processes": procs, "listening": sorted(listening)}))
`;

/** Runs the probe with whichever Python the container has on PATH. */
export const PROBE_COMMAND = [
  'sh',
  '-c',
  'for p in python3 python /opt/miniconda/bin/python3 /opt/conda/bin/python3; do command -v "$p" >/dev/null 2>&1 && exec "$p" -c "$0"; done; echo "no python interpreter found in the container" >&2; exit 127',
  PROBE_SOURCE,
];

export interface ProbeProcess {
  pid: number;
  ppid: number;
  exe: string;
  cmdline: string[];
  env: Record<string, string>;
  cwd: string;
}

export interface ProbeResult {
  processes: ProbeProcess[];
  listening: number[];
}

export function parseProbe(stdout: string): ProbeResult {
  const line = stdout.trim().split('\n').pop() ?? '';
  const parsed = JSON.parse(line) as ProbeResult;
  if (!Array.isArray(parsed.processes)) throw new Error(l10n.t('unexpected probe output'));
  return parsed;
}

/** The environment variable that marks every process of one debug session (debugpy's adapter and what it starts). */
export const SESSION_ENV = 'AML_DOCTOR_DEBUG_SESSION';

// Ends the processes that carry the session's mark in their environment: debugpy's adapter stays alive
// after its client leaves while the worker's debug server is connected to it. The worker never has the mark.
const END_SESSION_SOURCE = String.raw`
import os, signal, sys
mark = ("${SESSION_ENV}=" + sys.argv[1]).encode()
me = os.getpid()
for d in os.listdir("/proc"):
    if not d.isdigit() or int(d) == me:
        continue
    try:
        with open("/proc/%s/environ" % d, "rb") as f:
            if mark in f.read().split(b"\0"):
                os.kill(int(d), signal.SIGKILL)
    except OSError:
        pass
`;

export function endSessionCommand(python: string, session: string): string[] {
  return [python, '-c', END_SESSION_SOURCE, session];
}
