import { rmSync } from 'node:fs';
import { AUDIT_DIR } from './audit';

/** A fresh audit for every run of the suite. */
export default function globalSetup(): void {
  rmSync(AUDIT_DIR, { recursive: true, force: true });
}
