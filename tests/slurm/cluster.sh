#!/usr/bin/env bash
# A throw-away single-node SLURM cluster on this machine, for tests/slurm (and for trying
# profiles/slurm without a real cluster).
#
#   cluster.sh check                    exit 0 if the SLURM programs are installed, else 3
#   cluster.sh install                  install the Debian packages (root), or name them (exit 3)
#   cluster.sh start DIR [accounting]   start munged (unless one runs), slurmctld and slurmd,
#                                       plus mariadb and slurmdbd with `accounting`; all state,
#                                       configuration, logs and PID files live in DIR
#   cluster.sh stop DIR                 cancel DIR's jobs, stop the daemons started in DIR by PID
#
# The configuration, state, logs and PID files live in DIR; the daemons use their own ports, and
# MariaDB its own data directory. Clients find the cluster through /etc/slurm/slurm.conf, made a
# symlink to DIR/etc/slurm.conf for the cluster's lifetime: the jobs' inner `srun` cannot be
# pointed elsewhere (snakemake-executor-plugin-slurm-jobstep strips SLURM_CONF, like every
# SLURM_* variable, from its environment). An /etc/slurm/slurm.conf that is not such a link is
# never touched: `start` refuses to run on a machine with a SLURM configuration of its own.
# The daemons run as root (SlurmUser=root), so `start` needs root.
set -euo pipefail

# slurm-client brings sbatch/squeue/sacct; slurmdbd + mariadb-server only serve accounting (sacct).
PACKAGES="slurmctld slurmd slurm-client munge slurmdbd mariadb-server"
BINARIES="slurmctld slurmd sbatch squeue sacct sacctmgr scontrol sinfo munged munge slurmdbd mariadbd mariadb-install-db"
# Ports away from the SLURM (6817-6819) and MySQL (3306) defaults.
CTLD_PORT=${GENRELEARN_SLURM_PORT_BASE:-16817}
SLURMD_PORT=$((CTLD_PORT + 1))
DBD_PORT=$((CTLD_PORT + 2))
DB_PORT=$((CTLD_PORT + 3))

SYSTEM_CONF=/etc/slurm/slurm.conf
MARKER=.genrelearn-test-cluster # next to a configuration written by this script

die() { echo "cluster.sh: $*" >&2; exit 1; }

# Is /etc/slurm/slurm.conf absent, or a link of ours (live, or left dangling by a killed run)?
system_conf_is_ours() {
	[ -e "$SYSTEM_CONF" ] || [ -L "$SYSTEM_CONF" ] || return 0
	[ -L "$SYSTEM_CONF" ] || return 1
	local target
	target=$(readlink "$SYSTEM_CONF")
	[ ! -e "$target" ] || [ -e "$(dirname "$target")/$MARKER" ]
}

missing_binaries() {
	local b missing=""
	for b in $BINARIES; do
		command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || missing="$missing $b"
	done
	echo "$missing"
}

cmd_install() {
	local missing
	missing=$(missing_binaries)
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "SLURM pieces missing ($missing): installing Debian packages $PACKAGES"
		# --no-install-recommends: slurm-wlm and the recommends would pull ~40 more packages.
		apt-get -o DPkg::Lock::Timeout=900 -qq update
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 -qq install -y \
			--no-install-recommends $PACKAGES >/dev/null # word splitting wanted
	else
		echo "cluster.sh: SLURM pieces missing:$missing" >&2
		echo "Install them (as root): apt-get install --no-install-recommends $PACKAGES" >&2
		return 3
	fi
}

# Start DAEMON (argv) in its own session, in the foreground mode of each daemon so that $! is
# its PID; stdout/stderr go to DIR/log so that no pipe of the caller stays open.
spawn() {
	local name=$1
	shift
	setsid "$@" </dev/null >"$DIR/log/$name.out" 2>&1 &
	echo $! >"$DIR/pids/$name.pid"
}

