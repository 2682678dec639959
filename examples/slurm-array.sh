#!/bin/bash
# A Slurm array job that renders examples/grid.json with one task per shard into one shared folder
# (docs/batch.md). Submit from the repository root: sbatch examples/slurm-array.sh
#SBATCH --job-name=jielong-grid
#SBATCH --array=0-3
#SBATCH --cpus-per-task=2
#SBATCH --output=jielong-grid_%A_%a.log
set -euo pipefail
out=${JIELONG_OUT:-$PWD/renders}
build/studio/jielong batch examples/grid.json --out "$out" \
  --shard "${SLURM_ARRAY_TASK_ID}/${SLURM_ARRAY_TASK_COUNT}" --threads "${SLURM_CPUS_PER_TASK:-1}"
