#!/usr/bin/env bash
#SBATCH --job-name=optimpact-study
#SBATCH --output=slurm-%A_%a.out
# One shard of an optimpact study per Slurm array task. Build once (`pnpm build`), then from the
# repository root (its pnpm brings the Node the project runs on):
#
#   sbatch --array=1-8 --cpus-per-task=2 examples/slurm/study.sh runs/paper --preset paper
#
# Array task i of n runs shard i/n (whole size × seed chains) into OUT/shard-i, with as many worker
# threads as the task has CPUs; its exit status is the study's (0 only when every unit of the shard
# succeeded). When all tasks are done, merge the shards anywhere:
#
#   pnpm optimpact report --runs runs/paper/shard-* --out runs/paper/report.html
#
# The end-to-end test apps/cli/test/slurm.test.ts runs this very script on a one-node Slurm.
set -euo pipefail
out=$1
shift
exec pnpm exec node apps/cli/dist/main.js study "$@" --jobs "${SLURM_CPUS_PER_TASK:-1}" \
  --shard "${SLURM_ARRAY_TASK_ID}/${SLURM_ARRAY_TASK_COUNT}" --out "${out}/shard-${SLURM_ARRAY_TASK_ID}"
