#!/usr/bin/env bash
# Builds, runs and tests the Cortico Oscar plug-in, its messaging service and
# the Oscar simulator. Installs what it needs on a fresh Debian machine with
# rustup and Node 20, and skips what is already there.
#
#   ./build.sh            build the extension into dist/ (same as `build`)
#   ./build.sh run        build, then start everything on 127.0.0.1 (Ctrl-C stops it);
#                         --browser also opens Chromium with the extension on the schedule
#   ./build.sh test       the whole test suite (what CI runs)
#   ./build.sh bench      benchmarks, one `name value unit` line per figure
#
# `run` keeps its data in .data/ (delete it to start over).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT=$PWD
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

# --- prerequisites -----------------------------------------------------------

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root to run: $*"; fi
}

APT_UPDATED=
ensure_apt() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return
  say "installing Debian packages: ${missing[*]}"
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_rust() {
  command -v cargo >/dev/null || die "cargo not found: install Rust with rustup first (https://rustup.rs)"
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

# wasm-bindgen's CLI must match the wasm-bindgen crate version in Cargo.lock exactly.
locked_version() {
  awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_wasm_bindgen() {
  local want have
  want=$(locked_version wasm-bindgen)
  [ -n "$want" ] || die "wasm-bindgen is not in Cargo.lock"
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  [ "$have" = "$want" ] && return
  say "installing wasm-bindgen-cli $want (takes a few minutes once)"
  # --locked first; some registry mirrors lack a yanked transitive version, so fall back.
  cargo install -q wasm-bindgen-cli --version "$want" --locked 2>/dev/null \
    || cargo install -q wasm-bindgen-cli --version "$want"
}

ensure_node_packages() {
  command -v npm >/dev/null || ensure_apt nodejs npm
  local stamp=tests/node_modules/.installed
  if [ ! -f "$stamp" ] || [ tests/package-lock.json -nt "$stamp" ]; then
    say "installing test and build tools from npm (tests/package-lock.json)"
    (cd tests && npm ci --no-audit --no-fund --loglevel=error)
    touch "$stamp"
  fi
}

# The tests' SMTP server (aiosmtpd) lives in a virtual environment under tests/.
ensure_python_tools() {
  local venv=tests/.venv stamp=tests/.venv/.installed
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" 2>/dev/null || { ensure_apt python3-venv; python3 -m venv "$venv"; }
  fi
  if [ ! -f "$stamp" ] || [ tests/requirements.txt -nt "$stamp" ]; then
    say "installing the mail catcher's Python packages (tests/requirements.txt)"
    "$venv/bin/pip" install -q --disable-pip-version-check -r tests/requirements.txt
    touch "$stamp"
  fi
}

ensure_browsers() {
  ensure_apt chromium chromium-driver firefox-esr
}

setup_build() {
  ensure_rust
  ensure_wasm_bindgen
  ensure_node_packages   # binaryen's wasm-opt (Debian's binaryen 108 breaks wasm-bindgen output)
}

# --- the extension -----------------------------------------------------------

DIST=dist/extension
WASM_OUT=target/wasm32-unknown-unknown/release/cortico_plugin.wasm
BINDGEN_DIR=target/wasm-bindgen

gz_size() { gzip -9 -c "$1" | wc -c | tr -d ' '; }

# Builds one wasm module of the plug-in core: the launcher every Oscar page
# loads (no features), or the panel (leptos) loaded when staff open it.
build_module() {
  local name=$1; shift
  cargo build -q --release --target wasm32-unknown-unknown -p cortico-plugin "$@"
  local out=$BINDGEN_DIR/$name
  # wasm-bindgen and wasm-opt only when the module changed (keeps no-op builds quick).
  if [ -f "$out/.stamp" ] && cmp -s "$WASM_OUT" "$out/.input.wasm"; then return; fi
  rm -rf "$out"
  mkdir -p "$out"
  cp "$WASM_OUT" "$out/.input.wasm"
  wasm-bindgen --target web --no-typescript --out-name "$name" --out-dir "$out" "$WASM_OUT"
  tests/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-reference-types \
    --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals --enable-multivalue \
    "$out/${name}_bg.wasm" -o "$out/${name}_bg.wasm"
  touch "$out/.stamp"
}

build_extension() {
  setup_build
  say "building the plug-in core for wasm32 (launcher and panel modules)"
  build_module launcher
  build_module panel --features panel
  rm -rf "$DIST"
  mkdir -p "$DIST/pkg" "$DIST/icons"
  cp manifest.json "$DIST/"
  cp extension/*.js extension/config.json "$DIST/"
  cp static/*.html static/logo.svg "$DIST/"
  cp static/icons/*.png "$DIST/icons/"
  for name in launcher panel; do
    cp "$BINDGEN_DIR/$name/$name.js" "$BINDGEN_DIR/$name/${name}_bg.wasm" "$DIST/pkg/"
  done
  # One package per store; the same files load in both browsers.
  python3 - "$DIST" dist <<'PY'
import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
for store in ("chrome", "firefox"):
    with zipfile.ZipFile(os.path.join(out, f"cortico-oscar-{store}.zip"), "w", zipfile.ZIP_DEFLATED) as z:
        for base, _, files in os.walk(src):
            for f in sorted(files):
                path = os.path.join(base, f)
                z.write(path, os.path.relpath(path, src))
PY
  # What every Oscar page load fetches: content.js, the launcher's glue and wasm.
  local page_js=("$DIST/content.js" "$DIST/pkg/launcher.js")
  local js_raw=0 js_gz=0
  for f in "${page_js[@]}"; do
    js_raw=$((js_raw + $(wc -c <"$f"))); js_gz=$((js_gz + $(gz_size "$f")))
  done
  local launcher=$DIST/pkg/launcher_bg.wasm panel=$DIST/pkg/panel_bg.wasm
  echo "launcher_wasm_raw $(wc -c <"$launcher" | tr -d ' ') bytes"
  echo "launcher_wasm_gzip $(gz_size "$launcher") bytes"
  echo "content_script_js_raw $js_raw bytes"
  echo "content_script_js_gzip $js_gz bytes"
  echo "content_script_payload_gzip $(( $(gz_size "$launcher") + js_gz )) bytes"
  echo "panel_wasm_raw $(wc -c <"$panel" | tr -d ' ') bytes"
  echo "panel_wasm_gzip $(gz_size "$panel") bytes"
  echo "panel_js_gzip $(gz_size "$DIST/pkg/panel.js") bytes"
  say "extension ready: $ROOT/$DIST (packages: dist/cortico-oscar-chrome.zip, dist/cortico-oscar-firefox.zip)"
}

# --- native binaries ---------------------------------------------------------

build_native() {
  say "building the messaging service and the Oscar simulator"
  cargo build -q --profile server -p cortico-service -p oscar-sim
}

# --- run ---------------------------------------------------------------------

PIDS=()
stop_all() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}

# Starts a server in the background and waits for its "listening on URL"
# line; sets SERVER_URL. (Not run in a subshell, so PIDS keeps the child.)
SERVER_URL=
start_server() {
  local name=$1; shift
  local log=.data/$name.log
  mkdir -p .data
  : >"$log.out"
  "$@" >"$log.out" 2>"$log" &
  PIDS+=($!)
  for _ in $(seq 1 100); do
    # (No match yet is not an error: the server may still be starting.)
    SERVER_URL=$(grep -o 'listening on http://[^ ]*' "$log.out" 2>/dev/null | head -n1 | cut -d' ' -f3 || true)
    [ -n "$SERVER_URL" ] && return
    kill -0 "${PIDS[-1]}" 2>/dev/null || { cat "$log" >&2; die "$name exited during start-up"; }
    sleep 0.1
  done
  die "$name did not start (see $log)"
}

cmd_run() {
  local open_browser=0
  for arg in "$@"; do
    case $arg in
      --browser) open_browser=1 ;;
      *) die "unknown option for run: $arg (use --browser)" ;;
    esac
  done
  build_extension >/dev/null
  build_native
  ensure_python_tools
  trap stop_all EXIT INT TERM
  local data=.data/service
  mkdir -p "$data"
  local accounts
  accounts=$(target/server/cortico-service --data-dir "$data" seed-demo)
  start_server mail-catcher tests/.venv/bin/python tests/mail/mail_catcher.py --http-port "${MAIL_PORT:-8025}"
  local mail_url=$SERVER_URL
  local smtp_port
  smtp_port=$(grep -o 'smtp=127.0.0.1:[0-9]*' .data/mail-catcher.log.out | cut -d: -f2)
  start_server oscar-sim target/server/oscar-sim --port "${OSCAR_SIM_PORT:-8480}" --variant "${OSCAR_VARIANT:-classic}"
  local sim_url=$SERVER_URL
  start_server cortico-service target/server/cortico-service --data-dir "$data" serve --bind "127.0.0.1:${CORTICO_PORT:-8470}" \
    --smtp-host 127.0.0.1 --smtp-port "$smtp_port" --smtp-tls none --smtp-from "Lakeshore Family Health <no-reply@lakeshore.example>"
  local service_url=$SERVER_URL
  # The demo's clinic IT ships the extension for its service and Oscar (the
  # plug-in runs on the clinic's Oscar origins only).
  printf '{"serviceUrl": "%s", "oscarOrigins": ["%s"]}\n' "$service_url" "$sim_url" >"$DIST/config.json"
  # Connect the service to the simulator's Oscar as a clinic admin would:
  # REST client, key and secret, sign in to Oscar, Allow (OAuth 1.0a).
  local admin_password
  admin_password=$(awk '$1 == "admin@lakeshore.example" { print $2 }' "$data/demo-accounts.txt")
  local oscar_state
  oscar_state=$(node tests/e2e/support/oscar.mjs --service "$service_url" --oscar "$sim_url/oscar" \
    --clinic medicalclinic --email admin@lakeshore.example --password "$admin_password" 2>&1) || oscar_state="not connected ($oscar_state)"
  cat <<EOF

  Oscar simulator (${OSCAR_VARIANT:-classic} OSCAR):
    schedule   $sim_url/oscar/provider/providercontrol.jsp
    e-chart    $sim_url/oscar/casemgmt/forward.jsp?action=view&demographicNo=1001

  Mail patients would receive: $mail_url

  Messaging service: $service_url  (API description: $service_url/openapi.json)
    Oscar: $oscar_state (OAuth 1.0a to the simulator as provider 100001)
    data: $ROOT/$data (SQLite database, attachments, secret key)
$(printf '%s\n' "$accounts" | sed 's/^/    /')

  Load the extension from $ROOT/$DIST
    Chrome/Chromium: chrome://extensions, turn on Developer mode, "Load unpacked", pick that folder.
    Firefox:         about:debugging#/runtime/this-firefox, "Load Temporary Add-on", pick its manifest.json.

  Logs are in .data/. Press Ctrl-C to stop.
EOF
  if [ "$open_browser" = 1 ]; then
    # A profile of its own under .data/, with the built extension loaded.
    local chromium
    chromium=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
    [ -n "$chromium" ] || die "--browser needs Chromium (apt install chromium)"
    "$chromium" --user-data-dir="$ROOT/.data/chromium-profile" --no-first-run --no-default-browser-check \
      --disable-extensions-except="$ROOT/$DIST" --load-extension="$ROOT/$DIST" \
      "$sim_url/oscar/provider/providercontrol.jsp" >.data/chromium.log 2>&1 &
    PIDS+=($!)
  fi
  wait
}

# --- test --------------------------------------------------------------------

# The Postgres server the service suite also runs on (each test makes and
# drops a database of its own): CORTICO_TEST_POSTGRES, else the machine's
# local server on 127.0.0.1:5432 when one answers. CI must have one.
postgres_for_tests() {
  if [ -n "${CORTICO_TEST_POSTGRES:-}" ]; then
    printf '%s' "$CORTICO_TEST_POSTGRES"
  elif (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
    printf '%s' "postgres://postgres@127.0.0.1:5432/postgres"
  elif [ "${CI:-}" = "true" ]; then
    die "CI runs the service suite on Postgres too: no server at 127.0.0.1:5432 and CORTICO_TEST_POSTGRES is not set"
  else
    say "no Postgres at 127.0.0.1:5432 and CORTICO_TEST_POSTGRES not set: the Postgres run is SKIPPED"
    return 1
  fi
}

# A database URL without its password, for printing.
redact_url() { printf '%s' "$1" | sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#'; }

cmd_test() {
  ensure_browsers
  ensure_python_tools
  build_extension
  say "native tests (protocol, service, simulator) on SQLite"
  env -u CORTICO_TEST_POSTGRES cargo test -q
  local pg_url
  if pg_url="$(postgres_for_tests)"; then
    say "the service suite again on Postgres, plus two instances on one database ($(redact_url "$pg_url"))"
    CORTICO_TEST_POSTGRES="$pg_url" cargo test -q -p cortico-service --test api --test instances --test durability
  fi
  say "plug-in core tests in headless Chromium (wasm-bindgen-test)"
  CHROMEDRIVER=/usr/bin/chromedriver \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    WASM_BINDGEN_TEST_TIMEOUT=120 \
    cargo test --target wasm32-unknown-unknown -p cortico-plugin --features panel
  say "the extension's trust rules (extension/trust.js) under Node"
  (cd tests && node --test --test-reporter=spec unit/)
  build_native
  say "end-to-end tests in Chromium and Firefox"
  rm -f tests/artifacts/metrics.txt
  (cd tests && node --test --test-concurrency=1 --test-reporter=spec e2e/)
  say "figures measured by the end-to-end run (tests/artifacts/metrics.txt)"
  cat tests/artifacts/metrics.txt
}

# --- bench -------------------------------------------------------------------

cmd_bench() {
  ensure_rust
  cargo build -q --profile server -p cortico-service --bin cortico-bench
  local pg_url
  if pg_url="$(CI= postgres_for_tests)"; then
    say "messaging service benchmark: SQLite (synchronous=FULL), then Postgres ($(redact_url "$pg_url"))"
    CORTICO_BENCH_POSTGRES="$pg_url" target/server/cortico-bench "$@"
  else
    say "messaging service benchmark: SQLite (synchronous=FULL)"
    target/server/cortico-bench "$@"
  fi
}

case "${1:-build}" in
  build) build_extension ;;
  run) shift; cmd_run "$@" ;;
  test) cmd_test ;;
  bench) shift; cmd_bench "$@" ;;
  *) die "unknown command '$1' (use: build, run, test, bench)" ;;
esac
