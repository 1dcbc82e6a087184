// Kernels for the TF.js wasm backend (attention, LayerNorm, column sums, GEMMs, embeddings, dropout masks), compiled to a tiny
// wasm module that imports the backend's memory and works on its tensors in place (see build.sh).
// TF.js 4.22 runs batched matMuls ([B·H, T, T]) in a scalar loop 15–25× slower than XNNPACK; these loops
// over one (window, head) at a time run four lanes at a time and avoid the head transposes.
//
// Layout: q, k, v, o and their gradients are row-major [rows, d] with row = window·T + position (q and o
// have qRows rows per window: T, or 1 when only the output position is computed); head h owns columns
// [h·dh, (h+1)·dh). P is [B, H, qRows, T]. q is already scaled by 1/√dh. `scratch` must hold
// dh·Tp + 3·T·dhp + 8·dhp + 4·T floats (backward) or dh·Tp + T·dhp (forward; Tp, dhp: T, dh rounded up to 8). No stack, heap
// or libc: every buffer is passed in.

#include <wasm_simd128.h>

typedef unsigned int u32;

// a·b + c on four lanes. With -mrelaxed-simd (the fma build) one relaxed_madd, which the CPU may fuse (one
// rounding) or not; otherwise a multiply and an add, rounded each, the same on every CPU.
#ifdef __wasm_relaxed_simd__
#define MADD(a, b, c) ((v128_t)__builtin_wasm_relaxed_madd_f32x4((__f32x4)(a), (__f32x4)(b), (__f32x4)(c)))
#else
#define MADD(a, b, c) wasm_f32x4_add((c), wasm_f32x4_mul((a), (b)))
#endif

// y[i] += a·x[i] for i < n: the attention kernels' inner loops, four lanes at a time by MADD. Element by
// element the same operations as the plain loop, so the simd build's numbers do not depend on it.
static inline void axpy(float* restrict y, float a, const float* restrict x, int n) {
  const v128_t va = wasm_f32x4_splat(a);
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, MADD(va, wasm_v128_load(x + i), wasm_v128_load(y + i)));
  for (; i < n; i++) y[i] += a * x[i];
}

// e^x for x ≤ 0 (softmax after max subtraction): Cody–Waite range reduction and a degree-6 polynomial,
// relative error ~2e-7.
static inline float exp_neg(float x) {
  if (x < -87.0f) return 0.0f;
  float n = __builtin_rintf(x * 1.44269504088896341f);
  float r = x - n * 0.693145751953125f;
  r = r - n * 1.428606765330187e-06f;
  float p = 1.0f + r * (1.0f + r * (0.5f + r * (0.16666666666f + r * (0.041666666666f + r * (0.0083333333333f + r * 0.0013888888889f)))));
  union { u32 i; float f; } s;
  s.i = (u32)((int)n + 127) << 23;
  return p * s.f;
}

// exp_neg on four lanes (the same steps, so the same values in the simd build).
static inline v128_t exp_neg4(v128_t x) {
  const v128_t lo = wasm_f32x4_splat(-87.0f);
  const v128_t under = wasm_f32x4_lt(x, lo);
  const v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)));
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693145751953125f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(1.428606765330187e-06f)));
  v128_t p = wasm_f32x4_splat(0.0013888888889f);
  p = MADD(r, p, wasm_f32x4_splat(0.0083333333333f));
  p = MADD(r, p, wasm_f32x4_splat(0.041666666666f));
  p = MADD(r, p, wasm_f32x4_splat(0.16666666666f));
  p = MADD(r, p, wasm_f32x4_splat(0.5f));
  p = MADD(r, p, wasm_f32x4_splat(1.0f));
  p = MADD(r, p, wasm_f32x4_splat(1.0f));
  const v128_t e = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_v128_andnot(wasm_f32x4_mul(p, e), under);
}

// The GEMM micro-kernel: a 4×8 tile of out += Σ_k a_t(k)·w(k, 0..7), t = 0..3, with a_t(k) = a[t·as + k·ak]
// and w(k, ·) = w + k·ldw, in eight f32x4 accumulators.
typedef struct { v128_t c[8]; } tile;

