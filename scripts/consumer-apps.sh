#!/usr/bin/env bash
# The consumer applications test: does the package, as published, install and run in real apps?
#
#   bash scripts/consumer-apps.sh                      every application in examples/
#   bash scripts/consumer-apps.sh nest12-esm           only these
#   KEEP_WORK=1 bash scripts/consumer-apps.sh          keep the temporary copies (and logs) afterwards
#   PACKAGE_TARBALL=/path/x.tgz bash scripts/...       install that tarball instead of packing this tree
#   STRICT_DECLARATIONS=1 bash scripts/...             fail (not warn) when the package's .d.ts files do
#                                                      not compile in an app with skipLibCheck false
#
# It packs the package (`npm pack`, which builds it), copies each application in examples/ into a
# fresh temporary directory, installs the application's own dependencies with plain `npm install` and
# then the tarball, as a user adds the package to an existing app. Then it checks the tree (exactly
# one @nestjs/core, @nestjs/common and typeorm; no better-sqlite3 unless the app asked for it; no
# native module compiled by the package's install), builds the app with its own `npm run build`
# (strict tsc), checks the package's declarations with skipLibCheck false, starts the app (and its
# worker process, when it has a `start:worker` script) on Postgres and Redis, drives the refund
# workflow through its HTTP endpoints (scripts/consumer-apps/drive.ts) and stops it with SIGTERM.
# Each run uses its own Postgres schema and Redis key prefix and removes them afterwards. Prints PASS
# or FAIL per application and how much the package added to its install; exits 1 when any failed.
#
# The applications carry no lock file: each run resolves what `npm install` gives a user that day
# within the ranges the app and the package declare (the frameworks are pinned exactly in each app),
# so a release of a dependency that breaks the package shows up here rather than being hidden.
#
# Needs Node and npm, the registry, Postgres at DATABASE_URL and Redis at REDIS_URL (defaults below),
# and this repository's own dependencies installed (`npm ci`: ts-node, pg and ioredis run the helpers).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export NO_COLOR=1 # plain application logs, readable when a failure prints them
RUN_ID="consumer_$(date +%s)_$$"
API_KEY="key-$RUN_ID"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/consumer-apps.XXXXXX")"
SUMMARY="$WORK/summary"
READY_SECONDS=60
STOP_SECONDS=15
BEGAN=$SECONDS

