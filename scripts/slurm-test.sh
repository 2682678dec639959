#!/usr/bin/env bash
# `make slurm-test`: a real Slurm array job on this one machine. Starts munged, slurmctld and slurmd on
# loopback with a configuration of its own (in a temporary folder; nothing under /etc/slurm is
# touched), submits `jielong batch examples/grid.json --shard I/2` as a 2-task array, waits, checks
# that the union of the shards' outputs equals a single-process run byte for byte, and stops every
# daemon it started. Needs root (the daemons) and Debian's slurm-wlm and munge
# (scripts/install-deps.sh --slurm installs them).
#   scripts/slurm-test.sh [JIELONG_BINARY]
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
jielong=$(realpath "${1:-$here/build/studio/jielong}")
jobs="$here/examples/grid.json"
[[ -x "$jielong" ]] || { echo "slurm-test: $jielong is not built; run make build" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || { echo "slurm-test: needs root to run munged, slurmctld and slurmd" >&2; exit 1; }
"$here/scripts/install-deps.sh" --slurm >/dev/null

work=$(mktemp -d /tmp/jielong-slurm.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  set +e
  [[ -n "${SLURM_CONF:-}" ]] && scancel --quiet --user=root 2>/dev/null
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  sleep 1
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

# munge: its own key, socket and pid file in the work folder, run as the munge user.
mkdir -p "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chown -R munge:munge "$work/munge"
chmod 711 "$work/munge"  # the socket must be reachable by every user
chmod 400 "$work/munge/munge.key"
socket="$work/munge/munge.socket"
runuser -u munge -- /usr/sbin/munged --key-file="$work/munge/munge.key" --socket="$socket" \
  --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" --seed-file="$work/munge/seed"
sleep 0.5
pids+=("$(cat "$work/munge/munged.pid")")

node=$(hostname -s)
cpus=$(nproc)
mkdir -p "$work/state" "$work/spool" "$work/shared" "$work/single"
export SLURM_CONF="$work/slurm.conf"  # absolute: the daemons and the client commands read it
cat >"$SLURM_CONF" <<EOF
ClusterName=jielong
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF

slurmctld -i
slurmd
sleep 1
pids+=("$(cat "$work/slurmctld.pid")" "$(cat "$work/slurmd.pid")")
for _ in $(seq 60); do
  state=$(sinfo -h -n "$node" -o %t 2>/dev/null || true)
  [[ "$state" == idle* ]] && break
  sleep 1
done
[[ "$state" == idle* ]] || { echo "slurm-test: the node never became idle (state '$state'); see $work/*.log" >&2; tail -5 "$work"/*.log >&2; exit 1; }
echo "slurm-test: slurmctld and slurmd up on $node (loopback), $cpus CPUs"

# The array: one task per shard, each with one core, writing into one shared folder.
sbatch --wait --quiet --array=0-1 --cpus-per-task=1 --output="$work/task-%a.log" \
  --wrap="'$jielong' batch '$jobs' --out '$work/shared' --shard \${SLURM_ARRAY_TASK_ID}/\${SLURM_ARRAY_TASK_COUNT} --threads 1" ||
  { echo "slurm-test: the array job failed:" >&2; cat "$work"/task-*.log >&2; exit 1; }
cat "$work"/task-*.log | grep -E "^batch:|item\(s\)" || true
ls "$work/shared"/jielong-batch.shard-0-of-2.jsonl "$work/shared"/jielong-batch.shard-1-of-2.jsonl >/dev/null

"$jielong" batch "$jobs" --out "$work/single" --threads "$cpus" -q
shards=$(find "$work/shared" -type f ! -name 'jielong-batch*' | wc -l)
single=$(find "$work/single" -type f ! -name 'jielong-batch*' | wc -l)
if diff -r -x 'jielong-batch*' "$work/shared" "$work/single" >/dev/null && [[ "$shards" -gt 0 ]]; then
  echo "slurm-test: PASS: the 2 array tasks wrote $shards outputs, byte for byte those of a single process"
else
  echo "slurm-test: FAIL: the shards' outputs ($shards files) differ from a single process's ($single files)" >&2
  diff -r -q -x 'jielong-batch*' "$work/shared" "$work/single" >&2 || true
  exit 1
fi
