#!/usr/bin/env node
// Where the time goes, in instructions: one size's inference pass or training step (batch 256, 20 tokens) under
// valgrind's callgrind, which counts the x86 instructions executed (repeatable under load, unlike time), with
// each wasm kernel's share found through V8's perf map (--perf-basic-prof names every compiled wasm function
// by module and index; the modules' export sections give the names). Two runs, of 1 and 1 + n passes after
// two warm-up passes: their difference ÷ n is one pass; a kernel's cost is its inclusive count ÷ (n + 3).
//   node bench/wasm-profile.mjs <xs|s|m|l> <infer|train> [n = 2]      (after `pnpm build`; minutes)
// Prints per kernel (ours: our module's exports; tfjs: TF.js's wasm kernels) instructions per pass and share,
// for our GEMMs flops (2 per multiply-add) per instruction, and the rest: JS (TF.js's engine and ours) and V8.
// Needs valgrind. OPTIMPACT_KERNELS chooses the build as everywhere (simd by default).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/', import.meta.url).href;

/** The workload (run under callgrind): `passes` inference passes or training steps after two warm-up ones. */
async function workload(size, mode, passes) {
  const { setBackend } = await import(`${dist}backend.js`);
  const { createModel } = await import(`${dist}model.js`);
  const { sizePreset } = await import(`${dist}config.js`);
  const { startKernelProfile, stopKernelProfile } = await import(`${dist}internal/kernels.js`);
  const { makeRng } = await import('@optimpact/core');
  await setBackend('wasm');
  const p = sizePreset(size),
    B = 256,
    T = p.config.contextLength,
    rng = makeRng(1);
  const windows = { tokens: new Int32Array(B * T).map(() => rng.int(16)), positions: new Int32Array(B).fill(T), n: B, length: T };
  const targets = new Int32Array(B).map(() => rng.int(16));
  const m = createModel(p, 1);
  const once = mode === 'infer' ? () => m.logitsSync(windows) : () => m.stepTargets(windows, targets, 'bench', 1e-3);
  for (let i = 0; i < 2; i++) once();
  startKernelProfile(); // for the GEMMs' multiply-adds (its timing calls add a little to the rest)
  for (let i = 0; i < passes; i++) once();
  const macs = Object.fromEntries(Object.entries(stopKernelProfile()).map(([name, e]) => [name, e.macs / passes]));
  m.dispose();
  process.stdout.write(`${JSON.stringify({ macs })}\n`);
}

