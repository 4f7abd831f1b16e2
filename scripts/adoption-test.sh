#!/usr/bin/env bash
# Adoption test: does a team that has never seen this repository get from zero to two
# endpoints calling each other, with the packages as they would be published? It does what the
# README's "Install" section says, outside the workspace:
#   1. pack both packages (pnpm pack:all) and dry-run `npm publish` of each tarball;
#   2. in a fresh folder under mktemp -d, write the starter with the packed CLI
#      (npx --package <decorators.tgz> --package <core.tgz> switchyard init);
#   3. npm install the tarballs (every other package from the registry), compile, type-check,
#      and run the starter's jest tests with the user-side jest setup (preset @switchyard/core);
#   4. start `switchyard dev` in the background, call it from other processes
#      (`switchyard call` and the starter's client, with .switchyard/dev.env loaded), stop it
#      with SIGINT and check that no process of it is left and its ports are closed;
#   5. `switchyard build` and `switchyard manifest validate`.
# Steps 2-5 run for a CommonJS app and for an ES module app (init --esm); the CommonJS app also
# checks the two-copies error, the ES module app an entry with top-level await.
# Exits non-zero on any failure; the temporary folder and every process it started are removed
# on exit. Linux (uses setsid). Usage: bash scripts/adoption-test.sh   (pnpm adoption-test)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PNPM=${PNPM:-"npx -y pnpm@10.34.9"}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/switchyard-adoption.XXXXXX")
DEV_PID=""
STARTED=$SECONDS

cleanup() {
  local status=$?
  if [ -n "$DEV_PID" ]; then
    # dev runs as the leader of its own process group: stop the group (ours only).
    kill -TERM -- "-$DEV_PID" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 -- "-$DEV_PID" 2>/dev/null || break; sleep 0.25; done
    kill -KILL -- "-$DEV_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
  if [ "$status" -ne 0 ]; then echo "adoption test FAILED (exit $status) after $((SECONDS - STARTED)) s" >&2; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { echo "-- $* ($((SECONDS - STARTED)) s)"; }
fail() { echo "adoption test: $*" >&2; exit 1; }

# True while <pid> runs. A child of this shell that has exited stays a zombie (Z) until `wait`
# collects it, and `kill -0` would still succeed on it.
alive() { case "$(ps -o stat= -p "$1" 2>/dev/null || true)" in '' | Z*) return 1 ;; esac; }

# Fail with the log when a check does not hold; the log is what a user would have seen.
expect_in() { # <file> <fixed string> <what>
  grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "$3: expected \"$2\" in the output above"; }
}

command -v setsid >/dev/null || fail "setsid (util-linux) is needed to run switchyard dev in its own process group"

step "pack both packages (pnpm pack:all)"
(cd "$ROOT" && $PNPM run --silent pack:all)
VERSION=$(node -p "require('$ROOT/packages/core/package.json').version")
mkdir -p "$WORK/packs"
# Copies at a path unique to this run, so that npx never reuses an install of older tarballs.
cp "$ROOT/dist-pack/switchyard-decorators-$VERSION.tgz" "$ROOT/dist-pack/switchyard-core-$VERSION.tgz" "$WORK/packs/"
DECORATORS_TGZ="$WORK/packs/switchyard-decorators-$VERSION.tgz"
CORE_TGZ="$WORK/packs/switchyard-core-$VERSION.tgz"

step "npm publish --dry-run of both tarballs"
for tgz in "$DECORATORS_TGZ" "$CORE_TGZ"; do
  npm publish --dry-run "$tgz" >"$WORK/publish.log" 2>&1 || { cat "$WORK/publish.log" >&2; fail "npm publish --dry-run $tgz failed"; }
done

# The packed CLI as `npx @switchyard/core` will run it once published. A cache of its own: npx
# installs the tarballs (and their dependencies from the registry) as on a user's machine, and
# nothing is left behind in ~/.npm.
npx_switchyard() { npm_config_cache="$WORK/npx-cache" npx --yes --package "$DECORATORS_TGZ" --package "$CORE_TGZ" -- switchyard "$@"; }
# The CLI of the app's installed @switchyard/core, as `npx switchyard` runs it in the app.
switchyard() { ./node_modules/.bin/switchyard "$@"; }