static inline tile tile_mac(tile t, const float* restrict a, int as, int ak, const float* restrict w, int ldw, int K) {
  for (int k = 0; k < K; k++) {
    const v128_t b0 = wasm_v128_load(w + k * ldw), b1 = wasm_v128_load(w + k * ldw + 4);
    const float* ak_ = a + k * ak;
    for (int r = 0; r < 4; r++) {
      const v128_t s = wasm_f32x4_splat(ak_[r * as]);
      t.c[2 * r] = MADD(s, b0, t.c[2 * r]);
      t.c[2 * r + 1] = MADD(s, b1, t.c[2 * r + 1]);
    }
  }
  return t;
}

// Stores the first `n` (≤ 8) columns of a tile's 4 rows at out (row stride ldo), adding what is there if `acc`.
static inline void tile_store(tile t, float* restrict out, int ldo, int n, int acc) {
  float buf[8];
  for (int r = 0; r < 4; r++) {
    float* o = out + r * ldo;
    if (n == 8 && !acc) {
      wasm_v128_store(o, t.c[2 * r]);
      wasm_v128_store(o + 4, t.c[2 * r + 1]);
      continue;
    }
    wasm_v128_store(buf, t.c[2 * r]);
    wasm_v128_store(buf + 4, t.c[2 * r + 1]);
    for (int j = 0; j < n; j++) o[j] = acc ? o[j] + buf[j] : buf[j];
  }
}

// The first block's queries (qRows = T) go four at a time through the GEMM tile: s = q·kᵀ over kt [dh][Tp]
// and o = p·v over vp [T][dhp], zero-padded to whole tiles (Tp, dhp: T, dh rounded up to 8). Each element
// is summed in the same order from the same zero as axpy's loop (which serves the remaining rows, e.g. the
// output position alone), so the numbers are those of the row-at-a-time loop: only the loads are shared.
static inline void softmax_row(float* restrict s, int T) {
  float mx = s[0];
  for (int j = 1; j < T; j++) mx = s[j] > mx ? s[j] : mx;
  float sum = 0.0f;
  int j = 0;
  if (T >= 4) {
    const v128_t vmx = wasm_f32x4_splat(mx);
    v128_t vsum = wasm_f32x4_splat(0.0f);
    for (; j + 4 <= T; j += 4) {
      const v128_t e = exp_neg4(wasm_f32x4_sub(wasm_v128_load(s + j), vmx));
      wasm_v128_store(s + j, e);
      vsum = wasm_f32x4_add(vsum, e);
    }
    sum = wasm_f32x4_extract_lane(vsum, 0) + wasm_f32x4_extract_lane(vsum, 1) +
          wasm_f32x4_extract_lane(vsum, 2) + wasm_f32x4_extract_lane(vsum, 3);
  }
  for (; j < T; j++) {
    s[j] = exp_neg(s[j] - mx);
    sum += s[j];
  }
  const float inv = 1.0f / sum;
  for (int j = 0; j < T; j++) s[j] *= inv;
}

