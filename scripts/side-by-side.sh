# Sourced by the test scripts: runs tests side by side, each with its own pass
# line and time, printing each one's output whole when it ends.
#   spawn <name> <command...>   starts one in the background
#   collect                     waits for those started; fails if any did

pids=()
logs=()
spawn() {
	local name=$1 log
	shift
	log=$(mktemp /tmp/utc-side-by-side.XXXXXX)
	(
		start=$SECONDS
		if "$@" >"$log" 2>&1; then
			echo "$name: passed in $((SECONDS - start)) s" >>"$log"
		else
			echo "$name: FAILED after $((SECONDS - start)) s" >>"$log"
			exit 1
		fi
	) &
	pids+=("$!")
	logs+=("${log}")
}
collect() {
	local status=0 i
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || status=1
		cat "${logs[$i]}"
		rm -f "${logs[$i]}"
	done
	pids=()
	logs=()
	return "$status"
}
