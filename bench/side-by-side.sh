#!/usr/bin/env bash
# Side-by-side benchmark: 3 etcd 3.4 members against 3 RaftActors hosts, on 127.0.0.1, with the same
# wrk load (bench/side-by-side.lua) and the same warm-up. Run from the project root: bench/side-by-side.sh
#
# Knobs (environment): DURATION (10s) per row, WARMUP (10s) of 16 connections on each kind of row before
# the rows, CONNS ("1 64 256") for the leader-write rows, WRK_TIMEOUT (10s) per request, RESULTS_DIR
# (/tmp/raftactors-side-by-side) for the TSV, report and chart. See docs/benchmarks.md.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-10s}
CONNS=${CONNS:-1 64 256}
WRK_TIMEOUT=${WRK_TIMEOUT:-10s}
RESULTS_DIR=${RESULTS_DIR:-/tmp/raftactors-side-by-side}
LUA=$ROOT/bench/side-by-side.lua
ETCD_CLIENT_PORTS=(23791 23792 23793)
ETCD_PEER_PORTS=(23801 23802 23803)
RA_PEER_PORTS=(7401 7402 7403)
RA_HTTP_PORTS=(8401 8402 8403)
SECRET=raftactors-side-by-side-bench-secret   # loopback only; 24+ bytes as the host asks
READ_KEY=sbs-read-key-001                     # 16 bytes, written before the read rows

# --- 1. Tools: install nothing, say what is missing. -------------------------------------------------
missing=()
for tool in etcd etcdctl wrk jq curl dotnet; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "missing: ${missing[*]}" >&2
  echo "install them with:  sudo apt-get install -y etcd-server etcd-client wrk jq curl" >&2
  echo "(dotnet: the .NET 10 SDK, see README.md)" >&2
  exit 1
fi

# --- 2. Ports: every one must be free, or the numbers would be someone else's. -----------------------
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "${ETCD_CLIENT_PORTS[@]}" "${ETCD_PEER_PORTS[@]}" "${RA_PEER_PORTS[@]}" "${RA_HTTP_PORTS[@]}"; do
  if listening "$port"; then
    echo "port 127.0.0.1:$port is in use; stop what listens there and run again" >&2
    exit 1
  fi
done

# --- 3. Scratch space and cleanup: stop only our own PIDs, then remove the scratch folder. ------------
SCRATCH=$(mktemp -d /tmp/raftactors-sbs.XXXXXX)
PIDS=()

