import * as E from 'fp-ts/lib/Either.js';
import { impDiff, impDiffScalar, opDiff, opDiffScalar } from './differential.js';
import { mulberry32, normals } from './internal/prng.js';
import { add, cholesky, forwardSubstitute, fromRows, gram, logDetSpd, matmul, matrix, solveSpd, trace } from './linalg.js';
import type { Matrix } from './types.js';
import { right, leftReason } from './internal/expect-either.js';

const randomMatrix = (z: () => number, rows: number, cols: number): Matrix => matrix(rows, cols, Array.from({ length: rows * cols }, z));
const column = (v: Float64Array): Matrix => matrix(v.length, 1, v);
const sample = (z: () => number, n: number): Float64Array => Float64Array.from({ length: n }, z);

/**
 * A linear-Gaussian system F = f(P, A) = B P + C A with A = a(P) = K P, written as functions so that the
 * samples below come from the system, not from the formula's matrices.
 */
function linearSystem(z: () => number, k: number, n: number, m: number) {
  const B = randomMatrix(z, k, n);
  const C = randomMatrix(z, k, m);
  const K = randomMatrix(z, m, n);
  const times = (M: Matrix, v: Float64Array, out: Float64Array): Float64Array => {
    for (let i = 0; i < M.rows; i++) {
      let s = out[i]!;
      for (let j = 0; j < M.cols; j++) s += M.data[i * M.cols + j]! * v[j]!;
      out[i] = s;
    }
    return out;
  };
  const a = (p: Float64Array): Float64Array => times(K, p, new Float64Array(m));
  const f = (p: Float64Array, act: Float64Array): Float64Array => times(C, act, times(B, p, new Float64Array(k)));
  const J = add(B, matmul(C, K)); // total derivative dF/dP = ∂F/∂P + ∂F/∂A · dA/dP
  return { B, C, K, J, a, f };
}

/** ln N(x; μ, Σ) from a Cholesky factor L of Σ. */
function logNormal(x: Float64Array, mu: Float64Array, l: Matrix): number {
  const k = x.length;
  const d = forwardSubstitute(l, column(x.map((v, i) => v - mu[i]!)));
  let quad = 0,
    logDet = 0;
  for (let i = 0; i < k; i++) {
    quad += d.data[i]! ** 2;
    logDet += 2 * Math.log(l.data[i * k + i]!);
  }
  return -0.5 * (k * Math.log(2 * Math.PI) + logDet + quad);
}

/** Second-moment matrix (1/N) Σ (x − mean)(x − mean)ᵀ of samples given as rows, centred per group. */
function covariance(groups: readonly Float64Array[][]): Matrix {
  const k = groups[0]![0]!.length;
  const s = matrix(k, k);
  let count = 0;
  for (const xs of groups) {
    const mean = new Float64Array(k);
    for (const x of xs) for (let i = 0; i < k; i++) mean[i]! += x[i]! / xs.length;
    for (const x of xs) {
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) s.data[i * k + j]! += (x[i]! - mean[i]!) * (x[j]! - mean[j]!);
    }
    count += xs.length - 1;
  }
  return matrix(
    k,
    k,
    s.data.map((v) => v / count),
  );
}

const shapes: readonly (readonly [number, number, number])[] = [
  [1, 1, 1],
  [2, 2, 1],
  [3, 5, 3],
  [2, 6, 4],
];

