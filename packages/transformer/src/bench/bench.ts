// `pnpm bench`: our GEMM kernels against XNNPACK at the model's shapes; then, in alternating rounds (so that
// machine noise hits both alike), training and inference throughput of every size preset (batch 256, 20
// tokens) on the default backend with each build of our kernels, and the same model in PyTorch on OpenBLAS,
// one thread (bench/torch_reference.py); medians over the rounds and their ratios. Also the aggregate of two
// models training at once in two workers, the same model on plain TF.js ops, and where a training step's
// time goes. Ends with every speed target's ratio (train per size and geometric mean, inference, two workers
// ÷ one) and how long it took. Writes bench/out/latest.json with the machine (CPU, SIMD flags, Node, load),
// the BLAS loaded and the targets. An instruction-count profile per kernel: bench/wasm-profile.mjs.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setBackend } from '../backend.js';
import { SIZE_PRESETS } from '../config.js';
import { kernelVariant, relaxedSimdSupported, type KernelVariant } from '../internal/kernels.js';
import { runInWorkers } from '../workers.js';
import { gemmBench } from './gemm.js';
import { measure, profileStep, type StepProfile, type Throughput } from './tasks.js';

const pkgRoot = fileURLToPath(new URL('../../', import.meta.url));

function envNumber(name: string, fallback: number, ok: (x: number) => boolean, what: string): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const x = Number(raw);
  if (!ok(x)) {
    console.error(`${name}=${raw}: expected ${what}`);
    process.exit(2);
  }
  return x;
}
const SECONDS = envNumber('BENCH_SECONDS', 2, (x) => x > 0 && Number.isFinite(x), 'a positive number of seconds');
const ROUNDS = envNumber('BENCH_ROUNDS', 3, (x) => Number.isInteger(x) && x >= 1, 'a whole number of rounds >= 1');

interface ChildResult extends Throughput {
  readonly kernels: KernelVariant | null;
  readonly peakRssMb: number;
  readonly twoWorkerExPerSec: number;
  /** The same model on plain TF.js ops (XNNPACK matMuls, no kernels of ours): the baseline of our kernels. */
  readonly tfjsOpsTrainExPerSec: number | null;
  readonly profile: StepProfile | null;
}

/**
 * One size with one build of our kernels (OPTIMPACT_KERNELS, set by the parent), in its own process; with
 * `profile`, also where a step goes, and with `plain`, the same model on plain TF.js ops.
 */
