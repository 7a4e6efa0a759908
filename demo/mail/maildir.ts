// Delivers messages into a Maildir the way an MDA does: write under tmp/, then rename into new/,
// so a reader never sees half a message.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export class Maildir {
  private sequence = 0;

  constructor(readonly path: string) {
    for (const sub of ['tmp', 'new', 'cur']) mkdirSync(join(path, sub), { recursive: true });
  }

  /** Returns the file's unique name (time.pid_sequence.host, the Maildir convention). */
  deliver(raw: string | Buffer): string {
    const unique = `${Date.now()}.${process.pid}_${++this.sequence}.${hostname().replace(/[/:]/g, '_')}`;
    const staged = join(this.path, 'tmp', unique);
    writeFileSync(staged, raw);
    renameSync(staged, join(this.path, 'new', unique));
    return unique;
  }
}
