#!/usr/bin/env bash
# Whole-process timings of `caro history` (issue 11), side by side with baselines in one hyperfine run each:
# `/bin/true` (process start-up) and `sqlite3` doing the same query on the same database file.
#
#   Benchmarks/history.sh                 # 100 000 entries, the release binary of scripts/release.sh (all static)
#   ENTRIES=20000 RUNS=20 Benchmarks/history.sh
#   SKIP_BUILD=1 Benchmarks/history.sh    # reuse the last release build
#   KEEP=1 ONLY=data Benchmarks/history.sh  # keep the data set (for profiling), skip the timings
#
# The data set is generated deterministically (seeded) in a temporary directory: realistic commands in ~40
# project directories, times spread over the year before today (so `--since 7d` has something to find), and
# the same commands as a zsh EXTENDED_HISTORY file for the import benchmark. Rows are written into caro's
# own schema (the database is created by caro itself) with sqlite3, so generating 100 000 entries takes
# seconds rather than 100 000 `caro history add` processes. Needs hyperfine, sqlite3, jq and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

ENTRIES=${ENTRIES:-100000}
RUNS=${RUNS:-40}
WARMUP=${WARMUP:-5}
WORD=${WORD:-terraform}

for tool in hyperfine sqlite3 jq python3; do
    command -v "$tool" >/dev/null || { echo "history.sh: $tool is needed (apt-get install $tool)." >&2; exit 1; }
done

# The release binary users get (scripts/release.sh): Swift runtime and C libraries linked statically. Beside it,
# when present, the build with only the Swift runtime static (C libraries dynamic) as a second row.
if [[ -z "${SKIP_BUILD:-}" ]]; then
    # As scripts/release.sh links it: not position-independent unless CARO_PIE=1.
    link_flags=(-Xlinker -no-pie)
    if [[ "${CARO_PIE:-0}" == "1" ]]; then link_flags=(); fi
    CARO_STATIC_C=1 swift build -c release --static-swift-stdlib --product caro --scratch-path .build-static "${link_flags[@]}" >&2
fi
CARO="$PWD/.build-static/release/caro"
[[ -x "$CARO" ]] || { echo "history.sh: no release caro at $CARO; build it first (scripts/release.sh)." >&2; exit 1; }
CARO_DYNC="$(swift build -c release --static-swift-stdlib --show-bin-path 2>/dev/null)/caro"
DYNC_ADD=()
DYNC_SEARCH=()

WORK=$(mktemp -d "${TMPDIR:-/tmp}/caro-history-bench.XXXXXX")
if [[ -n "${KEEP:-}" ]]; then echo "history.sh: keeping $WORK" >&2; else trap 'rm -rf "$WORK"' EXIT; fi
HOME_DIR="$WORK/home"
NOW_MS=$(( $(date +%s) * 1000 ))

# --- Data set -------------------------------------------------------------------------------------------
python3 - "$WORK" "$ENTRIES" "$NOW_MS" <<'PY'
import random, sys

work, count, now_ms = sys.argv[1], int(sys.argv[2]) - 1, int(sys.argv[3])  # -1: caro's own seed entry
rng = random.Random(20261205)
projects = ["caro-sync", "webshop", "api-gateway", "infra", "dotfiles", "blog", "ml-pipeline", "mobile-app",
            "payments", "search", "auth-service", "docs-site", "cli-tools", "data-lake", "monitoring", "game-engine",
            "compiler", "notes", "scraper", "chat", "billing", "analytics", "kernel-mod", "terraform-modules",
            "ansible-roles", "k8s-manifests", "design-system", "landing-page", "etl-jobs", "video-encoder",
            "photo-sync", "home-automation", "budget", "crm", "inventory", "ticketing", "wiki", "bots", "sdk", "vpn"]
subdirs = ["", "/src", "/Sources", "/Tests", "/lib", "/docs", "/scripts", "/deploy", "/web/app", "/cmd/server"]
dirs = [f"/home/dev/src/{p}{s}" for p in projects for s in subdirs] + ["/home/dev", "/tmp", "/etc/nginx", "/var/log"]
files = ["main.go", "README.md", "Package.swift", "index.ts", "app.py", "Makefile", "config.yaml", "docker-compose.yml",
         "schema.sql", "main.rs", "server.js", "deploy.sh", "values.yaml", "Cargo.toml", "package.json", "notes.txt"]