async function child(size: string, extras: { profile: boolean; plain: boolean }): Promise<void> {
  const backend = await setBackend();
  const one = await measure(size, SECONDS);
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  // The two workers' training rate is what counts: their inference runs only its minimum of three passes.
  const task = { module: new URL('./tasks.js', import.meta.url).href, fn: 'measure', args: [size, SECONDS, 256, backend, true, 0] };
  const two = await runInWorkers<Throughput>([task, task], { concurrency: 2, backend: backend as 'wasm' | 'cpu' });
  const plain = extras.plain ? (await measure(size, SECONDS / 2, 256, undefined, false)).trainExPerSec : null;
  const profile = extras.profile ? profileStep(size, 5) : null;
  const out: ChildResult = {
    ...one,
    kernels: kernelVariant(),
    peakRssMb,
    twoWorkerExPerSec: two.reduce((a, r) => a + r.trainExPerSec, 0),
    tfjsOpsTrainExPerSec: plain,
    profile,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function ours(size: string, variant: KernelVariant, extras: { profile: boolean; plain: boolean }): ChildResult {
  const args = [fileURLToPath(import.meta.url), '--child', size, ...(extras.profile ? ['--profile'] : []), ...(extras.plain ? ['--plain'] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, OPTIMPACT_KERNELS: variant } });
  if (r.status !== 0) throw new Error(`bench of ${size} (${variant}) failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
}

// ---------------------------------------------------------------------------------------------------
// The peer: Debian's python3-torch on OpenBLAS (its default libblas.so.3 may be the reference BLAS, 3–12×
// slower: no peer). The system's OpenBLAS pthread build if installed, else Debian's package extracted
// (apt-get download + dpkg-deb -x) into a cache directory, put first on LD_LIBRARY_PATH: no system change.

const TRIPLET = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';

/** Library directories that make torch load OpenBLAS, or why there are none. */
function openblas(): { dirs: string[]; source: string } | { why: string } {
  const sys = `/usr/lib/${TRIPLET}/openblas-pthread`;
  if (existsSync(`${sys}/libblas.so.3`)) return { dirs: [sys], source: 'system (libopenblas0-pthread)' };
  const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'optimpact', 'openblas');
  const dirs = [join(cache, `usr/lib/${TRIPLET}/openblas-pthread`), join(cache, `usr/lib/${TRIPLET}`)];
  if (!existsSync(`${dirs[0]}/libblas.so.3`)) {
    console.log(`setting up OpenBLAS for the PyTorch peer: apt-get download libopenblas0-pthread libgfortran5, extracted into ${cache}`);
    const work = mkdtempSync(join(tmpdir(), 'optimpact-openblas-'));
    try {
      const dl = spawnSync('apt-get', ['download', 'libopenblas0-pthread', 'libgfortran5'], { cwd: work, encoding: 'utf8' });
      if (dl.status !== 0)
        return { why: `apt-get download libopenblas0-pthread libgfortran5 failed: ${(dl.stderr || String(dl.error)).trim().split('\n').pop()}` };
      const stage = `${cache}.partial`;
      rmSync(stage, { recursive: true, force: true });
      mkdirSync(stage, { recursive: true });
      for (const deb of readdirSync(work).filter((f) => f.endsWith('.deb'))) {
        const x = spawnSync('dpkg-deb', ['-x', join(work, deb), stage], { encoding: 'utf8' });
        if (x.status !== 0) return { why: `dpkg-deb -x ${deb} failed: ${(x.stderr || String(x.error)).trim().split('\n').pop()}` };
      }
      rmSync(cache, { recursive: true, force: true });
      renameSync(stage, cache);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    if (!existsSync(`${dirs[0]}/libblas.so.3`)) return { why: `no libblas.so.3 in the extracted libopenblas0-pthread (${dirs[0]})` };
  }
  return { dirs, source: `Debian's libopenblas0-pthread extracted into ${cache}` };
}

interface TorchResult {
  size: string;
  trainExPerSec: number;
  inferExPerSec: number;
  threads: number;
}
interface TorchRun {
  blas: string[];
  openblasConfig: string | null;
  torch: string;
  results: TorchResult[];
}

/** Sets up the peer; null with the reason printed when there is none (then no ratio is printed). */
function torchPeer(): { env: NodeJS.ProcessEnv; source: string } | { why: string } {
  const ok = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
  if (ok.error !== undefined || ok.status !== 0) return { why: '/usr/bin/python3 cannot import torch (apt-get install python3-torch)' };
  const ob = openblas();
  if ('why' in ob) return ob;
  const ld = [...ob.dirs, ...(process.env.LD_LIBRARY_PATH ? [process.env.LD_LIBRARY_PATH] : [])].join(':');
  return { env: { ...process.env, LD_LIBRARY_PATH: ld, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' }, source: ob.source };
}

function torchRun(env: NodeJS.ProcessEnv, size: string): TorchRun {
  const out = execFileSync('/usr/bin/python3', [`${pkgRoot}bench/torch_reference.py`, '--sizes', size, '--threads', '1', '--seconds', String(SECONDS)], {
    env,
    encoding: 'utf8',
  });
  return JSON.parse(out) as TorchRun;
}

// ---------------------------------------------------------------------------------------------------

interface Machine {
  cpu: string | null;
  simdFlags: string[];
  cores: number;
  node: string;
  v8: string;
  relaxedSimd: boolean;
}

function machine(): Machine {
  const info = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const field = (name: string): string | null => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(info)?.[1] ?? null;
  const flags = (field('flags') ?? field('Features') ?? '').split(' ').filter((f) => /^(sse|ssse|avx|fma|f16c|amx|asimd|sve|neon)/.test(f));
  return {
    cpu: field('model name') ?? cpus()[0]?.model ?? null,
    simdFlags: flags,
    cores: cpus().length,
    node: process.version,
    v8: process.versions.v8,
    relaxedSimd: relaxedSimdSupported(),
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b),
    m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const f0 = (x: number): string => x.toFixed(0);

/** Issue 22's targets on this kind of machine, as ratios optimpact ÷ PyTorch+OpenBLAS (two workers: ÷ one). */
const TARGETS = { trainEach: 1.0, trainGeo: 1.25, infer: 1.5, twoWorkers: 1.8 } as const;
const geoMean = (xs: number[]): number => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');

async function main(): Promise<void> {
  const started = performance.now();
  const backend = await setBackend();
  const variants: KernelVariant[] = relaxedSimdSupported() ? ['simd', 'fma'] : ['simd'];
  const m = machine();
  const loadStart = loadavg();
  console.log(
    `optimpact transformer bench: backend ${backend}, kernels ${variants.join(' and ')}, Node ${process.version}, ${m.cpu ?? 'unknown CPU'} (${m.simdFlags.join(' ')})`,
  );
  console.log(
    `batch 256 × 20 tokens, ~${SECONDS} s per measurement, ${ROUNDS} alternating rounds; load average at start ${loadStart.map((x) => x.toFixed(1)).join(' ')} on ${m.cores} cores`,
  );
  const peer = torchPeer();
  if ('why' in peer) console.log(`PyTorch peer: none, so no ratios: ${peer.why}`);
  else console.log(`PyTorch peer: OpenBLAS from ${peer.source}, one thread`);
  const gemm = gemmBench(variants);
  for (const g of gemm) {
    const o = variants.map((v) => `${v} ${g.oursGmacPerSec[v].toFixed(1).padStart(5)}`).join(', ');
    console.log(`GEMM ${g.op.padEnd(13)} ${g.shape.join('×').padEnd(15)} ours ${o} GMAC/s; TF.js ${g.tfjsGmacPerSec.toFixed(1).padStart(5)} GMAC/s`);
  }

  const runs: Record<string, Record<string, ChildResult[]>> = {};
  const torchRuns: Record<string, TorchRun[]> = {};
  for (let r = 0; r < ROUNDS; r++) {
    for (const p of SIZE_PRESETS) {
      for (const v of variants) {
        // the plain-ops baseline does not depend on the build: measured once per size
        const res = ours(p.name, v, { profile: r === 0, plain: r === 0 && v === variants[0] });
        ((runs[p.name] ??= {})[v] ??= []).push(res);
        console.log(
          `round ${r + 1} ${p.name.padEnd(2)} ${v.padEnd(4)} train ${f0(res.trainExPerSec).padStart(5)} ex/s, infer ${f0(res.inferExPerSec).padStart(6)} ex/s, two workers ${f0(res.twoWorkerExPerSec).padStart(5)} ex/s`,
        );
      }
      if (!('why' in peer)) {
        const t = torchRun(peer.env, p.name);
        (torchRuns[p.name] ??= []).push(t);
        const tr = t.results[0]!;
        console.log(`round ${r + 1} ${p.name.padEnd(2)} torch train ${f0(tr.trainExPerSec).padStart(5)} ex/s, infer ${f0(tr.inferExPerSec).padStart(6)} ex/s`);
      }
    }
  }

  // A peer that did not load OpenBLAS is no peer: its ratios are withheld.
  const anyTorch = Object.values(torchRuns)[0]?.[0];
  const onOpenblas = anyTorch !== undefined && anyTorch.openblasConfig !== null;
  if (anyTorch !== undefined && !onOpenblas) console.log(`PyTorch loaded ${anyTorch.blas.join(', ') || 'no BLAS'}, not OpenBLAS: no ratios`);
  const rows = SIZE_PRESETS.map((p) => {
    const t = onOpenblas ? torchRuns[p.name]! : [];
    const torchTrain = t.length > 0 ? median(t.map((x) => x.results[0]!.trainExPerSec)) : null;
    const torchInfer = t.length > 0 ? median(t.map((x) => x.results[0]!.inferExPerSec)) : null;
    const byVariant = Object.fromEntries(
      variants.map((v) => {
        const rs = runs[p.name]![v]!,
          first = rs[0]!;
        const train = median(rs.map((x) => x.trainExPerSec)),
          infer = median(rs.map((x) => x.inferExPerSec)),
          two = median(rs.map((x) => x.twoWorkerExPerSec));
        return [
          v,
          {
            trainExPerSec: train,
            inferExPerSec: infer,
            twoWorkerTrainExPerSec: two,
            twoOverOne: two / train,
            trainRatio: torchTrain === null ? null : train / torchTrain,
            inferRatio: torchInfer === null ? null : infer / torchInfer,
            trainRounds: rs.map((x) => x.trainExPerSec),
            peakRssMb: Math.max(...rs.map((x) => x.peakRssMb)),
            tfjsOpsTrainExPerSec: runs[p.name]![variants[0]!]![0]!.tfjsOpsTrainExPerSec,
            profile: first.profile,
          },
        ];
      }),
    );
    return {
      size: p.name,
      params: p.params,
      d: p.config.dModel,
      layers: p.config.nLayers,
      heads: p.config.nHeads,
      backend: runs[p.name]![variants[0]!]![0]!.backend,
      kernels: byVariant,
      torchTrainExPerSec: torchTrain,
      torchInferExPerSec: torchInfer,
      torchTrainRounds: t.map((x) => x.results[0]!.trainExPerSec),
    };
  });

  console.log(`\nmedians over ${ROUNDS} rounds (ex/s; ratio = optimpact ÷ PyTorch+OpenBLAS one thread):`);
  const geo: Record<string, number[]> = {};
  for (const row of rows) {
    for (const v of variants) {
      const k = row.kernels[v]!;
      const ratios = k.trainRatio === null ? '' : `; ratio train ${k.trainRatio.toFixed(2)}, infer ${k.inferRatio!.toFixed(2)}`;
      if (k.trainRatio !== null) (geo[v] ??= []).push(k.trainRatio);
      console.log(
        `${row.size.padEnd(2)} ${v.padEnd(4)} train ${f0(k.trainExPerSec).padStart(5)}, infer ${f0(k.inferExPerSec).padStart(6)}, two workers ×${k.twoOverOne.toFixed(2)} of one${ratios}`,
      );
    }
    if (row.torchTrainExPerSec !== null)
      console.log(`${row.size.padEnd(2)} torch train ${f0(row.torchTrainExPerSec).padStart(5)}, infer ${f0(row.torchInferExPerSec!).padStart(6)}`);
  }
  for (const [v, rs] of Object.entries(geo)) console.log(`${v}: geometric mean of the train ratios ${geoMean(rs).toFixed(2)}`);

  // Every target's ratio in one place, per build of the kernels (simd is the default).
  const targets = Object.fromEntries(
    variants.map((v) => {
      const k = rows.map((row) => ({ size: row.size, ...row.kernels[v]! }));
      const train = k.every((x) => x.trainRatio !== null) ? k.map((x) => x.trainRatio!) : null;
      const infer = k.every((x) => x.inferRatio !== null) ? k.map((x) => x.inferRatio!) : null;
      const two = k.map((x) => x.twoOverOne);
      return [
        v,
        {
          trainRatios: train,
          trainGeoMean: train === null ? null : geoMean(train),
          inferRatios: infer,
          inferGeoMean: infer === null ? null : geoMean(infer),
          twoWorkersOverOne: two,
          met: {
            trainEach: train === null ? null : train.every((x) => x >= TARGETS.trainEach),
            trainGeo: train === null ? null : geoMean(train) >= TARGETS.trainGeo,
            infer: infer === null ? null : infer.every((x) => x >= TARGETS.infer),
            twoWorkers: two.every((x) => x >= TARGETS.twoWorkers),
          },
        },
      ];
    }),
  );
  const sizes = rows.map((r) => r.size);
  const list = (xs: number[]): string => xs.map((x, i) => `${sizes[i]} ${x.toFixed(2)}`).join(', ');
  console.log(`\ntargets (ratio = optimpact ÷ PyTorch+OpenBLAS one thread; two workers = their summed train ex/s ÷ one's):`);
  for (const [v, t] of Object.entries(targets)) {
    if (t.trainRatios !== null) {
      console.log(`${v.padEnd(4)} train ≥ ${TARGETS.trainEach.toFixed(2)}× on every size: ${list(t.trainRatios)}: ${verdict(t.met.trainEach!)}`);
      console.log(`${v.padEnd(4)} train geometric mean ≥ ${TARGETS.trainGeo.toFixed(2)}×: ${t.trainGeoMean!.toFixed(2)}: ${verdict(t.met.trainGeo!)}`);
      console.log(
        `${v.padEnd(4)} inference ≥ ${TARGETS.infer.toFixed(2)}× on every size: ${list(t.inferRatios!)} (geometric mean ${t.inferGeoMean!.toFixed(2)}): ${verdict(t.met.infer!)}`,
      );
    } else console.log(`${v.padEnd(4)} train and inference ratios: no peer`);
    console.log(`${v.padEnd(4)} two workers ≥ ${TARGETS.twoWorkers.toFixed(2)}× one on every size: ${list(t.twoWorkersOverOne)}: ${verdict(t.met.twoWorkers)}`);
  }
  console.log('\nwhere a training step goes (first round; GEMM rates in GMAC/s; the rest is TF.js ops and JS):');
  for (const row of rows) {
    for (const v of variants) {
      const pr = row.kernels[v]!.profile!;
      const inKernels = Object.values(pr.kernels).reduce((a, e) => a + e.ms, 0);
      const parts = Object.entries(pr.kernels)
        .sort((a, b) => b[1].ms - a[1].ms)
        .map(([name, e]) => `${name} ${e.ms.toFixed(1)}${e.macs > 0 ? ` (${(e.macs / e.ms / 1e6).toFixed(1)})` : ''}`);
      console.log(`${row.size.padEnd(2)} ${v.padEnd(4)} step ${pr.stepMs.toFixed(1)} ms: ${parts.join(', ')}, rest ${(pr.stepMs - inKernels).toFixed(1)}`);
    }
  }
  const loadEnd = loadavg();
  const elapsedSeconds = (performance.now() - started) / 1000;
  console.log(
    `load average at end ${loadEnd.map((x) => x.toFixed(1)).join(' ')}; the bench took ${Math.floor(elapsedSeconds / 60)} min ${(elapsedSeconds % 60).toFixed(0)} s`,
  );

  const out = {
    created: new Date().toISOString(),
    elapsedSeconds,
    machine: { ...m, loadAverageStart: loadStart, loadAverageEnd: loadEnd },
    settings: { batch: 256, tokens: 20, secondsPerMeasurement: SECONDS, rounds: ROUNDS, backend, kernelVariants: variants },
    peer:
      'why' in peer
        ? { none: peer.why }
        : {
            source: peer.source,
            onOpenblas,
            threads: 1,
            torch: anyTorch?.torch ?? null,
            blasLoaded: anyTorch?.blas ?? null,
            openblasConfig: anyTorch?.openblasConfig ?? null,
          },
    targets: { wanted: TARGETS, byKernels: targets },
    gemm,
    sizes: rows,
  };
  mkdirSync(`${pkgRoot}bench/out`, { recursive: true });
  const file = `${pkgRoot}bench/out/latest.json`;
  writeFileSync(`${file}.tmp`, `${JSON.stringify(out, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  console.log(`wrote ${file}`);
}

const i = process.argv.indexOf('--child');
if (i >= 0) await child(process.argv[i + 1]!, { profile: process.argv.includes('--profile'), plain: process.argv.includes('--plain') });
else await main();
