// `pnpm bench`: first our GEMM kernels against XNNPACK at the model's shapes; then training and inference
// throughput of every size preset (batch 256, 20 tokens) on the default backend, against the same model on
// plain TF.js ops (the baseline of our kernels, same run), the aggregate of two models training at once in
// two workers, and — when Debian's python3-torch is importable — the ratio to bench/torch_reference.py on
// OpenBLAS. Writes bench/out/latest.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setBackend } from '../backend.js';
import { SIZE_PRESETS } from '../config.js';
import { runInWorkers } from '../workers.js';
import { gemmBench } from './gemm.js';
import { measure, type Throughput } from './tasks.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const pkgRoot = fileURLToPath(new URL('../../', import.meta.url));
const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-pthread';

interface ChildResult extends Throughput {
  readonly peakRssMb: number;
  readonly twoWorkerExPerSec: number;
  /** The same model on plain TF.js ops (XNNPACK matMuls, no kernels of ours): the in-run baseline. */
  readonly tfjsOpsTrainExPerSec: number;
}

async function child(size: string): Promise<void> {
  const backend = await setBackend();
  const one = await measure(size, SECONDS);
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const plain = await measure(size, SECONDS / 2, 256, undefined, false);
  const task = { module: new URL('./tasks.js', import.meta.url).href, fn: 'measure', args: [size, SECONDS, 256, backend] };
  const two = await runInWorkers<Throughput>([task, task], { concurrency: 2, backend: backend as 'wasm' | 'cpu' });
  const out: ChildResult = { ...one, peakRssMb, twoWorkerExPerSec: two.reduce((a, r) => a + r.trainExPerSec, 0), tfjsOpsTrainExPerSec: plain.trainExPerSec };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

interface TorchResult { size: string; trainExPerSec: number; inferExPerSec: number; threads: number }

function torch(): { blas: string; results: TorchResult[] } | null {
  const ok = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
  if (ok.error !== undefined || ok.status !== 0) {
    console.log('torch reference: skipped (/usr/bin/python3 cannot import torch; apt-get install python3-torch libopenblas0-pthread)');
    return null;
  }
  // Debian's torch uses the libblas.so.3 alternative: put the OpenBLAS pthread build first (the reference
  // BLAS is 3–12× slower and no peer); the script reports the BLAS actually mapped.
  const env = { ...process.env, LD_LIBRARY_PATH: `${OPENBLAS}${process.env.LD_LIBRARY_PATH ? `:${process.env.LD_LIBRARY_PATH}` : ''}` };
  const out = execFileSync('/usr/bin/python3', [`${pkgRoot}bench/torch_reference.py`, '--seconds', String(SECONDS)], { env, encoding: 'utf8' });
  return JSON.parse(out) as { blas: string; results: TorchResult[] };
}

async function main(): Promise<void> {
  const backend = await setBackend();
  console.log(`optimpact transformer bench: backend ${backend}, batch 256 × 20 tokens, ~${SECONDS} s per measurement`);
  for (const g of gemmBench()) {
    console.log(`GEMM ${g.op.padEnd(7)} ${g.shape.join('×').padEnd(15)} ours ${g.oursGmacPerSec.toFixed(1).padStart(5)} GMAC/s, TF.js ${g.tfjsGmacPerSec.toFixed(1).padStart(5)} GMAC/s (×${(g.oursGmacPerSec / g.tfjsGmacPerSec).toFixed(2)})`);
  }
  const rows: Record<string, unknown>[] = [];
  const ours: ChildResult[] = [];
  for (const p of SIZE_PRESETS) {
    // one child process per size, so peak RSS is that size's (the wasm heap never shrinks)
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', p.name], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`bench of ${p.name} failed:\n${r.stderr}`);
    const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
    ours.push(res);
    console.log(`${p.name.padEnd(3)} ${String(p.params).padStart(7)} params: train ${res.trainExPerSec.toFixed(0).padStart(5)} ex/s (plain TF.js ops ${res.tfjsOpsTrainExPerSec.toFixed(0).padStart(5)} ex/s, ×${(res.trainExPerSec / res.tfjsOpsTrainExPerSec).toFixed(2)}), infer ${res.inferExPerSec.toFixed(0).padStart(6)} ex/s, two workers ${res.twoWorkerExPerSec.toFixed(0).padStart(5)} ex/s, peak RSS ${res.peakRssMb.toFixed(0)} MB`);
  }
  const t = torch();
  if (t !== null) console.log(`torch reference (${t.blas}):`);
  SIZE_PRESETS.forEach((p, i) => {
    const o = ours[i]!;
    const tr = t?.results.find((x) => x.size === p.name) ?? null;
    const ratio = tr !== null ? o.trainExPerSec / tr.trainExPerSec : null;
    if (tr !== null) {
      console.log(`${p.name.padEnd(3)} torch train ${tr.trainExPerSec.toFixed(0).padStart(5)} ex/s (${tr.threads} thread${tr.threads > 1 ? 's' : ''}), infer ${tr.inferExPerSec.toFixed(0).padStart(6)} ex/s; optimpact/PyTorch ${ratio!.toFixed(2)} (two workers ${(o.twoWorkerExPerSec / tr.trainExPerSec).toFixed(2)})`);
    }
    rows.push({
      size: p.name, params: p.params, d: p.config.dModel, layers: p.config.nLayers, heads: p.config.nHeads,
      backend: o.backend, trainExPerSec: o.trainExPerSec, inferExPerSec: o.inferExPerSec, twoWorkerTrainExPerSec: o.twoWorkerExPerSec,
      tfjsOpsTrainExPerSec: o.tfjsOpsTrainExPerSec,
      peakRssMb: o.peakRssMb, torchTrainExPerSec: tr?.trainExPerSec ?? null, torchInferExPerSec: tr?.inferExPerSec ?? null,
      torchThreads: tr?.threads ?? null, torchBlas: t?.blas ?? null, ratio,
    });
  });
  mkdirSync(`${pkgRoot}bench/out`, { recursive: true });
  writeFileSync(`${pkgRoot}bench/out/latest.json`, `${JSON.stringify(rows, null, 2)}\n`);
  console.log(`wrote ${pkgRoot}bench/out/latest.json`);
}

const i = process.argv.indexOf('--child');
if (i >= 0) await child(process.argv[i + 1]!);
else await main();