describe('opDiff: ½ ln det(BBᵀ) − ½ ln det(JJᵀ) = E H(F′ | P″) − H(F) (Monte Carlo)', () => {
  it.each(shapes)('dim F=%i, dim P=%i, dim A=%i', (k, n, m) => {
    const z = normals(mulberry32(100 + 10 * k + n));
    const sys = linearSystem(z, k, n, m);
    // J from the system's responses to unit pasts: column i of J is f(e_i, a(e_i))
    for (let i = 0; i < n; i++) {
      const e = new Float64Array(n);
      e[i] = 1;
      const col = sys.f(e, sys.a(e));
      for (let r = 0; r < k; r++) expect(sys.J.data[r * n + i]).toBeCloseTo(col[r]!, 12);
    }
    const N = 40000,
      groups = 40;
    const real: Float64Array[] = [];
    for (let t = 0; t < N; t++) {
      const p = sample(z, n);
      real.push(sys.f(p, sys.a(p)));
    }
    // split history: the action from another past p″ (one per group), applied to fresh pasts p′
    const split: Float64Array[][] = [];
    for (let g = 0; g < groups; g++) {
      const act = sys.a(sample(z, n));
      split.push(Array.from({ length: N / groups }, () => sys.f(sample(z, n), act)));
    }
    // Gaussian entropy ½ ln det(2πe Σ): the 2πe terms cancel in the difference
    const hReal = 0.5 * right(logDetSpd(covariance([real])));
    const hSplit = 0.5 * right(logDetSpd(covariance(split)));
    const se = 0.5 * Math.sqrt((2 * k) / N + (2 * k) / (N - groups)); // sd of ½ ln det of a sample covariance
    const op = right(opDiff(sys.J, sys.B));
    expect(Math.abs(hSplit - hReal - op)).toBeLessThan(4 * se);
    // The entropy of the pooled F′ (action from a random other past, marginalised) is larger:
    // ½ ln det(BBᵀ + CK(CK)ᵀ) − ½ ln det(JJᵀ) is a different quantity from Op_diff.
    const pooled = add(gram(sys.B), gram(matmul(sys.C, sys.K)));
    const pooledOp = 0.5 * (right(logDetSpd(pooled)) - right(logDetSpd(gram(sys.J))));
    expect(pooledOp).toBeGreaterThan(op);
  });
});

describe('impDiff = E_{P″} KL(N(0, JJᵀ) ‖ N(CK P″, BBᵀ)) (Monte Carlo of the log density ratio)', () => {
  it.each(shapes)('dim F=%i, dim P=%i, dim A=%i', (k, n, m) => {
    const z = normals(mulberry32(200 + 10 * k + n));
    const sys = linearSystem(z, k, n, m);
    const lJ = right(cholesky(gram(sys.J)));
    const lB = right(cholesky(gram(sys.B)));
    const zero = new Float64Array(k);
    const N = 20000;
    let sum = 0,
      sumSq = 0;
    for (let t = 0; t < N; t++) {
      const p = sample(z, n);
      const F = sys.f(p, sys.a(p)); // real future, law Q = N(0, JJᵀ)
      // Q′_k: split-history law given the other past p″ — F′ = f(P′, a(p″)), mean f(0, a(p″)), cov BBᵀ
      const muSplit = sys.f(new Float64Array(n), sys.a(sample(z, n)));
      const r = logNormal(F, zero, lJ) - logNormal(F, muSplit, lB);
      sum += r;
      sumSq += r * r;
    }
    const mean = sum / N;
    const se = Math.sqrt((sumSq / N - mean * mean) / N);
    const imp = right(impDiff(sys.J, sys.B, sys.C, sys.K));
    expect(imp).toBeGreaterThan(0);
    expect(Math.abs(mean - imp)).toBeLessThan(4 * se);

    // It is not the KL to the pooled split-history future F′ ~ N(0, BBᵀ + CK(CK)ᵀ): that one is smaller.
    const ck = matmul(sys.C, sys.K);
    const pooled = add(gram(sys.B), gram(ck));
    const pooledKl = 0.5 * (trace(right(solveSpd(pooled, gram(sys.J)))) - k + right(logDetSpd(pooled)) - right(logDetSpd(gram(sys.J))));
    expect(pooledKl).toBeLessThan(imp - 4 * se);
  });
});

describe('impDiff properties', () => {
  it('is ≥ 0 for random (also inconsistent) J, B, C, K and 0 when J = B and CK = 0', () => {
    const z = normals(mulberry32(300));
    for (let t = 0; t < 50; t++) {
      const [k, n, m] = shapes[t % shapes.length]!;
      const v = right(impDiff(randomMatrix(z, k, n), randomMatrix(z, k, n), randomMatrix(z, k, m), randomMatrix(z, m, n)));
      expect(v).toBeGreaterThanOrEqual(0);
    }
    const B = randomMatrix(z, 3, 5);
    expect(right(impDiff(B, B, matrix(3, 2), randomMatrix(z, 2, 5)))).toBeCloseTo(0, 12);
    expect(right(opDiff(B, B))).toBeCloseTo(0, 12);
  });
  it('matches ½[tr(Σ_B⁻¹JJᵀ) + tr(Σ_B⁻¹CK(CK)ᵀ) − k + ln det Σ_B − ln det JJᵀ] with explicit solves', () => {
    const z = normals(mulberry32(301));
    const J = randomMatrix(z, 3, 4),
      B = randomMatrix(z, 3, 4),
      C = randomMatrix(z, 3, 2),
      K = randomMatrix(z, 2, 4);
    const sB = gram(B);
    const expected =
      0.5 * (trace(right(solveSpd(sB, gram(J)))) + trace(right(solveSpd(sB, gram(matmul(C, K))))) - 3 + right(logDetSpd(sB)) - right(logDetSpd(gram(J))));
    expect(right(impDiff(J, B, C, K))).toBeCloseTo(expected, 11);
  });
});