branches = ["main", "develop", "feature/search", "fix/login", "release/2.1", "chore/deps", "feature/sync", "hotfix/crash"]
pods = ["web-7c9f", "api-5d8b", "worker-2a1e", "redis-0", "postgres-0", "ingress-6f4c"]
hosts = ["build.example.com", "db1.internal", "bastion", "pi.local", "staging-web-1"]
words = ["TODO", "fixme", "error", "timeout", "deprecated", "password_reset", "retry", "cache"]

def pick(xs): return rng.choice(xs)
templates = [
    (14, lambda: "git status"), (6, lambda: "git diff"), (3, lambda: f"git diff {pick(files)}"),
    (4, lambda: "git add -p"), (5, lambda: f"git commit -m \"{pick(['fix', 'add', 'update', 'refactor'])} {pick(words)} in {pick(files)}\""),
    (3, lambda: f"git push origin {pick(branches)}"), (3, lambda: f"git checkout {pick(branches)}"),
    (2, lambda: f"git log --oneline -n {rng.randint(5, 50)}"), (2, lambda: "git pull --rebase"),
    (8, lambda: "ls"), (5, lambda: "ls -la"), (8, lambda: f"cd {pick(dirs)}"), (4, lambda: f"vim {pick(files)}"),
    (3, lambda: f"cat {pick(files)}"), (3, lambda: f"grep -rn {pick(words)} ."), (3, lambda: f"rg {pick(words)} {pick(subdirs[1:]).lstrip('/')}"),
    (2, lambda: f"find . -name '*.{pick(['swift', 'go', 'py', 'ts', 'rs'])}'"), (4, lambda: "make"), (2, lambda: "make test"),
    (3, lambda: "swift build"), (2, lambda: f"swift test --filter {pick(['History', 'Sync', 'Store', 'CLI'])}Tests"),
    (2, lambda: "cargo build --release"), (2, lambda: "cargo test"), (2, lambda: "npm install"), (2, lambda: "npm run dev"),
    (2, lambda: f"python3 {pick(['app.py', 'train.py', 'scripts/migrate.py'])}"), (2, lambda: "docker ps"),
    (2, lambda: "docker compose up -d"), (1, lambda: f"docker build -t {pick(projects)}:{rng.randint(1, 40)} ."),
    (1, lambda: f"docker logs -f {pick(pods)}"), (2, lambda: f"kubectl get pods -n {pick(['prod', 'staging', 'dev'])}"),
    (1, lambda: f"kubectl describe pod {pick(pods)}"), (1, lambda: f"kubectl logs -f deploy/{pick(pods)[:-5]}"),
    (1, lambda: f"kubectl apply -f {pick(['deploy.yaml', 'values.yaml', 'k8s/'])}"), (2, lambda: f"ssh {pick(hosts)}"),
    (1, lambda: f"scp {pick(files)} {pick(hosts)}:/tmp/"), (1, lambda: f"curl -s https://api.example.com/v1/{pick(['users', 'orders', 'health'])} | jq ."),
    (1, lambda: f"terraform {pick(['plan', 'apply', 'init', 'fmt', 'validate'])}"), (1, lambda: "htop"),
    (1, lambda: f"tail -f /var/log/{pick(['syslog', 'nginx/access.log', 'auth.log'])}"), (1, lambda: "brew upgrade"),
]
weights = [w for w, _ in templates]
year_ms = 365 * 86_400_000
offsets = sorted((rng.random() ** 1.3 * year_ms for _ in range(count)), reverse=True)  # denser recently

def uuid7(ms):
    r = rng.getrandbits(74)
    h = f"{ms:012x}7{(r >> 62) & 0xfff:03x}{0x8 | ((r >> 60) & 0x3):x}{(r >> 48) & 0xfff:03x}{r & 0xffffffffffff:012x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

def q(text): return "'" + text.replace("'", "''") + "'"