# Wait up to $1 half-seconds for a command to succeed (while daemon $2, if one of ours, lives);
# show the daemon logs otherwise.
wait_for() {
	local tries=$1 what=$2
	shift 2
	local pidfile=$DIR/pids/$what.pid
	for _ in $(seq "$tries"); do
		"$@" >/dev/null 2>&1 && return 0
		# A daemon that died will not come up: fail now, not after the timeout.
		if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
			break
		fi
		sleep 0.5
	done
	tail -n 20 "$DIR"/log/* >&2 || true
	die "$what did not come up (logs above, all in $DIR/log)"
}

start_munge() {
	# A munged already serving /run/munge (a real node, or a previous start) is reused and left alone.
	if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
		return 0
	fi
	if [ ! -s /etc/munge/munge.key ]; then
		mungekey --create --keyfile /etc/munge/munge.key
		chown munge:munge /etc/munge/munge.key
		chmod 400 /etc/munge/munge.key
	fi
	install -d -o munge -g munge -m 0755 /run/munge
	# munged must run as its own user; setpriv execs, so the PID is munged's.
	spawn munged setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged --foreground
	wait_for 40 munged sh -c 'munge -n | unmunge'
}

start_accounting_db() {
	# A private MariaDB: own data directory, socket and port; only slurmdbd talks to it.
	local sock=$DIR/mysql.sock
	mariadb-install-db --no-defaults --user=root --datadir="$DIR/mysql" \
		--auth-root-authentication-method=socket --skip-test-db >"$DIR/log/mariadb-install.out" 2>&1 ||
		{ cat "$DIR/log/mariadb-install.out" >&2; die "mariadb-install-db failed"; }
	spawn mariadb /usr/sbin/mariadbd --no-defaults --user=root --datadir="$DIR/mysql" \
		--socket="$sock" --port="$DB_PORT" --bind-address=127.0.0.1 --skip-log-bin \
		--innodb-buffer-pool-size=64M --pid-file="$DIR/mysql.pid" --log-error="$DIR/log/mariadb.log"
	wait_for 120 mariadb mariadb-admin --no-defaults --socket="$sock" ping
	mariadb --no-defaults --socket="$sock" -e "
		CREATE DATABASE slurm_acct_db;
		CREATE USER 'slurm'@'localhost' IDENTIFIED BY 'slurm';
		CREATE USER 'slurm'@'127.0.0.1' IDENTIFIED BY 'slurm';
		GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';
		GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';"
	cat >"$DIR/etc/slurmdbd.conf" <<CONF
AuthType=auth/munge
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=$DBD_PORT
SlurmUser=root
PidFile=$DIR/slurmdbd.pid
LogFile=$DIR/log/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$DB_PORT
StorageUser=slurm
StoragePass=slurm
StorageLoc=slurm_acct_db
CONF
	chmod 600 "$DIR/etc/slurmdbd.conf" # slurmdbd refuses a readable password file
	# slurmdbd reads slurmdbd.conf next to $SLURM_CONF.
	spawn slurmdbd /usr/sbin/slurmdbd -D
	wait_for 120 slurmdbd sacctmgr -n show cluster
	sacctmgr -i add cluster genrelearn >/dev/null
	sacctmgr -i add account genrelearn Description=tests Organization=genrelearn >/dev/null
	sacctmgr -i add user root Account=genrelearn DefaultAccount=genrelearn >/dev/null
}

write_slurm_conf() {
	local accounting=$1 node cpus mem
	node=$(hostname -s)
	cpus=$(nproc)
	mem=$(($(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo) - 1024))
	cat >"$DIR/etc/slurm.conf" <<CONF
ClusterName=genrelearn
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
ReturnToService=2
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
PlugStackConfig=$DIR/etc/plugstack.conf
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/linux
# Finished jobs stay visible to squeue/scontrol for 5 minutes (the squeue status path needs it).
MinJobAge=300
# A job without --mem must not take all the node's memory.
DefMemPerCPU=1000
# Two pretend GPUs, so that jobs asking for --gpus=1 (the profile's PyTorch rule) are scheduled,
# two at a time like the others on a 2-core node. SLURM needs a device file per GPU: /dev/null
# and /dev/zero stand in (a job then sees CUDA_VISIBLE_DEVICES=0 or 1 but no CUDA device, and
# PyTorch runs on the CPU).
GresTypes=gpu
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem Gres=gpu:2 State=UNKNOWN
# Backfill every second (default 30 s): a job waiting for a busy resource must not hold the
# jobs queued behind it for half a minute.
SchedulerParameters=bf_interval=1
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
	printf 'NodeName=%s Name=gpu File=%s\n' "$node" /dev/null "$node" /dev/zero >"$DIR/etc/gres.conf"
	: >"$DIR/etc/plugstack.conf"
	if [ "$accounting" = accounting ]; then
		cat >>"$DIR/etc/slurm.conf" <<CONF
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=$DBD_PORT
# Keep the --comment (the rule and wildcards of each Snakemake job) in the accounting records,
# and the GPUs in each job's AllocTRES.
AccountingStoreFlags=job_comment
AccountingStorageTRES=gres/gpu
CONF
	else
		echo "AccountingStorageType=accounting_storage/none" >>"$DIR/etc/slurm.conf"
	fi
}

# EXIT trap during `start`: a failed start stops what it had started.
abort_start() {
	local status=$?
	[ "$status" = 0 ] || { cmd_stop; exit "$status"; }
}

cmd_start() {
	local accounting=${1:-none}
	[ "$(id -u)" = 0 ] || die "the test cluster runs its daemons as root; run as root"
	[ -z "$(missing_binaries)" ] || die "SLURM pieces missing:$(missing_binaries) (run: $0 install)"
	system_conf_is_ours || die "$SYSTEM_CONF exists: this machine has a SLURM of its own; not touching it"
	mkdir -p "$DIR"/{etc,state,spool,log,pids}
	trap abort_start EXIT
	touch "$DIR/etc/$MARKER"
	export SLURM_CONF=$DIR/etc/slurm.conf
	write_slurm_conf "$accounting"
	mkdir -p "$(dirname "$SYSTEM_CONF")"
	ln -sfn "$SLURM_CONF" "$SYSTEM_CONF"
	start_munge
	[ "$accounting" = accounting ] && start_accounting_db
	spawn slurmctld /usr/sbin/slurmctld -D -i
	wait_for 60 slurmctld scontrol ping
	spawn slurmd /usr/sbin/slurmd -D
	# The node is `unknown` for a moment; `drain`/`inval` would mean a bad node definition.
	wait_for 120 "the node" sh -c 'sinfo -h -o %T | grep -qx -e idle -e drained -e inval'
	[ "$(sinfo -h -o %T)" = idle ] || die "the node is $(sinfo -h -o '%T (%E)') (logs in $DIR/log)"
	if [ "$accounting" = accounting ]; then # slurmctld registers the GPU TRES in the database
		wait_for 40 "GPU accounting" sh -c 'sacctmgr -n -P show tres type=gres | grep -q gpu'
	fi
	srun -t 1 true || die "srun failed on the new cluster (logs in $DIR/log)"
	trap - EXIT
	echo "SLURM_CONF=$SLURM_CONF"
}

cmd_stop() {
	export SLURM_CONF=$DIR/etc/slurm.conf
	local name pid
	# Jobs first (only this cluster's: SLURM_CONF), so no job outlives its slurmd.
	if [ -f "$DIR/pids/slurmctld.pid" ] && kill -0 "$(cat "$DIR/pids/slurmctld.pid")" 2>/dev/null; then
		scancel --user=root >/dev/null 2>&1 || true
		for _ in $(seq 40); do
			[ -z "$(squeue -h -t running,completing -o %i 2>/dev/null)" ] && break
			sleep 0.25
		done
	fi
	# Reverse start order; every PID here is one this script started.
	for name in slurmd slurmctld slurmdbd mariadb munged; do
		[ -f "$DIR/pids/$name.pid" ] || continue
		pid=$(cat "$DIR/pids/$name.pid")
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null || true
			for _ in $(seq 40); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.25
			done
			if kill -0 "$pid" 2>/dev/null; then
				echo "cluster.sh: $name ($pid) ignored SIGTERM for 10 s; killing it" >&2
				kill -KILL "$pid" 2>/dev/null || true
			fi
		fi
		rm -f "$DIR/pids/$name.pid"
	done
	# The link goes with the cluster: with it and no controller, every SLURM client (and every
	# Snakemake start, as the plugin asks `scontrol show config`) would wait ~10 s for a timeout.
	if [ "$(readlink "$SYSTEM_CONF" 2>/dev/null)" = "$DIR/etc/slurm.conf" ]; then
		rm -f "$SYSTEM_CONF"
	fi
}

cmd_check() {
	local missing
	missing=$(missing_binaries)
	[ -z "$missing" ] && return 0
	echo "SLURM pieces missing:$missing (Debian packages: $PACKAGES)"
	return 3
}

case "${1:-}" in
check) cmd_check ;;
install) cmd_install ;;
start)
	DIR=$(realpath -m "${2:?usage: $0 start DIR [accounting]}")
	cmd_start "${3:-none}"
	;;
stop)
	DIR=$(realpath -m "${2:?usage: $0 stop DIR}")
	cmd_stop
	;;
*)
	sed -n 's/^#   cluster.sh/usage: cluster.sh/p' "$0" >&2
	exit 2
	;;
esac