if [ $# -gt 0 ]; then
  APPS=("$@")
else
  APPS=()
  for dir in "$ROOT"/examples/*/; do
    [ -f "$dir/package.json" ] && APPS+=("$(basename "$dir")")
  done
fi

app_jobs=()
finish() {
  local code=$?
  local job
  # Applications still running (the script was interrupted) clean up after themselves first.
  for job in "${app_jobs[@]}"; do kill -TERM "$job" 2>/dev/null || true; done
  for job in "${app_jobs[@]}"; do wait "$job" 2>/dev/null || true; done
  if [ ${#app_jobs[@]} -gt 0 ]; then
    say "interrupted; so far:"
    for job in "${APPS[@]}"; do [ -f "$WORK/$job.out" ] && cat "$WORK/$job.out"; done
  fi
  if [ "${KEEP_WORK:-}" = 1 ]; then
    echo "(kept $WORK)"
  else
    rm -rf "$WORK"
  fi
  exit "$code"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ts_node() { node -r ts-node/register/transpile-only "$@"; }
admin() { (cd "$ROOT" && ts_node scripts/consumer-apps/admin.ts "$@"); }
say() { printf '%s\n' "$*"; }
elapsed() { echo "$((SECONDS - $1))s"; }

# Packages in an install and the size of its node_modules, in MB with one decimal.
package_count() { node -e "const l=require(process.argv[1]);console.log(Object.keys(l.packages).filter(Boolean).length)" "$1/node_modules/.package-lock.json"; }
modules_mb() { du -sk "$1/node_modules" | awk '{printf "%.1f", $1 / 1024}'; }
# The packages whose install compiled a native addon (node-gyp leaves it under build/), one per line.
native_built() { (cd "$1" && find node_modules -name '*.node' -path '*/build/*' | sed 's#/build/.*##' | sort -u); }
# The versions the install resolved, for the frameworks and libraries the package plugs into.
resolved_versions() {
  node -e '
    const { existsSync, readFileSync } = require("fs");
    const names = ["@nestjs/core", "@nestjs/platform-express", "@nestjs/platform-fastify", "@nestjs/typeorm",
      "typeorm", "@nestjs/bullmq", "bullmq", "@nestjs/swagger", "class-validator", "typescript"];
    const found = names.flatMap((name) => {
      const file = `${process.argv[1]}/node_modules/${name}/package.json`;
      return existsSync(file) ? [`${name} ${JSON.parse(readFileSync(file, "utf8")).version}`] : [];
    });
    console.log(found.join(", "));
  ' "$1"
}
# How many copies of a package the tree holds.
copies() { find "$1/node_modules" -path "*/node_modules/$2/package.json" | wc -l | tr -d ' '; }
# A field of a package.json, or nothing.
json_field() { node -e "const v=process.argv[2].split('.').reduce((o,k)=>o&&o[k],require(process.argv[1]));if(v!==undefined)console.log(v)" "$1" "$2"; }

# Whether a URL answers 2xx (within 2 s).
answers() {
  node -e "fetch(process.argv[1],{signal:AbortSignal.timeout(2000)}).then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))" "$1"
}
free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# ---------------------------------------------------------------------------------------------------
say "== pack"
[ -d "$ROOT/node_modules" ] || npm ci --no-audit --no-fund
pack_began=$SECONDS
if [ -n "${PACKAGE_TARBALL:-}" ]; then
  TARBALL="$(cd "$(dirname "$PACKAGE_TARBALL")" && pwd)/$(basename "$PACKAGE_TARBALL")"
  [ -f "$TARBALL" ] || { say "FAIL: no tarball $PACKAGE_TARBALL"; exit 1; }
else
  if [ -z "$(json_field "$ROOT/package.json" scripts.prepack)" ]; then
    npm run build >"$WORK/pack.log" 2>&1 || { cat "$WORK/pack.log"; say "FAIL: the package does not build"; exit 1; }
  fi
  if ! npm pack --pack-destination "$WORK" >>"$WORK/pack.log" 2>&1; then
    cat "$WORK/pack.log"
    say "FAIL: npm pack failed"
    exit 1
  fi
  TARBALL="$(ls "$WORK"/*.tgz)"
fi
say "$(basename "$TARBALL"): $(du -k "$TARBALL" | cut -f1) kB, $(tar tzf "$TARBALL" | wc -l | tr -d ' ') files ($(elapsed $pack_began))"

# ---------------------------------------------------------------------------------------------------
# One application, in a subshell of its own: its processes, schema and Redis keys go when it ends.
run_app() {
  # Not `local`: the EXIT trap reads them after the function has returned.
  app="$1"
  dir="$WORK/$app"
  logs="$WORK/$app-logs"
  schema="${RUN_ID}_${app//-/_}"
  prefix="$schema"
  pids=()
  made_schema=0
  uses_queue=0
  mkdir -p "$logs"

  app_cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    if [ "$made_schema" = 1 ]; then
      admin drop-schema "$schema" >/dev/null || say "  (could not drop the Postgres schema $schema)"
    fi
    if [ "$uses_queue" = 1 ]; then
      admin delete-keys "$prefix" >/dev/null || say "  (could not delete the Redis keys $prefix:*)"
    fi
    [ "${KEEP_WORK:-}" = 1 ] || rm -rf "$dir"
  }
  trap app_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  # The logs of the phase that failed are printed with the failure.
  phase_logs=()
  fail() {
    say "  FAILED  $*"
    local log
    for log in "${phase_logs[@]}"; do
      [ -f "$log" ] || continue
      say "  ---- last lines of $(basename "$log")"
      tail -n 80 "$log" | sed 's/^/  | /'
    done
    exit 1
  }

  say "== $app"
  [ -f "$ROOT/examples/$app/package.json" ] || fail "no application examples/$app"
  mkdir -p "$dir"
  (cd "$ROOT/examples/$app" && tar cf - --exclude=node_modules --exclude=dist --exclude=package-lock.json .) | (cd "$dir" && tar xf -)

  # Install: the application's own dependencies first, then the package into it.
  local step=$SECONDS
  phase_logs=("$logs/npm-install-app.log")
  (cd "$dir" && npm install --no-audit --no-fund >"$logs/npm-install-app.log" 2>&1) ||
    fail "npm install of the application's own dependencies failed"
  local base_count base_mb base_native
  base_count="$(package_count "$dir")"
  base_mb="$(modules_mb "$dir")"
  base_native="$(native_built "$dir")"
  phase_logs=("$logs/npm-install-package.log")
  (cd "$dir" && npm install --no-audit --no-fund "$TARBALL" >"$logs/npm-install-package.log" 2>&1) ||
    fail "npm install of the package's tarball failed"
  local count mb added
  count="$(package_count "$dir")"
  mb="$(modules_mb "$dir")"
  added="$(grep -oE 'added [0-9]+ packages?' "$logs/npm-install-package.log" | grep -oE '[0-9]+' || echo 0)"
  say "  ok  installed: the app $base_count packages ($base_mb MB), the package added $added ($count packages, $mb MB) ($(elapsed "$step"))"
  printf '%s\t%s\t%s\t%s\t%s\n' "$app" "$base_count" "$added" "$base_mb" "$mb" >>"$SUMMARY"

  # The tree: one framework, one ORM, no native module the app did not ask for.
  local name
  for name in @nestjs/core @nestjs/common typeorm nestjs-durable-workflow; do
    local n
    n="$(copies "$dir" "$name")"
    [ "$n" = 1 ] || fail "$n copies of $name in node_modules, wanted exactly one: $(find "$dir/node_modules" -path "*/node_modules/$name/package.json" | sed "s#$dir/##" | tr '\n' ' ')"
  done
  say "  ok  exactly one @nestjs/core, @nestjs/common, typeorm and nestjs-durable-workflow"
  say "      resolved: $(resolved_versions "$dir")"
  if [ -z "$(json_field "$dir/package.json" dependencies.better-sqlite3)" ]; then
    [ "$(copies "$dir" better-sqlite3)" = 0 ] || fail "better-sqlite3 was installed into an app that does not use it"
    say "  ok  no better-sqlite3"
  fi
  local native
  native="$(comm -13 <(printf '%s\n' "$base_native") <(native_built "$dir") | tr '\n' ' ')"
  [ -z "${native// /}" ] || fail "installing the package compiled native modules: $native"
  local own=""
  [ -z "$base_native" ] || own=" (the app itself compiled: $(echo "$base_native" | tr '\n' ' ' | sed 's/ $//'))"
  say "  ok  installing the package compiled no native module$own"
  [ -z "$(json_field "$dir/package.json" dependencies.bullmq)" ] || uses_queue=1

  # Build with the application's own compiler settings.
  step=$SECONDS
  phase_logs=("$logs/build.log")
  (cd "$dir" && npm run build >"$logs/build.log" 2>&1) || fail "npm run build failed"
  say "  ok  npm run build ($(elapsed "$step"))"

  # The package's declarations, checked as an application with `skipLibCheck: false` would check them
  # (an error there names a type the app cannot see, such as an optional peer it did not install).
  # A warning unless STRICT_DECLARATIONS=1.
  step=$SECONDS
  local declaration_errors
  declaration_errors="$(cd "$dir" && npx --no-install tsc -p tsconfig.json --noEmit --skipLibCheck false 2>&1 |
    grep '^node_modules/nestjs-durable-workflow/' || true)"
  if [ -z "$declaration_errors" ]; then
    say "  ok  the package's declarations compile with skipLibCheck false ($(elapsed "$step"))"
  elif [ "${STRICT_DECLARATIONS:-}" = 1 ]; then
    printf '%s\n' "$declaration_errors" | sed 's/^/  | /'
    fail "the package's declarations do not compile in this app with skipLibCheck false"
  else
    say "  WARN the package's declarations do not compile in this app with skipLibCheck false:"
    printf '%s\n' "$declaration_errors" | sed 's/^/  | /'
  fi

  # Start it: the web process, and a worker process when the app has one.
  step=$SECONDS
  phase_logs=("$logs/web.log" "$logs/worker.log")
  admin create-schema "$schema" || fail "could not create the Postgres schema $schema"
  made_schema=1
  local port
  port="$(free_port)"
  local start_cmd worker_cmd
  start_cmd="$(json_field "$dir/package.json" scripts.start)"
  worker_cmd="$(json_field "$dir/package.json" scripts.start:worker)"
  # shellcheck disable=SC2086
  (cd "$dir" && exec env PORT="$port" HOST=127.0.0.1 DATABASE_SCHEMA="$schema" API_KEY="$API_KEY" \
    QUEUE_PREFIX="$prefix" $start_cmd) >"$logs/web.log" 2>&1 &
  local web=$!
  disown "$web" # stopped by this script, which also says how; not reported by the shell
  pids+=("$web")
  local deadline=$((SECONDS + READY_SECONDS))
  until answers "http://127.0.0.1:$port/health"; do
    kill -0 "$web" 2>/dev/null || fail "the application exited while starting"
    [ $SECONDS -lt $deadline ] || fail "the application did not answer GET /health within ${READY_SECONDS}s"
    sleep 0.2
  done
  local worker=""
  if [ -n "$worker_cmd" ]; then
    # shellcheck disable=SC2086
    (cd "$dir" && exec env DATABASE_SCHEMA="$schema" QUEUE_PREFIX="$prefix" $worker_cmd) >"$logs/worker.log" 2>&1 &
    worker=$!
    disown "$worker"
    pids+=("$worker")
    until grep -q 'worker ready' "$logs/worker.log"; do
      kill -0 "$worker" 2>/dev/null || fail "the worker process exited while starting"
      [ $SECONDS -lt $deadline ] || fail "the worker process was not ready within ${READY_SECONDS}s"
      sleep 0.2
    done
  fi
  say "  ok  started on port $port$([ -n "$worker" ] && echo ' with a worker process') ($(elapsed "$step"))"

  # Drive the workflow through its HTTP endpoints.
  local openapi=()
  [ -z "$(json_field "$dir/package.json" dependencies.@nestjs/swagger)" ] || openapi=(--openapi /docs-json)
  (cd "$ROOT" && ts_node scripts/consumer-apps/drive.ts --base "http://127.0.0.1:$port" --key "$API_KEY" "${openapi[@]}") ||
    fail "the workflow did not run as expected through the app's HTTP endpoints"

  # Stop: SIGTERM, and each process must be gone within STOP_SECONDS.
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  deadline=$((SECONDS + STOP_SECONDS))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null; do
      [ $SECONDS -lt $deadline ] || fail "a process (pid $pid) was still running ${STOP_SECONDS}s after SIGTERM"
      sleep 0.2
    done
  done
  say "  ok  stopped on SIGTERM"

  if [ "$uses_queue" = 1 ]; then
    local keys
    keys="$(admin delete-keys "$prefix")"
    say "  ok  removed $keys Redis keys under $prefix:"
  fi
}

