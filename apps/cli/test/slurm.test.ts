/**
 * End-to-end (slow): the cluster path on a real Slurm. The test starts munged, slurmctld and slurmd on
 * localhost itself (configs in a temp dir, no systemd), submits examples/slurm/study.sh — the README's
 * example — as a 4-task array job running the tiny study with `--shard`, and checks that every task
 * succeeded and that `optimpact report` over the four shard directories sees records equal to one
 * uninterrupted run's. Skipped only when Slurm is not installed and CI is unset; under CI it fails.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const main = join(repo, 'apps/cli/dist/main.js');
const SLURM = ['/usr/sbin/munged', '/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/bin/sbatch', '/usr/bin/squeue', '/usr/bin/scontrol'];
const available = SLURM.every((f) => existsSync(f));
const STUDY = ['--preset', 'tiny', '--set', 'seeds=[1,2,3,4]', '--set', 'tasks=[2]'];

/** The numbers of every record under the directories' runs/, without timings and provenance. */
function numbers(dirs: readonly string[]): Record<string, unknown> {
  const entries = dirs.flatMap((dir) =>
    readdirSync(join(dir, 'runs')).map((id) => {
      const { provenance: _p, timings: _t, ...rest } = JSON.parse(readFileSync(join(dir, 'runs', id, 'run.json'), 'utf8')) as Record<string, unknown>;
      return [id, rest] as const;
    }),
  );
  return Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)));
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function until(what: string, ok: () => boolean, seconds: number): Promise<void> {
  for (let t = 0; t < seconds; t += 2) {
    if (ok()) return;
    await sleep(2000);
  }
  throw new Error(`timed out after ${seconds} s waiting for ${what}`);
}

