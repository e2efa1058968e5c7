#!/usr/bin/env bash
# Screenshots of the Windows installer's message box for docs/install.md, taken under
# Wine on a virtual X display (Xvfb): the release exe double-clicked (started with no
# argument) in a fresh prefix, once with the Chinese and once with the English display
# language, and the screen grabbed while the box is open. Not part of CI: the pictures
# are committed in docs/install/ (windows-*-done.png).
#
#   scripts/shots-windows.sh [OUT_DIR]     (default: docs/install)
#
# Needs: wine64, MinGW (Wine 8's missing bcryptprimitives.dll, as in
# scripts/test-windows.sh), xvfb, xdotool, imagemagick, a CJK font
# (fonts-wqy-microhei), the zh_CN.UTF-8 and en_US.UTF-8 locales. Installs the packages
# that are missing.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
# shellcheck source-path=SCRIPTDIR source=lib/deps.sh
source scripts/lib/deps.sh
deps_apt wine64 wine gcc-mingw-w64-x86-64 xvfb xdotool imagemagick fonts-wqy-microhei >/dev/null
deps_rust_targets x86_64-pc-windows-gnu

# Wine takes the display language from the locale it starts in: both must exist.
for l in zh_CN.utf8 en_US.utf8; do
    locale -a | grep -qx "$l" || {
        echo "shots-windows: locale $l missing (add it to /etc/locale.gen, run locale-gen)" >&2
        exit 1
    }
done
out=$(realpath -m "${1:-docs/install}")
mkdir -p "$out"
target=${CARGO_TARGET_DIR:-target}
cargo build --release --target x86_64-pc-windows-gnu -p native-host --locked
exe=$(realpath "$target/x86_64-pc-windows-gnu/release/certrenew-host.exe")

work=$(mktemp -d)
display=:$((90 + RANDOM % 9))
Xvfb "$display" -screen 0 800x500x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
cleanup() {
    WINEPREFIX=$work/zh wineserver -k 2>/dev/null || true
    WINEPREFIX=$work/en wineserver -k 2>/dev/null || true
    kill "$xvfb" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
export DISPLAY=$display WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="

# shot LANG_NAME LOCALE: installs in a fresh prefix with that locale, grabs the box.
shot() {
    local name=$1 locale=$2
    export WINEPREFIX=$work/$name
    LANG=$locale LC_ALL=$locale wineboot -i >/dev/null 2>&1
    x86_64-w64-mingw32-gcc -O2 -shared -s -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
        native-host/tests/wine/bcryptprimitives.c -ladvapi32
    mkdir -p "$WINEPREFIX/drive_c/users/Public/Downloads"
    local download=$WINEPREFIX/drive_c/users/Public/Downloads/certrenew-host-windows-x86_64.exe
    cp "$exe" "$download"
    # Wine's virtual desktop draws the window frame and title (Xvfb has no window
    # manager); the box is grabbed once it is on screen, then cut out of the desktop.
    (LANG=$locale LC_ALL=$locale wine explorer /desktop=certrenew,800x500 "$download" >/dev/null 2>&1 &)
    local i colors=0
    for i in $(seq 1 60); do
        sleep 0.5
        import -window root "$work/screen.png" 2>/dev/null || continue
        colors=$(convert "$work/screen.png" -format %k info:)
        [ "$colors" -lt 40 ] || break
    done
    [ "$colors" -ge 40 ] || { echo "shots-windows: no message box appeared ($name)" >&2; return 1; }
    sleep 1
    import -window root "$work/screen.png"
    convert "$work/screen.png" -fuzz 2% -trim +repage -bordercolor white -border 0 "$out/windows-$name-done.png"
    echo "shots-windows: $out/windows-$name-done.png"
    xdotool key Return 2>/dev/null || true
    wineserver -k 2>/dev/null || true
}

shot zh zh_CN.UTF-8
shot en en_US.UTF-8
