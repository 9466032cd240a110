#!/usr/bin/env bash
# Build rollcall and install a relocatable bundle under a prefix:
#   <prefix>/bin/rollcall                                  the binary
#   <prefix>/lib/rollcall/librollcall_*.so                 the standard step and check plugins
#   <prefix>/share/man/man1/rollcall.1                     the man page
#   <prefix>/share/bash-completion/completions/rollcall    shell completions (bash, zsh, fish)
#   <prefix>/share/zsh/site-functions/_rollcall
#   <prefix>/share/fish/vendor_completions.d/rollcall.fish
#   <prefix>/share/rollcall/recipes/                       the example recipes and rolls
# rollcall finds its plugins in <prefix>/lib/rollcall/ by itself (from its real path), so the
# prefix can be moved or copied as a whole.
#
# Usage: scripts/install.sh [--prefix DIR] [--profile release|debug] [--no-build] [--target-dir DIR]
#   --prefix DIR      where to install (default: $HOME/.local, else /usr/local)
#   --profile NAME    cargo profile to build and take the files from (default: release)
#   --no-build        install what is already built in the target folder
#   --target-dir DIR  cargo's target folder (default: $CARGO_TARGET_DIR, else ./target)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

if [ -n "${HOME:-}" ]; then prefix="$HOME/.local"; else prefix=/usr/local; fi
profile=release
build=1
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a folder}"; shift 2 ;;
    --prefix=*) prefix="${1#*=}"; shift ;;
    --profile) profile="${2:?--profile needs release or debug}"; shift 2 ;;
    --profile=*) profile="${1#*=}"; shift ;;
    --no-build) build=0; shift ;;
    --target-dir) target_dir="${2:?--target-dir needs a folder}"; shift 2 ;;
    --target-dir=*) target_dir="${1#*=}"; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$profile" in
  release|debug) ;;
  *) echo "install.sh: --profile must be release or debug, not $profile" >&2; exit 2 ;;
esac

# The standard plugins: the five steps and the practice check (the template plugin is an example).
plugins=(rename track_names episode_split channel_layout sound_report practice)

if [ "$build" = 1 ]; then
  packages=(-p rollcall)
  for plugin in "${plugins[@]}"; do packages+=(-p "rollcall-${plugin//_/-}"); done
  flag=()
  [ "$profile" = release ] && flag=(--release)
  (cd "$repo" && cargo build "${flag[@]}" --target-dir "$target_dir" "${packages[@]}")
fi

built="$target_dir/$profile"
binary="$built/rollcall"
[ -x "$binary" ] || { echo "install.sh: no rollcall binary at $binary (build it, or drop --no-build)" >&2; exit 2; }

mkdir -p "$prefix/bin" "$prefix/lib/rollcall" "$prefix/share/man/man1" \
  "$prefix/share/bash-completion/completions" "$prefix/share/zsh/site-functions" \
  "$prefix/share/fish/vendor_completions.d" "$prefix/share/rollcall"
# Copied to a temp name and renamed, so a running rollcall is never overwritten in place.
install_file() { # SOURCE DEST MODE
  cp "$1" "$2.installing.$$"
  chmod "$3" "$2.installing.$$"
  mv -f "$2.installing.$$" "$2"
}
install_file "$binary" "$prefix/bin/rollcall" 755
for plugin in "${plugins[@]}"; do
  name="librollcall_${plugin}.so"
  # `cargo build` puts a cdylib beside the binary, `cargo test` only in deps/: take the newer.
  source=""
  for candidate in "$built/$name" "$built/deps/$name"; do
    if [ -f "$candidate" ] && { [ -z "$source" ] || [ "$candidate" -nt "$source" ]; }; then
      source="$candidate"
    fi
  done
  [ -n "$source" ] || { echo "install.sh: plugin $name not built in $built" >&2; exit 2; }
  install_file "$source" "$prefix/lib/rollcall/$name" 644
done

installed="$prefix/bin/rollcall"
"$installed" man > "$prefix/share/man/man1/rollcall.1"
"$installed" completions bash > "$prefix/share/bash-completion/completions/rollcall"
"$installed" completions zsh > "$prefix/share/zsh/site-functions/_rollcall"
"$installed" completions fish > "$prefix/share/fish/vendor_completions.d/rollcall.fish"
rm -rf "$prefix/share/rollcall/recipes"
cp -R "$repo/recipes" "$prefix/share/rollcall/recipes"

echo "installed rollcall $("$installed" --version | sed 's/^rollcall //') into $prefix"
"$installed" plugins | sed 's/^/  /'
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "add $prefix/bin to PATH to run rollcall" ;;
esac
