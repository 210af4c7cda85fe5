// What the aml-container adapter lets through from debugpy's adapter inside the container to VS Code.
// The container is written by whoever built the image: it may send any DAP message. Reverse requests
// (runInTerminal, startDebugging) would run commands or start sessions on the host, and debugpy's custom
// events (debugpyAttach...) drive the Python extension: none of them crosses. Standard events cross with
// their fields checked; output categories that VS Code treats specially (telemetry, important) do not.
import type { DebugProtocol } from '@vscode/debugprotocol';

/** Standard DAP events that are relayed (after `sanitizeEvent`). `terminated` is the adapter's own to send. */
const RELAYED_EVENTS = new Set([
  'initialized',
  'stopped',
  'continued',
  'exited',
  'thread',
  'output',
  'breakpoint',
  'module',
  'loadedSource',
  'process',
  'capabilities',
  'progressStart',
  'progressUpdate',
  'progressEnd',
  'invalidated',
  'memory',
]);

const CAPABILITY_LISTS = new Set(['exceptionBreakpointFilters', 'completionTriggerCharacters', 'additionalModuleColumns', 'supportedChecksumAlgorithms', 'breakpointModes']);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Only the declarative capability fields: `supports*` booleans and the documented lists. */
export function sanitizeCapabilities(caps: unknown): DebugProtocol.Capabilities {
  const out: Record<string, unknown> = {};
  if (!isRecord(caps)) return out;
  for (const [k, v] of Object.entries(caps)) {
    if (k.startsWith('supports') && typeof v === 'boolean') out[k] = v;
    else if (CAPABILITY_LISTS.has(k) && Array.isArray(v)) out[k] = v;
  }
  // The client's terminal and child sessions are never offered to the container.
  delete out.supportsRunInTerminalRequest;
  delete out.supportsStartDebuggingRequest;
  return out;
}

/** A checked copy of an event from the container, or undefined when it must not reach VS Code. */
export function sanitizeEvent(msg: Record<string, unknown>): DebugProtocol.Event | undefined {
  const event = msg.event;
  if (typeof event !== 'string' || !RELAYED_EVENTS.has(event)) return undefined;
  if (msg.body !== undefined && !isRecord(msg.body)) return undefined;
  const body = (msg.body ?? {}) as Record<string, unknown>;
  switch (event) {
    case 'output': {
      if (typeof body.output !== 'string') return undefined;
      // telemetry goes to VS Code's telemetry, important to a notification: neither is the container's to use.
      if (body.category === 'telemetry') return undefined;
      const category = body.category === 'stdout' || body.category === 'stderr' ? body.category : 'console';
      const out: Record<string, unknown> = { category, output: body.output };
      if (body.group === 'start' || body.group === 'startCollapsed' || body.group === 'end') out.group = body.group;
      if (typeof body.variablesReference === 'number') out.variablesReference = body.variablesReference;
      if (isRecord(body.source)) out.source = body.source;
      if (typeof body.line === 'number') out.line = body.line;
      if (typeof body.column === 'number') out.column = body.column;
      return { type: 'event', seq: 0, event, body: out };
    }
    case 'process': {
      // A pid inside the container is not a process of this machine.
      const out: Record<string, unknown> = { name: typeof body.name === 'string' ? body.name : 'scoring worker', isLocalProcess: false };
      if (typeof body.systemProcessId === 'number') out.systemProcessId = body.systemProcessId;
      if (body.startMethod === 'attach') out.startMethod = 'attach';
      return { type: 'event', seq: 0, event, body: out };
    }
    case 'capabilities':
      return { type: 'event', seq: 0, event, body: { capabilities: sanitizeCapabilities(body.capabilities) } };
    default:
      return { type: 'event', seq: 0, event, ...(msg.body !== undefined ? { body } : {}) };
  }
}

/** A string from the container, fit for one log line: printable, short. */
export function forLog(value: unknown, max = 60): string {
  const s = String(value).replace(/[^\x20-\x7e]/g, '?');
  return s.length > max ? `${s.slice(0, max)}...` : s;
}