void attn_fwd(const float* restrict q, const float* restrict k, const float* restrict v, float* restrict P,
              float* restrict o, int B, int T, int H, int dh, int qRows, float* restrict scratch) {
  const int d = H * dh, Tp = (T + 7) & ~7, dhp = (dh + 7) & ~7, Q4 = qRows & ~3;
  float* restrict kt = scratch;           // [dh][Tp]
  float* restrict vp = scratch + dh * Tp; // [T][dhp]
  for (int i = 0; i < dh * Tp; i++) kt[i] = 0.0f;
  for (int i = 0; i < T * dhp; i++) vp[i] = 0.0f;
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (int b = 0; b < B; b++) {
    for (int h = 0; h < H; h++) {
      for (int j = 0; j < T; j++) {
        const float* kr = k + (b * T + j) * d + h * dh;
        const float* vr = v + (b * T + j) * d + h * dh;
        for (int c = 0; c < dh; c++) {
          kt[c * Tp + j] = kr[c];
          vp[j * dhp + c] = vr[c];
        }
      }
      float* Pbh = P + (b * H + h) * qRows * T;
      for (int i0 = 0; i0 < Q4; i0 += 4) {
        const float* qi = q + (b * qRows + i0) * d + h * dh;
        float* s = Pbh + i0 * T;
        for (int j0 = 0; j0 < T; j0 += 8) {
          tile t = {{zero, zero, zero, zero, zero, zero, zero, zero}};
          tile_store(tile_mac(t, qi, d, 1, kt + j0, Tp, dh), s + j0, T, T - j0 < 8 ? T - j0 : 8, 0);
        }
        for (int r = 0; r < 4; r++) softmax_row(s + r * T, T);
        float* oi = o + (b * qRows + i0) * d + h * dh;
        for (int c0 = 0; c0 < dh; c0 += 8) {
          tile t = {{zero, zero, zero, zero, zero, zero, zero, zero}};
          tile_store(tile_mac(t, s, T, 1, vp + c0, dhp, T), oi + c0, d, dh - c0 < 8 ? dh - c0 : 8, 0);
        }
      }
      for (int i = Q4; i < qRows; i++) {
        const float* qi = q + (b * qRows + i) * d + h * dh;
        float* s = Pbh + i * T;
        for (int j = 0; j < T; j++) s[j] = 0.0f;
        for (int c = 0; c < dh; c++) axpy(s, qi[c], kt + c * Tp, T);
        softmax_row(s, T);
        float* oi = o + (b * qRows + i) * d + h * dh;
        for (int c = 0; c < dh; c++) oi[c] = 0.0f;
        for (int j = 0; j < T; j++) axpy(oi, s[j], vp + j * dhp, dh);
      }
    }
  }
}

// The 4×8 tile of `t`'s 4 rows of 8 at p (row stride ld): to accumulate onto what is there, in order.
static inline tile tile_load(const float* restrict p, int ld) {
  tile t;
  for (int r = 0; r < 4; r++) {
    t.c[2 * r] = wasm_v128_load(p + r * ld);
    t.c[2 * r + 1] = wasm_v128_load(p + r * ld + 4);
  }
  return t;
}

