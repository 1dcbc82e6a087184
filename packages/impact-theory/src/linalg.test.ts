import * as E from 'fp-ts/lib/Either.js';
import { mulberry32, normals } from './internal/prng.js';
import { add, cholesky, fromRows, gram, identity, inverseSpd, logDetSpd, matmul, matrix, solveSpd, trace, transpose } from './linalg.js';
import type { Matrix } from './types.js';
import { right } from './internal/expect-either.js';

const expectMatrixClose = (a: Matrix, b: Matrix, digits = 10): void => {
  expect([a.rows, a.cols]).toEqual([b.rows, b.cols]);
  a.data.forEach((v, i) => expect(v).toBeCloseTo(b.data[i]!, digits));
};
const randomMatrix = (z: () => number, rows: number, cols: number): Matrix => matrix(rows, cols, Array.from({ length: rows * cols }, z));

describe('matrix basics', () => {
  it('matmul, transpose, add and trace match hand values', () => {
    const a = fromRows([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const b = fromRows([
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    expectMatrixClose(
      matmul(a, b),
      fromRows([
        [4, 5],
        [10, 11],
      ]),
      14,
    );
    expectMatrixClose(
      transpose(a),
      fromRows([
        [1, 4],
        [2, 5],
        [3, 6],
      ]),
      14,
    );
    expectMatrixClose(
      add(a, a),
      fromRows([
        [2, 4, 6],
        [8, 10, 12],
      ]),
      14,
    );
    expect(
      trace(
        fromRows([
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toBe(5);
  });
  it('gram(A) = A Aᵀ and is exactly symmetric', () => {
    const z = normals(mulberry32(3));
    const a = randomMatrix(z, 4, 6);
    const g = gram(a);
    expectMatrixClose(g, matmul(a, transpose(a)), 12);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(g.data[i * 4 + j]).toBe(g.data[j * 4 + i]);
  });
  it('throws RangeErrors naming the shapes', () => {
    expect(() => matmul(matrix(2, 3), matrix(2, 3))).toThrow(/2×3 and 2×3/);
    expect(() => trace(matrix(2, 3))).toThrow(RangeError);
    expect(() => add(matrix(2, 3), matrix(3, 2))).toThrow(RangeError);
    expect(() => matrix(2, 2, [1, 2, 3])).toThrow(/needs 4 entries, got 3/);
    expect(() => fromRows([[1, 2], [3]])).toThrow(RangeError);
    expect(() => cholesky(matrix(2, 3))).toThrow(RangeError);
  });
});

describe('SPD routines', () => {
  const a = fromRows([
    [4, 2],
    [2, 3],
  ]);
  it('cholesky gives L Lᵀ = A with L lower triangular', () => {
    const l = right(cholesky(a));
    expectMatrixClose(
      l,
      fromRows([
        [2, 0],
        [1, Math.sqrt(2)],
      ]),
      14,
    );
    const z = normals(mulberry32(5));
    const spd = add(gram(randomMatrix(z, 5, 7)), identity(5));
    const l5 = right(cholesky(spd));
    expectMatrixClose(matmul(l5, transpose(l5)), spd, 12);
    for (let i = 0; i < 5; i++) for (let j = i + 1; j < 5; j++) expect(l5.data[i * 5 + j]).toBe(0);
  });
  it('logDetSpd matches det [[4,2],[2,3]] = 8', () => {
    expect(right(logDetSpd(a))).toBeCloseTo(Math.log(8), 14);
    expect(right(logDetSpd(identity(3)))).toBe(0);
  });
  it('solveSpd and inverseSpd invert', () => {
    const z = normals(mulberry32(6));
    const spd = add(gram(randomMatrix(z, 4, 4)), identity(4));
    const b = randomMatrix(z, 4, 2);
    expectMatrixClose(matmul(spd, right(solveSpd(spd, b))), b, 11);
    expectMatrixClose(matmul(spd, right(inverseSpd(spd))), identity(4), 11);
  });
  it('is Left for indefinite, singular and rank-deficient Gram matrices', () => {
    expect(
      E.isLeft(
        cholesky(
          fromRows([
            [1, 2],
            [2, 1],
          ]),
        ),
      ),
    ).toBe(true);
    expect(
      E.isLeft(
        cholesky(
          fromRows([
            [1, 1],
            [1, 1],
          ]),
        ),
      ),
    ).toBe(true);
    expect(E.isLeft(logDetSpd(fromRows([[0]])))).toBe(true);
    expect(E.isLeft(cholesky(fromRows([[Number.NaN]])))).toBe(true);
    const z = normals(mulberry32(8));
    // rank 2 Gram matrix of size 4, singular only up to rounding
    const lowRank = gram(matmul(randomMatrix(z, 4, 2), randomMatrix(z, 2, 6)));
    expect(E.isLeft(cholesky(lowRank))).toBe(true);
    expect(E.isLeft(inverseSpd(lowRank))).toBe(true);
  });
});