/** Function index of every exported function of a wasm binary (its export section, id 7). */
function exportIndices(bytes) {
  let at = 8;
  const leb = () => {
    let x = 0,
      shift = 0,
      b;
    do {
      b = bytes[at++];
      x += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return x;
  };
  const names = new Map();
  while (at < bytes.length) {
    const id = bytes[at++],
      size = leb(),
      end = at + size;
    if (id === 7) {
      for (let n = leb(); n > 0; n--) {
        const len = leb(),
          name = Buffer.from(bytes.subarray(at, at + len)).toString('utf8');
        at += len;
        const kind = bytes[at++],
          index = leb();
        if (kind === 0) names.set(index, name);
      }
    }
    at = end;
  }
  return names;
}

/** Runs the workload under callgrind; returns total instructions, per-function inclusive counts and the perf map. */
function callgrind(size, mode, passes, work) {
  const out = join(work, `cg.${passes}.out`);
  const node = process.execPath;
  const r = spawnSync(
    'valgrind',
    [
      '--tool=callgrind',
      '--smc-check=all',
      `--callgrind-out-file=${out}`,
      node,
      '--perf-basic-prof',
      '--no-liftoff',
      '--single-threaded',
      fileURLToPath(import.meta.url),
      '--workload',
      size,
      mode,
      String(passes),
    ],
    { encoding: 'utf8', cwd: work, env: process.env },
  );
  if (r.status !== 0) throw new Error(`valgrind failed (${r.error ?? r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const { macs } = JSON.parse(r.stdout.trim().split('\n').at(-1));
  const pid = /^pid: (\d+)$/m.exec(readFileSync(out, 'utf8').slice(0, 4000))?.[1];
  const mapFile = `/tmp/perf-${pid}.map`;
  const map = readFileSync(mapFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const [a, s, ...name] = l.split(' ');
      return { start: parseInt(a, 16), size: parseInt(s, 16), name: name.join(' ') };
    });
  rmSync(mapFile, { force: true });
  const ann = spawnSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', out], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (ann.status !== 0) throw new Error(`callgrind_annotate failed: ${ann.stderr}`);
  const total = Number(/([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS/.exec(ann.stdout)[1].replaceAll(',', ''));
  const fns = new Map();
  for (const m of ann.stdout.matchAll(/^\s*([\d,]+) \([\d. %]+\)\s+\?\?\?:0x([0-9a-f]+)(?:'\d+)? \[\?\?\?\]$/gm)) {
    const addr = parseInt(m[2], 16),
      ir = Number(m[1].replaceAll(',', ''));
    fns.set(addr, Math.max(fns.get(addr) ?? 0, ir)); // a cycle's entries ('2) count inside the first
  }
  return { total, fns, map, macs };
}

/**
 * Labels the wasm functions of a perf map 'ours:<export>' or 'tfjs:<export>' (null: not an export). Each wasm
 * module gets its own code space, so functions are grouped by address (gaps over 256 kB between groups: ~1 MB seen between modules, under 30 kB within one); our
 * module's group is the one holding only exports of ours (it has no other functions).
 */
async function wasmNames(map) {
  const require = createRequire(import.meta.url);
  const tfjsDir = join(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'), '..', 'dist');
  const tfjs = exportIndices(readFileSync(join(tfjsDir, 'tfjs-backend-wasm-simd.wasm')));
  const { KERNELS_WASM_SIMD } = await import(`${dist}internal/kernels-wasm.js`);
  const ours = exportIndices(Buffer.from(KERNELS_WASM_SIMD, 'base64'));
  const wasm = map.filter((e) => /wasm-function\[\d+\]/.test(e.name)).map((e) => ({ ...e, index: Number(/\[(\d+)\]/.exec(e.name)[1]) }));
  wasm.sort((x, y) => x.start - y.start);
  const groups = [];
  for (const e of wasm) {
    const g = groups.at(-1);
    if (g !== undefined && e.start - (g.at(-1).start + g.at(-1).size) < 1 << 18) g.push(e);
    else groups.push([e]);
  }
  const mine = groups.filter((g) => g.every((e) => ours.has(e.index)));
  if (mine.length !== 1 || groups.length !== 2) throw new Error(`cannot tell the two wasm modules apart in the perf map (${groups.length} code groups)`);
  return wasm.map((e) => ({ ...e, label: mine[0].includes(e) ? `ours:${ours.get(e.index)}` : tfjs.has(e.index) ? `tfjs:${tfjs.get(e.index)}` : null }));
}

async function main() {
  const [size, mode, nArg] = process.argv.slice(2);
  const n = Number(nArg ?? 2);
  if (!['xs', 's', 'm', 'l'].includes(size) || !['infer', 'train'].includes(mode) || !(Number.isInteger(n) && n >= 1)) {
    console.error('usage: node bench/wasm-profile.mjs <xs|s|m|l> <infer|train> [passes >= 1]');
    process.exit(2);
  }
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    console.error('valgrind not found (apt-get install valgrind)');
    process.exit(2);
  }
  const work = mkdtempSync(join(tmpdir(), 'optimpact-profile-'));
  try {
    const a = callgrind(size, mode, 1, work),
      b = callgrind(size, mode, 1 + n, work);
    const perPass = (b.total - a.total) / n;
    const named = await wasmNames(b.map);
    const byLabel = new Map();
    for (const [addr, ir] of b.fns) {
      const e = named.find((x) => addr >= x.start && addr < x.start + x.size);
      if (e?.label) byLabel.set(e.label, (byLabel.get(e.label) ?? 0) + ir / (n + 3));
    }
    const rows = [...byLabel].filter(([, ir]) => ir > perPass * 0.002).sort((x, y) => y[1] - x[1]);
    const inKernels = rows.reduce((s, [, ir]) => s + ir, 0);
    // multiply-adds per pass of our GEMMs (the kernel profile's names), for flops per instruction
    const gemm = { 'ours:matmul_nn': b.macs['GEMM a·w'] ?? 0, 'ours:matmul_tn': b.macs['GEMM aᵀ·b'] ?? 0 };
    console.log(`${size} ${mode}: ${(perPass / 1e6).toFixed(1)} M instructions per pass (batch 256 × 20 tokens; callgrind, ${n} passes)`);
    for (const [label, ir] of rows) {
      const flops = gemm[label] ? `  ${((2 * gemm[label]) / ir).toFixed(2)} flops per instruction (${(gemm[label] / 1e6).toFixed(1)} M multiply-adds)` : '';
      console.log(`  ${label.padEnd(28)} ${(ir / 1e6).toFixed(1).padStart(8)} M  ${((100 * ir) / perPass).toFixed(1).padStart(5)} %${flops}`);
    }
    console.log(
      `  ${'rest (JS, TF.js engine, V8)'.padEnd(28)} ${((perPass - inKernels) / 1e6).toFixed(1).padStart(8)} M  ${((100 * (perPass - inKernels)) / perPass).toFixed(1).padStart(5)} %`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const w = process.argv.indexOf('--workload');
if (w >= 0) await workload(process.argv[w + 1], process.argv[w + 2], Number(process.argv[w + 3]));
else await main();
