#!/usr/bin/env bash
# The failure check of dist/ (issue 17): `dist_checks failure` under mpirun -np 2, where rank 1
# throws in the middle of training while rank 0 waits in the next collective. Passes when the
# job exits non-zero within LIMIT seconds, rank 1's message is on stderr with its rank, and no
# rank finished training.  Usage: expect_failure.sh MPIRUN DIST_CHECKS
set -uo pipefail
MPIRUN="$1"
CHECKS="$2"
LIMIT=20
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
start=$(date +%s)
# The timeout is the hang guard: a job still running after 3 LIMIT seconds is a hang.
timeout $((3 * LIMIT)) "$MPIRUN" -np 2 --oversubscribe "$CHECKS" failure >"$out" 2>&1
status=$?
elapsed=$(($(date +%s) - start))
cat "$out"
echo "expect_failure: exit status $status after ${elapsed}s"
fail() { echo "expect_failure: FAIL: $*"; exit 1; }
((status != 0)) || fail "the job exited 0"
((status != 124)) || fail "the job hung (killed by timeout after $((3 * LIMIT))s)"
((elapsed <= LIMIT)) || fail "the job took ${elapsed}s to end (limit ${LIMIT}s)"
grep -q "rank 1/2: dist_checks: deliberate failure on rank 1 at batch 2" "$out" ||
  fail "rank 1's message (with its rank) is not in the output"
if grep -q "finished training" "$out"; then fail "a rank finished training"; fi
echo "expect_failure: ok"