// As in attn_fwd, four query rows at a time go through the GEMM tile (dP = dO·vᵀ, dq = dS·k, and dv, dk
// accumulated over the query rows in order, from the values there), the rest one row at a time: every
// element is summed in the order of the row-at-a-time loop.
void attn_bwd(const float* restrict q, const float* restrict k, const float* restrict v, const float* restrict P,
              const float* restrict dO, float* restrict dq, float* restrict dk, float* restrict dv,
              int B, int T, int H, int dh, int qRows, float* restrict scratch) {
  const int d = H * dh, Tp = (T + 7) & ~7, dhp = (dh + 7) & ~7, Q4 = qRows & ~3, T4 = T & ~3;
  float* restrict vt = scratch;        // [dh][Tp]
  float* restrict kp = vt + dh * Tp;   // [T][dhp]
  float* restrict dkp = kp + T * dhp;  // [T][dhp]
  float* restrict dvp = dkp + T * dhp; // [T][dhp]
  float* restrict g4 = dvp + T * dhp;  // [4][dhp]: four rows of dO
  float* restrict q4 = g4 + 4 * dhp;   // [4][dhp]: four rows of q
  float* restrict dS = q4 + 4 * dhp;   // [4][T]
  for (int i = 0; i < dh * Tp + T * dhp; i++) vt[i] = 0.0f; // vt, kp: padding stays zero
  for (int i = 0; i < 8 * dhp; i++) g4[i] = 0.0f;            // g4, q4
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (int b = 0; b < B; b++) {
    for (int h = 0; h < H; h++) {
      for (int j = 0; j < T; j++) {
        const float* kr = k + (b * T + j) * d + h * dh;
        const float* vr = v + (b * T + j) * d + h * dh;
        for (int c = 0; c < dh; c++) {
          vt[c * Tp + j] = vr[c];
          kp[j * dhp + c] = kr[c];
        }
      }
      for (int i = 0; i < 2 * T * dhp; i++) dkp[i] = 0.0f;
      for (int i0 = 0; i0 < Q4; i0 += 4) {
        for (int r = 0; r < 4; r++)
          for (int c = 0; c < dh; c++) {
            g4[r * dhp + c] = dO[(b * qRows + i0 + r) * d + h * dh + c];
            q4[r * dhp + c] = q[(b * qRows + i0 + r) * d + h * dh + c];
          }
        const float* p = P + ((b * H + h) * qRows + i0) * T; // [4][T]
        // dP = dO·vᵀ, dv += pᵀ·dO
        for (int j0 = 0; j0 < T; j0 += 8) {
          tile t = {{zero, zero, zero, zero, zero, zero, zero, zero}};
          tile_store(tile_mac(t, g4, dhp, 1, vt + j0, Tp, dh), dS + j0, T, T - j0 < 8 ? T - j0 : 8, 0);
        }
        for (int j0 = 0; j0 < T4; j0 += 4)
          for (int c0 = 0; c0 < dh; c0 += 8)
            tile_store(tile_mac(tile_load(dvp + j0 * dhp + c0, dhp), p + j0, 1, T, g4 + c0, dhp, 4), dvp + j0 * dhp + c0, dhp, 8, 0);
        for (int j = T4; j < T; j++)
          for (int r = 0; r < 4; r++) axpy(dvp + j * dhp, p[r * T + j], g4 + r * dhp, dh);
        // softmax backward: dS = P ⊙ (dP − Σ dP ⊙ P)
        for (int r = 0; r < 4; r++) {
          float* dSr = dS + r * T;
          const float* pr = p + r * T;
          float dot = 0.0f;
          for (int j = 0; j < T; j++) dot += dSr[j] * pr[j];
          for (int j = 0; j < T; j++) dSr[j] = pr[j] * (dSr[j] - dot);
        }
        // dq = dS·k, dk += dSᵀ·q
        for (int c0 = 0; c0 < dh; c0 += 8) {
          tile t = {{zero, zero, zero, zero, zero, zero, zero, zero}};
          tile_store(tile_mac(t, dS, T, 1, kp + c0, dhp, T), dq + (b * qRows + i0) * d + h * dh + c0, d, dh - c0 < 8 ? dh - c0 : 8, 0);
        }
        for (int j0 = 0; j0 < T4; j0 += 4)
          for (int c0 = 0; c0 < dh; c0 += 8)
            tile_store(tile_mac(tile_load(dkp + j0 * dhp + c0, dhp), dS + j0, 1, T, q4 + c0, dhp, 4), dkp + j0 * dhp + c0, dhp, 8, 0);
        for (int j = T4; j < T; j++)
          for (int r = 0; r < 4; r++) axpy(dkp + j * dhp, dS[r * T + j], q4 + r * dhp, dh);
      }
      for (int i = Q4; i < qRows; i++) {
        const float* qi = q + (b * qRows + i) * d + h * dh;
        const float* gi = dO + (b * qRows + i) * d + h * dh;
        const float* p = P + ((b * H + h) * qRows + i) * T;
        // dP = dO·vᵀ, dv += pᵀ·dO
        for (int j = 0; j < T; j++) dS[j] = 0.0f;
        for (int c = 0; c < dh; c++) axpy(dS, gi[c], vt + c * Tp, T);
        for (int j = 0; j < T; j++) axpy(dvp + j * dhp, p[j], gi, dh);
        // softmax backward: dS = P ⊙ (dP − Σ dP ⊙ P)
        float dot = 0.0f;
        for (int j = 0; j < T; j++) dot += dS[j] * p[j];
        for (int j = 0; j < T; j++) dS[j] = p[j] * (dS[j] - dot);
        // dq = dS·k, dk += dSᵀ·q
        float* dqi = dq + (b * qRows + i) * d + h * dh;
        for (int c = 0; c < dh; c++) dqi[c] = 0.0f;
        for (int j = 0; j < T; j++) {
          axpy(dqi, dS[j], kp + j * dhp, dh);
          axpy(dkp + j * dhp, dS[j], qi, dh);
        }
      }
      for (int j = 0; j < T; j++) {
        float* dkr = dk + (b * T + j) * d + h * dh;
        float* dvr = dv + (b * T + j) * d + h * dh;
        for (int c = 0; c < dh; c++) {
          dkr[c] = dkp[j * dhp + c];
          dvr[c] = dvp[j * dhp + c];
        }
      }
    }
  }
}

