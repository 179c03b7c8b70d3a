#!/usr/bin/env bash
# Shows that RaftActors' SQLite journal plugin makes every event durable before it is acknowledged: runs the crash
# writer (tests/Persistence.CrashWriter, "akka" mode) under strace, which persists N events one at a time through
# akka.persistence.journal.raft-sqlite and prints "ack N" after each acknowledgement, and checks that an
# fsync/fdatasync of the journal file completed before every "ack" line reached stdout.
#   usage: scripts/check-fsync.sh [events=100]
set -euo pipefail

events=${1:-100}
root=$(cd "$(dirname "$0")/.." && pwd)

if ! command -v strace >/dev/null; then
  echo "installing strace (Debian package)"
  apt-get update -qq && apt-get install -y -qq strace >/dev/null
fi

dotnet build "$root/tests/Persistence.CrashWriter" -c Release -warnaserror -nologo -v q >/dev/null
writer="$root/tests/Persistence.CrashWriter/bin/Release/net10.0/RaftActors.Persistence.CrashWriter.dll"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/writer.conf" <<EOF
akka.persistence.journal.plugin = "akka.persistence.journal.raft-sqlite"
akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.raft-sqlite"
akka.persistence.journal.raft-sqlite.path = "$work/raft-journal.db"
akka.persistence.snapshot-store.raft-sqlite.path = "$work/raft-snapshots.db"
EOF

# -f: every thread (the store writes on its own thread); -y: file names for descriptors; write: to see the acks.
strace -f -y -qq -e trace=fdatasync,fsync,write -o "$work/trace" \
  dotnet "$writer" akka "$work/writer.conf" "$events" >"$work/stdout"

# Walk the trace in order. A sync counts once it returned 0 (strace may split a call into "<unfinished ...>" and
# "<... resumed>" lines when threads interleave); an "ack" write must follow at least one such sync since the last ack.
awk -v journal="$work/raft-journal.db" -v out="$work/stdout" '
  function note_sync(kind, ok) { if (ok) { syncs++; since++; if (kind == "wal") wal++; else db++ } }
  {
    pid = $1
    if ($0 ~ /(fsync|fdatasync)\(/ && index($0, journal) > 0) {
      kind = ($0 ~ /-wal>/) ? "wal" : "db"
      if ($0 ~ /<unfinished \.\.\.>/) { pending[pid] = kind; next }
      note_sync(kind, $0 ~ /= 0$/)
      next
    }
    if ($0 ~ /<\.\.\. (fsync|fdatasync) resumed>/ && (pid in pending)) {
      note_sync(pending[pid], $0 ~ /= 0$/)
      delete pending[pid]
      next
    }
    # .NET writes stdout through a duplicate descriptor: know it by its file, not its number.
    if ($0 ~ /write\(/ && index($0, out ">") > 0 && match($0, /"ack [0-9]+\\n"/)) {
      acks++
      if (since > 0) covered++; else { uncovered++; if (uncovered <= 5) print "NOT SYNCED before: " substr($0, RSTART, RLENGTH) }
      since = 0
    }
  }
  END {
    printf "acknowledgements: %d\n", acks
    printf "fsync/fdatasync of the journal: %d (write-ahead log: %d, database file: %d)\n", syncs, wal, db
    printf "acknowledgements preceded by a journal sync: %d of %d\n", covered, acks
    exit (acks > 0 && uncovered == 0) ? 0 : 1
  }' "$work/trace" && status=0 || status=$?

echo "stdout of the writer: $(grep -c '^ack ' "$work/stdout") ack lines, last: $(grep '^ack ' "$work/stdout" | tail -n 1)"
echo "sample of the trace around the last acknowledgement:"
grep -n -E 'fdatasync|fsync|"ack ' "$work/trace" | tail -n 6 | sed "s|$work|<tmp>|g"
if [ "$status" -eq 0 ]; then echo "OK: every acknowledgement came after an fsync of the journal"; else echo "FAILED"; fi
exit "$status"
