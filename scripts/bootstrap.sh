#!/usr/bin/env bash
# Installs what the school records system needs on a Debian machine, idempotently:
# Debian packages (apt-get update only when one is missing), a Python 3.12+ virtualenv
# in ./.venv, the pinned pip requirements (only when they changed) and the compiled
# Vietnamese messages. A second run changes nothing and takes well under a second.
#
#   scripts/bootstrap.sh                  what the demo and production need
#   scripts/bootstrap.sh --test           plus the test requirements, chromium and docker-compose
#   scripts/bootstrap.sh --print-python   which Python a new .venv would use, and stop
#
# PYTHON=/path/to/python3.12 picks the interpreter for a new .venv; otherwise the first
# Python 3.12+ of: python3.13/python3.12 on PATH, pyenv's versions, Debian's python3.
# A .venv whose Python is older than 3.12 (or broken) is recreated.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

MODE=demo
case "${1:-}" in
    "") ;;
    --test) MODE=test ;;
    --print-python) MODE=print-python ;;
    *) echo "usage: $0 [--test | --print-python]" >&2; exit 2 ;;
esac

VENV="$ROOT/.venv"
MIN_PYTHON="3.12"
# WeasyPrint: pango (with its FreeType backend) and harfbuzz's subsetter for fast font
# embedding; DejaVu has every Vietnamese glyph; gettext compiles the catalogue.
# softhsm2: the PKCS#11 tokens of the demo's and the tests' signatures (archive/signing/).
APT_PACKAGES=(libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core gettext softhsm2)
# The tests also drive Debian's chromium (through Playwright, whose bundled node needs
# libatomic1), check docker-compose.yml with docker-compose and deploy/nginx.conf with `nginx -t`.
APT_TEST_PACKAGES=(chromium libatomic1 docker-compose nginx-light)

