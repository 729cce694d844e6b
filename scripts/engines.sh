#!/usr/bin/env bash
# Brings up, on this host, the job engines the agent's tests run against, and
# takes them down again:
#   scripts/engines.sh up     podman configured for this host + a local busybox
#                             image; a single-node Slurm cluster (munge,
#                             slurmctld, slurmd) on localhost
#   scripts/engines.sh down   stops the Slurm daemons (and munged, if `up`
#                             started it) by PID
# Everything lives in $UTC_ENGINES_DIR (default /tmp/utc-engines); `up` prints
# the environment the tests read (eval it, or source scripts/engines.env).
set -euo pipefail
dir="${UTC_ENGINES_DIR:-/tmp/utc-engines}"
slurm="$dir/slurm"

die() { echo "engines: $*" >&2; exit 1; }

podman_up() {
	command -v podman >/dev/null || die "podman is not installed (scripts/setup.sh installs it)"
	mkdir -p "$dir"
	# This host: no systemd, hybrid cgroup v1, root without CAP_SYS_RESOURCE.
	cat >"$dir/containers.conf" <<-CONF
	[containers]
	default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
	[engine]
	runtime = "runc"
	cgroup_manager = "cgroupfs"
	events_logger = "file"
	CONF
	export CONTAINERS_CONF="$dir/containers.conf"
	if ! podman image exists localhost/busybox:local; then
		local root="$dir/busybox-root"
		rm -rf "$root"; mkdir -p "$root/bin" "$root/tmp" "$root/out"
		cp /bin/busybox "$root/bin/busybox"
		for applet in $("$root/bin/busybox" --list); do
			[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
		done
		tar -C "$root" -c . | podman import --quiet --change 'CMD ["/bin/sh"]' \
			--change 'ENV PATH=/bin' - localhost/busybox:local >/dev/null
	fi
	podman run --rm --init --network none localhost/busybox:local true ||
		die "podman cannot run a container on this host"
}

slurm_up() {
	command -v slurmctld >/dev/null || die "Slurm is not installed (scripts/setup.sh installs it)"
	slurm_down
	mkdir -p "$slurm/ctld" "$slurm/d"
	[ -f "$slurm/jwt.key" ] || { head -c 32 /dev/urandom >"$slurm/jwt.key"; chmod 600 "$slurm/jwt.key"; }
	local mem; mem=$(awk '/MemTotal/ {print int($2 / 1024 / 2)}' /proc/meminfo)
	cat >"$slurm/slurm.conf" <<-CONF
	ClusterName=utc
	SlurmctldHost=localhost
	SlurmUser=root
	AuthType=auth/munge
	AuthAltTypes=auth/jwt
	AuthAltParameters=jwt_key=$slurm/jwt.key
	StateSaveLocation=$slurm/ctld
	SlurmdSpoolDir=$slurm/d
	SlurmctldPidFile=$slurm/slurmctld.pid
	SlurmdPidFile=$slurm/slurmd.pid
	SlurmctldLogFile=$slurm/slurmctld.log
	SlurmdLogFile=$slurm/slurmd.log
	ProctrackType=proctrack/linuxproc
	TaskPlugin=task/none
	JobAcctGatherType=jobacct_gather/none
	AccountingStorageType=accounting_storage/none
	JobCompType=jobcomp/filetxt
	JobCompLoc=$slurm/jobcomp.txt
	SelectType=select/cons_tres
	SelectTypeParameters=CR_Core
	DefMemPerCPU=100
	MinJobAge=3600
	MaxJobCount=100000
	ReturnToService=2
	MpiDefault=none
	MailProg=/bin/true
	SchedulerParameters=batch_sched_delay=0,sched_min_interval=0,default_queue_depth=1000
	SlurmdParameters=config_overrides
	NodeName=localhost CPUs=32 Sockets=1 CoresPerSocket=32 ThreadsPerCore=1 RealMemory=$mem State=UNKNOWN
	PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
	CONF
	export SLURM_CONF="$slurm/slurm.conf"
	if ! pgrep -x munged >/dev/null; then
		install -d -o munge -g munge /run/munge
		runuser -u munge -- munged
		touch "$slurm/munged.ours"
	fi
	slurmctld -f "$SLURM_CONF"
	slurmd -f "$SLURM_CONF" -N localhost
	for _ in $(seq 1 100); do
		[ "$(sinfo -h -o %T 2>/dev/null)" = idle ] && return 0
		sleep 0.2
	done
	tail -n 20 "$slurm/slurmctld.log" "$slurm/slurmd.log" >&2 || true
	die "Slurm did not come up (node not idle after 20 s)"
}

slurm_down() {
	local pid
	for daemon in slurmd slurmctld; do
		[ -f "$slurm/$daemon.pid" ] || continue
		pid=$(cat "$slurm/$daemon.pid")
		if kill "$pid" 2>/dev/null; then
			for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
			kill -9 "$pid" 2>/dev/null || true
		fi
		rm -f "$slurm/$daemon.pid"
	done
}

# munged only if this script started it.
munge_down() {
	[ -f "$slurm/munged.ours" ] || return 0
	local pid; pid=$(cat /run/munge/munged.pid 2>/dev/null || true)
	if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
		for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	fi
	rm -f "$slurm/munged.ours"
}

case "${1:-}" in
up)
	podman_up
	slurm_up
	printf 'export CONTAINERS_CONF=%q\nexport SLURM_CONF=%q\n' "$CONTAINERS_CONF" "$SLURM_CONF" >"$dir/engines.env"
	cat "$dir/engines.env"
	;;
down) slurm_down; munge_down ;;
*) die "usage: $0 up|down" ;;
esac
