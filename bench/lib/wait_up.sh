# shellcheck shell=bash
# Sourced by the server benchmarks. Needs die.
#
# wait_up URL PID LOG: until URL/api/v1/projects answers; dies with LOG when the
# process PID exits first or 60 s pass.
wait_up() {
    local deadline=$((SECONDS + 60))
    until curl -fsS -o /dev/null "$1/api/v1/projects" 2>/dev/null; do
        kill -0 "$2" 2>/dev/null || { cat "$3" >&2; die "$1: the process exited"; }
        [ "$SECONDS" -lt "$deadline" ] || { cat "$3" >&2; die "$1: not up in 60 s"; }
        sleep 0.1
    done
}
