#!/usr/bin/env bash
# Starts a one-node Slurm on this machine for expool's tests, without
# systemd: Debian's munge, slurmctld and slurmd (installed with apt-get where
# missing), a munge key, /etc/slurm/slurm.conf, the daemons; then waits until
# sinfo shows the node idle. Idempotent: run again, it starts only what is not
# running and rewrites the configuration only if it changed. A slurm.conf this
# script did not write is left alone: that Slurm is used as it is.
#
#   tests/slurm/start.sh          (as root, or as a user who may sudo)
#
# The node declares more CPUs than the machine has (SlurmdParameters=
# config_overrides), so that the tests' jobs run at once. Partitions: "expool",
# the default; "accounts", which admits only the account "expool" (a refusal
# the tests can provoke without accounting storage).
set -euo pipefail

sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
conf=/etc/slurm/slurm.conf
marker="# Written by expool's tests/slurm/start.sh"
begin=$(date +%s%N)
say() { echo "slurm: $*" >&2; }

state() { timeout 10 sinfo -h -N -o %t 2>/dev/null | head -n1; }
idle() { case "$(state)" in idle | mix | alloc) return 0 ;; esac; return 1; }

if [ -f "$conf" ] && ! grep -qF "$marker" "$conf"; then
	say "$conf was not written by this script: using that Slurm as it is"
	idle || { say "but sinfo shows no idle node"; exit 1; }
	exit 0
fi

missing=()
for pkg in munged:munge slurmctld:slurmctld slurmd:slurmd srun:slurm-client; do
	cmd=${pkg%%:*}
	command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("${pkg#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

host=$(hostname -s)
cpus=64

# munge: a key, its directories, the daemon.
$sudo install -d -o munge -g munge -m 0700 /etc/munge /var/log/munge
$sudo install -d -o munge -g munge -m 0711 /var/lib/munge
$sudo install -d -o munge -g munge -m 0755 /run/munge
if ! $sudo test -s /etc/munge/munge.key; then
	$sudo sh -c 'umask 0277; dd if=/dev/urandom bs=1 count=1024 status=none > /etc/munge/munge.key'
	$sudo chown munge:munge /etc/munge/munge.key
fi
munge_ok() { munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; }
if ! munge_ok; then
	$sudo runuser -u munge -- /usr/sbin/munged
	for _ in $(seq 100); do munge_ok && break; sleep 0.05; done
fi

# slurm.conf: one node, no cgroups (proctrack/linuxproc), no accounting
# storage; jobs and steps start at once (batch_sched_delay=0); a request that
# no node can satisfy is refused rather than left pending (EnforcePartLimits);
# a job's processes get SIGKILL 2 s after SIGTERM when it is cancelled.
new=$(mktemp)
trap 'rm -f "$new"' EXIT
cat >"$new" <<CONF
$marker; it rewrites it when it changes.
ClusterName=expool
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
EnforcePartLimits=ALL
SlurmdParameters=config_overrides
ReturnToService=2
KillWait=2
MinJobAge=30
InactiveLimit=0
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=16000 State=UNKNOWN
PartitionName=expool Nodes=$host Default=YES MaxTime=INFINITE State=UP
PartitionName=accounts Nodes=$host AllowAccounts=expool MaxTime=INFINITE State=UP
CONF
$sudo install -d -m 0755 /etc/slurm /var/log/slurm /var/spool/slurmctld /var/spool/slurmd
changed=false
if ! cmp -s "$new" "$conf"; then
	$sudo install -m 0644 "$new" "$conf"
	changed=true
fi

# The daemons: started unless running; a running controller rereads a changed file.
running() { [ -f "$1" ] && $sudo kill -0 "$(cat "$1")" 2>/dev/null; }
if running /run/slurmctld.pid; then
	$changed && $sudo scontrol reconfigure
else
	$sudo /usr/sbin/slurmctld
fi
running /run/slurmd.pid || $sudo /usr/sbin/slurmd

for _ in $(seq 600); do
	s=$(state)
	case "$s" in
	idle | mix | alloc)
		say "node $host $s, $cpus CPUs, after $(( ($(date +%s%N) - begin) / 1000000 )) ms"
		exit 0 ;;
	down* | drain*)
		# A node that was stopped may stay down until told otherwise.
		$sudo scontrol update nodename="$host" state=resume 2>/dev/null || true ;;
	esac
	sleep 0.1
done
say "the node is not idle after 60 s:"
sinfo -N -l >&2 || true
$sudo tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
exit 1
