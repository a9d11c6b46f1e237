#!/usr/bin/env bash
# s3-test-server.sh - throwaway single-node Ceph RADOS Gateway (real S3) on 127.0.0.1 for tests.
#
# Usage:
#   s3-test-server.sh install   apt-get install radosgw ceph-mon ceph-osd (skipped if already present)
#   s3-test-server.sh start     start mon + memstore osd + radosgw, create the test user,
#                               print S3_* lines on stdout (eval-able); idempotent
#   s3-test-server.sh stop      kill everything via pid files and remove the temp dir
#   s3-test-server.sh status    exit 0 if running (and print the S3_* lines), 1 otherwise
#
# Environment:
#   S3_TEST_DIR       temp dir (default /tmp/media-s3-test); removed by "stop"
#   S3_TEST_PORT      gateway port (default 7480)
#   S3_TEST_MON_PORT  monitor port (default S3_TEST_PORT+10000, e.g. 17480)
#   S3_TEST_TIMEOUT   seconds allowed for start (default 60)
#   S3_TEST_MEM_BYTES memstore capacity, data lives in RAM (default 4 GiB)
#
# stdout carries only KEY=VALUE lines; progress and errors go to stderr.
# Daemons run in their own session with stdin/stdout/stderr detached from the caller,
# so a calling `npm test` (or CI without stdin) never waits on them.
#
# Client notes for this gateway (Ceph 16.2 / pacific, AWS SDK v3):
#   - use forcePathStyle: true, region us-east-1
#   - use requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED'
#     (with the SDK defaults a stream-body PutObject fails: 411 MissingContentLength)
#   - CompleteMultipartUpload (so lib-storage Upload.done()) returns ETag "" ; HeadObject has it
#   - CopyObjectResult.ETag comes back without the surrounding quotes
#   - ListParts on an aborted/unknown upload id fails with NoSuchKey, not NoSuchUpload
#   - deleted data is freed by RGW garbage collection ~30-45 s later (memstore is RAM)

set -euo pipefail
unset CEPH_ARGS CEPH_CONF # only our own ceph.conf

DIR="${S3_TEST_DIR:-/tmp/media-s3-test}"
PORT="${S3_TEST_PORT:-7480}"
MON_PORT="${S3_TEST_MON_PORT:-$((PORT + 10000 > 65535 ? PORT - 10000 : PORT + 10000))}"
TIMEOUT="${S3_TEST_TIMEOUT:-60}"
MEM_BYTES="${S3_TEST_MEM_BYTES:-4294967296}"
ACCESS_KEY="media-test"
SECRET_KEY="media-test-secret"
REGION="us-east-1"
CONF="$DIR/ceph.conf"
LOCK="${DIR%/}.lock"
DAEMONS=(rgw osd mon) # stop order; start order is the reverse
MARKER=".s3-test-server" # only a dir holding this file is ever removed

