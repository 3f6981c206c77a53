# shellcheck shell=bash
# Progress lines for the long tool builds (hack/envtest/build.sh,
# hack/promtool/build.sh). A cold build takes 15-25 minutes on 2 cores, an
# hour on a busy machine; without a line per step it looks like a hang.
#
# Every line goes to stderr: the callers' stdout is the one path line that
# Makefile targets and internal/testenv capture with $(...).
#
# Sourced, not executed. Tests replace progress_now to fake the clock.

# progress_now prints the current time in whole seconds since the epoch.
progress_now() { date +%s; }

# progress_duration prints a number of seconds as 7s, 4m05s or 1h02m00s.
progress_duration() {
  local s=$1
  if ((s >= 3600)); then
    printf '%dh%02dm%02ds' $((s / 3600)) $((s % 3600 / 60)) $((s % 60))
  elif ((s >= 60)); then
    printf '%dm%02ds' $((s / 60)) $((s % 60))
  else
    printf '%ds' "$s"
  fi
}

# progress_say prints one line, prefixed with the tool's name, to stderr.
progress_say() { printf '%s: %s\n' "${PROGRESS_TOOL:-build}" "$*" >&2; }

# progress_begin TOOL TOTAL starts the clock for a build of TOTAL steps.
progress_begin() {
  PROGRESS_TOOL=$1
  PROGRESS_TOTAL=$2
  PROGRESS_STEP=0
  PROGRESS_T0=$(progress_now)
}

# progress_step NAME COMMAND... runs COMMAND (its stdout sent to stderr),
# with a line as it starts and a line as it ends: the step's time and the
# total so far, or the failure and the command's exit status, which it
# returns.
progress_step() {
  local name=$1
  shift
  PROGRESS_STEP=$((PROGRESS_STEP + 1))
  local tag="[$PROGRESS_STEP/$PROGRESS_TOTAL]"
  local start rc=0
  start=$(progress_now)
  progress_say "$tag building $name ..."
  "$@" >&2 || rc=$?
  local now
  now=$(progress_now)
  local took total
  took=$(progress_duration $((now - start)))
  total=$(progress_duration $((now - PROGRESS_T0)))
  if ((rc != 0)); then
    progress_say "$tag $name failed after $took (exit status $rc)"
    return "$rc"
  fi
  progress_say "$tag built $name in $took (total $total)"
}
