# Sourced by ./scripts/test, ./scripts/demo and the other scripts: makes .venv and installs the
# locked dependencies (requirements/*.txt) and the project into it.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# $PYTHON when set; else the distribution's own build first (Debian's is compiled with PGO and
# LTO, and ran the IdP 7-9 % faster here than an interpreter built by pyenv's defaults, which
# enable neither: docs/decisions.md), then whatever is on PATH.
pick_python() {
  for candidate in ${PYTHON:+"$PYTHON"} /usr/bin/python3.11 /usr/bin/python3 python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys, ensurepip, venv; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "Python 3.11 or newer is required (none found on PATH)." >&2
  return 1
}

# Debian packages; installed only when missing, and only as root (otherwise: say what to run).
ensure_debian_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    log "not a Debian system: please install the equivalents of: ${missing[*]}"
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages (run as root): apt-get install -y ${missing[*]}"
    return 1
  fi
  log "installing Debian packages: ${missing[*]}"
  # The package lists may be stale or absent on a fresh machine.
  apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The venv itself, with an up-to-date pip (./scripts/lock needs no more).
ensure_base_venv() {
  local py
  if [ ! -x "$VENV/bin/python" ]; then
    py="$(pick_python)" || return 1
    log "creating .venv with $py"
    "$py" -m venv "$VENV" || return 1
    "$VENV/bin/python" -m pip install -q --upgrade pip || return 1
  fi
}

# The lock files (requirements/, written by ./scripts/lock) for a list of extras: idp, app,
# idp,app or idp,app,dev (dev includes the other two).
lock_files() {
  local extras=",$1,"
  if [[ "$extras" == *,dev,* ]]; then
    echo "$ROOT/requirements/dev.txt"
    return 0
  fi
  [[ "$extras" == *,idp,* ]] && echo "$ROOT/requirements/idp.txt"
  [[ "$extras" == *,app,* ]] && echo "$ROOT/requirements/app.txt"
  return 0
}

# Installs exactly the locked versions (hashes checked), then the project itself in editable mode
# without dependencies. Re-running is fast: nothing is reinstalled unless a lock file or
# pyproject.toml changed (the stamp is their hash).
ensure_venv() {
  local extras="$1" stamp want lock
  local locks=() args=()
  ensure_base_venv || return 1
  mapfile -t locks < <(lock_files "$extras")
  if [ ${#locks[@]} -eq 0 ]; then
    log "no lock file for extras '$extras' (known: idp, app, dev)"
    return 1
  fi
  for lock in "${locks[@]}"; do
    [ -f "$lock" ] || { log "missing $lock: run ./scripts/lock"; return 1; }
    args+=(-r "$lock")
  done
  stamp="$VENV/.installed-${extras//,/-}"
  want="$(cat "$ROOT/pyproject.toml" "${locks[@]}" | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] ||
    ! "$VENV/bin/python" -c 'import idp, shared, authenticator_app' 2>/dev/null; then
    log "installing the locked dependencies ($extras: ${locks[*]##*/}) and the project"
    "$VENV/bin/python" -m pip install -q --require-hashes "${args[@]}" || return 1
    "$VENV/bin/python" -m pip install -q --no-deps -e "$ROOT" || return 1
    echo "$want" >"$stamp"
  fi
}
