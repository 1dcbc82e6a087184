/**
 * `optimpact differential`'s output: the measured trio P → A → F as one JSON object or as a table (nats).
 */
import type { TrioMeasurement } from './profile.js';
import type { Position } from './types.js';

/** What the output names besides the measurement: the model directory, the environment, the seed and the backend. */
export interface DifferentialInfo {
  readonly model: string;
  readonly env: string;
  readonly seed: number;
  readonly backend: string;
}

const num = (x: number | null): string => (x === null ? 'n/a' : x.toFixed(4).replace(/^-(0\.0+)$/, '$1'));
const pos = (p: Position): string => String(p);

/** The command's JSON object. */
export function differentialJson(m: TrioMeasurement, info: DifferentialInfo): object {
  const ref = (role: 'p' | 'a' | 'f') => ({ site: m.trio[role].site, position: m.trio[role].position, dim: m.dims[role] });
  return {
    model: info.model,
    env: info.env,
    backend: info.backend,
    seed: info.seed,
    contexts: m.contexts,
    units: 'nats',
    p: ref('p'),
    a: ref('a'),
    f: ref('f'),
    op: m.op,
    imp: m.imp,
    rankDeficient: m.rankDeficient,
    seCovers: m.seCovers,
    ...(m.undefinedReason !== undefined ? { undefinedReason: m.undefinedReason } : {}),
    ...(m.chainResidual !== undefined ? { chainResidual: { mean: m.chainResidual.mean, n: m.chainResidual.n } } : {}),
    msPerContext: m.msPerContext,
  };
}

export function differentialTable(m: TrioMeasurement, info: DifferentialInfo): string {
  const ref = (role: 'p' | 'a' | 'f') => `${m.trio[role].site}[${pos(m.trio[role].position)}] (dim ${m.dims[role]})`;
  const row = (label: string, e: { mean: number | null; se: number | null; n: number }) =>
    `${label.padEnd(20)}${num(e.mean).padStart(9)} ± ${num(e.se)}   n = ${e.n}`;
  return [
    `P = ${ref('p')} → A = ${ref('a')} → F = ${ref('f')}`,
    `${m.contexts} contexts · seed ${info.seed} · ${info.env} · model ${info.model} · ${info.backend}`,
    `${''.padEnd(20)}     mean ± s.e.`,
    row('Op_diff (nats)', m.op),
    row('Imp_diff (nats)', m.imp),
    `${'rank deficient'.padEnd(20)}${String(m.rankDeficient).padStart(9)} of ${m.contexts} contexts${m.undefinedReason !== undefined ? ` (first: ${m.undefinedReason})` : ''}`,
    ...(m.chainResidual !== undefined ? [`${'‖J−B−CK‖/‖J‖'.padEnd(20)}${m.chainResidual.mean.toExponential(1).padStart(9)}`] : []),
    `${'time per context'.padEnd(20)}${m.msPerContext.toFixed(0).padStart(9)} ms`,
    `s.e. covers ${m.seCovers}`,
  ].join('\n');
}
