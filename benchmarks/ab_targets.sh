#!/usr/bin/env bash
# Build the same workflow targets from scratch with two revisions of this repository, in
# alternating rounds, and print the wall time of each: a code change's cost measured side by
# side, in the same hour, on the same machine (whose speed can vary more from day to day than
# the change being measured).
#
#   benchmarks/ab_targets.sh OLD_REV NEW_REV ROUNDS TARGET...
#   e.g. benchmarks/ab_targets.sh b5ee302 HEAD 2 results/synth/sae/all/sae/codes.npz
#
# Each revision is checked out into a temporary git worktree; its jobs import the library of
# that worktree (PYTHONPATH), with this checkout's .venv. The worktrees are removed at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 4 ]; then
    echo "usage: $0 OLD_REV NEW_REV ROUNDS TARGET..." >&2
    exit 2
fi
old=$1 new=$2 rounds=$3
shift 3
python=${PYTHON:-$PWD/.venv/bin/python}
[ -x "$python" ] || { echo "no Python at $python: run make install, or set PYTHON" >&2; exit 2; }
tmp=$(mktemp -d)
cleanup() {
    for side in old new; do git worktree remove --force "$tmp/$side" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
git worktree add --quiet --detach "$tmp/old" "$old"
git worktree add --quiet --detach "$tmp/new" "$new"
printf 'round\trevision\tseconds\n'
for round in $(seq "$rounds"); do
    for side in old new; do
        rev=$([ "$side" = old ] && echo "$old" || echo "$new")
        rm -rf "$tmp/$side/results" "$tmp/$side/.snakemake"
        start=$(date +%s.%N)
        (cd "$tmp/$side" && PYTHONPATH="$tmp/$side/src" "$python" -m snakemake --cores 2 "$@" \
            > "$tmp/$side.log" 2>&1) || { echo "$rev failed; its log:" >&2; tail -30 "$tmp/$side.log" >&2; exit 1; }
        end=$(date +%s.%N)
        awk -v r="$round" -v v="$rev" -v s="$start" -v e="$end" 'BEGIN { printf "%s\t%s\t%.1f\n", r, v, e - s }'
    done
done