say() { printf '==> %s\n' "$*"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

missing_packages() {
    local package
    for package in "$@"; do
        [[ "$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null)" == installed ]] || echo "$package"
    done
}

apt_install() {
    command -v dpkg-query >/dev/null || die "this script installs Debian packages with apt-get; it needs Debian."
    local missing
    mapfile -t missing < <(missing_packages "$@")
    ((${#missing[@]} == 0)) && return 0
    ((EUID == 0)) || die "Debian packages missing: ${missing[*]}. Run this as root, or first: apt-get install ${missing[*]}"
    say "Installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null
}

python_ok() {  # is "$1" a working Python 3.12 or newer?
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}

find_python() {
    local candidate root
    if [[ -n "${PYTHON:-}" ]]; then
        python_ok "$PYTHON" || die "PYTHON=$PYTHON is not a working Python $MIN_PYTHON or newer."
        echo "$PYTHON"
        return
    fi
    # A pyenv shim is on PATH even when its version is not selected (and then fails): run it to be sure.
    for candidate in python3.13 python3.12; do
        if command -v "$candidate" >/dev/null && python_ok "$candidate"; then
            "$candidate" -c 'import sys; print(sys.executable)'
            return
        fi
    done
    # pyenv's versions, newest first, also when pyenv is not on PATH (a non-interactive shell
    # does not read ~/.bashrc).
    local roots=()
    if command -v pyenv >/dev/null; then roots+=("$(pyenv root)"); fi
    roots+=("${PYENV_ROOT:-}" "${HOME:-/root}/.pyenv" /root/.pyenv)
    for root in "${roots[@]}"; do
        [[ -n "$root" && -d "$root/versions" ]] || continue
        while read -r candidate; do
            if [[ -x "$candidate/bin/python3" ]] && python_ok "$candidate/bin/python3"; then
                echo "$candidate/bin/python3"
                return
            fi
        done < <(compgen -G "$root/versions/3.1[23]*" | sort -rV)
    done
    if python_ok /usr/bin/python3; then
        echo /usr/bin/python3
        return
    fi
    return 1
}

NO_PYTHON="no Python $MIN_PYTHON or newer found (Debian 12's python3 is 3.11).
Looked for: python3.13 and python3.12 on PATH, pyenv's versions 3.12 and 3.13, Debian's /usr/bin/python3.
Install one (e.g. 'pyenv install 3.12', or use Debian 13 whose python3 is 3.13), or name it:
    PYTHON=/path/to/python3.12 scripts/demo.sh    (or scripts/test.sh)"

if [[ $MODE == print-python ]]; then
    find_python || die "$NO_PYTHON"
    exit 0
fi

started=$SECONDS
# Two runs in the same tree (the demo and the tests, say) must not build .venv at the same time.
if command -v flock >/dev/null; then
    exec 9>"/tmp/schoolrecords-bootstrap.$(printf '%s' "$ROOT" | sha256sum | cut -c1-12).lock"
    flock 9
fi

# --- Debian packages -----------------------------------------------------------------
if [[ $MODE == test ]]; then
    apt_install "${APT_PACKAGES[@]}" "${APT_TEST_PACKAGES[@]}"
else
    apt_install "${APT_PACKAGES[@]}"
fi

# --- Python 3.12+ in ./.venv -----------------------------------------------------------
if [[ -x "$VENV/bin/python" ]] && python_ok "$VENV/bin/python" && "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    :  # the existing virtualenv is good
else
    if [[ -e "$VENV" ]]; then
        say "Recreating .venv: its Python is missing, broken or older than $MIN_PYTHON"
        rm -rf "$VENV"
    fi
    PY="$(find_python)" || die "$NO_PYTHON"
    if [[ "$PY" == /usr/bin/python3 ]] && ! "$PY" -c 'import ensurepip' >/dev/null 2>&1; then
        apt_install python3-venv
    fi
    # pip reaches PyPI over HTTPS: a Python built without OpenSSL (libssl3) cannot install anything.
    "$PY" -c 'import ssl' >/dev/null 2>&1 \
        || die "$PY has no ssl module (it was built without OpenSSL, or libssl3 is missing): pip cannot reach PyPI with it."
    say "Creating .venv with $PY (Python $("$PY" -c 'import platform; print(platform.python_version())'))"
    "$PY" -m venv "$VENV"
fi

# --- pip requirements, only when they changed ------------------------------------------
requirements_hash() {  # the requirement files' contents and the virtualenv's Python version
    { cat "$@"; "$VENV/bin/python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1
}

install_requirements() {  # $1: the file pip reads, then every file it includes
    local file="$1" stamp="$VENV/.installed-$1.sha256" hash
    hash="$(requirements_hash "$@")"
    [[ -f "$stamp" && "$(<"$stamp")" == "$hash" ]] && return 0
    say "Installing Python packages from $file"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input --quiet -r "$file"
    echo "$hash" >"$stamp"
}

install_requirements requirements.txt requirements.txt
if [[ $MODE == test ]]; then
    install_requirements requirements-test.txt requirements-test.txt requirements.txt
fi

# --- the Vietnamese catalogue ----------------------------------------------------------
# The .mo files are build output: compile when a .po is newer than its .mo (or has none),
# the same test compilemessages applies to each file.
stale=0
while IFS= read -r -d '' po; do
    if [[ ! -e "${po%.po}.mo" || "$po" -nt "${po%.po}.mo" ]]; then stale=1; fi
done < <(find . \( -path ./.venv -o -path ./.git -o -path ./var -o -path ./node_modules \) -prune \
              -o -path '*/locale/*/LC_MESSAGES/*.po' -print0)
if ((stale)); then
    say "Compiling the translations (locale/*/LC_MESSAGES/*.po)"
    # The settings need DEBUG=1 or a SECRET_KEY to load; compilemessages only reads LOCALE_PATHS.
    DEBUG=1 "$VENV/bin/python" manage.py compilemessages --verbosity 0 \
        --ignore .venv --ignore .git --ignore var --ignore test-results --ignore node_modules
fi

say "Bootstrap ($MODE) done in $((SECONDS - started)) s: $("$VENV/bin/python" --version) in .venv"