describe('edge cases', () => {
  const z = normals(mulberry32(400));
  const C = randomMatrix(z, 3, 2),
    K = randomMatrix(z, 2, 5);
  it('rank-deficient J or B gives Left naming the matrix', () => {
    const good = randomMatrix(z, 3, 5);
    const deficient = fromRows([
      Array.from(good.data.subarray(0, 5)),
      Array.from(good.data.subarray(5, 10)),
      Array.from(good.data.subarray(0, 5)).map((v, i) => 2 * v - good.data[5 + i]!),
    ]);
    expect(leftReason(opDiff(deficient, good))).toMatch(/JJᵀ/);
    expect(leftReason(opDiff(good, deficient))).toMatch(/BBᵀ/);
    expect(leftReason(impDiff(deficient, good, C, K))).toMatch(/JJᵀ.*rank deficient/);
    expect(leftReason(impDiff(good, deficient, C, K))).toMatch(/BBᵀ/);
    expect(E.isLeft(impDiff(good, matrix(3, 5), C, K))).toBe(true);
  });
  it('dim F > dim P is rank deficient, hence Left', () => {
    const J = randomMatrix(z, 3, 2),
      B = randomMatrix(z, 3, 2);
    expect(E.isLeft(opDiff(J, B))).toBe(true);
    expect(E.isLeft(impDiff(J, B, randomMatrix(z, 3, 1), randomMatrix(z, 1, 2)))).toBe(true);
  });
  it('mismatched shapes throw a RangeError naming them', () => {
    expect(() => opDiff(matrix(2, 3), matrix(3, 3))).toThrow(/J 2×3, B 3×3/);
    expect(() => impDiff(matrix(3, 5), matrix(3, 5), matrix(3, 2), matrix(3, 5))).toThrow(/K 3×5/);
    expect(() => impDiff(matrix(3, 5), matrix(3, 5), matrix(2, 2), matrix(2, 5))).toThrow(RangeError);
  });
});

describe('scalar forms', () => {
  it('agree with the 1×1 matrix forms', () => {
    const u = mulberry32(500);
    const z = normals(u);
    for (let t = 0; t < 100; t++) {
      const b = z(),
        c = z(),
        kk = z();
      const j = t % 2 === 0 ? b + c * kk : z(); // consistent (J = B + CK) and arbitrary J
      const m = (v: number) => fromRows([[v]]);
      expect(right(opDiffScalar(j, b))).toBeCloseTo(right(opDiff(m(j), m(b))), 10);
      expect(right(impDiffScalar(j / b, (c * kk) / b))).toBeCloseTo(right(impDiff(m(j), m(b), m(c), m(kk))), 9);
    }
  });
  it('match hand values', () => {
    expect(right(opDiffScalar(0.5, -2))).toBeCloseTo(Math.log(4), 14);
    expect(right(impDiffScalar(1, 0))).toBe(0);
    // −ln 2 + (4 + 1 − 1)/2 = 2 − ln 2
    expect(right(impDiffScalar(2, 1))).toBeCloseTo(2 - Math.log(2), 14);
    expect(right(impDiffScalar(-2, 1))).toBeCloseTo(2 - Math.log(2), 14);
  });
  it('are Left where the matrix forms are (zero or non-finite derivatives)', () => {
    expect(E.isLeft(opDiffScalar(0, 1))).toBe(true);
    expect(E.isLeft(opDiffScalar(1, 0))).toBe(true);
    expect(E.isLeft(opDiffScalar(Number.NaN, 1))).toBe(true);
    expect(E.isLeft(impDiffScalar(0, 1))).toBe(true);
    expect(E.isLeft(impDiffScalar(Infinity, 0))).toBe(true);
    expect(E.isLeft(opDiff(fromRows([[0]]), fromRows([[1]])))).toBe(true);
    expect(E.isLeft(impDiff(fromRows([[0]]), fromRows([[1]]), fromRows([[1]]), fromRows([[1]])))).toBe(true);
  });
});
