// optimpact runs on Node.js ≥ 24 (relaxed-SIMD kernels; Node 20 is end-of-life). `pnpm install` puts
// Node 24 from the npm registry (the root's node-linux-* dependency) first on every script's PATH; this
// refuses anything older with one line, e.g. when a script is started with the system's node directly.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `optimpact needs Node.js >= 24, this is ${process.version}: run it through pnpm (pnpm install provides Node 24 on linux-x64/arm64) or install Node 24 LTS`,
  );
  process.exit(1);
}