alive() {  # a zombie (exited, not yet reaped) counts as gone
  [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

stop_pids() {  # TERM, poll for up to 10 s, then KILL what is left
  local pid left deadline=$((SECONDS + 10))
  [ $# -gt 0 ] || return 0
  kill -TERM "$@" 2>/dev/null || true
  while :; do
    left=()
    for pid in "$@"; do if alive "$pid"; then left+=("$pid"); fi; done
    [ ${#left[@]} -gt 0 ] || break
    if [ "$SECONDS" -ge "$deadline" ]; then kill -KILL "${left[@]}" 2>/dev/null || true; break; fi
    sleep 0.2
  done
  for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}

cleanup() {
  stop_pids "${PIDS[@]}"
  rm -rf "$SCRATCH"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {  # message, then the tail of the logs that may say why
  echo "error: $1" >&2
  local f
  for f in "$SCRATCH"/*.log; do [ -e "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done
  exit 1
}

secs() { case "$1" in *m) echo $(( ${1%m} * 60 ));; *s) echo "${1%s}";; *) echo "$1";; esac; }

# --- 4. wrk: one run, parsed into RPS P50 P99 ERRORS. --------------------------------------------------
RUN_SEQ=0
b36() {  # WIDTH NUMBER -> NUMBER in base 36, the last WIDTH digits
  local digits=0123456789abcdefghijklmnopqrstuvwxyz out="" n=$2 i
  for ((i = 0; i < $1; i++)); do out=${digits:n % 36:1}$out; n=$((n / 36)); done
  echo "$out"
}
# Key prefix (6 chars): one char per wrk run of this invocation + 5 of the start time (they repeat after
# about 2 years), so keys are new across runs and invocations.
START36=$(b36 5 "$(date +%s)")
run_wrk() {  # OP URL CONNECTIONS DURATION
  local op=$1 url=$2 conns=$3 dur=$4 threads=2 out line kv fields
  [ "$conns" -gt 1 ] || threads=1
  RUN_SEQ=$((RUN_SEQ + 1))
  out=$SCRATCH/wrk-$RUN_SEQ.out
  # timeout: wrk stops by itself after -d, this is only the backstop if a server hangs
  SBS_OP=$op SBS_PREFIX="$(b36 1 "$RUN_SEQ")$START36" SBS_READ_KEY=$READ_KEY \
    timeout -k 5 $(( $(secs "$dur") + 30 )) \
    wrk -t "$threads" -c "$conns" -d "$dur" --timeout "$WRK_TIMEOUT" --latency -s "$LUA" "$url" >"$out" 2>&1 || true
  line=$(grep '^SBSRESULT' "$out" | tail -n 1) || true
  [ -n "$line" ] || { cat "$out" >&2; fail "wrk gave no result for $op $url"; }
  read -ra fields <<<"$line"
  for kv in "${fields[@]}"; do
    case $kv in
      rps=*) RPS=${kv#*=} ;; p50_ms=*) P50=${kv#*=} ;; p99_ms=*) P99=${kv#*=} ;; errors=*) ERRORS=${kv#*=} ;;
    esac
  done
}

# CPU time (user + system) of the given processes so far, in clock ticks (/proc/PID/stat fields 14 and 15, which
# include the threads that have already exited).
HZ=$(getconf CLK_TCK)
cpu_ticks() {
  local pid total=0 t
  for pid in "$@"; do t=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null) || t=0; total=$((total + t)); done
  echo "$total"
}

# Results by system and row, and the TSV the chart reads. SERVER_PIDS: the processes of the system measured.
declare -A R_RPS R_P50 R_P99 R_ERR R_CPU
SERVER_PIDS=()
ROWS=()
for c in $CONNS; do ROWS+=("write-leader:$c"); done
ROWS+=("write-follower:64" "read-leader:64")
mkdir -p "$RESULTS_DIR"
TSV=$RESULTS_DIR/results.tsv
printf 'system\trow\tconns\trps\tp50_ms\tp99_ms\terrors\tcpu_ms_per_req\n' >"$TSV"

measure() {  # SYSTEM WRITE_OP READ_OP LEADER_URL FOLLOWER_URL WRITE_PATH READ_URL
  local sys=$1 wop=$2 rop=$3 leader=$4 follower=$5 wpath=$6 rurl=$7 row kind conns url op
  target() {  # KIND -> op and url of that kind of row, for this system
    case $1 in
      write-leader)   op=$wop; url=$leader$wpath ;;
      write-follower) op=$wop; url=$follower$wpath ;;
      read-leader)    op=$rop; url=$rurl ;;
    esac
  }
  # Every kind of row runs first for WARMUP at 16 connections: writes to the leader, writes through a follower
  # (forwarding is code of its own, compiled again only once it has run a while) and reads.
  for kind in write-leader write-follower read-leader; do
    target "$kind"
    echo "$sys: warm-up, $WARMUP of 16-connection $kind"
    run_wrk "$op" "$url" 16 "$WARMUP"
    printf '  %-16s %4s conns: %9s req/s  p50 %7s ms  p99 %7s ms  errors %s\n' "warm $kind" 16 "$RPS" "$P50" "$P99" "$ERRORS"
  done
  for row in "${ROWS[@]}"; do
    kind=${row%:*}; conns=${row#*:}
    target "$kind"
    cpu_before=$(cpu_ticks "${SERVER_PIDS[@]}")
    run_wrk "$op" "$url" "$conns" "$DURATION"
    cpu_after=$(cpu_ticks "${SERVER_PIDS[@]}")
    # CPU of the three servers while the row ran, per request served: a figure the machine's noise moves less.
    R_CPU[$sys,$row]=$(awk -v d=$((cpu_after - cpu_before)) -v hz="$HZ" -v r="$RPS" -v s="$(secs "$DURATION")" \
      'BEGIN { if (r > 0) printf "%.3f", d * 1000 / hz / (r * s); else print "-" }')
    R_RPS[$sys,$row]=$RPS; R_P50[$sys,$row]=$P50; R_P99[$sys,$row]=$P99; R_ERR[$sys,$row]=$ERRORS
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$sys" "$kind" "$conns" "$RPS" "$P50" "$P99" "$ERRORS" "${R_CPU[$sys,$row]}" >>"$TSV"
    printf '  %-16s %4s conns: %9s req/s  p50 %7s ms  p99 %7s ms  errors %s  cpu %s ms/req\n' "$kind" "$conns" "$RPS" "$P50" "$P99" "$ERRORS" "${R_CPU[$sys,$row]}"
  done
}

# --- 5. Build the host first, so a build error stops us before anything runs. --------------------------
echo "building src/Host (Release)"
dotnet build src/Host -c Release -o "$SCRATCH/host" --nologo -v q >"$SCRATCH/build.log" 2>&1 || fail "build failed"
DLL=$SCRATCH/host/RaftActors.Host.dll

# --- 6. etcd: 3 members, measured alone. ----------------------------------------------------------------
cluster=""
for i in 1 2 3; do cluster+="${cluster:+,}e$i=http://127.0.0.1:${ETCD_PEER_PORTS[i-1]}"; done
ETCD_PIDS=()
for i in 1 2 3; do
  client=http://127.0.0.1:${ETCD_CLIENT_PORTS[i-1]} peer=http://127.0.0.1:${ETCD_PEER_PORTS[i-1]}
  etcd --name "e$i" --data-dir "$SCRATCH/etcd$i" \
    --listen-client-urls "$client" --advertise-client-urls "$client" \
    --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
    --initial-cluster "$cluster" --initial-cluster-token raftactors-sbs --initial-cluster-state new \
    >"$SCRATCH/etcd$i.log" 2>&1 &
  ETCD_PIDS+=($!); PIDS+=($!)
done

# The leader is the member whose own id is the leader id all members report (ids as strings: they are
# 64-bit, too large for jq's numbers). Through the gateway: /v3/maintenance/status.
ETCD_LEADER="" ETCD_FOLLOWER=""
deadline=$((SECONDS + 30))
while [ -z "$ETCD_LEADER" ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "etcd elected no leader in 30 s"
  sleep 0.5
  leaders=() ids=()
  for port in "${ETCD_CLIENT_PORTS[@]}"; do
    s=$(curl -sf -m 2 -X POST "http://127.0.0.1:$port/v3/maintenance/status" -d '{}') || continue 2
    leaders+=("$(jq -r '.leader // "0"' <<<"$s")"); ids+=("$(jq -r '.header.member_id' <<<"$s")")
  done
  if [ "${leaders[0]}" = 0 ] || [ "${leaders[0]}" != "${leaders[1]}" ] || [ "${leaders[1]}" != "${leaders[2]}" ]; then
    continue
  fi
  for i in 0 1 2; do
    if [ "${ids[i]}" = "${leaders[0]}" ]; then ETCD_LEADER=http://127.0.0.1:${ETCD_CLIENT_PORTS[i]}
    elif [ -z "$ETCD_FOLLOWER" ]; then ETCD_FOLLOWER=http://127.0.0.1:${ETCD_CLIENT_PORTS[i]}; fi
  done
done
echo "etcd: leader $ETCD_LEADER, follower $ETCD_FOLLOWER"
value=$(printf 'v%.0s' $(seq 100))
curl -sf -m 5 -X POST "$ETCD_LEADER/v3/kv/put" \
  -d "{\"key\":\"$(printf '%s' "$READ_KEY" | base64)\",\"value\":\"$(printf '%s' "$value" | base64 -w0)\"}" >/dev/null \
  || fail "etcd: could not write the read key"
ETCD_VERSION=$(curl -sf -m 2 "$ETCD_LEADER/version" | jq -r .etcdserver)
SERVER_PIDS=("${ETCD_PIDS[@]}")
measure etcd etcd-put etcd-range "$ETCD_LEADER" "$ETCD_FOLLOWER" /v3/kv/put "$ETCD_LEADER/v3/kv/range"
stop_pids "${ETCD_PIDS[@]}"
PIDS=()

# --- 7. RaftActors: 3 hosts, measured alone. -------------------------------------------------------------
peers=""
for p in "${RA_PEER_PORTS[@]}"; do peers+="${peers:+,}127.0.0.1:$p"; done
RA_PIDS=()
for i in 1 2 3; do
  dotnet "$DLL" --node-id "$i" --host "127.0.0.1:${RA_PEER_PORTS[i-1]}" --http-port "${RA_HTTP_PORTS[i-1]}" \
    --cluster --peers "$peers" --keys 1,2,3 --data-dir "$SCRATCH/n$i" --secret "$SECRET" \
    >"$SCRATCH/n$i.log" 2>&1 &
  RA_PIDS+=($!); PIDS+=($!)
done

# The leader is the node whose status says role Leader; the follower must know it, to forward writes.
RA_LEADER="" RA_FOLLOWER=""
deadline=$((SECONDS + 60))
while [ -z "$RA_FOLLOWER" ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "RaftActors elected no leader in 60 s"
  sleep 0.5
  RA_LEADER="" leader_id=""
  for port in "${RA_HTTP_PORTS[@]}"; do
    s=$(curl -sf -m 2 "http://127.0.0.1:$port/raft/api/status") || continue
    if [ "$(jq -r .data.role <<<"$s")" = Leader ]; then RA_LEADER=http://127.0.0.1:$port; leader_id=$(jq -r .data.id <<<"$s"); fi
  done
  [ -n "$RA_LEADER" ] || continue
  for port in "${RA_HTTP_PORTS[@]}"; do
    [ "http://127.0.0.1:$port" != "$RA_LEADER" ] || continue
    s=$(curl -sf -m 2 "http://127.0.0.1:$port/raft/api/status") || continue
    if [ "$(jq -r .data.leader <<<"$s")" = "$leader_id" ]; then RA_FOLLOWER=http://127.0.0.1:$port; break; fi
  done
done
echo "RaftActors: leader $RA_LEADER, follower $RA_FOLLOWER"
curl -sf -m 10 -X POST "$RA_LEADER/raft/api/set" -H 'Content-Type: application/json' \
  -d "{\"key\":\"$READ_KEY\",\"value\":\"$value\"}" >/dev/null || fail "RaftActors: could not write the read key"
SERVER_PIDS=("${RA_PIDS[@]}")
measure RaftActors raft-set raft-get "$RA_LEADER" "$RA_FOLLOWER" /raft/api/set "$RA_LEADER/raft/api/get?key=$READ_KEY"
RSS=""
for i in 1 2 3; do
  rss=$(awk '/^VmRSS/ { printf "%.0f MiB", $2 / 1024 }' "/proc/${RA_PIDS[i-1]}/status" 2>/dev/null) || rss="(exited)"
  RSS+="${RSS:+, }node $i $rss"
done
stop_pids "${RA_PIDS[@]}"
PIDS=()

# --- 8. The report: one markdown table, then the machine. -----------------------------------------------
REPORT=$RESULTS_DIR/report.md
cell() {  # SYSTEM ROW -> "req/s | p50 | p99", req/s marked when the row had errors
  local rps err=${R_ERR[$1,$2]}
  rps=$(awk -v r="${R_RPS[$1,$2]}" 'BEGIN { printf "%d", r + 0.5 }')
  [ "$err" = 0 ] || rps+=" ⚠ $err errors"
  printf '%s | %s | %s' "$rps" "${R_P50[$1,$2]}" "${R_P99[$1,$2]}"
}
row_label() {  # KIND:CONNS -> the row's name in the report
  local kind=${1%:*} conns=${1#*:} label
  case $kind in
    write-leader)   label="writes to the leader, $conns conn" ;;
    write-follower) label="writes through a follower, $conns conn" ;;
    read-leader)    label="linearizable reads on the leader, $conns conn" ;;
  esac
  [ "$conns" = 1 ] || label+=s
  echo "$label"
}
{
  echo "| load | RaftActors req/s | p50 ms | p99 ms | etcd req/s | p50 ms | p99 ms | RaftActors/etcd |"
  echo "|---|--:|--:|--:|--:|--:|--:|--:|"
  for row in "${ROWS[@]}"; do
    label=$(row_label "$row")
    ratio=$(awk -v a="${R_RPS[RaftActors,$row]}" -v b="${R_RPS[etcd,$row]}" 'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "–" }')
    echo "| $label | $(cell RaftActors "$row") | $(cell etcd "$row") | $ratio |"
  done
  echo
  echo "CPU time of the three server processes while each row ran, per request served (ms):"
  echo
  echo "| load | RaftActors | etcd | RaftActors/etcd |"
  echo "|---|--:|--:|--:|"
  for row in "${ROWS[@]}"; do
    label=$(row_label "$row")
    ratio=$(awk -v a="${R_CPU[RaftActors,$row]}" -v b="${R_CPU[etcd,$row]}" 'BEGIN { if (b + 0 > 0 && a != "-") printf "%.2f×", a / b; else print "–" }')
    echo "| $label | ${R_CPU[RaftActors,$row]} | ${R_CPU[etcd,$row]} | $ratio |"
  done
  echo
  echo "RaftActors RSS after the run: $RSS"
  echo
  echo "- machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), Linux $(uname -r)"
  echo "- etcd $ETCD_VERSION, .NET SDK $(dotnet --version), wrk $(wrk -v 2>&1 | awk 'NR == 1 { print $2 }')"
  dirty=""; [ -z "$(git status --porcelain 2>/dev/null)" ] || dirty=" (with uncommitted changes)"
  echo "- RaftActors commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$dirty"
  echo "- each row $DURATION after a warm-up per system of $WARMUP at 16 connections on each kind of row; wrk threads: 1 for 1 connection, 2 otherwise"
} >"$REPORT"
echo
cat "$REPORT"
echo
echo "rows: $TSV"
echo "report: $REPORT"

# --- 9. The chart, if ImageMagick can make the PNG. ------------------------------------------------------
if command -v convert >/dev/null && command -v python3 >/dev/null; then
  python3 "$ROOT/bench/chart.py" "$TSV" "$RESULTS_DIR/chart.png" || echo "chart: not made (see above)"
else
  echo "chart: later, with ImageMagick (apt-get install imagemagick) and python3:"
  echo "  python3 bench/chart.py $TSV $RESULTS_DIR/chart.png"
fi
