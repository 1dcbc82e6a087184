/** Where a record came from: git commit, package versions, Node, platform, backend, kernel build and environment fingerprint. */
import type { Provenance } from '@optimpact/core';
import { kernelVariant } from '@optimpact/transformer';
import { gitState } from './git.js';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arch, platform } from 'node:os';

const root = fileURLToPath(new URL('../../../', import.meta.url));

let cached: Omit<Provenance, 'created' | 'backend' | 'kernels'> | undefined;

/**
 * Provenance of a record written now with `backend` (and the wasm kernels' build in use, if any) and, for a
 * unit's result, its environment's `environmentFingerprint`.
 */
export function provenance(backend: string, environmentFingerprint?: string): Provenance {
  cached ??= {
    git: gitState(),
    packages: packageVersions(),
    node: process.version,
    platform: `${platform()}-${arch()}`,
  };
  return { created: new Date().toISOString(), backend, kernels: kernelVariant(), ...cached, ...(environmentFingerprint ? { environmentFingerprint } : {}) };
}

/** Versions of the workspace packages and the libraries whose numbers they produce. */
function packageVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const dir of ['packages', 'apps']) {
    const base = join(root, dir);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) {
      const file = join(base, name, 'package.json');
      if (!existsSync(file)) continue;
      const p = JSON.parse(readFileSync(file, 'utf8')) as { name: string; version: string; dependencies?: Record<string, string> };
      out[p.name] = p.version;
      for (const [dep, v] of Object.entries(p.dependencies ?? {})) if (!v.startsWith('workspace:')) out[dep] ??= v;
    }
  }
  return out;
}
