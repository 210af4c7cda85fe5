// What the log panel keeps of a log and shows of it, without VS Code: the newest lines (bounded by count and
// bytes), the lines not yet sent to the webview (bounded like the webview), and the filter. The panel
// (src/views/logPanel.ts) is this plus the webview and the feed.
import { RingBuffer } from './ringBuffer';
import type { LogLine } from './types';

export interface LogViewOptions {
  /** Lines kept (ring buffer). Default 50,000. */
  maxLines?: number;
  /** Bytes of lines kept. Default 64 MiB. */
  maxBytes?: number;
  /** Rows the webview keeps. Default 5,000. */
  maxDisplay?: number;
  /** Bytes of rows sent to and kept by the webview. Default 16 MiB. */
  displayBytes?: number;
}

/** Longest filter text: the search runs over every kept line. */
export const MAX_FILTER = 200;

/** Memory a kept line costs: its UTF-16 text plus the object around it. */
export function lineBytes(line: LogLine): number {
  return 2 * line.text.length + 96;
}

/** A case-insensitive literal search that copies nothing (no lower-cased copy of each line per keystroke). */
export function lineFilter(text: string): ((line: LogLine) => boolean) | undefined {
  if (!text) return undefined;
  const re = new RegExp(text.slice(0, MAX_FILTER).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
  return (line) => re.test(line.text);
}

export class LogView {
  readonly maxDisplay: number;
  readonly displayBytes: number;
  private readonly ring: RingBuffer<LogLine>;
  private readonly pending: RingBuffer<LogLine>;
  private filterText = '';
  private matches: ((line: LogLine) => boolean) | undefined;
  private paused = false;

  constructor(options: LogViewOptions = {}) {
    this.ring = new RingBuffer<LogLine>(Math.max(1000, options.maxLines ?? 50_000), { maxWeight: Math.max(1 << 20, options.maxBytes ?? 64 << 20), weigh: lineBytes });
    this.maxDisplay = Math.max(200, options.maxDisplay ?? 5000);
    this.displayBytes = Math.max(1 << 20, options.displayBytes ?? 16 << 20);
    this.pending = new RingBuffer<LogLine>(this.maxDisplay, { maxWeight: this.displayBytes, weigh: lineBytes });
  }

  get filter(): string {
    return this.filterText;
  }

  /** Lines kept, the bytes they take, and lines dropped from the ring. */
  get stats(): { kept: number; bytes: number; dropped: number } {
    return { kept: this.ring.length, bytes: this.ring.weight, dropped: this.ring.droppedCount };
  }

  /** A classified line arrives. */
  push(line: LogLine): void {
    this.ring.push(line);
    if (this.paused || (this.matches && !this.matches(line))) return;
    this.pending.push(line);
  }

  /** The lines to send to the webview now (oldest first); they are no longer pending. */
  takePending(): LogLine[] {
    const out = this.pending.toArray();
    this.pending.clear();
    return out;
  }

  setFilter(text: string): void {
    this.filterText = text.slice(0, MAX_FILTER);
    this.matches = lineFilter(this.filterText);
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
  }

  /**
   * The rows the webview shows after a reset: the newest lines that pass the filter, within its row and
   * byte limits. Scans from the newest line and stops once it has enough, nothing is copied per keystroke.
   */
  visibleLines(): LogLine[] {
    this.pending.clear();
    return this.ring.lastMatching(this.maxDisplay, this.matches ?? (() => true), this.displayBytes);
  }
}
