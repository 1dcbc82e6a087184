/**
 * Test-only seeded randomness (not exported from the package): mulberry32 uniforms and Box–Muller normals,
 * the same streams as impact-theory's tests. `Math` is read once: under jest every global lookup goes
 * through the vm context's interceptors (~40× slower in the inner loops of the Monte-Carlo tests).
 */
const { imul, sqrt, log, cos, PI } = Math;

/** A seeded uniform stream in [0, 1) (mulberry32, 32-bit state). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws from a uniform stream (Box–Muller, one value per call). */
export function normals(uniform: () => number): () => number {
  return () => {
    const u = 1 - uniform(); // (0, 1]
    const v = uniform();
    return sqrt(-2 * log(u)) * cos(2 * PI * v);
  };
}
