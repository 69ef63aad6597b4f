# What the benchmark scripts share; sourced after setting `work` (a
# temporary folder).
#   timed NAME COMMAND...   runs COMMAND with GNU time, its output in
#                           $work/NAME.out and .err; prints "NAME SECONDS
#                           PEAK_MB". Exit 1 is a result (findings) for the
#                           names listed in $exit_one_ok; any other failure
#                           ends the benchmark with the command's last lines.
timed() {
  local name=$1 rc=0; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
  if [ "$rc" -ne 0 ] && { [ "$rc" -ne 1 ] || [[ " ${exit_one_ok:-} " != *" $name "* ]]; }; then
    echo "$name failed (exit $rc):" >&2; tail -5 "$work/$name.err" >&2; exit 1
  fi
  read -r secs kb < <(tail -1 "$work/time")
  echo "$name $secs $((kb / 1024))"
}