# rows.sql stages the rows in a temporary table, then copies them into `history` with one INSERT … SELECT inside
# a bulk load, as caro's own bulk insert does (HistoryMigrations version 4): the FTS5 index and the live count
# take the new rows in one statement each at the end.
with open(f"{work}/rows.sql", "w") as sql, open(f"{work}/zsh_history", "w") as zsh:
    sql.write("CREATE TEMP TABLE staged (id, created_at, command, exit_code, duration_ms, cwd);\nBEGIN;\n")
    for offset in offsets:
        ms = now_ms - int(offset)
        command = rng.choices(templates, weights)[0][1]()
        cwd = pick(dirs)
        exit_code = 0 if rng.random() < 0.9 else pick([1, 2, 127, 130])
        duration = int(rng.expovariate(1 / 800))
        sql.write(f"INSERT INTO staged VALUES ({q(uuid7(ms))}, {ms}, {q(command)}, {exit_code}, {duration}, {q(cwd)});\n")
        zsh.write(f": {ms // 1000}:{duration // 1000};{command}\n")
    sql.write("INSERT INTO history_bulk_load (id, after_seq) SELECT 1, coalesce(max(seq), 0) FROM history;\n"
              "CREATE TEMP TABLE load AS SELECT after_seq FROM history_bulk_load;\n"
              "INSERT INTO history (id, created_at, command, executed, exit_code, duration_ms, cwd, shell, hostname, device_id, "
              "platform, pending) SELECT s.id, s.created_at, s.command, 1, s.exit_code, s.duration_ms, s.cwd, 'zsh', "
              "seed.hostname, seed.device_id, seed.platform, 0 FROM staged s, seed;\n"
              "DELETE FROM history_bulk_load;\n"
              "INSERT INTO history_fts (rowid, command, prompt, explanation, tags) "
              "SELECT seq, command, prompt, explanation, tags FROM history WHERE seq > (SELECT after_seq FROM load);\n"
              "UPDATE history_counts SET live = live + (SELECT count(*) FROM history WHERE seq > (SELECT after_seq FROM load) "
              "AND deleted_at IS NULL);\nCOMMIT;\n")
PY

# caro creates the database (its migrations, its device row); the generated rows copy the seed's device fields.
"$CARO" --home "$HOME_DIR" prefs set max-entries 0 >/dev/null
"$CARO" --home "$HOME_DIR" history add --command "echo seed" --cwd /home/dev --shell zsh --exit 0 >/dev/null
DB=$(grep -l -a "^SQLite format 3" -r "$HOME_DIR" | grep -v -e '-wal$' -e '-shm$' | head -1)
{ echo "CREATE TEMP TABLE seed AS SELECT hostname, device_id, platform FROM history LIMIT 1;"; cat "$WORK/rows.sql"; } \
    | sqlite3 "$DB"
LIVE=$("$CARO" --home "$HOME_DIR" history stats --json | jq .entries)
PROJECT_DIR=/home/dev/src/terraform-modules
SINCE_MS=$(( NOW_MS - 7 * 86400000 ))
HITS=$("$CARO" --home "$HOME_DIR" history search "$WORD" --json | jq length)
HITS_UNDER=$("$CARO" --home "$HOME_DIR" history search "$WORD" --under "$PROJECT_DIR" --since 7d --json | jq length)
HITS_UNIQUE=$("$CARO" --home "$HOME_DIR" history search "$WORD" --unique --json | jq length)
echo "data set: $LIVE entries in $DB ($(du -h "$DB" | cut -f1)); \"$WORD\" matches $HITS, with --under --since 7d $HITS_UNDER, --unique $HITS_UNIQUE" >&2

# --- The same queries for sqlite3 (the SQL caro's HistoryStore runs) ------------------------------------------
COLUMNS="h.id, h.created_at, h.command, h.prompt, h.explanation, h.executed, h.exit_code, h.duration_ms, h.cwd, h.shell, h.hostname, h.device_id, h.platform, h.safety_level, h.tags"
MATCH="h.seq IN (SELECT rowid FROM history_fts WHERE history_fts MATCH '$WORD*')"
SQL_SEARCH="SELECT $COLUMNS FROM history h WHERE h.deleted_at IS NULL AND $MATCH ORDER BY h.created_at DESC, h.seq DESC"
SQL_UNDER="SELECT $COLUMNS FROM history h WHERE h.deleted_at IS NULL AND $MATCH AND (h.cwd = '$PROJECT_DIR' OR (h.cwd >= '$PROJECT_DIR/' AND h.cwd < '${PROJECT_DIR}0')) AND h.created_at >= $SINCE_MS ORDER BY h.created_at DESC, h.seq DESC"
SQL_UNIQUE="SELECT $COLUMNS FROM history h WHERE h.seq IN (SELECT seq FROM (SELECT h.seq AS seq, max(h.created_at) FROM history h WHERE h.deleted_at IS NULL AND $MATCH GROUP BY h.command)) ORDER BY h.created_at DESC, h.seq DESC"
SQL_ADD="PRAGMA synchronous = NORMAL; INSERT INTO history (id, created_at, command, executed, exit_code, duration_ms, cwd, shell, hostname, device_id, platform) SELECT lower(hex(randomblob(16))), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), 'git status', 1, 0, 12, '/home/dev/src/caro-sync', 'zsh', hostname, device_id, platform FROM history LIMIT 1"

