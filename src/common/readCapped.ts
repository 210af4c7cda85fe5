// Reading a file someone else wrote (a workspace's conda file, Dockerfile, deployment YAML) with a bound.
import * as fs from 'node:fs';

/**
 * The file as text, at most `maxBytes` of it: undefined when it holds more. The bound is on what is read
 * (one open file, maxBytes + 1 bytes), not on a size looked up before, which the file can outgrow.
 */
export function readCapped(file: string, maxBytes: number): string | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(maxBytes + 1);
    let n = 0;
    for (let got = 1; got > 0 && n < buf.length; n += got) got = fs.readSync(fd, buf, n, buf.length - n, null);
    return n > maxBytes ? undefined : buf.toString('utf8', 0, n);
  } finally {
    fs.closeSync(fd);
  }
}