# The applications run side by side (each has its own directory, port, schema and key prefix); the
# output of each is printed when it ends, in the order given.
say "== running ${APPS[*]} side by side"
app_jobs=()
for app in "${APPS[@]}"; do
  (
    set -e
    run_app "$app"
  ) >"$WORK/$app.out" 2>&1 &
  app_jobs+=("$!")
done
failed=()
for i in "${!APPS[@]}"; do
  app="${APPS[$i]}"
  set +e
  wait "${app_jobs[$i]}"
  code=$?
  set -e
  cat "$WORK/$app.out"
  if [ "$code" = 0 ]; then
    say "PASS $app ($(elapsed "$BEGAN") since the start)"
  else
    say "FAIL $app ($(elapsed "$BEGAN") since the start)"
    failed+=("$app")
  fi
done
app_jobs=()

say ""
say "== install footprint of the package (npm install of the tarball into the app)"
if [ -f "$SUMMARY" ]; then
  printf '  %-22s %14s %15s %22s\n' app 'app packages' 'package added' 'node_modules MB'
  while IFS=$'\t' read -r app base added base_mb mb; do
    printf '  %-22s %14s %15s %22s\n' "$app" "$base" "+$added" "$base_mb -> $mb"
  done < <(sort "$SUMMARY")
fi
say ""
if [ ${#failed[@]} -gt 0 ]; then
  say "consumer apps: FAIL (${failed[*]}) in $(elapsed "$BEGAN")"
  exit 1
fi
say "consumer apps: PASS (${APPS[*]}) in $(elapsed "$BEGAN")"