// Token + position embeddings: out[r] = emb[tokens[r]] + emb[V + r mod T] (rows of d), one rounding each, as
// the one-hot product one-hot · [wte; wpe] gives (its other terms are exact zeros) without that GEMM.
void embed(const int* restrict tokens, const float* restrict emb, float* restrict out, int N, int T, int V, int d) {
  for (int r = 0; r < N; r++) {
    const float* restrict wt = emb + tokens[r] * d;
    const float* restrict wp = emb + (V + r % T) * d;
    float* restrict o = out + r * d;
    for (int c = 0; c < d; c++) o[c] = wt[c] + wp[c];
  }
}

// Row t of every window: out[b] = x[b·T + t] (rows of d), e.g. the output position's; TF.js's Gather spends
// hundreds of instructions per element.
void window_rows(const float* restrict x, float* restrict out, int B, int T, int t, int d) {
  for (int b = 0; b < B; b++)
    for (int c = 0; c < d; c++) out[b * d + c] = x[(b * T + t) * d + c];
}

// Dropout mask: out[i] = 0 where the hash of (i, k1, k2) falls below `drop` (= p·2³²), else `keep` = 1/(1 − p).
// Counter-based, so a mask is a function of its two keys alone and vectorises; model.ts computes the same
// hash in JS off wasm. lowbias32 (C. Wellons) applied twice, keyed before each round.
static inline u32 mix32(u32 x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

void dropout_mask(float* restrict out, int n, u32 k1, u32 k2, u32 drop, float keep) {
  for (int i = 0; i < n; i++) out[i] = mix32(mix32((u32)i ^ k1) + k2) < drop ? 0.0f : keep;
}

// Column sums of x [R, C] into out [C] (bias gradients; TF.js's Sum over axis 0 transposes first).
void colsum(const float* restrict x, float* restrict out, int R, int C) {
  for (int c = 0; c < C; c++) out[c] = 0.0f;
  for (int r = 0; r < R; r++) {
    const float* xr = x + r * C;
    for (int c = 0; c < C; c++) out[c] += xr[c];
  }
}

// Copies columns [j0, N) (fewer than 8) of the rows [0, R) of x (row stride N) into pad [R][8], zero-filled.
static inline void pad_cols(const float* restrict x, int R, int N, int j0, float* restrict pad) {
  for (int r = 0; r < R; r++)
    for (int j = 0; j < 8; j++) pad[r * 8 + j] = j0 + j < N ? x[r * N + j0 + j] : 0.0f;
}

// out [M, N] = aᵀ·b for a [R, M] and b [R, N]: the weight gradients, whose reduction runs over all R = B·T
// rows. XNNPACK needs aᵀ materialised and runs these shapes at a third of its usual rate; here the tiles
// sweep chunks of 64 rows that stay in cache. `scratch` holds 64·8 floats.
#define TN_CHUNK 64
void matmul_tn(const float* restrict a, const float* restrict b, float* restrict out, int R, int M, int N,
               float* restrict scratch) {
  const int M4 = M & ~3;
  for (int i = 0; i < M * N; i++) out[i] = 0.0f;
  for (int r0 = 0; r0 < R; r0 += TN_CHUNK) {
    const int rc = r0 + TN_CHUNK < R ? TN_CHUNK : R - r0;
    const float* ac = a + r0 * M;
    const float* bc = b + r0 * N;
    const int N8 = N & ~7;
    if (N8 < N) pad_cols(bc, rc, N, N8, scratch);
    for (int i0 = 0; i0 < M4; i0 += 4) {
      for (int j0 = 0; j0 < N; j0 += 8) {
        const int full = j0 < N8;
        tile t = {{wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f),
                   wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f)}};
        t = full ? tile_mac(t, ac + i0, 1, M, bc + j0, N, rc) : tile_mac(t, ac + i0, 1, M, scratch, 8, rc);
        tile_store(t, out + i0 * N + j0, N, full ? 8 : N - j0, 1);
      }
    }
    for (int i = M4; i < M; i++) {
      float* o = out + i * N;
      for (int r = 0; r < rc; r++) {
        const float x = ac[r * M + i];
        const float* br = bc + r * N;
        for (int j = 0; j < N; j++) o[j] += x * br[j];
      }
    }
  }
}