[[ "$DIR" == /* && "$DIR" != "/" ]] || { echo "s3-test-server: S3_TEST_DIR must be an absolute path, not '$DIR'" >&2; exit 2; }
[[ "$PORT" =~ ^[0-9]+$ && "$MON_PORT" =~ ^[0-9]+$ ]] || { echo "s3-test-server: bad S3_TEST_PORT/S3_TEST_MON_PORT" >&2; exit 2; }

log() { echo "s3-test-server: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

print_env() {
  echo "S3_ENDPOINT=http://127.0.0.1:$PORT"
  echo "S3_ACCESS_KEY_ID=$ACCESS_KEY"
  echo "S3_SECRET_ACCESS_KEY=$SECRET_KEY"
  echo "S3_REGION=$REGION"
  echo "S3_FORCE_PATH_STYLE=true"
  echo "S3_TEST_DIR=$DIR"
}

have_binaries() {
  local b
  for b in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph; do
    command -v "$b" >/dev/null 2>&1 || return 1
  done
}

# --- pid helpers ---------------------------------------------------------------
pid_of() { # name -> pid if that process is alive and is the expected binary
  local name="$1" f="$DIR/pids/$1.pid" pid exe
  [[ -s "$f" ]] || return 1
  pid="$(cat "$f" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # guard against pid reuse: the process must be the ceph binary we started
  exe="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  case "$name" in
    mon) [[ "$exe" == *ceph-mon* ]] ;;
    osd) [[ "$exe" == *ceph-osd* ]] ;;
    rgw) [[ "$exe" == *radosgw* ]] ;;
    *) return 1 ;;
  esac || return 1
  [[ "$exe" == *"$CONF"* ]] || return 1
  echo "$pid"
}

all_alive() {
  local d
  for d in "${DAEMONS[@]}"; do pid_of "$d" >/dev/null || return 1; done
}

# --- network helpers (pure bash, no curl needed) ------------------------------
port_open() { # port -> 0 if something accepts TCP on 127.0.0.1:port
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

http_answers() { # 0 if the gateway answers an HTTP request with a status line
  local line
  # shellcheck disable=SC2016 # the inner script is single-quoted on purpose
  line="$(timeout 3 bash -c '
    exec 3<>/dev/tcp/127.0.0.1/'"$PORT"' || exit 1
    printf "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" >&3
    IFS= read -r l <&3 && printf "%s" "$l"; cat <&3 >/dev/null' 2>/dev/null)" || return 1
  [[ "$line" == HTTP/* ]]
}

# --- stop ------------------------------------------------------------------------
kill_daemons() {
  # Data is throwaway (memstore + temp dir), so no graceful shutdown: a SIGTERMed radosgw
  # waits for its frontends and the whole stop took 6-13 s; SIGKILL in parallel takes ~2 s.
  local d pid i pids=()
  for d in "${DAEMONS[@]}"; do
    if pid="$(pid_of "$d")"; then
      kill -KILL "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  for pid in "${pids[@]}"; do # wait until they are gone (ports and memory released)
    for ((i = 0; i < 150; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
}

remove_dir() { # rm -rf the temp dir, but only if it is ours (or empty)
  [[ -d "$DIR" ]] || return 0
  if [[ -e "$DIR/$MARKER" ]] || [[ -z "$(ls -A "$DIR")" ]]; then
    rm -rf "$DIR"
  else
    die "$DIR exists but was not created by this script (no $MARKER); not removing it"
  fi
}

cmd_stop() {
  exec 9>"$LOCK"; flock -w 120 9 || die "could not get lock $LOCK"
  if [[ -d "$DIR" ]]; then
    kill_daemons
    remove_dir
    rm -f "$LOCK" # the lock file sits beside the dir; leave nothing behind
    log "stopped, removed $DIR"
  else
    log "not running ($DIR does not exist)"
  fi
}

# --- start -----------------------------------------------------------------------
show_logs() {
  local f
  for f in "$DIR"/log/*.log "$DIR"/log/*.out; do
    [[ -s "$f" ]] || continue
    echo "----- tail of $f -----" >&2
    tail -n 25 "$f" >&2
  done
}

fail_start() {
  log "ERROR: $*"
  show_logs
  kill_daemons
  log "processes killed; logs kept in $DIR/log (run '$0 stop' to remove)"
  exit 1
}

spawn() { # name cmd... : run in its own session, fully detached, pid recorded
  local name="$1"; shift
  setsid "$@" </dev/null >>"$DIR/log/$name.out" 2>&1 9>&- &
  echo $! >"$DIR/pids/$name.pid"
}

remaining() { echo $((DEADLINE - SECONDS)); }

wait_for() { # daemon description command... : poll until the command succeeds; fail fast if
  local daemon="$1" what="$2"; shift 2 # the daemon died or the deadline passed
  while ! "$@" >/dev/null 2>&1; do
    pid_of "$daemon" >/dev/null || fail_start "$daemon exited while waiting for $what"
    ((SECONDS < DEADLINE)) || fail_start "timed out (${TIMEOUT}s) waiting for $what"
    sleep 0.2
  done
}

ceph_cli() { # ceph CLI bounded in time
  local t; t="$(remaining)"; ((t > 1)) || t=2
  timeout "$t" ceph -c "$CONF" --connect-timeout "$t" "$@" </dev/null
}

osd_up() { ceph_cli osd dump 2>/dev/null | grep -q '^osd\.0 up'; }

write_conf() {
  local fsid="$1"
  cat >"$CONF" <<EOF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$MON_PORT]
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
keyring = $DIR/keyring
run dir = $DIR/run
pid file = $DIR/run/\$name.pid
admin socket = $DIR/run/\$name.asok
log file = $DIR/log/\$name.log
log to stderr = false
err to stderr = true
crash dir = $DIR/crash
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
ms bind ipv6 = false
# mon commands (pool create etc.) otherwise wait ~1 s each for the paxos proposal
paxos propose interval = 0.05
paxos min wait = 0.01

[mon]
mon data = $DIR/mon/\$name

[osd]
osd data = $DIR/osd/\$name
osd objectstore = memstore
memstore device bytes = $MEM_BYTES
osd max object name len = 460
osd max object namespace len = 64

[client]
admin socket =

[client.rgw]
# radosgw defaults to ms_mon_client_mode=secure + auth_client_required=cephx,
# which cannot work with auth none (mon connect fails with -13): override both
auth client required = none
ms mon client mode = crc
log file = $DIR/log/\$name.log
admin socket = $DIR/run/\$name.asok
rgw data = $DIR/rgw
rgw frontends = beast endpoint=127.0.0.1:$PORT tcp_nodelay=1
# deleted/overwritten data lives in RAM (memstore) until RGW garbage collection runs;
# the defaults (wait 2 h, run hourly) would let repeated big uploads fill the store
rgw gc obj min wait = 30
rgw gc processor period = 15
EOF
}

cmd_start() {
  have_binaries || die "Ceph binaries missing (ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph); run '$0 install' first"
  mkdir -p "$(dirname "$LOCK")"
  exec 9>"$LOCK"; flock -w 120 9 || die "could not get lock $LOCK"

  if [[ -d "$DIR" ]]; then
    if all_alive && http_answers; then
      log "already running on port $PORT ($DIR)"
      print_env
      exit 0
    fi
    log "found stale state in $DIR, cleaning up"
    kill_daemons
    remove_dir
  fi

  port_open "$PORT" && die "port $PORT on 127.0.0.1 is already in use (set S3_TEST_PORT)"
  port_open "$MON_PORT" && die "monitor port $MON_PORT on 127.0.0.1 is already in use (set S3_TEST_MON_PORT)"

  local t0=$SECONDS
  DEADLINE=$((SECONDS + TIMEOUT))
  mkdir -p "$DIR"/{run,log,pids,mon,osd,rgw,crash}
  touch "$DIR/$MARKER"
  local fsid; fsid="$(cat /proc/sys/kernel/random/uuid)"
  write_conf "$fsid"

  # monitor
  ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *' \
    >>"$DIR/log/setup.out" 2>&1 || fail_start "ceph-authtool failed"
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$MON_PORT]" "$DIR/monmap" \
    >>"$DIR/log/setup.out" 2>&1 || fail_start "monmaptool failed"
  ceph-mon -c "$CONF" -i a --mkfs --monmap "$DIR/monmap" --keyring "$DIR/keyring" \
    </dev/null >>"$DIR/log/setup.out" 2>&1 || fail_start "ceph-mon --mkfs failed"
  spawn mon ceph-mon -c "$CONF" -i a -f
  wait_for mon "ceph-mon to answer" ceph_cli mon stat
  log "mon up after $((SECONDS - t0))s"

  # OSD (memstore: data in RAM)
  local osd_uuid osd_id
  osd_uuid="$(cat /proc/sys/kernel/random/uuid)"
  osd_id="$(ceph_cli osd new "$osd_uuid" 2>>"$DIR/log/setup.out")" || fail_start "'ceph osd new' failed"
  [[ "$osd_id" == 0 ]] || fail_start "unexpected osd id '$osd_id'"
  mkdir -p "$DIR/osd/osd.0"
  timeout "$(remaining)" ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$osd_uuid" \
    </dev/null >>"$DIR/log/setup.out" 2>&1 || fail_start "ceph-osd --mkfs failed"
  spawn osd ceph-osd -c "$CONF" -i 0 -f
  wait_for osd "osd.0 to come up" osd_up
  log "osd up after $((SECONDS - t0))s"

  # gateway
  spawn rgw radosgw -c "$CONF" -n client.rgw -f
  wait_for rgw "radosgw to answer HTTP on port $PORT" http_answers

  # test user
  local t; t="$(remaining)"; ((t > 5)) || t=5
  if ! timeout "$t" radosgw-admin -c "$CONF" user info --uid=ci </dev/null >/dev/null 2>&1; then
    timeout "$t" radosgw-admin -c "$CONF" user create --uid=ci --display-name="media test" \
      --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" \
      </dev/null >>"$DIR/log/setup.out" 2>&1 || fail_start "radosgw-admin user create failed"
  fi

  log "started in $((SECONDS - t0))s on port $PORT ($DIR)"
  print_env
}

cmd_status() {
  if [[ -d "$DIR" ]] && all_alive && http_answers; then
    log "running on port $PORT ($DIR)"
    print_env
  else
    log "not running"
    return 1
  fi
}

# --- install ---------------------------------------------------------------------
apt_update() { # apt-get update does not honour DPkg::Lock::Timeout for the lists lock: retry
  local i
  for ((i = 0; i < 60; i++)); do
    apt-get -o DPkg::Lock::Timeout=600 update -qq </dev/null && return 0
    log "apt-get update failed (lock held?), retrying in 10 s"
    sleep 10
  done
  return 1
}

cmd_install() {
  if have_binaries; then
    log "Ceph binaries already installed, skipping"
    return 0
  fi
  local sudo=""
  [[ "$(id -u)" == 0 ]] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-cache show radosgw >/dev/null 2>&1 || ! apt-cache show ceph-osd >/dev/null 2>&1; then
    $sudo bash -c "$(declare -f log apt_update); apt_update" || die "apt-get update failed"
  fi
  if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y \
    --no-install-recommends radosgw ceph-mon ceph-osd </dev/null; then
    log "install failed, refreshing package lists and retrying"
    $sudo bash -c "$(declare -f log apt_update); apt_update" || die "apt-get update failed"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y \
      --no-install-recommends radosgw ceph-mon ceph-osd </dev/null || die "apt-get install failed"
  fi
  have_binaries || die "binaries still missing after install"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  install) cmd_install ;;
  *) echo "usage: $0 {install|start|stop|status}" >&2; exit 2 ;;
esac
