# Sourced by ./scripts/test and ./scripts/demo: makes .venv and installs the project into it.
# Re-running is fast: nothing is reinstalled unless pyproject.toml changed.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

pick_python() {
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
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

covers_extras() {  # covers_extras HAVE WANT: every comma-separated extra of WANT is in HAVE
  local extra
  for extra in ${2//,/ }; do
    [[ ",$1," == *",$extra,"* ]] || return 1
  done
}

ensure_venv() {
  local extras="$1" py stamp want
  if [ ! -x "$VENV/bin/python" ]; then
    py="$(pick_python)"
    log "creating .venv with $py"
    "$py" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
  fi
  stamp="$VENV/.installed-$extras"
  want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
  # An install with more extras (./scripts/test's idp,app,dev) covers fewer (idp,app).
  local other
  for other in "$VENV"/.installed-*; do
    if [ -f "$other" ] && [ "$(cat "$other")" = "$want" ] &&
      covers_extras "${other##*/.installed-}" "$extras"; then
      stamp="$other"
      break
    fi
  done
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] ||
    ! "$VENV/bin/python" -c 'import idp, shared, authenticator_app' 2>/dev/null; then
    log "installing the project and its dependencies ($extras)"
    "$VENV/bin/python" -m pip install -q -e "$ROOT[$extras]"
    echo "$want" >"$stamp"
  fi
}