// out [M, N] = a·w (+ bias) (then ReLU) for a [M, K], w [K, N], bias [N] or 0: dense layers and input
// gradients, the whole K (≤ 4·d) in one sweep per tile. `scratch` holds 8·K floats.
void matmul_nn(const float* restrict a, const float* restrict w, const float* restrict bias, float* restrict out,
               int M, int K, int N, int relu, float* restrict scratch) {
  const int M4 = M & ~3, N8 = N & ~7;
  const v128_t zero = wasm_f32x4_splat(0.0f);
  float bpad[8];
  if (N8 < N) {
    pad_cols(w, K, N, N8, scratch);
    for (int j = 0; j < 8; j++) bpad[j] = bias && N8 + j < N ? bias[N8 + j] : 0.0f;
  }
  for (int i0 = 0; i0 < M4; i0 += 4) {
    for (int j0 = 0; j0 < N; j0 += 8) {
      const int full = j0 < N8;
      const float* bj = full ? (bias ? bias + j0 : 0) : bpad;
      const v128_t c0 = bj ? wasm_v128_load(bj) : zero, c1 = bj ? wasm_v128_load(bj + 4) : zero;
      tile t = {{c0, c1, c0, c1, c0, c1, c0, c1}};
      t = full ? tile_mac(t, a + i0 * K, K, 1, w + j0, N, K) : tile_mac(t, a + i0 * K, K, 1, scratch, 8, K);
      if (relu)
        for (int q = 0; q < 8; q++) t.c[q] = wasm_f32x4_max(t.c[q], zero);
      tile_store(t, out + i0 * N + j0, N, full ? 8 : N - j0, 0);
    }
  }
  for (int i = M4; i < M; i++) {
    const float* ai = a + i * K;
    float* o = out + i * N;
    for (int j = 0; j < N; j++) o[j] = bias ? bias[j] : 0.0f;
    for (int k = 0; k < K; k++) {
      const float x = ai[k];
      const float* wk = w + k * N;
      for (int j = 0; j < N; j++) o[j] += x * wk[j];
    }
    if (relu)
      for (int j = 0; j < N; j++) o[j] = o[j] > 0.0f ? o[j] : 0.0f;
  }
}

// LayerNorm over rows of x [R, C]: y = x̂·g + b with x̂ = (x − mean)·rstd; keeps x̂ and rstd [R].
void layernorm_fwd(const float* restrict x, const float* restrict g, const float* restrict b, float* restrict y,
                   float* restrict xhat, float* restrict rstd, int R, int C, float eps) {
  const float invC = 1.0f / (float)C;
  for (int r = 0; r < R; r++) {
    const float* xr = x + r * C;
    float mean = 0.0f;
    for (int c = 0; c < C; c++) mean += xr[c];
    mean *= invC;
    float var = 0.0f;
    for (int c = 0; c < C; c++) {
      const float t = xr[c] - mean;
      var += t * t;
    }
    const float rs = 1.0f / __builtin_sqrtf(var * invC + eps);
    rstd[r] = rs;
    float* hr = xhat + r * C;
    float* yr = y + r * C;
    for (int c = 0; c < C; c++) {
      const float h = (xr[c] - mean) * rs;
      hr[c] = h;
      yr[c] = h * g[c] + b[c];
    }
  }
}

// LayerNorm backward: dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) with dx̂ = dy·g; dg = Σ dy·x̂, db = Σ dy.
void layernorm_bwd(const float* restrict dy, const float* restrict g, const float* restrict xhat,
                   const float* restrict rstd, float* restrict dx, float* restrict dg, float* restrict db, int R, int C) {
  const float invC = 1.0f / (float)C;
  for (int c = 0; c < C; c++) {
    dg[c] = 0.0f;
    db[c] = 0.0f;
  }
  for (int r = 0; r < R; r++) {
    const float* dyr = dy + r * C;
    const float* hr = xhat + r * C;
    float m1 = 0.0f, m2 = 0.0f;
    for (int c = 0; c < C; c++) {
      const float t = dyr[c] * g[c];
      m1 += t;
      m2 += t * hr[c];
      dg[c] += dyr[c] * hr[c];
      db[c] += dyr[c];
    }
    m1 *= invC;
    m2 *= invC;
    const float rs = rstd[r];
    float* dxr = dx + r * C;
    for (int c = 0; c < C; c++) dxr[c] = rs * (dyr[c] * g[c] - m1 - hr[c] * m2);
  }
}
