/**
 * Backend selection. Nothing is registered on import: `setBackend` loads the chosen backend package
 * with a dynamic import, so libraries that only build models never pick one (STYLE.md §3.2).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from './config.js';
import { setKernelVariant } from './internal/kernels.js';

export type { BackendName } from './config.js';
export { BACKENDS } from './config.js';

// tfjs-node cannot be installed on the build machines (its install script downloads libtensorflow):
// it is never a dependency, only detected. A variable specifier keeps TypeScript from resolving it.
const TFJS_NODE = '@tensorflow/tfjs-node';

async function tryNode(): Promise<boolean> {
  try {
    await import(TFJS_NODE);
  } catch {
    return false;
  }
  // tfjs-node registers 'tensorflow' in the tfjs-core it resolves; usable only if that is ours.
  if (tf.findBackend('tensorflow') === undefined) return false;
  return tf.setBackend('tensorflow');
}

async function tryWasm(): Promise<boolean> {
  await import('@tensorflow/tfjs-backend-wasm');
  return tf.setBackend('wasm');
}

async function tryCpu(): Promise<boolean> {
  await import('@tensorflow/tfjs-backend-cpu');
  return tf.setBackend('cpu');
}

/** The backend in use, under optimpact's name ('node' for tfjs-node's 'tensorflow'). */
export function currentBackend(): string {
  const b = tf.getBackend();
  return b === 'tensorflow' ? 'node' : b;
}

/**
 * Selects the TF.js backend and returns the one in use. Without a name: tfjs-node when it is installed
 * (detected at run time), else wasm (SIMD, XNNPACK), else the pure-JS cpu backend. With a name, that
 * backend or a thrown Error saying why not. On wasm, also the build of our kernels (`OPTIMPACT_KERNELS`,
 * see setKernelVariant): a bad value throws here, before any work.
 */
export async function setBackend(name?: BackendName): Promise<string> {
  if (name === undefined) {
    if (await tryNode()) return currentBackend();
    let wasm = false;
    try {
      wasm = await tryWasm();
    } catch {
      // fall through to cpu
    }
    if (wasm) {
      setKernelVariant();
      return currentBackend();
    }
    if (await tryCpu()) return currentBackend();
    throw new Error('no TF.js backend could be initialised (tried node, wasm, cpu)');
  }
  const ok = name === 'node' ? await tryNode() : name === 'wasm' ? await tryWasm() : await tryCpu();
  if (!ok) {
    throw new Error(
      name === 'node'
        ? `backend 'node' unavailable: @tensorflow/tfjs-node is not installed or uses another tfjs-core`
        : `backend '${name}' failed to initialise`,
    );
  }
  if (name === 'wasm') setKernelVariant();
  return currentBackend();
}