[[ "${ONLY:-}" == data ]] && { echo "$WORK"; exit 0; }
if [[ -x "$CARO_DYNC" ]]; then
    DYNC_ADD=(-n "caro history add (C libraries dynamic)" "$CARO_DYNC --home $HOME_DIR history add --command 'git status' --cwd /home/dev/src/caro-sync --exit 0 --duration 12 --shell zsh")
    DYNC_SEARCH=(-n "caro history search $WORD (C libraries dynamic)" "$CARO_DYNC --home $HOME_DIR history search $WORD")
fi

RESULTS="$WORK/results"
mkdir -p "$RESULTS"
bench() {  # name, then hyperfine arguments
    local name=$1
    shift
    hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" --export-json "$RESULTS/$name.json" "$@" >&2
}

bench add \
    -n "/bin/true" "/bin/true" \
    -n "caro --version (start-up only)" "$CARO --version" \
    -n "caro history add" "$CARO --home $HOME_DIR history add --command 'git status' --cwd /home/dev/src/caro-sync --exit 0 --duration 12 --shell zsh" \
    "${DYNC_ADD[@]}" \
    -n "sqlite3 INSERT (same row)" "sqlite3 $DB \"$SQL_ADD\""
bench search \
    -n "/bin/true" "/bin/true" \
    -n "caro history search $WORD" "$CARO --home $HOME_DIR history search $WORD" \
    "${DYNC_SEARCH[@]}" \
    -n "sqlite3 (same query)" "sqlite3 $DB \"$SQL_SEARCH\""
bench search-under \
    -n "caro history search $WORD --under DIR --since 7d" "$CARO --home $HOME_DIR history search $WORD --under $PROJECT_DIR --since 7d" \
    -n "sqlite3 (same query)" "sqlite3 $DB \"$SQL_UNDER\""
bench search-unique \
    -n "caro history search $WORD --unique" "$CARO --home $HOME_DIR history search $WORD --unique" \
    -n "sqlite3 (same result: GROUP BY command)" "sqlite3 $DB \"$SQL_UNIQUE\""

# Import: a fresh home per run (max-entries 0, so every line is stored); baseline: sqlite3 inserting the same rows
# into a fresh copy of the empty database.
if "$CARO" history import --help >/dev/null 2>&1; then
    EMPTY="$WORK/empty-home"
    "$CARO" --home "$EMPTY" prefs set max-entries 0 >/dev/null
    "$CARO" --home "$EMPTY" history add --command "echo seed" >/dev/null
    EMPTY_DB=$(grep -l -a "^SQLite format 3" -r "$EMPTY" | grep -v -e '-wal$' -e '-shm$' | head -1)
    REL_DB=${EMPTY_DB#"$EMPTY"/}
    { echo "CREATE TEMP TABLE seed AS SELECT hostname, device_id, platform FROM history LIMIT 1;"; cat "$WORK/rows.sql"; } > "$WORK/import.sql"
    hyperfine --style basic --warmup 1 --runs "${IMPORT_RUNS:-10}" --export-json "$RESULTS/import.json" \
        --prepare "rm -rf $WORK/import-home && cp -r $EMPTY $WORK/import-home" \
        -n "caro history import zsh ($(( ENTRIES - 1 )) lines)" "$CARO --home $WORK/import-home history import zsh $WORK/zsh_history --quiet" \
        -n "sqlite3: same rows, one INSERT … SELECT" "sqlite3 $WORK/import-home/$REL_DB < $WORK/import.sql" >&2
    IMPORTED=$(cp -r "$EMPTY" "$WORK/check-home" && "$CARO" --home "$WORK/check-home" history import zsh "$WORK/zsh_history" --json)
    echo "import check: $IMPORTED" >&2
else
    echo "history.sh: this caro has no 'history import'; import benchmark skipped." >&2
fi

# --- Table ---------------------------------------------------------------------------------------------------
echo
echo "caro history, whole process: $LIVE entries; $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%Y-%m-%d)"
echo
echo "| benchmark | command | median | mean ± σ | min | CPU (user + sys, mean) |"
echo "|---|---|---:|---:|---:|---:|"
for name in add search search-under search-unique import; do
    [[ -f "$RESULTS/$name.json" ]] || continue
    jq -r --arg b "$name" '.results[] | "| \($b) | \(.command) | \(.median * 1000 | . * 100 | round / 100) ms | \(.mean * 1000 | . * 100 | round / 100) ± \(.stddev * 1000 | . * 100 | round / 100) ms | \(.min * 1000 | . * 100 | round / 100) ms | \((.user + .system) * 1000 | . * 100 | round / 100) ms |"' "$RESULTS/$name.json"
done