if (!available && process.env.CI === undefined) {
  test.skip(`Slurm tests: ${SLURM.join(', ')} not installed (apt-get install -y slurm-wlm munge); CI unset, so skipped`, () => {});
} else {
  describe('the Slurm example on a one-node Slurm', () => {
    const dir = mkdtempSync(join(tmpdir(), 'optimpact-slurm-'));
    const conf = join(dir, 'slurm.conf');
    const env = { ...process.env, SLURM_CONF: conf };
    const daemons: ChildProcess[] = [];
    const log = (name: string) => join(dir, 'log', name);
    const slurm = (cmd: string, ...args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', env });
    const daemon = (cmd: string, ...args: string[]) => {
      const p = spawn(cmd, args, { env, stdio: 'ignore' });
      daemons.push(p);
      return p;
    };

    beforeAll(async () => {
      if (!available) throw new Error(`Slurm is not installed (${SLURM.join(', ')}); under CI it must be: .ci/run installs slurm-wlm and munge`);
      for (const d of ['munge', 'state', 'spool', 'log']) mkdirSync(join(dir, d), { mode: 0o700 });
      chmodSync(dir, 0o755); // munged wants its socket's directories searchable
      const key = join(dir, 'munge', 'munge.key');
      writeFileSync(key, randomBytes(1024), { mode: 0o400 });
      const socket = join(dir, 'munge', 'munge.socket');
      daemon(
        '/usr/sbin/munged',
        '--foreground',
        '--force',
        `--socket=${socket}`,
        `--key-file=${key}`,
        `--log-file=${log('munged.log')}`,
        `--pid-file=${join(dir, 'munge', 'munged.pid')}`,
        `--seed-file=${join(dir, 'munge', 'munged.seed')}`,
      );
      await until('munged', () => existsSync(socket), 30);
      const node = hostname().split('.')[0]!;
      const [ctld, slurmd] = [await freePort(), await freePort()];
      writeFileSync(
        conf,
        [
          'ClusterName=optimpact-test',
          `SlurmctldHost=${node}(127.0.0.1)`,
          `SlurmctldPort=${ctld}`,
          `SlurmdPort=${slurmd}`,
          'AuthType=auth/munge',
          'CredType=cred/munge',
          `AuthInfo=socket=${socket}`,
          'SlurmUser=root',
          'SlurmdUser=root',
          `StateSaveLocation=${join(dir, 'state')}`,
          `SlurmdSpoolDir=${join(dir, 'spool')}`,
          `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
          `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
          `SlurmctldLogFile=${log('slurmctld.log')}`,
          `SlurmdLogFile=${log('slurmd.log')}`,
          'ProctrackType=proctrack/linuxproc',
          'TaskPlugin=task/none',
          'MpiDefault=none',
          'SwitchType=switch/none',
          'SelectType=select/cons_tres',
          'SelectTypeParameters=CR_Core',
          'SchedulerType=sched/builtin',
          'ReturnToService=2',
          'JobCompType=jobcomp/none',
          'JobAcctGatherType=jobacct_gather/none',
          'AccountingStorageType=accounting_storage/none',
          'MinJobAge=3600',
          `NodeName=${node} NodeAddr=127.0.0.1 CPUs=${cpus().length} State=UNKNOWN`,
          'PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
          '',
        ].join('\n'),
      );
      daemon('/usr/sbin/slurmctld', '-D', '-i', '-f', conf);
      daemon('/usr/sbin/slurmd', '-D', '-f', conf);
      await until('an idle Slurm node', () => /idle/.test(slurm('sinfo', '-h', '-o', '%T').stdout), 90);
    }, 180_000);

    afterAll(async () => {
      for (const p of daemons.reverse()) p.kill('SIGTERM');
      await sleep(1000);
      rmSync(dir, { recursive: true, force: true });
    });

    it("runs the tiny study as a 4-task array job whose shards merge into one uninterrupted run's records", async () => {
      const out = join(dir, 'runs');
      const submitted = slurm(
        'sbatch',
        '--parsable',
        '--array=1-4',
        `--chdir=${repo}`,
        `--output=${log('task-%a.out')}`,
        join(repo, 'examples/slurm/study.sh'),
        out,
        ...STUDY,
      );
      expect(submitted.stderr).toBe('');
      const job = submitted.stdout.trim().split(';')[0]!;
      expect(job).toMatch(/^\d+$/);
      // The uninterrupted run, meanwhile.
      const full = join(dir, 'full');
      const whole = spawn(process.execPath, [main, 'study', ...STUDY, '--out', full], { stdio: 'ignore' });
      const wholeExit = new Promise<number | null>((done) => whole.on('exit', done));
      await until(`array job ${job}`, () => slurm('squeue', '-h', '-j', job).stdout.trim() === '', 1500);
      expect(await wholeExit).toBe(0);

      const tasks = slurm('scontrol', '-o', 'show', 'job', job).stdout.trim().split('\n');
      const logs = [1, 2, 3, 4].map((i) => (existsSync(log(`task-${i}.out`)) ? readFileSync(log(`task-${i}.out`), 'utf8') : '(no output)')).join('\n');
      const states = tasks.map((l) => `${/JobState=(\S+)/.exec(l)?.[1]} ${/ExitCode=(\S+)/.exec(l)?.[1]}`);
      if (states.length !== 4 || states.some((x) => x !== 'COMPLETED 0:0')) throw new Error(`array tasks: ${states.join(', ')}\n${logs}`);
      const shards = [1, 2, 3, 4].map((i) => join(out, `shard-${i}`));
      for (const s of shards) expect(readdirSync(join(s, 'runs')).length).toBeGreaterThan(0);

      const report = spawnSync(process.execPath, [main, 'report', '--runs', ...shards, '--out', join(out, 'report.html')], { encoding: 'utf8' });
      expect(report.stderr).toBe('');
      expect(report.status).toBe(0);
      const records = Object.keys(numbers([full])).length;
      expect(report.stdout).toContain(`(${records} records)`);
      expect(numbers(shards)).toEqual(numbers([full]));
    }, 1_800_000);
  });
}
