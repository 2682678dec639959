# Sourced by the fetch scripts that take data from Debian packages:
#   unpack_debs PACKAGE...   downloads the .debs (not installed; the package lists are refreshed once
#                            if a download fails) into a temporary folder $work, removed on exit, and
#                            unpacks them all into $work/root.
unpack_debs() {
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  ( cd "$work" && apt-get download "$@" >/dev/null 2>&1 ) || {
    apt-get update -qq >/dev/null && ( cd "$work" && apt-get download "$@" >/dev/null )
  }
  local deb
  for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
}
