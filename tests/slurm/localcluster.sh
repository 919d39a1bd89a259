#!/usr/bin/env bash
# A one-node SLURM cluster on localhost for the cluster tests.
#   localcluster.sh start STATE_DIR   write /etc/slurm/slurm.conf, start munged, slurmctld, slurmd
#   localcluster.sh stop STATE_DIR    stop exactly the daemons that `start` recorded in STATE_DIR
# Refuses to touch a slurm.conf it did not write; without accounting, use squeue for job status.
set -euo pipefail
cmd=${1:?usage: localcluster.sh start|stop STATE_DIR}
state=$(mkdir -p "${2:?STATE_DIR missing}" && cd "$2" && pwd)
conf=/etc/slurm/slurm.conf
marker="# aelatent local test cluster: $state"

start() {
  if [ -f "$conf" ] && ! grep -qxF "$marker" "$conf"; then
    echo "refusing to overwrite $conf: not written by this script for $state" >&2
    exit 1
  fi
  mkdir -p "$state/ctld" "$state/spool" /etc/slurm
  local cpus mem
  cpus=$(nproc)
  mem=$(awk '/MemAvailable/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)
  cat > "$conf" <<CONF
$marker
ClusterName=aelatent
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
ReturnToService=2
# completed jobs stay visible to scontrol for the whole of a slow test run
MinJobAge=7200
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
  if ! pgrep -x munged >/dev/null; then
    mkdir -p /run/munge /var/log/munge
    chown munge:munge /run/munge /var/log/munge
    [ -f /etc/munge/munge.key ] || { mungekey --create 2>/dev/null || create-munge-key -f; }
    runuser -u munge -- /usr/sbin/munged
    pgrep -x munged > "$state/munged.pid"
  fi
  /usr/sbin/slurmctld -i
  /usr/sbin/slurmd -N localhost
  for _ in $(seq 60); do
    if sinfo -h -o %T 2>/dev/null | grep -qE '^idle'; then
      echo "cluster up: $(sinfo -h -o '%P %D %c %m %T')"
      return 0
    fi
    sleep 0.5
  done
  echo "cluster did not come up; see $state/slurmctld.log and $state/slurmd.log" >&2
  exit 1
}

stop() {
  for daemon in slurmd slurmctld munged; do
    pidfile="$state/$daemon.pid"
    if [ -f "$pidfile" ]; then
      pid=$(cat "$pidfile")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      rm -f "$pidfile"
    fi
  done
  if [ -f "$conf" ] && grep -qxF "$marker" "$conf"; then rm -f "$conf"; fi
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
