#!/bin/bash
# Plan a delivery once, deliver it as a Slurm job array of N shards, then run `finish` after the
# array (afterany: a shard with one failed file exits 1, and finish is the judge).
#
#   cluster/slurm/submit.sh N PLAN RECIPE INPUT... --out DIR [plan options]
#
# PLAN and DIR must be on storage every node sees. Extra sbatch options (partition, account, time)
# go in $ROLLCALL_SBATCH_OPTIONS. Prints the array job id and the finish job id.
set -euo pipefail
if [ $# -lt 4 ]; then
    echo "usage: $0 N PLAN RECIPE INPUT... --out DIR [plan options]" >&2
    exit 2
fi
shards=$1
plan=$2
shift 2
case $shards in
    '' | *[!0-9]* | 0) echo "submit.sh: N must be a whole number of shards, at least 1" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
rollcall=${ROLLCALL_BIN:-rollcall}
# Exit 1 means some inputs were left out of the plan (they are named above); the rest is delivered.
status=0
"$rollcall" plan "$@" --plan-file "$plan" || status=$?
if [ "$status" -gt 1 ]; then
    echo "submit.sh: the plan is invalid (exit $status); nothing submitted" >&2
    exit "$status"
fi
# shellcheck disable=SC2086 # options are split on purpose
array=$(sbatch --parsable ${ROLLCALL_SBATCH_OPTIONS:-} --array="1-$shards" "$here/apply.sbatch" "$plan")
array=${array%%;*}
# shellcheck disable=SC2086
finish=$(sbatch --parsable ${ROLLCALL_SBATCH_OPTIONS:-} --dependency="afterany:$array" "$here/finish.sbatch" "$plan")
finish=${finish%%;*}
echo "array $array"
echo "finish $finish"