# A TCP connect to 127.0.0.1:<port> must be refused.
assert_port_closed() {
  node -e '
    const s = require("node:net").connect(Number(process.argv[1]), "127.0.0.1");
    s.on("connect", () => { console.error("port " + process.argv[1] + " is still open"); process.exit(1); });
    s.on("error", (e) => process.exit(e.code === "ECONNREFUSED" ? 0 : 1));' "$1" || fail "port $1 of the dev cluster is still open after it stopped"
}

adopt() { # <variant: cjs|esm>
  local variant=$1 app="$WORK/$1-app" init_flags=()
  [ "$variant" = esm ] && init_flags=(--esm)
  echo "== $variant app"

  step "$variant: switchyard init from the packed CLI (npx)"
  (cd "$WORK" && npx_switchyard init "$variant-app" "${init_flags[@]}") >"$WORK/init.log" 2>&1 \
    || { cat "$WORK/init.log" >&2; fail "$variant: switchyard init failed"; }
  expect_in "$WORK/init.log" "npm install" "$variant: init's next steps"
  cd "$app"
  if [ "$variant" = esm ]; then grep -q '"type": "module"' package.json || fail "esm: package.json is not \"type\": \"module\""; fi

  step "$variant: a second init refuses to overwrite"
  if npx_switchyard init . >"$WORK/init2.log" 2>&1; then fail "$variant: a second init into the same folder succeeded"; fi
  expect_in "$WORK/init2.log" "Nothing was written" "$variant: second init"

  step "$variant: npm install of the tarballs (third-party packages from the registry)"
  npm install --no-audit --no-fund "$DECORATORS_TGZ" "$CORE_TGZ" >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log" >&2; fail "$variant: npm install failed"; }
  [ "$(node -p 'require("@switchyard/core/package.json").version')" = "$VERSION" ] || fail "$variant: installed @switchyard/core is not $VERSION"

  step "$variant: npm run build, npm run typecheck"
  npm run --silent build
  npm run --silent typecheck

  step "$variant: npm test (jest, preset @switchyard/core)"
  npm test >"$WORK/jest.log" 2>&1 || { cat "$WORK/jest.log" >&2; fail "$variant: npm test failed"; }
  expect_in "$WORK/jest.log" "Tests:       3 passed, 3 total" "$variant: jest"

  step "$variant: switchyard dev in the background"
  setsid ./node_modules/.bin/switchyard dev --entry dist/app.js >"$WORK/dev.log" 2>&1 &
  DEV_PID=$!
  [ "$(ps -o pgid= -p "$DEV_PID" | tr -d ' ')" = "$DEV_PID" ] || fail "$variant: switchyard dev did not start as a process group leader"
  for _ in $(seq 1 120); do
    grep -q 'Ctrl-C stops everything' "$WORK/dev.log" && break
    alive "$DEV_PID" || { cat "$WORK/dev.log" >&2; fail "$variant: switchyard dev exited before it was ready"; }
    sleep 0.5
  done
  expect_in "$WORK/dev.log" "Ctrl-C stops everything" "$variant: switchyard dev did not get ready within 60 s"
  [ -f .switchyard/dev.env ] || fail "$variant: switchyard dev wrote no .switchyard/dev.env"
  # Rows of the worker table: "<endpoint>  http://127.0.0.1:<port>/v2/<endpoint>  <pid>  <methods>".
  local worker_pids ports
  worker_pids=$(awk '$2 ~ /^http:\/\/127\.0\.0\.1:/ { print $3 }' "$WORK/dev.log")
  ports=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$WORK/dev.log" | sed 's/.*://' | sort -u)
  [ "$(echo "$worker_pids" | wc -w)" -eq 2 ] || { cat "$WORK/dev.log" >&2; fail "$variant: expected 2 workers in the dev table"; }

  step "$variant: switchyard call and the starter's client, from other processes"
  (set -a; . .switchyard/dev.env; set +a; switchyard call checkout.total --args '[[{"sku": "apple", "qty": 3}, {"sku": "pear", "qty": 1}]]') >"$WORK/call.log" 2>&1 \
    || { cat "$WORK/call.log" >&2; fail "$variant: switchyard call checkout.total failed"; }
  # checkout and pricing ran in two different worker processes, neither of them the caller.
  node -e '
    const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    const workers = process.argv[2].split(/\s+/).map(Number);
    if (r.totalCents !== 175) throw new Error("totalCents " + r.totalCents + ", expected 175");
    if (!workers.includes(r.pid) || !r.lines.every((l) => workers.includes(l.pid) && l.pid !== r.pid))
      throw new Error("checkout (pid " + r.pid + ") and pricing (pids " + r.lines.map((l) => l.pid) + ") did not run in the two workers " + workers);
  ' "$WORK/call.log" "$worker_pids" || { cat "$WORK/call.log" >&2; fail "$variant: unexpected result of switchyard call"; }
  if (set -a; . .switchyard/dev.env; set +a; switchyard call checkout.total --args '[[{"sku": "kiwi", "qty": 1}]]') >"$WORK/call-error.log" 2>&1; then
    fail "$variant: a call with an unknown SKU succeeded"
  fi
  expect_in "$WORK/call-error.log" 'UnknownSkuError: unknown SKU "kiwi"' "$variant: the registered error through two hops"
  (set -a; . .switchyard/dev.env; set +a; node dist/client.js) >"$WORK/client.log" 2>&1 || { cat "$WORK/client.log" >&2; fail "$variant: node dist/client.js failed"; }
  expect_in "$WORK/client.log" '"totalCents":175' "$variant: the starter's client"

  step "$variant: SIGINT stops dev; nothing is left running"
  kill -INT "$DEV_PID"
  # Poll before wait, so that a dev that never stops fails the test instead of hanging it.
  local code=0
  for _ in $(seq 1 120); do alive "$DEV_PID" || break; sleep 0.25; done
  ! alive "$DEV_PID" || { cat "$WORK/dev.log" >&2; fail "$variant: switchyard dev did not stop within 30 s of SIGINT"; }
  wait "$DEV_PID" || code=$?
  [ "$code" -eq 0 ] || { cat "$WORK/dev.log" >&2; fail "$variant: switchyard dev exited with $code after SIGINT"; }
  local pid
  for pid in $worker_pids; do
    ! alive "$pid" || fail "$variant: worker pid $pid is still running after dev stopped"
  done
  [ -z "$(ps -o pid= --sid "$DEV_PID" 2>/dev/null)" ] || { ps -o pid,cmd --sid "$DEV_PID" >&2; fail "$variant: processes of dev's session are still running"; }
  DEV_PID=""
  for port in $ports; do assert_port_closed "$port"; done
  [ ! -f .switchyard/dev.env ] || fail "$variant: .switchyard/dev.env (it holds the cluster's key) was not removed"

  step "$variant: switchyard build, switchyard manifest validate"
  switchyard build --entry dist/app.js >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; fail "$variant: switchyard build failed"; }
  switchyard manifest validate switchyard.manifest.json >"$WORK/validate.log" 2>&1 || { cat "$WORK/validate.log" >&2; fail "$variant: manifest validate failed"; }
  expect_in "$WORK/validate.log" "2 endpoints, 2 methods" "$variant: manifest validate"

  if [ "$variant" = esm ]; then
    step "esm: an entry with top-level await"
    printf "await new Promise((resolve) => setTimeout(resolve, 20));\nexport * from './app.js';\n" >dist/entry-with-tla.js
    switchyard build --entry dist/entry-with-tla.js --out tla.manifest.json >"$WORK/tla.log" 2>&1 || { cat "$WORK/tla.log" >&2; fail "esm: build of an entry with top-level await failed"; }
  else
    step "cjs: a second copy of tsyringe is refused with the fix"
    mkdir -p node_modules/@switchyard/core/node_modules
    cp -r node_modules/tsyringe node_modules/@switchyard/core/node_modules/tsyringe
    if switchyard build --entry dist/app.js >"$WORK/dup.log" 2>&1; then fail "cjs: build with two copies of tsyringe succeeded"; fi
    expect_in "$WORK/dup.log" "2 copies of tsyringe are loaded" "cjs: two copies of tsyringe"
    expect_in "$WORK/dup.log" "npm dedupe" "cjs: two copies of tsyringe"
    rm -rf node_modules/@switchyard/core/node_modules/tsyringe
  fi
  cd "$WORK"
}

adopt cjs
adopt esm
echo "== adoption test passed in $((SECONDS - STARTED)) s"
